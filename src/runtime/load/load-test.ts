import * as http from 'node:http';
import * as https from 'node:https';
import { performance } from 'node:perf_hooks';
import * as hdr from 'hdr-histogram-js';
import { httpRequest } from '../http/http-request';
import type { PerformanceMetrics, RunConditions } from '../metrics/performance-metrics';

/** The request methods the load test sends. */
export const LOAD_METHODS = ['POST', 'GET'] as const;
export type LoadMethod = (typeof LOAD_METHODS)[number];

/** Options of {@link runLoadTest}. */
export interface LoadTestOptions {
  readonly baseUrl: URL;
  /** Target with its query, e.g. `/v1/synthesize?voice=amy`; a POST's body is `{"text": …}`. */
  readonly path: string;
  /**
   * `POST` (synthesis: a JSON body) or `GET` (no body, e.g. a health endpoint watched during a
   * rollout).
   * @default 'POST'
   */
  readonly method?: LoadMethod;
  readonly text: string;
  /** Arrivals per second (open model: independent of how fast the server answers). */
  readonly rate: number;
  /** Seconds of measured load, after the warm-up. */
  readonly durationSeconds: number;
  /**
   * Seconds of load sent first at the same rate and left out of every figure (connections,
   * caches and the JIT of the service warm up).
   * @default 0
   */
  readonly warmupSeconds?: number;
  /** Requests in flight at most; an arrival beyond it is dropped and counted. */
  readonly maxInFlight: number;
  /** Total deadline of one request, headers and body: a stalled or trickling answer is an error. */
  readonly timeoutMs: number;
  readonly scenario: string;
  /** Recorded in the conditions; runs on another runner class are not compared. */
  readonly runnerClass: string;
  /** @default - not recorded */
  readonly imageDigest?: string;
  /**
   * A 2xx answer counts as a success only with a content type starting with this, so an HTML
   * error page served with 200 is an error.
   * @default - any content type
   */
  readonly expectContentType?: string;
  /** Called about once a second. @default - no progress */
  readonly onProgress?: (p: LoadTestProgress) => void;
  /**
   * Called for each measured request that failed, with why: `HTTP 503`, `content type text/html`, or the
   * client's error (`ECONNRESET: socket hang up`, `TimeoutError: …`). @default - not reported
   */
  readonly onError?: (reason: string) => void;
}

export interface LoadTestProgress {
  readonly elapsedSeconds: number;
  readonly warmingUp: boolean;
  readonly sent: number;
  readonly completed: number;
  readonly errors: number;
  readonly dropped: number;
  readonly inFlight: number;
}

/** Counters of one phase (warm-up or measured). */
class Tally {
  sent = 0;
  completed = 0;
  errors = 0;
  dropped = 0;
}

/**
 * An open-model HTTP load generator. Request i is due at start + i / rate; its latency is
 * measured from that intended time, not from when it was actually sent, so a server stall
 * shows up in the percentiles instead of being hidden by a generator that waited
 * (coordinated omission). Latencies go into an HDR histogram (µs, 3 significant digits).
 * Every request has a total deadline; a failure while reading a body is an error like any
 * other. The function always settles, with the metrics of what completed.
 */
export async function runLoadTest(o: LoadTestOptions): Promise<PerformanceMetrics> {
  // Up to 64 keep-alive connections: more sockets cost the generator more than they add on a
  // small runner. Requests beyond them wait in the agent's queue, and that wait is part of the
  // latency measured from the intended start. Node's own http client, not undici: undici's
  // WebAssembly parser costs about 0.3 CPU-s to load and compile in every run.
  const agentOptions = { keepAlive: true, maxSockets: Math.min(o.maxInFlight, 64) };
  const agent = o.baseUrl.protocol === 'https:' ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
  const histogram = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
  });
  const body = JSON.stringify({ text: o.text });
  const target = new URL(o.path, o.baseUrl);
  const requestPath = `${target.pathname}${target.search}`;
  const warmupSeconds = o.warmupSeconds ?? 0;
  const interval = 1000 / o.rate;
  const warmupCount = Math.round(o.rate * warmupSeconds);
  const total = warmupCount + Math.max(1, Math.round(o.rate * o.durationSeconds));
  const warm = new Tally();
  const measured = new Tally();
  let inFlight = 0;
  const pending = new Set<Promise<void>>();

  const method = o.method ?? 'POST';
  const request = method === 'POST' ? { headers: { 'content-type': 'application/json' }, body } : {};
  /** Sends one request; resolves to why it failed, or undefined when it succeeded. */
  const send = async (): Promise<string | undefined> => {
    const res = await httpRequest(target, { method, ...request, timeoutMs: o.timeoutMs, agent });
    // Drain: the connection is reused only after the body is read; the deadline covers it too.
    for await (const _chunk of res.body) {
      /* discard */
    }
    const type = res.header('content-type') ?? '';
    if (res.status < 200 || res.status >= 300) return `HTTP ${res.status}`;
    if (o.expectContentType !== undefined && !type.startsWith(o.expectContentType)) {
      return `content type ${type || '(none)'}, expected ${o.expectContentType}`;
    }
    return undefined;
  };

  const fire = (index: number, intended: number): void => {
    const tally = index < warmupCount ? warm : measured;
    if (inFlight >= o.maxInFlight) {
      tally.dropped++;
      return;
    }
    inFlight++;
    tally.sent++;
    const done = send()
      .then(
        (failure) => {
          if (failure !== undefined) {
            tally.errors++;
            if (tally === measured) o.onError?.(failure);
          } else if (tally === measured) {
            histogram.recordValue(Math.max(1, Math.round((performance.now() - intended) * 1000)));
          }
        },
        (e: unknown) => {
          tally.errors++;
          if (tally === measured) o.onError?.(errorReason(e));
        },
      )
      .finally(() => {
        inFlight--;
        tally.completed++;
        pending.delete(done);
      });
    pending.add(done);
  };

  const t0 = performance.now();
  const measuredStart = t0 + warmupCount * interval;
  const startedAt = new Date(Date.now() + warmupCount * interval);
  const progress =
    o.onProgress &&
    setInterval(() => {
      const tally = performance.now() < measuredStart ? warm : measured;
      o.onProgress!({ elapsedSeconds: (performance.now() - t0) / 1000, warmingUp: tally === warm, ...tally, inFlight });
    }, 1000);
  let elapsed: number;
  try {
    await new Promise<void>((resolve) => {
      let next = 0;
      const tick = (): void => {
        const now = performance.now();
        // Fire everything that is due, including arrivals a busy event loop made late.
        while (next < total && t0 + next * interval <= now) fire(next, t0 + next++ * interval);
        if (next >= total) return resolve();
        setTimeout(tick, Math.min(Math.max(0, t0 + next * interval - performance.now()), 5));
      };
      tick();
    });
    await Promise.all(pending);
    elapsed = Math.max((performance.now() - measuredStart) / 1000, 0.001);
  } finally {
    if (progress) clearInterval(progress);
    agent.destroy();
  }

  const ms = (us: number) => Math.round(us) / 1000;
  const ok = histogram.totalCount > 0;
  const conditions: RunConditions = {
    endpoint: `${method} ${requestPath}`,
    targetRate: o.rate,
    durationSeconds: o.durationSeconds,
    warmupSeconds,
    runnerClass: o.runnerClass,
    ...(o.imageDigest ? { imageDigest: o.imageDigest } : {}),
  };
  const metrics: PerformanceMetrics = {
    schemaVersion: 1,
    scenario: o.scenario,
    conditions,
    latencyMs: {
      p50: ok ? ms(histogram.getValueAtPercentile(50)) : 0,
      p95: ok ? ms(histogram.getValueAtPercentile(95)) : 0,
      p99: ok ? ms(histogram.getValueAtPercentile(99)) : 0,
      max: ok ? ms(histogram.maxValue) : 0,
      mean: ok ? ms(histogram.mean) : 0,
    },
    errorRate: measured.completed > 0 ? measured.errors / measured.completed : 0,
    throughputRps: Math.round((measured.completed / elapsed) * 100) / 100,
    samples: measured.completed,
    run: {
      startedAt: startedAt.toISOString(),
      elapsedSeconds: Math.round(elapsed * 1000) / 1000,
      dropped: measured.dropped,
      tool: 'load-test',
      baseUrl: o.baseUrl.origin,
    },
  };
  histogram.destroy();
  return metrics;
}

/** What {@link errorReason} reads of an error: node's errors come from another realm under jest, so no `instanceof`. */
interface ErrorLike {
  readonly name?: string;
  readonly code?: unknown;
  readonly message: string;
  readonly cause?: unknown;
}

function isErrorLike(e: unknown): e is ErrorLike {
  return typeof e === 'object' && e !== null && typeof (e as ErrorLike).message === 'string';
}

/** A client error as one line: its code (the socket's) or name, and its message. */
function errorReason(e: unknown): string {
  if (!isErrorLike(e)) return String(e);
  // A request its deadline aborted before the answer fails with an AbortError caused by the deadline's TimeoutError.
  const error = e.name === 'AbortError' && isErrorLike(e.cause) ? e.cause : e;
  return `${typeof error.code === 'string' ? error.code : (error.name ?? 'Error')}: ${error.message}`;
}
