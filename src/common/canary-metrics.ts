/**
 * The services' metrics contract, as the canary analysis reads it from Prometheus. Declared once:
 * the charts' ServiceMonitor copies these pod labels onto every series, the `canary-analysis` CLI
 * builds its queries from them, MONITORING.md documents them, and the job runner's stand-in
 * Prometheus serves series that follow them.
 */

/** Pod label saying whether a pod belongs to a `stable` or a `canary` release (dashboards, error rates). */
export const TRACK_LABEL = 'voice-platform/track';

/** Pod label naming the service (the chart), the same on its stable and canary pods. */
export const SERVICE_NAME_LABEL = 'app.kubernetes.io/name';

/** The pod labels each ServiceMonitor copies onto the series it scrapes (`podTargetLabels`). */
export const METRICS_POD_TARGET_LABELS = [TRACK_LABEL, SERVICE_NAME_LABEL] as const;

/** The two tracks of a rollout. */
export type Track = 'stable' | 'canary';

/**
 * What each service exposes on its metrics path: the names and labels prometheus-fastapi-instrumentator
 * (and most HTTP instrumentations) use by default.
 */
export const SERVICE_METRICS = {
  /** Counter of answered requests, labelled with `status` and `handler`. */
  requests: 'http_requests_total',
  /** Histogram of request durations in seconds (`_bucket` series with `le`), labelled with `handler`. */
  duration: 'http_request_duration_seconds',
  /** The HTTP status: a code (`503`) or its class (`5xx`); both match {@link SERVER_ERROR_STATUS}. */
  statusLabel: 'status',
  /** The route template the request matched (`/v1/synthesize`). */
  handlerLabel: 'handler',
} as const;

/** A server error, as a PromQL regular expression over the status label (`503` and `5xx` alike). */
export const SERVER_ERROR_STATUS = '5..';

/** The quantile the latency comparison reads. */
export const LATENCY_QUANTILE = 0.95;

/**
 * A Kubernetes label as a Prometheus label name: every character outside `[a-zA-Z0-9_]` becomes
 * `_`, as the Prometheus Operator writes `podTargetLabels` (`voice-platform/track` → `voice_platform_track`).
 */
export function prometheusLabelName(label: string): string {
  return label.replace(/[^a-zA-Z0-9_]/g, '_');
}

/** Which series a query reads: one service's track in one namespace, its probe and metrics handlers left out. */
export interface TrackSelector {
  readonly namespace: string;
  /** The service's name (its chart). */
  readonly service: string;
  readonly track: Track;
  /** Handlers whose requests are not the service's traffic (health probes, scrapes). @default [] */
  readonly excludeHandlers?: readonly string[];
}

/** A PromQL string literal (double-quoted, backslash and quote escaped). */
function quote(value: string): string {
  return JSON.stringify(value);
}

/** A PromQL regular expression that matches exactly these strings. */
function alternation(values: readonly string[]): string {
  return values.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
}

function matchers(s: TrackSelector, extra: readonly string[] = []): string {
  const list = [
    `namespace=${quote(s.namespace)}`,
    `${prometheusLabelName(SERVICE_NAME_LABEL)}=${quote(s.service)}`,
    `${prometheusLabelName(TRACK_LABEL)}=${quote(s.track)}`,
    ...(s.excludeHandlers?.length ? [`${SERVICE_METRICS.handlerLabel}!~${quote(alternation(s.excludeHandlers))}`] : []),
    ...extra,
  ];
  return `{${list.join(',')}}`;
}

/** Requests the track answered over the last `rangeSeconds` (a scalar-like one-element vector; empty: none). */
export function requestsQuery(s: TrackSelector, rangeSeconds: number): string {
  return `sum(increase(${SERVICE_METRICS.requests}${matchers(s)}[${rangeSeconds}s]))`;
}

/** Of those, the server errors (empty when there were none). */
export function serverErrorsQuery(s: TrackSelector, rangeSeconds: number): string {
  return `sum(increase(${SERVICE_METRICS.requests}${matchers(s, [`${SERVICE_METRICS.statusLabel}=~${quote(SERVER_ERROR_STATUS)}`])}[${rangeSeconds}s]))`;
}

/** The track's {@link LATENCY_QUANTILE} request duration in seconds over the range (empty or NaN without requests). */
export function latencyQuery(s: TrackSelector, rangeSeconds: number): string {
  return `histogram_quantile(${LATENCY_QUANTILE}, sum by (le) (rate(${SERVICE_METRICS.duration}_bucket${matchers(s)}[${rangeSeconds}s])))`;
}
