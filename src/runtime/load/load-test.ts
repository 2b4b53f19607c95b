import { performance } from 'node:perf_hooks';
import * as hdr from 'hdr-histogram-js';
import { Pool } from 'undici';
import type { PerformanceMetrics } from '../metrics/performance-metrics';

/** Options of {@link runLoadTest}. */
export interface LoadTestOptions {
  readonly baseUrl: URL;
  /** POST target, e.g. `/v1/synthesize`; the body is `{"text": …}`. */
  readonly path: string;
  readonly text: string;
  /** Arrivals per second (open model: independent of how fast the server answers). */
  readonly rate: number;
  readonly durationSeconds: number;
  /** Requests in flight at most; an arrival beyond it is dropped and counted. */
  readonly maxInFlight: number;
  readonly timeoutMs: number;
  readonly scenario: string;
  /** Called about once a second. @default - no progress */
  readonly onProgress?: (p: LoadTestProgress) => void;
}

export interface LoadTestProgress {
  readonly elapsedSeconds: number;
  readonly sent: number;
  readonly completed: number;
  readonly errors: number;
  readonly dropped: number;
  readonly inFlight: number;
}

/**
 * An open-model HTTP load generator. Request i is due at start + i / rate; its latency is
 * measured from that intended time, not from when it was actually sent, so a server stall
 * shows up in the percentiles instead of being hidden by a generator that waited
 * (coordinated omission). Latencies go into an HDR histogram (µs, 3 significant digits).
 */
export async function runLoadTest(o: LoadTestOptions): Promise<PerformanceMetrics> {
  // Up to 64 keep-alive connections: more sockets cost the generator more than they add on a
  // small runner. Requests beyond them wait in the pool's queue, and that wait is part of the
  // latency measured from the intended start.
  const pool = new Pool(o.baseUrl.origin, {
    connections: Math.min(o.maxInFlight, 64),
    pipelining: 1,
    headersTimeout: o.timeoutMs,
    bodyTimeout: o.timeoutMs,
  });
  const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });
  const body = JSON.stringify({ text: o.text });
  const path = new URL(o.path, o.baseUrl).pathname;
  const interval = 1000 / o.rate;
  const total = Math.max(1, Math.round(o.rate * o.durationSeconds));
  let sent = 0;
  let completed = 0;
  let errors = 0;
  let dropped = 0;
  let inFlight = 0;
  const pending = new Set<Promise<void>>();

  const fire = (intended: number): void => {
    if (inFlight >= o.maxInFlight) {
      dropped++;
      return;
    }
    inFlight++;
    sent++;
    const done = pool.request({ path, method: 'POST', headers: { 'content-type': 'application/json' }, body })
      .then(async (res) => {
        for await (const _chunk of res.body) { /* drain: the connection is reused only after the body is read */ }
        if (res.statusCode >= 200 && res.statusCode < 300) {
          histogram.recordValue(Math.max(1, Math.round((performance.now() - intended) * 1000)));
        } else {
          errors++;
        }
      }, () => { errors++; })
      .finally(() => {
        inFlight--;
        completed++;
        pending.delete(done);
      });
    pending.add(done);
  };

  const startedAt = new Date();
  const t0 = performance.now();
  const progress = o.onProgress && setInterval(() => o.onProgress!({
    elapsedSeconds: (performance.now() - t0) / 1000, sent, completed, errors, dropped, inFlight,
  }), 1000);
  await new Promise<void>((resolve) => {
    let next = 0;
    const tick = (): void => {
      const now = performance.now();
      // Fire everything that is due, including arrivals a busy event loop made late.
      while (next < total && t0 + next * interval <= now) fire(t0 + next++ * interval);
      if (next >= total) return resolve();
      setTimeout(tick, Math.min(Math.max(0, t0 + next * interval - performance.now()), 5));
    };
    tick();
  });
  await Promise.all(pending);
  const elapsed = (performance.now() - t0) / 1000;
  if (progress) clearInterval(progress);
  await pool.close();

  const ms = (us: number) => Math.round(us) / 1000;
  const ok = histogram.totalCount > 0;
  const metrics: PerformanceMetrics = {
    schemaVersion: 1,
    scenario: o.scenario,
    latencyMs: {
      p50: ok ? ms(histogram.getValueAtPercentile(50)) : 0,
      p95: ok ? ms(histogram.getValueAtPercentile(95)) : 0,
      p99: ok ? ms(histogram.getValueAtPercentile(99)) : 0,
      max: ok ? ms(histogram.maxValue) : 0,
      mean: ok ? ms(histogram.mean) : 0,
    },
    errorRate: completed > 0 ? errors / completed : 0,
    throughputRps: Math.round((completed / elapsed) * 100) / 100,
    samples: completed,
    run: {
      startedAt: startedAt.toISOString(),
      durationSeconds: Math.round(elapsed * 1000) / 1000,
      targetRate: o.rate,
      dropped,
      tool: 'load-test',
      baseUrl: o.baseUrl.origin,
    },
  };
  histogram.destroy();
  return metrics;
}
