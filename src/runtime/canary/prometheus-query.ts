import { InputError } from '../../common/cli-errors';
import { requestJson } from '../http/request-json';

/** Where and how to ask a Prometheus server (or anything serving its HTTP API: Thanos, Mimir, VictoriaMetrics). */
export interface PrometheusEndpoint {
  /** The API's base URL, e.g. `https://prometheus.example.com` or one with a path prefix (`…/prometheus`). */
  readonly url: URL;
  /** Sent as a bearer token when set. @default - none */
  readonly token?: string;
  /** Per-request deadline. @default 10000 */
  readonly timeoutMs?: number;
}

/** `…/api/v1/query` under the base URL, its path prefix kept. */
function queryUrl(base: URL, query: string, at: Date): URL {
  const url = new URL(base.href);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/api/v1/query`;
  url.search = new URLSearchParams({ query, time: (at.getTime() / 1000).toFixed(3) }).toString();
  return url;
}

/** Prometheus's error answer: `{"status":"error","errorType":"bad_data","error":"…"}`. */
function prometheusError(body: unknown): string | undefined {
  const b = body as { errorType?: unknown; error?: unknown } | null;
  return typeof b?.error === 'string'
    ? `${typeof b.errorType === 'string' ? `${b.errorType}: ` : ''}${b.error}`
    : undefined;
}

/**
 * Evaluates an instant query that yields at most one sample (an aggregation without `by`) and
 * returns its value: undefined when the result is empty or NaN (no data to divide).
 * Any other shape of answer is an InputError naming the endpoint and the query.
 */
export async function queryValue(endpoint: PrometheusEndpoint, query: string, at: Date): Promise<number | undefined> {
  const url = queryUrl(endpoint.url, query, at);
  const answer = (await requestJson(url, {
    bearerToken: endpoint.token,
    timeoutMs: endpoint.timeoutMs,
    errorDetail: prometheusError,
  })) as { status?: unknown; data?: { resultType?: unknown; result?: unknown } } | null;
  const where = `${url.origin}${url.pathname} (query ${query})`;
  if (answer?.status !== 'success') {
    throw new InputError(
      `${where}: the answer's status is ${JSON.stringify(answer?.status)}${prometheusError(answer) ? `: ${prometheusError(answer)}` : ''}`,
    );
  }
  const { resultType, result } = answer.data ?? {};
  if (resultType !== 'vector' || !Array.isArray(result)) {
    throw new InputError(`${where}: expected an instant vector, got ${JSON.stringify(resultType)}`);
  }
  if (result.length === 0) return undefined;
  if (result.length > 1) throw new InputError(`${where}: expected at most one series, got ${result.length}`);
  const value = (result[0] as { value?: unknown }).value;
  if (!Array.isArray(value) || value.length !== 2 || typeof value[1] !== 'string') {
    throw new InputError(`${where}: a sample must be [time, "value"], got ${JSON.stringify(value)}`);
  }
  // Prometheus writes infinities as "+Inf"/"-Inf" (a quantile past the highest bucket is +Inf: slow, not unknown).
  const n = value[1] === '+Inf' ? Infinity : value[1] === '-Inf' ? -Infinity : Number(value[1]);
  return Number.isNaN(n) ? undefined : n;
}
