/** Limits of the regression gate. Percentages are relative to the baseline. */
export interface RegressionThresholds {
  /**
   * Largest allowed rise of p95 latency, in percent of the baseline.
   * @default 15
   */
  readonly p95IncreasePct: number;
  /**
   * Largest allowed rise of p99 latency, in percent (p99 is noisier than p95).
   * @default 25
   */
  readonly p99IncreasePct: number;
  /**
   * Highest allowed error rate, absolute (0–1).
   * @default 0.01
   */
  readonly maxErrorRate: number;
  /**
   * Largest allowed rise of the error rate over the baseline, absolute (0.005 = 0.5 percentage points).
   * @default 0.005
   */
  readonly maxErrorRateIncrease: number;
  /**
   * Largest allowed fall of throughput, in percent of the baseline.
   * @default 10
   */
  readonly throughputDecreasePct: number;
}

export const DEFAULT_THRESHOLDS: RegressionThresholds = {
  p95IncreasePct: 15,
  p99IncreasePct: 25,
  maxErrorRate: 0.01,
  maxErrorRateIncrease: 0.005,
  throughputDecreasePct: 10,
};

