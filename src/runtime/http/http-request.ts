import * as http from 'node:http';
import * as https from 'node:https';

/** Options of {@link httpRequest}. */
export interface HttpRequestOptions {
  /** @default 'GET' */
  readonly method?: 'GET' | 'POST';
  /** Request headers. @default - none */
  readonly headers?: Readonly<Record<string, string>>;
  /** The request body. @default - none */
  readonly body?: string;
  /** Deadline of the whole exchange, the answer's body included. */
  readonly timeoutMs: number;
  /**
   * The connection pool to send on (a keep-alive agent that the caller destroys when done).
   * @default - a connection of its own, closed after the answer
   */
  readonly agent?: http.Agent;
}

/** An answer whose body has not been read yet. */
export interface HttpResponse {
  readonly status: number;
  /** The body as it arrives; reading fails with the deadline's TimeoutError once it has passed. */
  readonly body: AsyncIterable<Buffer>;
  /** A header's value (repeated headers joined by ", "), or undefined. */
  header(name: string): string | undefined;
  /** Stops reading the body and closes the connection. */
  cancel(): void;
}

/** The body's chunks; the deadline destroys the answer mid-body, and it is named as the reason, not the reset it causes. */
async function* bodyOf(response: http.IncomingMessage, deadline: AbortSignal): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of response) yield chunk as Buffer;
  } catch (e) {
    throw deadline.aborted ? deadline.reason : e;
  }
}

/**
 * One HTTP or HTTPS request on node's own http module. A redirect is an answer, never followed;
 * the deadline covers the body too; without an agent the connection closes after the answer (a CLI
 * makes a few requests, and an idle kept-alive socket must not hold its process open).
 *
 * Not Node's fetch: its first use loads undici and compiles its WebAssembly parser, about 0.2 s of
 * CPU in every CLI process, most of a smoke test's whole run. The http module is already loaded.
 */
export function httpRequest(url: URL, options: HttpRequestOptions): Promise<HttpResponse> {
  const client = url.protocol === 'https:' ? https : http;
  const body = options.body;
  const deadline = AbortSignal.timeout(options.timeoutMs);
  return new Promise((resolve, reject) => {
    const request = client.request(
      url,
      {
        method: options.method ?? 'GET',
        headers: {
          ...options.headers,
          ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }),
        },
        signal: deadline,
        agent: options.agent ?? false,
      },
      (response) => {
        resolve({
          status: response.statusCode ?? 0,
          body: bodyOf(response, deadline),
          header: (name) => {
            const value = response.headers[name.toLowerCase()];
            return Array.isArray(value) ? value.join(', ') : value;
          },
          cancel: () => response.destroy(),
        });
      },
    );
    // Before the answer this rejects; after it, the body's reader sees the error instead.
    request.on('error', reject);
    request.end(body);
  });
}
