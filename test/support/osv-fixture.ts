import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the fixture answers one ID: a record (200), unknown (404), or a server error. */
export type OsvAnswer = Record<string, unknown> | 404 | 500;

/** What `POST /v1/querybatch` finds: IDs by `ecosystem:name@version` or by commit. */
export interface OsvBatchTable {
  readonly byPackage?: Readonly<Record<string, readonly string[]>>;
  readonly byCommit?: Readonly<Record<string, readonly string[]>>;
  /** IDs per page; more come with a `next_page_token`, as OSV pages a result. @default - one page */
  readonly pageSize?: number;
  /** Answer every batch with this status instead. */
  readonly status?: 500;
}

/** A stand-in OSV API on 127.0.0.1: `GET /v1/vulns/{id}` from a table, `POST /v1/querybatch` from another; counts requests. */
export interface OsvFixture {
  readonly url: string;
  readonly requests: Map<string, number>;
  /** The query lists of every batch request, in order. */
  readonly batches: Record<string, unknown>[][];
  close(): Promise<void>;
}

function answerBatch(table: OsvBatchTable, queries: Record<string, any>[]): { results: object[] } {
  return {
    results: queries.map((q) => {
      const ids =
        q.commit !== undefined
          ? (table.byCommit?.[q.commit] ?? [])
          : (table.byPackage?.[`${q.package?.ecosystem}:${q.package?.name}@${q.version}`] ?? []);
      const offset = q.page_token ? Number(String(q.page_token).slice(2)) : 0;
      const size = table.pageSize ?? ids.length;
      const page = ids.slice(offset, offset + size);
      const more = offset + size < ids.length;
      return {
        ...(page.length ? { vulns: page.map((id) => ({ id, modified: '2026-01-01T00:00:00Z' })) } : {}),
        ...(more ? { next_page_token: `p:${offset + size}` } : {}),
      };
    }),
  };
}

export async function startOsvFixture(
  records: Readonly<Record<string, OsvAnswer>>,
  batch: OsvBatchTable = {},
): Promise<OsvFixture> {
  const requests = new Map<string, number>();
  const batches: Record<string, unknown>[][] = [];
  const server: Server = createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/v1/querybatch') {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        const queries = (JSON.parse(body) as { queries: Record<string, unknown>[] }).queries;
        batches.push(queries);
        if (batch.status) {
          res.writeHead(batch.status).end('upstream error');
        } else {
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answerBatch(batch, queries)));
        }
      });
      return;
    }
    const m = /^\/v1\/vulns\/([^/?]+)$/.exec(req.url ?? '');
    if (req.method !== 'GET' || !m) {
      res.writeHead(400).end();
      return;
    }
    const id = decodeURIComponent(m[1]!);
    requests.set(id, (requests.get(id) ?? 0) + 1);
    const answer = records[id] ?? 404;
    if (answer === 404) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"code":5,"message":"Bug not found."}');
    } else if (answer === 500) {
      res.writeHead(500).end('upstream error');
    } else {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    batches,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
