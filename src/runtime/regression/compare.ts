import type { RegressionThresholds } from '../../common/regression-thresholds';
import type { PerformanceHistory, PerformanceMetrics } from '../metrics/performance-metrics';

export type Verdict = 'pass' | 'regression' | 'info';

/** One row of the comparison table. */
export interface ComparisonRow {
  readonly metric: string;
  readonly reference: number;
  readonly current: number;
  readonly unit: 'ms' | 'rps' | '%' | '×' | 'MiB';
  /** Change in the unit the threshold uses: percent for relative limits, percentage points for the error rate. */
  readonly change: number;
  readonly changeUnit: '%' | 'pp' | 'MiB';
  /** Human-readable limit, e.g. `≤ +15 %`. */
  readonly threshold: string;
  readonly verdict: Verdict;
}

export interface Comparison {
  /** How many runs the reference is the median of. */
  readonly referenceRuns: number;
  readonly rows: readonly ComparisonRow[];
  readonly regressed: boolean;
}

/** What a run is compared with: the median of recent passing runs, and how much they vary. */
export interface Reference {
  readonly runs: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly errorRate: number;
  readonly throughputRps: number;
  /**
   * Median p95 real-time factor, when every run of the window measured it.
   * @default - not compared
   */
  readonly rtfP95?: number;
  /**
   * Median word error rate, when every run of the window measured it.
   * @default - not compared
   */
  readonly wordErrorRate?: number;
  /**
   * Median peak memory and memory kept across model switches, in bytes, when every run of the window measured them.
   * @default - not compared
   */
  readonly memory?: { readonly peakBytes: number; readonly switchGrowthBytes: number };
  /** Run-to-run spread of each relative metric: median absolute deviation, in percent of the median. */
  readonly spreadPct: {
    readonly p95: number;
    readonly p99: number;
    readonly throughputRps: number;
    readonly rtfP95: number;
  };
}

const MIB = 1024 * 1024;

/** How many recent runs the reference is the median of. */
export const DEFAULT_REFERENCE_WINDOW = 5;

/**
 * A limit widens to this many times the history's spread when the history is noisier than the
 * threshold allows for; a quiet history keeps the threshold as it is.
 */
export const NOISE_FACTOR = 3;

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Median absolute deviation in percent of the median (0 for one run or a zero median). */
function spreadPct(values: readonly number[]): number {
  const m = median(values);
  if (m === 0) return 0;
  return (median(values.map((v) => Math.abs(v - m))) / m) * 100;
}

/**
 * The reference of a history: per metric the median of its last `window` runs, which one odd
 * night cannot move, and which a slow drift reaches only after the window has filled with it.
 */
export function referenceOf(history: PerformanceHistory, window = DEFAULT_REFERENCE_WINDOW): Reference {
  const runs = history.runs.slice(-window);
  const of = (f: (m: PerformanceMetrics) => number) => runs.map(f);
  const rtf = runs.every((m) => m.realTimeFactor) ? of((m) => m.realTimeFactor!.p95) : undefined;
  const wer = runs.every((m) => m.accuracy) ? of((m) => m.accuracy!.wordErrorRate) : undefined;
  const memory = runs.every((m) => m.memory)
    ? {
        peakBytes: median(of((m) => m.memory!.peakBytes)),
        switchGrowthBytes: median(of((m) => m.memory!.switchGrowthBytes)),
      }
    : undefined;
  return {
    runs: runs.length,
    p50: median(of((m) => m.latencyMs.p50)),
    p95: median(of((m) => m.latencyMs.p95)),
    p99: median(of((m) => m.latencyMs.p99)),
    errorRate: median(of((m) => m.errorRate)),
    throughputRps: median(of((m) => m.throughputRps)),
    ...(rtf ? { rtfP95: median(rtf) } : {}),
    ...(wer ? { wordErrorRate: median(wer) } : {}),
    ...(memory ? { memory } : {}),
    spreadPct: {
      p95: spreadPct(of((m) => m.latencyMs.p95)),
      p99: spreadPct(of((m) => m.latencyMs.p99)),
      throughputRps: spreadPct(of((m) => m.throughputRps)),
      rtfP95: rtf ? spreadPct(rtf) : 0,
    },
  };
}

/** Relative change in percent; a rise from 0 is infinite, 0 → 0 is none. */
export function relativeChangePct(reference: number, current: number): number {
  if (reference === 0) return current === 0 ? 0 : Infinity;
  return ((current - reference) / reference) * 100;
}

/** A relative limit: the threshold, or NOISE_FACTOR × spread where the history is noisier. */
function relativeLimit(thresholdPct: number, spread: number): { limit: number; label: string } {
  const widened = NOISE_FACTOR * spread;
  return widened > thresholdPct
    ? { limit: widened, label: `${Number(widened.toFixed(2))} % (${NOISE_FACTOR} × spread)` }
    : { limit: thresholdPct, label: `${thresholdPct} %` };
}

/** Options of {@link compareWithReference}. */
export interface CompareOptions {
  /**
   * Leave out what the offered load sets (throughput): for a run at another rate than the history's.
   * @default false
   */
  readonly rateIndependentOnly?: boolean;
}

/**
 * Compares a run with a reference. A metric regresses when its change is strictly beyond its
 * limit; a change exactly at the limit passes.
 */
export function compareWithReference(
  ref: Reference,
  current: PerformanceMetrics,
  t: RegressionThresholds,
  options: CompareOptions = {},
): Comparison {
  const latency = (metric: 'p50' | 'p95' | 'p99'): ComparisonRow => {
    const change = relativeChangePct(ref[metric], current.latencyMs[metric]);
    const base = {
      metric: `${metric} latency`,
      reference: ref[metric],
      current: current.latencyMs[metric],
      unit: 'ms' as const,
      change,
      changeUnit: '%' as const,
    };
    if (metric === 'p50') return { ...base, threshold: '—', verdict: 'info' };
    const { limit, label } = relativeLimit(
      metric === 'p95' ? t.p95IncreasePct : t.p99IncreasePct,
      ref.spreadPct[metric],
    );
    return { ...base, threshold: `≤ +${label}`, verdict: change > limit ? 'regression' : 'pass' };
  };
  const errorRow: ComparisonRow = {
    metric: 'error rate',
    reference: ref.errorRate * 100,
    current: current.errorRate * 100,
    unit: '%',
    change: (current.errorRate - ref.errorRate) * 100,
    changeUnit: 'pp',
    threshold: `≤ ${t.maxErrorRate * 100} % and ≤ +${t.maxErrorRateIncrease * 100} pp`,
    verdict:
      current.errorRate > t.maxErrorRate || current.errorRate - ref.errorRate > t.maxErrorRateIncrease
        ? 'regression'
        : 'pass',
  };
  const throughputChange = relativeChangePct(ref.throughputRps, current.throughputRps);
  const throughputLimit = relativeLimit(t.throughputDecreasePct, ref.spreadPct.throughputRps);
  const throughputRow: ComparisonRow = {
    metric: 'throughput',
    reference: ref.throughputRps,
    current: current.throughputRps,
    unit: 'rps',
    change: throughputChange,
    changeUnit: '%',
    threshold: `≥ −${throughputLimit.label}`,
    verdict: -throughputChange > throughputLimit.limit ? 'regression' : 'pass',
  };
  const rows = [
    latency('p50'),
    latency('p95'),
    latency('p99'),
    errorRow,
    ...(options.rateIndependentOnly ? [] : [throughputRow]),
  ];
  if (ref.rtfP95 !== undefined && current.realTimeFactor) {
    const rtfChange = relativeChangePct(ref.rtfP95, current.realTimeFactor.p95);
    const rtfLimit = relativeLimit(t.rtfIncreasePct, ref.spreadPct.rtfP95);
    rows.push({
      metric: 'p95 real-time factor',
      reference: ref.rtfP95,
      current: current.realTimeFactor.p95,
      unit: '×',
      change: rtfChange,
      changeUnit: '%',
      threshold: `≤ +${rtfLimit.label}`,
      verdict: rtfChange > rtfLimit.limit ? 'regression' : 'pass',
    });
  }
  if (ref.wordErrorRate !== undefined && current.accuracy) {
    // Absolute, like the error rate: a rise from 2 % to 3 % is one point whatever the base.
    const change = (current.accuracy.wordErrorRate - ref.wordErrorRate) * 100;
    rows.push({
      metric: 'word error rate',
      reference: ref.wordErrorRate * 100,
      current: current.accuracy.wordErrorRate * 100,
      unit: '%',
      change,
      changeUnit: 'pp',
      threshold: `≤ +${t.werIncreasePts} pp`,
      verdict: change > t.werIncreasePts ? 'regression' : 'pass',
    });
  }
  if (ref.memory && current.memory) {
    const peakChange = relativeChangePct(ref.memory.peakBytes, current.memory.peakBytes);
    rows.push({
      metric: 'peak memory',
      reference: ref.memory.peakBytes / MIB,
      current: current.memory.peakBytes / MIB,
      unit: 'MiB',
      change: peakChange,
      changeUnit: '%',
      threshold: `≤ +${t.peakMemoryIncreasePct} %`,
      verdict: peakChange > t.peakMemoryIncreasePct ? 'regression' : 'pass',
    });
    // Absolute: a leak keeps so many bytes per switch whatever the history kept (often about 0).
    const growthChange = (current.memory.switchGrowthBytes - ref.memory.switchGrowthBytes) / MIB;
    rows.push({
      metric: 'memory kept across model switches',
      reference: ref.memory.switchGrowthBytes / MIB,
      current: current.memory.switchGrowthBytes / MIB,
      unit: 'MiB',
      change: growthChange,
      changeUnit: 'MiB',
      threshold: `≤ +${t.switchGrowthIncreaseMib} MiB`,
      verdict: growthChange > t.switchGrowthIncreaseMib ? 'regression' : 'pass',
    });
  }
  return { referenceRuns: ref.runs, rows, regressed: rows.some((r) => r.verdict === 'regression') };
}

/** Compares a run with one earlier run (a history of one). */
export function compareMetrics(
  baseline: PerformanceMetrics,
  current: PerformanceMetrics,
  t: RegressionThresholds,
): Comparison {
  return compareWithReference(
    referenceOf({ schemaVersion: 1, scenario: baseline.scenario, runs: [baseline] }),
    current,
    t,
  );
}
