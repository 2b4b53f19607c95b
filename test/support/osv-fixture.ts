import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the fixture answers one ID: a record (200), unknown (404), or a server error. */
export type OsvAnswer = Record<string, unknown> | 404 | 500;

/** A stand-in OSV API on 127.0.0.1: `GET /v1/vulns/{id}` from a table; counts requests per ID. */
export interface OsvFixture {
  readonly url: string;
  readonly requests: Map<string, number>;
  close(): Promise<void>;
}

export async function startOsvFixture(records: Readonly<Record<string, OsvAnswer>>): Promise<OsvFixture> {
  const requests = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const m = /^\/v1\/vulns\/([^/?]+)$/.exec(req.url ?? '');
    if (req.method !== 'GET' || !m) {
      res.writeHead(400).end();
      return;
    }
    const id = decodeURIComponent(m[1]!);
    requests.set(id, (requests.get(id) ?? 0) + 1);
    const answer = records[id] ?? 404;
    if (answer === 404) res.writeHead(404, { 'content-type': 'application/json' }).end('{"code":5,"message":"Bug not found."}');
    else if (answer === 500) res.writeHead(500).end('upstream error');
    else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
