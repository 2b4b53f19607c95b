import * as http from 'node:http';
import { httpRequest } from '../../src/runtime/http/http-request';
import { networkReason } from '../../src/runtime/http/network-reason';
import { readBounded } from '../../src/runtime/http/read-bounded';
import { serveLocal } from '../support/local-http-server';

const serve = (answer: http.RequestListener) => serveLocal(answer, '/v1/synthesize');

const tooLarge = (limit: number) => new Error(`over ${limit}`);

describe('httpRequest (node:http)', () => {
  test('sends the method, headers and body; reads the status, a header and the body', async () => {
    const seen: { method?: string; type?: string; length?: string; body?: string } = {};
    const s = await serve((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        Object.assign(seen, {
          method: req.method,
          type: req.headers['content-type'],
          length: req.headers['content-length'],
          body: Buffer.concat(chunks).toString('utf8'),
        });
        res.writeHead(201, { 'x-answer': 'yes' }).end('créé');
      });
    });
    try {
      const res = await httpRequest(s.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"text":"héllo"}',
        timeoutMs: 10_000,
      });
      expect(res.status).toBe(201);
      expect(res.header('X-Answer')).toBe('yes');
      expect(res.header('x-missing')).toBeUndefined();
      expect((await readBounded(res.body, 1024, tooLarge)).toString('utf8')).toBe('créé');
      // The length is the body's bytes, not its characters.
      expect(seen).toEqual({ method: 'POST', type: 'application/json', length: '17', body: '{"text":"héllo"}' });
    } finally {
      s.close();
    }
  });

  test('a redirect is the answer: its status, never the place it points to', async () => {
    const s = await serve((_req, res) => res.writeHead(302, { location: 'http://127.0.0.1:9/elsewhere' }).end());
    try {
      const res = await httpRequest(s.url, { timeoutMs: 10_000 });
      expect([res.status, res.header('location')]).toEqual([302, 'http://127.0.0.1:9/elsewhere']);
      res.cancel();
    } finally {
      s.close();
    }
  });

  test('the deadline covers the body: an answer that stalls after its headers fails reading, as timed out', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'audio/wav' });
      res.write('RIFF'); // and nothing more
    });
    try {
      const res = await httpRequest(s.url, { timeoutMs: 200 });
      expect(res.status).toBe(200);
      const failed = await readBounded(res.body, 1024, tooLarge).catch((e: unknown) => e);
      // The deadline's own error, not the connection reset it causes (node's, of another realm: no instanceof).
      expect(failed).toHaveProperty('name', 'TimeoutError');
      expect(networkReason(failed)).toBe('timed out');
    } finally {
      s.close();
    }
  });
});
