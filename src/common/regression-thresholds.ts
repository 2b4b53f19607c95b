/**
 * The limits of the performance regression gate, declared once. The type, the defaults, the
 * JSON schema of a thresholds file, the CLI flags, the model's validation and the workflow's
 * command line all read this table: adding a threshold is one row here (plus its rule in
 * `compare.ts`).
 */
export interface ThresholdSpec {
  /** The CLI flag that sets it. */
  readonly flag: `--${string}`;
  /** The gate's default. */
  readonly default: number;
  /** Smallest allowed value. */
  readonly min: number;
  /** @default - no upper bound */
  readonly max?: number;
  /** One line for --help, the docs and error messages. */
  readonly description: string;
}

export const THRESHOLD_SPECS = {
  p95IncreasePct: {
    flag: '--max-p95-increase-pct',
    default: 15,
    min: 0,
    description: 'largest allowed rise of p95 latency over the reference, in percent',
  },
  p99IncreasePct: {
    flag: '--max-p99-increase-pct',
    default: 25,
    min: 0,
    description: 'largest allowed rise of p99 latency, in percent (p99 is noisier than p95)',
  },
  maxErrorRate: {
    flag: '--max-error-rate',
    default: 0.01,
    min: 0,
    max: 1,
    description: 'highest allowed error rate, absolute (0–1)',
  },
  maxErrorRateIncrease: {
    flag: '--max-error-rate-increase',
    default: 0.005,
    min: 0,
    max: 1,
    description: 'largest allowed rise of the error rate over the reference, absolute (0.005 = 0.5 percentage points)',
  },
  throughputDecreasePct: {
    flag: '--max-throughput-decrease-pct',
    default: 10,
    min: 0,
    max: 100,
    description: 'largest allowed fall of throughput, in percent of the reference',
  },
  rtfIncreasePct: {
    flag: '--max-rtf-increase-pct',
    default: 15,
    min: 0,
    description: 'largest allowed rise of the p95 real-time factor (transcription runs only), in percent',
  },
  peakMemoryIncreasePct: {
    flag: '--max-peak-memory-increase-pct',
    default: 10,
    min: 0,
    description: 'largest allowed rise of the peak memory footprint (runs that measured memory only), in percent',
  },
  switchGrowthIncreaseMib: {
    flag: '--max-switch-growth-increase-mib',
    default: 16,
    min: 0,
    description:
      'largest allowed rise of the memory kept across model switches (runs that measured memory only), in MiB',
  },
  werIncreasePts: {
    flag: '--max-wer-increase-pts',
    default: 1,
    min: 0,
    max: 100,
    description:
      'largest allowed rise of the word error rate (transcription runs with reference transcripts only), in percentage points',
  },
} as const satisfies Record<string, ThresholdSpec>;

/** The name of a threshold, e.g. `p95IncreasePct`. */
export type ThresholdKey = keyof typeof THRESHOLD_SPECS;

/** Limits of the regression gate; see {@link THRESHOLD_SPECS} for each one's meaning and default. */
export type RegressionThresholds = { readonly [K in ThresholdKey]: number };

/** The threshold names, in table order. */
export const THRESHOLD_KEYS = Object.keys(THRESHOLD_SPECS) as ThresholdKey[];

function mapThresholds<T>(f: (spec: ThresholdSpec, key: ThresholdKey) => T): { [K in ThresholdKey]: T } {
  return Object.fromEntries(THRESHOLD_KEYS.map((k) => [k, f(THRESHOLD_SPECS[k], k)])) as { [K in ThresholdKey]: T };
}

export const DEFAULT_THRESHOLDS: RegressionThresholds = mapThresholds((s) => s.default);

/** The CLI flag of each threshold. */
export const THRESHOLD_FLAGS = mapThresholds((s) => s.flag);

/** JSON schema of a thresholds file (any subset of the thresholds). */
export const THRESHOLDS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: mapThresholds((s) => ({
    type: 'number',
    minimum: s.min,
    ...(s.max !== undefined ? { maximum: s.max } : {}),
    description: s.description,
  })),
} as const;

/** Why a value is not a valid threshold, or undefined. */
export function thresholdProblem(key: ThresholdKey, value: unknown): string | undefined {
  const s: ThresholdSpec = THRESHOLD_SPECS[key];
  const range = s.max !== undefined ? `from ${s.min} to ${s.max}` : `≥ ${s.min}`;
  return typeof value === 'number' &&
    Number.isFinite(value) &&
    value >= s.min &&
    (s.max === undefined || value <= s.max)
    ? undefined
    : `must be a number ${range} (${s.description}), got ${JSON.stringify(value)}`;
}
