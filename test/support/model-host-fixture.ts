import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the fixture serves one path, per request (the n-th request uses behaviours[n], then the last one). */
export type Behaviour =
  | { kind: 'ok' }
  | { kind: 'status'; status: number }
  | { kind: 'truncate'; bytes: number }
  | { kind: 'corrupt' }
  | { kind: 'stall'; afterBytes: number }
  | { kind: 'slow'; chunkBytes: number; delayMs: number }
  | { kind: 'redirect'; to: string };

export interface ModelHostFixture {
  readonly url: string;
  readonly requests: Map<string, number>;
  close(): Promise<void>;
}

/** A stand-in model host on 127.0.0.1: serves fixed bodies by path with scripted faults. */
export async function startModelHost(
  files: Readonly<Record<string, { body: Buffer; behaviours: readonly Behaviour[] }>>,
): Promise<ModelHostFixture> {
  const requests = new Map<string, number>();
  const open = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    const url = req.url ?? '';
    const n = requests.get(url) ?? 0;
    requests.set(url, n + 1);
    const file = files[url];
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    const b = file.behaviours[Math.min(n, file.behaviours.length - 1)]!;
    const headers = { 'content-type': 'application/octet-stream', 'content-length': String(file.body.length) };
    switch (b.kind) {
      case 'ok':
        res.writeHead(200, headers).end(file.body);
        break;
      case 'status':
        res.writeHead(b.status).end();
        break;
      case 'redirect':
        res.writeHead(302, { location: b.to }).end();
        break;
      case 'corrupt': {
        const bad = Buffer.from(file.body);
        bad[0] = 255 - bad[0]!; // another byte, whatever it was
        res.writeHead(200, headers).end(bad);
        break;
      }
      case 'truncate':
        res.writeHead(200, headers);
        res.write(file.body.subarray(0, b.bytes), () => res.destroy());
        break;
      case 'stall':
        open.add(res);
        res.writeHead(200, headers);
        res.write(file.body.subarray(0, b.afterBytes));
        break; // never ends: the client's idle timeout must fire
      case 'slow': {
        res.writeHead(200, headers);
        let offset = 0;
        const tick = () => {
          if (offset >= file.body.length) {
            res.end();
            return;
          }
          res.write(file.body.subarray(offset, offset + b.chunkBytes));
          offset += b.chunkBytes;
          setTimeout(tick, b.delayMs);
        };
        tick();
        break;
      }
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        for (const res of open) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
