import { backOff } from 'exponential-backoff';
import { httpRequest, type HttpResponse } from './http-request';
import { networkReason } from './network-reason';
import { readBounded } from './read-bounded';
import { InputError } from '../../common/cli-errors';
import { oneLine } from '../../common/safe-text';

/** Options of {@link requestJson}. */
export interface RequestJsonOptions {
  /** @default 'GET' */
  readonly method?: 'GET' | 'POST';
  /** Sent as JSON. @default - no body */
  readonly body?: unknown;
  /** Request headers. @default - accept: application/json only */
  readonly headers?: Readonly<Record<string, string>>;
  /** Sent as `authorization: Bearer …` when set and not empty. @default - none */
  readonly bearerToken?: string;
  /** A 404 answers undefined instead of failing. @default false */
  readonly allowNotFound?: boolean;
  /** Per-request deadline. @default 10000 */
  readonly timeoutMs?: number;
  /** Attempts when the server answers 429/5xx or the connection fails. @default 3 */
  readonly attempts?: number;
  /** First retry delay, doubling. @default 500 */
  readonly initialDelayMs?: number;
  /** Largest body read. @default 2 MiB */
  readonly maxBytes?: number;
  /**
   * Reads the reason out of a 4xx answer's JSON body (an API's own error text), shown after the
   * status. @default - the status only
   */
  readonly errorDetail?: (body: unknown) => string | undefined;
}

/** The server could not be reached, or kept answering 429/5xx, through every attempt. */
export class UnreachableError extends InputError {
  constructor(
    readonly where: string,
    readonly reason: string,
  ) {
    super(`could not reach ${where} (${reason})`);
  }
}

class RetryableError extends Error {}

/** The reason in an error answer (at most 4 KiB read, one line of at most 300 characters), or undefined. */
async function errorDetailOf(
  body: Parameters<typeof readBounded>[0],
  read: (body: unknown) => string | undefined,
): Promise<string | undefined> {
  try {
    const text = (await readBounded(body, 4096, () => new Error('too large'))).toString('utf8');
    const detail = read(JSON.parse(text) as unknown);
    return detail === undefined ? undefined : oneLine(detail).slice(0, 300);
  } catch {
    return undefined;
  }
}

/**
 * One JSON API call. 429, 5xx, timeouts and connection errors are retried with backoff, then fail
 * as an {@link UnreachableError}; any other status, a body that is not JSON or one too large fail
 * as an InputError naming the address (never the headers: they may carry a token).
 */
export async function requestJson(url: URL, options: RequestJsonOptions = {}): Promise<unknown> {
  const timeout = options.timeoutMs ?? 10_000;
  const where = `${url.origin}${url.pathname}`;
  try {
    return await backOff(
      async () => {
        let response: HttpResponse;
        try {
          // Redirects are answers, never followed.
          response = await httpRequest(url, {
            method: options.method ?? 'GET',
            timeoutMs: timeout,
            headers: {
              accept: 'application/json',
              ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
              ...options.headers,
              ...(options.bearerToken ? { authorization: `Bearer ${options.bearerToken}` } : {}),
            },
            body: options.body === undefined ? undefined : JSON.stringify(options.body),
          });
        } catch (e) {
          throw new RetryableError(networkReason(e));
        }
        const { status } = response;
        const body = response.body;
        if (status === 404 && options.allowNotFound) {
          response.cancel();
          return undefined;
        }
        if (status === 429 || status >= 500) {
          response.cancel();
          throw new RetryableError(`HTTP ${status}`);
        }
        if (status !== 200) {
          const detail = options.errorDetail ? await errorDetailOf(body, options.errorDetail) : undefined;
          if (!options.errorDetail) response.cancel();
          throw new InputError(`${where} answered HTTP ${status}${detail ? `: ${detail}` : ''}`);
        }
        const text = (
          await readBounded(
            body,
            options.maxBytes ?? 2 * 1024 * 1024,
            (limit) => new InputError(`${where}: the answer is larger than ${limit} bytes`),
          )
        ).toString('utf8');
        try {
          return JSON.parse(text) as unknown;
        } catch {
          throw new InputError(`${where}: the answer is not JSON`);
        }
      },
      {
        numOfAttempts: options.attempts ?? 3,
        startingDelay: options.initialDelayMs ?? 500,
        timeMultiple: 2,
        retry: (e) => e instanceof RetryableError,
      },
    );
  } catch (e) {
    if (e instanceof RetryableError) throw new UnreachableError(where, e.message);
    throw e;
  }
}
