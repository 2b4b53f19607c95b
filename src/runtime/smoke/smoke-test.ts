import { backOff } from 'exponential-backoff';
import { request } from 'undici';
import { inspectWav, type WavInfo } from './wav';
import { CheckFailedError } from '../../common/cli-errors';

/** Options of {@link runSmokeTest}. */
export interface SmokeTestOptions {
  readonly baseUrl: URL;
  /** @default '/health' */
  readonly healthPath: string;
  /** TTS endpoint; when unset only health is checked. */
  readonly synthesisPath?: string;
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

const AUDIO_TYPES = /^audio\/(wav|wave|x-wav|vnd\.wave)\b/i;

async function get(url: URL, timeoutMs: number) {
  return request(url, { method: 'GET', headersTimeout: timeoutMs, bodyTimeout: timeoutMs, signal: AbortSignal.timeout(timeoutMs) });
}

/**
 * Waits for the health endpoint (bounded retries, exponential backoff), then asks for a short
 * synthesis and checks that the answer is real audio. Throws CheckFailedError with the reason.
 */
export async function runSmokeTest(o: SmokeTestOptions): Promise<SmokeTestResult> {
  const healthUrl = new URL(o.healthPath, o.baseUrl);
  let attempts = 0;
  try {
    await backOff(async () => {
      attempts++;
      const res = await get(healthUrl, o.timeoutMs);
      await res.body.dump();
      if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}`);
    }, {
      numOfAttempts: o.retries + 1,
      startingDelay: o.initialDelayMs,
      timeMultiple: 2,
      maxDelay: 5000,
      delayFirstAttempt: false,
      retry: (e: Error, n: number) => {
        o.log(`health ${healthUrl.href}: attempt ${n} failed (${describe(e)}), retrying`);
        return true;
      },
    });
  } catch (e) {
    throw new CheckFailedError(`unhealthy: ${healthUrl.href} did not answer 200 after ${attempts} attempts (last: ${describe(e as Error)})`);
  }
  o.log(`health ${healthUrl.href}: OK after ${attempts} attempt(s)`);
  if (!o.synthesisPath) return { healthAttempts: attempts };

  const url = new URL(o.synthesisPath, o.baseUrl);
  let res;
  let body: Buffer;
  try {
    res = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'accept': 'audio/wav' },
      body: JSON.stringify({ text: o.text }),
      headersTimeout: o.timeoutMs,
      bodyTimeout: o.timeoutMs,
      signal: AbortSignal.timeout(o.timeoutMs),
    });
    body = Buffer.from(await res.body.arrayBuffer());
  } catch (e) {
    throw new CheckFailedError(`synthesis ${url.href} failed: ${describe(e as Error)}`);
  }
  if (res.statusCode !== 200) throw new CheckFailedError(`synthesis ${url.href} answered HTTP ${res.statusCode}: ${body.toString('utf8', 0, 200)}`);
  const contentType = String(res.headers['content-type'] ?? '');
  if (!AUDIO_TYPES.test(contentType)) throw new CheckFailedError(`synthesis ${url.href} answered content-type "${contentType}", expected audio/wav`);
  const wav = inspectWav(body);
  if ('problem' in wav) throw new CheckFailedError(`synthesis ${url.href} returned invalid audio: ${wav.problem}`);
  o.log(`synthesis ${url.href}: ${wav.durationSeconds.toFixed(2)} s of audio, ${wav.channels} ch, ${wav.sampleRate} Hz, ${wav.bitsPerSample}-bit`);
  return { healthAttempts: attempts, audio: { ...wav, contentType, bytes: body.length } };
}

function describe(e: Error): string {
  if (e.name === 'TimeoutError' || /timeout/i.test(e.name) || /aborted due to timeout/i.test(e.message)) return 'timed out';
  const code = (e as NodeJS.ErrnoException).code;
  return code ? `${code}` : e.message;
}
