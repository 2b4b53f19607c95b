import { backOff } from 'exponential-backoff';
import { request } from 'undici';
import { inspectWav, type WavInfo } from './wav';
import { CheckFailedError } from '../../common/cli-errors';
import { oneLine, quoteInput } from '../../common/safe-text';
import { readBounded } from '../http/read-bounded';

/** Options of {@link runSmokeTest}. */
export interface SmokeTestOptions {
  readonly baseUrl: URL;
  /** The health endpoint. */
  readonly healthUrl: URL;
  /** TTS endpoint; when unset only health is checked. */
  readonly synthesisUrl?: URL;
  /** Text to synthesize. */
  readonly text: string;
  /** Per-request timeout. */
  readonly timeoutMs: number;
  /** Health attempts after the first. */
  readonly retries: number;
  /** First backoff delay (doubles, capped at 5 s). */
  readonly initialDelayMs: number;
  readonly log: (line: string) => void;
}

export interface SmokeTestResult {
  readonly healthAttempts: number;
  readonly audio?: WavInfo & { contentType: string; bytes: number };
}

/** Most bytes of a synthesis answer read: a smoke test's short sentence is far below it. */
export const MAX_AUDIO_BYTES = 16 * 1024 * 1024;

const answerTooLarge = (limit: number) =>
  new CheckFailedError(`the answer is larger than ${limit} bytes; stopped reading (an endless or runaway stream?)`);

const AUDIO_TYPES = /^audio\/(wav|wave|x-wav|vnd\.wave)\b/i;

async function get(url: URL, timeoutMs: number) {
  return request(url, {
    method: 'GET',
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    signal: AbortSignal.timeout(timeoutMs),
  });
}

/**
 * Waits for the health endpoint (bounded retries, exponential backoff), then asks for a short
 * synthesis and checks that the answer is real audio. Throws CheckFailedError with the reason.
 */
export async function runSmokeTest(o: SmokeTestOptions): Promise<SmokeTestResult> {
  const healthUrl = o.healthUrl;
  let attempts = 0;
  try {
    await backOff(
      async () => {
        attempts++;
        const res = await get(healthUrl, o.timeoutMs);
        await res.body.dump();
        if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}`);
      },
      {
        numOfAttempts: o.retries + 1,
        startingDelay: o.initialDelayMs,
        timeMultiple: 2,
        maxDelay: 5000,
        delayFirstAttempt: false,
        retry: (e: Error, n: number) => {
          o.log(`health ${healthUrl.href}: attempt ${n} failed (${describe(e)}), retrying`);
          return true;
        },
      },
    );
  } catch (e) {
    throw new CheckFailedError(
      `unhealthy: ${healthUrl.href} did not answer 200 after ${attempts} attempts (last: ${describe(e as Error)})`,
    );
  }
  o.log(`health ${healthUrl.href}: OK after ${attempts} attempt(s)`);
  if (!o.synthesisUrl) return { healthAttempts: attempts };

  const url = o.synthesisUrl;
  let res;
  let body: Buffer;
  try {
    res = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'audio/wav' },
      body: JSON.stringify({ text: o.text }),
      headersTimeout: o.timeoutMs,
      bodyTimeout: o.timeoutMs,
      signal: AbortSignal.timeout(o.timeoutMs),
    });
    body = await readBounded(res.body, MAX_AUDIO_BYTES, answerTooLarge);
  } catch (e) {
    if (e instanceof CheckFailedError) {
      res?.body.destroy();
      throw new CheckFailedError(`synthesis ${url.href}: ${e.message}`);
    }
    throw new CheckFailedError(`synthesis ${url.href} failed: ${describe(e as Error)}`);
  }
  if (res.statusCode !== 200) {
    throw new CheckFailedError(
      `synthesis ${url.href} answered HTTP ${res.statusCode}: ${quoteInput(body.toString('utf8', 0, 200))}`,
    );
  }
  const contentType = String(res.headers['content-type'] ?? '');
  if (!AUDIO_TYPES.test(contentType)) {
    throw new CheckFailedError(
      `synthesis ${url.href} answered content-type ${quoteInput(contentType)}, expected audio/wav`,
    );
  }
  const wav = inspectWav(body);
  if ('problem' in wav) throw new CheckFailedError(`synthesis ${url.href} returned invalid audio: ${wav.problem}`);
  o.log(
    `synthesis ${url.href}: ${wav.durationSeconds.toFixed(2)} s of audio, ${wav.channels} ch, ${wav.sampleRate} Hz, ${wav.bitsPerSample}-bit`,
  );
  return { healthAttempts: attempts, audio: { ...wav, contentType, bytes: body.length } };
}

function describe(e: Error): string {
  if (e.name === 'TimeoutError' || /timeout/i.test(e.name) || /aborted due to timeout/i.test(e.message)) {
    return 'timed out';
  }
  const code = (e as NodeJS.ErrnoException).code;
  return code ? `${code}` : oneLine(e.message.slice(0, 200));
}
