import type { RegressionThresholds } from '../../common/regression-thresholds';
import type { PerformanceMetrics } from '../metrics/performance-metrics';

export type Verdict = 'pass' | 'regression' | 'info';

/** One row of the comparison table. */
export interface ComparisonRow {
  readonly metric: string;
  readonly baseline: number;
  readonly current: number;
  readonly unit: 'ms' | 'rps' | '%';
  /** Change in the unit the threshold uses: percent for relative limits, percentage points for the error rate. */
  readonly change: number;
  readonly changeUnit: '%' | 'pp';
  /** Human-readable limit, e.g. `≤ +15 %`. */
  readonly threshold: string;
  readonly verdict: Verdict;
}

export interface Comparison {
  readonly rows: readonly ComparisonRow[];
  readonly regressed: boolean;
}

/** Relative change in percent; a rise from 0 is infinite, 0 → 0 is none. */
export function relativeChangePct(baseline: number, current: number): number {
  if (baseline === 0) return current === 0 ? 0 : Infinity;
  return ((current - baseline) / baseline) * 100;
}

/**
 * Compares a run with the baseline. A metric regresses when its change is strictly beyond its
 * threshold; a change exactly at the threshold passes.
 */
export function compareMetrics(baseline: PerformanceMetrics, current: PerformanceMetrics, t: RegressionThresholds): Comparison {
  const latency = (metric: 'p50' | 'p95' | 'p99', limitPct?: number): ComparisonRow => {
    const change = relativeChangePct(baseline.latencyMs[metric], current.latencyMs[metric]);
    return {
      metric: `${metric} latency`, baseline: baseline.latencyMs[metric], current: current.latencyMs[metric], unit: 'ms',
      change, changeUnit: '%',
      threshold: limitPct === undefined ? '—' : `≤ +${limitPct} %`,
      verdict: limitPct === undefined ? 'info' : change > limitPct ? 'regression' : 'pass',
    };
  };
  const errorRise = (current.errorRate - baseline.errorRate) * 100;
  const errorRow: ComparisonRow = {
    metric: 'error rate', baseline: baseline.errorRate * 100, current: current.errorRate * 100, unit: '%',
    change: errorRise, changeUnit: 'pp',
    threshold: `≤ ${t.maxErrorRate * 100} % and ≤ +${t.maxErrorRateIncrease * 100} pp`,
    verdict: current.errorRate > t.maxErrorRate || current.errorRate - baseline.errorRate > t.maxErrorRateIncrease ? 'regression' : 'pass',
  };
  const throughputChange = relativeChangePct(baseline.throughputRps, current.throughputRps);
  const throughputRow: ComparisonRow = {
    metric: 'throughput', baseline: baseline.throughputRps, current: current.throughputRps, unit: 'rps',
    change: throughputChange, changeUnit: '%',
    threshold: `≥ −${t.throughputDecreasePct} %`,
    verdict: -throughputChange > t.throughputDecreasePct ? 'regression' : 'pass',
  };
  const rows = [latency('p50'), latency('p95', t.p95IncreasePct), latency('p99', t.p99IncreasePct), errorRow, throughputRow];
  return { rows, regressed: rows.some((r) => r.verdict === 'regression') };
}
