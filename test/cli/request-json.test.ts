import * as http from 'node:http';
import { InputError } from '../../src/common/cli-errors';
import { requestJson, UnreachableError } from '../../src/runtime/http/request-json';
import { serveLocal } from '../support/local-http-server';

/** A server on 127.0.0.1 that answers each request with the next of `answers` (the last repeats). */
function serve(answers: ((res: http.ServerResponse) => void)[]): ReturnType<typeof serveLocal> {
  let n = 0;
  return serveLocal((req, res) => {
    req.resume();
    answers[Math.min(n++, answers.length - 1)](res);
  }, '/api/v1/query');
}

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}) =>
  (res: http.ServerResponse) =>
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));

describe('requestJson (node:http)', () => {
  test('a 503 is retried, then the answer is read', async () => {
    const s = await serve([json(503, {}), json(200, { status: 'success' })]);
    try {
      await expect(requestJson(s.url, { initialDelayMs: 1 })).resolves.toEqual({ status: 'success' });
    } finally {
      s.close();
    }
  });

  test('a redirect is an answer, never followed: it fails naming the status', async () => {
    const s = await serve([json(302, {}, { location: 'http://127.0.0.1:9/elsewhere' })]);
    try {
      const e = await requestJson(s.url).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(InputError);
      expect((e as Error).message).toBe(`${s.url.origin}/api/v1/query answered HTTP 302`);
    } finally {
      s.close();
    }
  });

  test("a 4xx shows the API's own reason; a body over the limit stops the read", async () => {
    const s = await serve([json(400, { error: 'bad query' }), json(200, { data: 'x'.repeat(5000) })]);
    try {
      await expect(requestJson(s.url, { errorDetail: (b) => (b as { error: string }).error })).rejects.toThrow(
        /answered HTTP 400: bad query$/,
      );
      await expect(requestJson(s.url, { maxBytes: 1024 })).rejects.toThrow(/the answer is larger than 1024 bytes/);
    } finally {
      s.close();
    }
  });

  test('a refused connection and a deadline fail as unreachable, with the reason in a word', async () => {
    // The server never answers (closing it ends the request): no timer outlives the test.
    const s = await serve([() => undefined]);
    try {
      const slow = await requestJson(s.url, { timeoutMs: 50, attempts: 2, initialDelayMs: 1 }).catch((x: unknown) => x);
      expect(slow).toBeInstanceOf(UnreachableError);
      expect((slow as UnreachableError).reason).toBe('timed out');
    } finally {
      s.close();
    }
    // The closed server's port: nothing listens there now.
    const closed = new URL('/x', s.url);
    const refused = await requestJson(closed, { attempts: 2, initialDelayMs: 1 }).catch((x: unknown) => x);
    expect(refused).toBeInstanceOf(UnreachableError);
    expect((refused as UnreachableError).message).toBe(`could not reach ${closed.href} (ECONNREFUSED)`);
  });
});
