import { backOff } from 'exponential-backoff';
import { inspectWav, type WavInfo } from './wav';
import { CheckFailedError } from '../../common/cli-errors';
import { quoteInput } from '../../common/safe-text';
import { httpRequest, type HttpResponse } from '../http/http-request';
import { networkReason } from '../http/network-reason';
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
        const res = await httpRequest(healthUrl, { timeoutMs: o.timeoutMs });
        res.cancel();
        if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
      },
      {
        numOfAttempts: o.retries + 1,
        startingDelay: o.initialDelayMs,
        timeMultiple: 2,
        maxDelay: 5000,
        delayFirstAttempt: false,
        retry: (e: Error, n: number) => {
          o.log(`health ${healthUrl.href}: attempt ${n} failed (${networkReason(e)}), retrying`);
          return true;
        },
      },
    );
  } catch (e) {
    throw new CheckFailedError(
      `unhealthy: ${healthUrl.href} did not answer 200 after ${attempts} attempts (last: ${networkReason(e)})`,
    );
  }
  o.log(`health ${healthUrl.href}: OK after ${attempts} attempt(s)`);
  if (!o.synthesisUrl) return { healthAttempts: attempts };

  const url = o.synthesisUrl;
  let res: HttpResponse;
  let body: Buffer;
  try {
    res = await httpRequest(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'audio/wav' },
      body: JSON.stringify({ text: o.text }),
      timeoutMs: o.timeoutMs,
    });
    // Leaving the loop early (too large) destroys the stream: nothing more is read.
    body = await readBounded(res.body, MAX_AUDIO_BYTES, answerTooLarge);
  } catch (e) {
    if (e instanceof CheckFailedError) throw new CheckFailedError(`synthesis ${url.href}: ${e.message}`);
    throw new CheckFailedError(`synthesis ${url.href} failed: ${networkReason(e)}`);
  }
  if (res.status !== 200) {
    throw new CheckFailedError(
      `synthesis ${url.href} answered HTTP ${res.status}: ${quoteInput(body.toString('utf8', 0, 200))}`,
    );
  }
  const contentType = res.header('content-type') ?? '';
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
