import { backOff } from 'exponential-backoff';
import { request } from 'undici';
import { InputError } from '../../common/cli-errors';
import { readBounded } from './read-bounded';

/** Options of {@link getJson}. */
export interface GetJsonOptions {
  /** Request headers, e.g. an `authorization`. @default - accept: application/json only */
  readonly headers?: Readonly<Record<string, string>>;
  /** Per-request deadline. @default 10000 */
  readonly timeoutMs?: number;
  /** Attempts when the server answers 429/5xx or the connection fails. @default 3 */
  readonly attempts?: number;
  /** First retry delay, doubling. @default 500 */
  readonly initialDelayMs?: number;
  /** Largest body read. @default 1 MiB */
  readonly maxBytes?: number;
}

class RetryableError extends Error {}

/**
 * GETs a JSON document. 429, 5xx, timeouts and connection errors are retried with backoff; then,
 * like any other status or a body that is not JSON, an InputError naming the address (never the
 * headers: they may carry a token).
 */
export async function getJson(url: URL, options: GetJsonOptions = {}): Promise<unknown> {
  const timeout = options.timeoutMs ?? 10_000;
  const where = `${url.origin}${url.pathname}`;
  try {
    return await backOff(async () => {
      let response;
      try {
        response = await request(url, {
          method: 'GET', headersTimeout: timeout, bodyTimeout: timeout, signal: AbortSignal.timeout(timeout),
          headers: { accept: 'application/json', ...options.headers },
        });
      } catch (e) {
        throw new RetryableError((e as Error).message);
      }
      const { statusCode, body } = response;
      if (statusCode === 429 || statusCode >= 500) {
        await body.dump();
        throw new RetryableError(`HTTP ${statusCode}`);
      }
      if (statusCode !== 200) {
        await body.dump();
        throw new InputError(`${where} answered HTTP ${statusCode}`);
      }
      const text = (await readBounded(body, options.maxBytes ?? 1024 * 1024, (limit) => new InputError(`${where}: the answer is larger than ${limit} bytes`))).toString('utf8');
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new InputError(`${where}: the answer is not JSON`);
      }
    }, { numOfAttempts: options.attempts ?? 3, startingDelay: options.initialDelayMs ?? 500, timeMultiple: 2, retry: (e) => e instanceof RetryableError });
  } catch (e) {
    if (e instanceof RetryableError) throw new InputError(`could not reach ${where} (${e.message})`);
    throw e;
  }
}
