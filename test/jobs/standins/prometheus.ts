import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SyntaxNode } from '@lezer/common';
import { parser } from '@prometheus-io/lezer-promql';
import { liveAt, type Cluster } from './cluster';

/**
 * The stand-in Prometheus: its instant-query API (`/api/v1/query`, GET or form POST) over series
 * the scenario's workloads would expose. Every query is parsed with Prometheus's own PromQL grammar
 * (@prometheus-io/lezer-promql) and refused as Prometheus refuses it (400 bad_data) when it does not
 * parse. It evaluates the expression shapes a canary analysis asks, with PromQL's semantics — label
 * matchers (=, !=, =~, !~, anchored), `sum`, `sum by (le)`, `increase`, `rate` of a steady counter,
 * `histogram_quantile` as Prometheus interpolates it — and answers 422 for any other shape, so a
 * query it cannot judge never reads as "no data".
 */

/** What one service's pods of one track serve, per second, at a moment. */
export interface Workload {
  readonly namespace: string;
  /** The pods' app.kubernetes.io/name. */
  readonly service: string;
  readonly track: 'stable' | 'canary';
  /** The handler of the service's traffic, e.g. `/v1/synthesize`. */
  readonly handler: string;
  readonly requestsPerSecond: number;
  /** Share of those answered 5xx. */
  readonly errorRatio: number;
  /** The traffic's p95 duration in seconds. */
  readonly p95Seconds: number;
}

/** The workloads scraped at a moment (unix seconds): the cluster as it was then. */
export type WorkloadSource = (atSeconds: number) => readonly Workload[];

/** prometheus_client's default histogram buckets, which prometheus-fastapi-instrumentator keeps. */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, Infinity];
/** Probes and scrapes every pod answers besides its traffic: fast, always 200. */
const BACKGROUND = [
  { handler: '/health', requestsPerSecond: 0.2, p95Seconds: 0.002 },
  { handler: '/metrics', requestsPerSecond: 0.033, p95Seconds: 0.004 },
];

type Labels = Record<string, string>;
interface Series {
  labels: Labels;
  perSecond: number;
}

/**
 * The series a workload exposes, labelled as the Prometheus Operator writes them for the charts'
 * ServiceMonitor (target labels `namespace`, and the pod labels of `podTargetLabels` with every
 * character outside [a-zA-Z0-9_] turned into `_`). Written out here, not read from the package's
 * contract, so a wrong label name in the contract finds no series.
 */
export function seriesOf(w: Workload): Series[] {
  const target: Labels = { namespace: w.namespace, app_kubernetes_io_name: w.service, voice_platform_track: w.track };
  const out: Series[] = [];
  for (const h of [
    { handler: w.handler, requestsPerSecond: w.requestsPerSecond, p95Seconds: w.p95Seconds, errorRatio: w.errorRatio },
    ...BACKGROUND.map((b) => ({ ...b, errorRatio: 0 })),
  ]) {
    const common = { ...target, handler: h.handler, method: h.handler === w.handler ? 'POST' : 'GET' };
    out.push({
      labels: { __name__: 'http_requests_total', ...common, status: '2xx' },
      perSecond: h.requestsPerSecond * (1 - h.errorRatio),
    });
    if (h.errorRatio > 0) {
      out.push({
        labels: { __name__: 'http_requests_total', ...common, status: '5xx' },
        perSecond: h.requestsPerSecond * h.errorRatio,
      });
    }
    for (const le of BUCKETS) {
      out.push({
        labels: {
          __name__: 'http_request_duration_seconds_bucket',
          ...common,
          le: le === Infinity ? '+Inf' : String(le),
        },
        perSecond: h.requestsPerSecond * durationsAtMost(le, h.p95Seconds),
      });
    }
    out.push({
      labels: { __name__: 'http_request_duration_seconds_count', ...common },
      perSecond: h.requestsPerSecond,
    });
  }
  return out;
}

/** Share of requests at most `le` long: uniform up to the p95 (95 %), then up to twice the p95. */
function durationsAtMost(le: number, p95: number): number {
  if (le >= 2 * p95) return 1;
  if (le <= p95) return (0.95 * le) / p95;
  return 0.95 + (0.05 * (le - p95)) / p95;
}

class QueryError extends Error {
  constructor(
    readonly status: number,
    readonly errorType: string,
    message: string,
  ) {
    super(message);
  }
}

type Matcher = { name: string; op: string; value: string };

const children = (n: SyntaxNode): SyntaxNode[] => {
  const out: SyntaxNode[] = [];
  for (let c = n.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
};

/** Evaluates one instant query at `atSeconds`; the answer's `data`. */
export function evaluate(
  query: string,
  atSeconds: number,
  workloads: WorkloadSource,
): { resultType: 'vector'; result: { metric: Labels; value: [number, string] }[] } {
  const tree = parser.parse(query);
  let syntaxError: number | undefined;
  tree.iterate({
    enter: (n) => {
      if (n.type.isError && syntaxError === undefined) syntaxError = n.from;
    },
  });
  if (syntaxError !== undefined) {
    throw new QueryError(
      400,
      'bad_data',
      `invalid parameter "query": 1:${syntaxError + 1}: parse error: unexpected input in ${JSON.stringify(query.slice(syntaxError, syntaxError + 20))}`,
    );
  }
  const text = (n: SyntaxNode) => query.slice(n.from, n.to);
  const unsupported = () =>
    new QueryError(
      422,
      'execution',
      `the stand-in Prometheus evaluates only sum(increase|rate(<selector>[<range>])) and histogram_quantile(<q>, sum by (le) (rate(<selector>[<range>]))), not: ${query}`,
    );
  const root = tree.topNode.firstChild;
  if (!root) throw new QueryError(400, 'bad_data', 'invalid parameter "query": empty query');
  const series = workloads(atSeconds).flatMap(seriesOf);
  const sample = (value: number) => [{ metric: {}, value: [atSeconds, formatValue(value)] as [number, string] }];

  const body = (call: SyntaxNode) => children(call).find((c) => c.name === 'FunctionCallBody');
  const funcName = (call: SyntaxNode) => text(children(call).find((c) => c.name === 'FunctionIdentifier')!);
  const args = (call: SyntaxNode) => children(body(call)!).filter((c) => !['(', ')', ','].includes(c.name));
  const unwrapParens = (n: SyntaxNode): SyntaxNode =>
    n.name === 'ParenExpr' ? unwrapParens(children(n).find((c) => c.name !== '(' && c.name !== ')')!) : n;

  /** `increase|rate(<selector>[<range>])`: per matching series, its increase over the range or per-second rate. */
  const rangeFunction = (n: SyntaxNode): { series: Series[]; factor: number } => {
    if (n.name !== 'FunctionCall' || !['increase', 'rate'].includes(funcName(n))) throw unsupported();
    const [matrix] = args(n);
    if (!matrix || matrix.name !== 'MatrixSelector') throw unsupported();
    const vector = children(matrix).find((c) => c.name === 'VectorSelector')!;
    const range = seconds(
      text(
        children(matrix).find((c) => c.name === 'DurationExpr' || c.name === 'NumberDurationLiteralInDurationContext')!,
      ),
    );
    const matchers = selectorMatchers(vector, text);
    return {
      series: series.filter((s) => matchers.every((m) => matches(s.labels[m.name] ?? '', m))),
      factor: funcName(n) === 'increase' ? range : 1,
    };
  };
  const aggregate = (n: SyntaxNode): { by: string[]; inner: SyntaxNode } => {
    if (n.name !== 'AggregateExpr' || text(children(n).find((c) => c.name === 'AggregateOp')!) !== 'sum') {
      throw unsupported();
    }
    const modifier = children(n).find((c) => c.name === 'AggregateModifier');
    if (modifier && !text(modifier).startsWith('by')) throw unsupported();
    const by = modifier
      ? children(children(modifier).find((c) => c.name === 'GroupingLabels')!)
          .filter((c) => c.name === 'LabelName')
          .map(text)
      : [];
    const inner = children(children(n).find((c) => c.name === 'FunctionCallBody')!).filter(
      (c) => c.name !== '(' && c.name !== ')',
    );
    if (inner.length !== 1) throw unsupported();
    return { by, inner: unwrapParens(inner[0]!) };
  };

  if (root.name === 'AggregateExpr') {
    const { by, inner } = aggregate(root);
    if (by.length) throw unsupported();
    const { series: matched, factor } = rangeFunction(inner);
    // sum() of no series is an empty vector, as in Prometheus.
    return {
      resultType: 'vector',
      result: matched.length ? sample(matched.reduce((t, s) => t + s.perSecond * factor, 0)) : [],
    };
  }
  if (root.name === 'FunctionCall' && funcName(root) === 'histogram_quantile') {
    const [q, agg] = args(root);
    if (!q || q.name !== 'NumberDurationLiteral' || !agg) throw unsupported();
    const { by, inner } = aggregate(unwrapParens(agg));
    if (by.length !== 1 || by[0] !== 'le') throw unsupported();
    const { series: matched } = rangeFunction(inner);
    if (matched.some((s) => !s.labels.__name__!.endsWith('_bucket'))) throw unsupported();
    if (!matched.length) return { resultType: 'vector', result: [] };
    const byLe = new Map<number, number>();
    for (const s of matched) {
      const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
      byLe.set(le, (byLe.get(le) ?? 0) + s.perSecond);
    }
    return {
      resultType: 'vector',
      result: sample(
        histogramQuantile(
          Number(text(q)),
          [...byLe].sort((a, b) => a[0] - b[0]),
        ),
      ),
    };
  }
  throw unsupported();
}

function selectorMatchers(vector: SyntaxNode, text: (n: SyntaxNode) => string): Matcher[] {
  const name = children(vector).find((c) => c.name === 'Identifier');
  const list = children(vector).find((c) => c.name === 'LabelMatchers');
  const out: Matcher[] = name ? [{ name: '__name__', op: '=', value: text(name) }] : [];
  for (const m of list ? children(list).filter((c) => c.name === 'UnquotedLabelMatcher') : []) {
    const parts = children(m);
    out.push({
      name: text(parts.find((c) => c.name === 'LabelName')!),
      op: text(parts.find((c) => c.name === 'MatchOp')!),
      value: JSON.parse(text(parts.find((c) => c.name === 'StringLiteral')!)) as string,
    });
  }
  return out;
}

function matches(value: string, m: Matcher): boolean {
  switch (m.op) {
    case '=':
      return value === m.value;
    case '!=':
      return value !== m.value;
    // Prometheus anchors label regular expressions at both ends.
    case '=~':
      return new RegExp(`^(?:${m.value})$`).test(value);
    case '!~':
      return !new RegExp(`^(?:${m.value})$`).test(value);
    default:
      throw new QueryError(400, 'bad_data', `unknown match operator ${m.op}`);
  }
}

/** A PromQL duration (`300s`, `5m`, `1h30m`) in seconds. */
function seconds(duration: string): number {
  const units: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };
  let total = 0;
  for (const [, n, unit] of duration.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) total += Number(n) * units[unit!]!;
  return total;
}

/** Prometheus's histogram_quantile over cumulative buckets sorted by upper bound (the last +Inf). */
export function histogramQuantile(q: number, buckets: readonly (readonly [number, number])[]): number {
  const total = buckets.at(-1)![1];
  if (total === 0) return NaN;
  const rank = q * total;
  const index = buckets.findIndex(([, count]) => count >= rank);
  const [upper, count] = buckets[index]!;
  // In the +Inf bucket: the highest finite bound, as Prometheus answers.
  if (upper === Infinity) return buckets[buckets.length - 2]![0];
  const [lower, below] = index === 0 ? [0, 0] : buckets[index - 1]!;
  return lower + (upper - lower) * ((rank - below) / (count - below));
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  return String(v);
}

/** Starts the API on 127.0.0.1; queries are evaluated against `workloads` at their `time` (default now). */
export async function startPrometheus(
  workloads: WorkloadSource,
): Promise<{ url: string; queries: string[]; stop: () => Promise<void> }> {
  const queries: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const params =
        req.method === 'POST' ? new URLSearchParams(Buffer.concat(chunks).toString('utf8')) : url.searchParams;
      const answer = (status: number, body: unknown) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (!url.pathname.endsWith('/api/v1/query')) {
        return answer(404, { status: 'error', errorType: 'not_found', error: `no route ${url.pathname}` });
      }
      const query = params.get('query');
      if (!query) {
        return answer(400, {
          status: 'error',
          errorType: 'bad_data',
          error: 'invalid parameter "query": no query given',
        });
      }
      const time = params.has('time') ? Number(params.get('time')) : Date.now() / 1000;
      if (!Number.isFinite(time)) {
        return answer(400, {
          status: 'error',
          errorType: 'bad_data',
          error: `invalid parameter "time": cannot parse ${JSON.stringify(params.get('time'))} to a valid timestamp`,
        });
      }
      queries.push(query);
      try {
        return answer(200, { status: 'success', data: evaluate(query, time, workloads) });
      } catch (e) {
        if (e instanceof QueryError) {
          return answer(e.status, { status: 'error', errorType: e.errorType, error: e.message });
        }
        throw e;
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    queries,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** How the scenario wants a release's traffic to look (the stand-in's faults). */
export interface TrafficFaults {
  /** Releases whose requests take three times as long. @default [] */
  readonly slowReleases?: readonly string[];
  /** Releases that answer one request in twenty with a 5xx. @default [] */
  readonly erroringReleases?: readonly string[];
}

/** The p95 of a healthy release's traffic (seconds) and the requests each pod answers a second. */
const HEALTHY = { p95Seconds: 0.18, requestsPerPodPerSecond: 60 } as const;

/**
 * The workloads of the stand-in cluster at a moment: each release live then, scraped only when its
 * values switch metrics and the ServiceMonitor on (as a Prometheus Operator finds it), its track from
 * `canary.enabled`, traffic in proportion to its pods.
 */
export function clusterWorkloads(
  cluster: Cluster,
  atSeconds: number,
  handlerOf: (service: string) => string,
  faults: TrafficFaults = {},
): Workload[] {
  const out: Workload[] = [];
  for (const [key, rev] of liveAt(cluster, atSeconds)) {
    const [namespace, release] = key.split('/') as [string, string];
    const values = rev.values as {
      metrics?: { enabled?: boolean; serviceMonitor?: { enabled?: boolean } };
      canary?: { enabled?: boolean };
    };
    if (!values.metrics?.enabled || !values.metrics.serviceMonitor?.enabled) continue;
    out.push({
      namespace,
      service: rev.chart,
      track: values.canary?.enabled ? 'canary' : 'stable',
      handler: handlerOf(rev.chart),
      requestsPerSecond: HEALTHY.requestsPerPodPerSecond * rev.replicas,
      errorRatio: faults.erroringReleases?.includes(release) ? 0.05 : 0,
      p95Seconds: HEALTHY.p95Seconds * (faults.slowReleases?.includes(release) ? 3 : 1),
    });
  }
  return out;
}
