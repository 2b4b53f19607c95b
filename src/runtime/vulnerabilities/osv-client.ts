import { cvssBaseScore, ratingOfName, severityOfScore, worse, type Rating } from './severity';
import { InputError } from '../../common/cli-errors';
import { quoteInput } from '../../common/safe-text';
import { requestJson, UnreachableError } from '../http/request-json';

/** The OSV API's public address. */
export const DEFAULT_OSV_URL = 'https://api.osv.dev';

/** The fields of an OSV record that rate it (https://ossf.github.io/osv-schema/). */
export interface OsvRecord {
  readonly id: string;
  readonly aliases?: readonly string[];
  readonly summary?: string;
  readonly severity?: readonly { readonly type?: string; readonly score?: string }[];
  readonly database_specific?: { readonly severity?: unknown };
  readonly affected?: readonly {
    readonly package?: { readonly ecosystem?: string; readonly name?: string };
    readonly ranges?: readonly { readonly type?: string; readonly events?: readonly Record<string, unknown>[] }[];
    readonly severity?: readonly { readonly type?: string; readonly score?: string }[];
    readonly ecosystem_specific?: { readonly severity?: unknown };
  }[];
}

/** One query of `POST /v1/querybatch`: a package version, or a commit. */
export type OsvQuery =
  | { readonly package: { readonly ecosystem: string; readonly name: string }; readonly version: string }
  | { readonly commit: string };

/** Most queries OSV takes in one batch. */
const MAX_BATCH = 1000;

/** Options of {@link OsvClient}. */
export interface OsvClientOptions {
  /** API root, e.g. `https://api.osv.dev` or a test server on 127.0.0.1. @default DEFAULT_OSV_URL */
  readonly baseUrl?: string;
  /** Per-request deadline. @default 10000 */
  readonly timeoutMs?: number;
  /** Attempts per record when OSV answers 429/5xx or the connection fails. @default 3 */
  readonly attempts?: number;
  /** First retry delay, doubling. @default 500 */
  readonly initialDelayMs?: number;
}

/** Largest record body read: real records are a few KiB; this bounds a misbehaving server. */
const MAX_BODY_BYTES = 2 * 1024 * 1024;

/**
 * Reads vulnerability records from the OSV API (`GET /v1/vulns/{id}`), each once. A 404 means
 * OSV does not know the ID (undefined); 429, 5xx, timeouts and connection errors are retried with
 * backoff and then fail as an InputError naming the URL: the severity gate cannot run without
 * OSV, and passing unrated vulnerabilities would be a silent pass.
 */
export class OsvClient {
  private readonly base: URL;
  private readonly cache = new Map<string, Promise<OsvRecord | undefined>>();

  constructor(private readonly options: OsvClientOptions = {}) {
    try {
      this.base = new URL(options.baseUrl ?? DEFAULT_OSV_URL);
    } catch {
      throw new InputError(`OSV URL ${quoteInput(options.baseUrl)} is not a URL such as ${DEFAULT_OSV_URL}`);
    }
    if (this.base.protocol !== 'https:' && this.base.protocol !== 'http:') {
      throw new InputError(`OSV URL must be http or https, got ${this.base.protocol}`);
    }
  }

  /** The record of an ID, or undefined when OSV does not know it. */
  public record(id: string): Promise<OsvRecord | undefined> {
    let pending = this.cache.get(id);
    if (!pending) {
      pending = this.fetchRecord(id);
      this.cache.set(id, pending);
    }
    return pending;
  }

  /**
   * The vulnerability IDs affecting each query (`POST /v1/querybatch`), in the queries' order,
   * following OSV's page tokens until every page is read.
   */
  public async queryBatch(queries: readonly OsvQuery[]): Promise<string[][]> {
    const out: string[][] = queries.map(() => []);
    for (let start = 0; start < queries.length; start += MAX_BATCH) {
      let pending = queries
        .slice(start, start + MAX_BATCH)
        .map((query, i) => ({ index: start + i, query: query as Record<string, unknown> }));
      while (pending.length > 0) {
        const body = await this.send(
          'POST',
          'v1/querybatch',
          { queries: pending.map((p) => p.query) },
          'the batch query',
        );
        const results = (body as { results?: unknown }).results;
        if (!Array.isArray(results) || results.length !== pending.length) {
          throw new InputError(
            `OSV answered the batch query with ${Array.isArray(results) ? results.length : 'no'} results for ${pending.length} queries`,
          );
        }
        const next: typeof pending = [];
        results.forEach((r: { vulns?: { id?: unknown }[]; next_page_token?: unknown }, i) => {
          for (const v of r?.vulns ?? []) if (typeof v.id === 'string') out[pending[i]!.index]!.push(v.id);
          if (typeof r?.next_page_token === 'string' && r.next_page_token !== '') {
            next.push({ ...pending[i]!, query: { ...pending[i]!.query, page_token: r.next_page_token } });
          }
        });
        pending = next;
      }
    }
    return out;
  }

  private async fetchRecord(id: string): Promise<OsvRecord | undefined> {
    const data = await this.send('GET', `v1/vulns/${encodeURIComponent(id)}`, undefined, id);
    if (data === undefined) return undefined;
    if (typeof data !== 'object' || data === null || typeof (data as { id?: unknown }).id !== 'string') {
      throw new InputError(`OSV returned a record without an id for ${id}`);
    }
    return data as OsvRecord;
  }

  /** One API call with retries: the parsed JSON body, or undefined on 404. */
  private async send(method: 'GET' | 'POST', route: string, payload: unknown, what: string): Promise<unknown> {
    const url = new URL(route, this.base.href.endsWith('/') ? this.base : new URL(`${this.base.href}/`));
    try {
      return await requestJson(url, {
        method,
        body: payload,
        allowNotFound: true,
        maxBytes: MAX_BODY_BYTES,
        timeoutMs: this.options.timeoutMs,
        attempts: this.options.attempts,
        initialDelayMs: this.options.initialDelayMs,
      });
    } catch (e) {
      // The severity gate cannot run without OSV: nothing is written, and the message says which call failed.
      if (e instanceof UnreachableError) {
        throw new InputError(`could not reach OSV at ${url.origin} for ${what} (${e.reason}); nothing was written`);
      }
      throw e;
    }
  }
}

/** The rating of one record: the worst of its advisory severity and every CVSS vector it carries. */
export function ratingOfRecord(record: OsvRecord): Rating | undefined {
  let rating: Rating | undefined = ratingOfName(
    record.database_specific?.severity,
    `advisory severity of ${record.id}`,
  );
  const vectors = [...(record.severity ?? []), ...(record.affected ?? []).flatMap((a) => a.severity ?? [])];
  for (const { type, score: vector } of vectors) {
    if (typeof type !== 'string' || typeof vector !== 'string') continue;
    const score = cvssBaseScore(type, vector);
    if (score !== undefined) {
      rating = worse(rating, { severity: severityOfScore(score), score, source: `${type} of ${record.id}` });
    }
  }
  for (const affected of record.affected ?? []) {
    rating = worse(rating, ratingOfName(affected.ecosystem_specific?.severity, `ecosystem severity of ${record.id}`));
  }
  return rating;
}

/** A vulnerability's rating: its own record, else the worst rating among its aliases' records. */
export async function rateVulnerability(
  client: OsvClient,
  id: string,
  aliases: readonly string[],
): Promise<{ rating: Rating; known: boolean; summary?: string }> {
  const record = await client.record(id);
  let rating = record && ratingOfRecord(record);
  if (!rating) {
    const others = [...new Set([...aliases, ...(record?.aliases ?? [])])].filter((a) => a !== id);
    for (const alias of others) {
      const aliasRecord = await client.record(alias);
      rating = worse(rating, aliasRecord && ratingOfRecord(aliasRecord));
    }
  }
  return { rating: rating ?? { severity: 'unknown' }, known: record !== undefined, summary: record?.summary };
}
