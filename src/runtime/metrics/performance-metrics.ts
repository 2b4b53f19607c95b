import { InputError } from '../../common/cli-errors';
import { parseWithSchema } from '../../common/schema-validator';

/**
 * The conditions a run was made under. Two runs are comparable only when every field named in
 * {@link COMPARED_CONDITIONS} is equal: a run at another rate, length, warm-up or on another kind
 * of runner measures something else.
 */
export interface RunConditions {
  /**
   * What was exercised: an HTTP method and path with its query (`POST /v1/synthesize`), or for the
   * app's transcription runs `transcribe <model id>@<model version>`.
   */
  readonly endpoint: string;
  /**
   * Arrivals per second the generator scheduled (open model). `0` for a sequential replay, which
   * starts each item when the previous one ends and so schedules no rate.
   */
  readonly targetRate: number;
  /** Seconds of measured load (after the warm-up); for a replay, the seconds of audio measured. */
  readonly durationSeconds: number;
  /** Seconds of load sent first and left out of every figure; for a replay, the warm-up clips' audio seconds. */
  readonly warmupSeconds: number;
  /** The kind of machine the service and the generator ran on, e.g. the runner label `ubuntu-24.04`. */
  readonly runnerClass: string;
  /**
   * Digest of the image under test. Recorded for tracing, never compared: it is what changes
   * from one night to the next.
   * @default - not recorded
   */
  readonly imageDigest?: string;
}

/** The fields that must match between a run and its history. */
export const COMPARED_CONDITIONS = [
  'endpoint',
  'targetRate',
  'durationSeconds',
  'warmupSeconds',
  'runnerClass',
] as const satisfies readonly (keyof RunConditions)[];

/**
 * The performance metrics format, version 1: written by `load-test`, read by
 * `check-performance-regression`.
 */
export interface PerformanceMetrics {
  readonly schemaVersion: 1;
  /** What was measured, e.g. `tts-synthesize`. */
  readonly scenario: string;
  readonly conditions: RunConditions;
  /** Latency percentiles in milliseconds, measured from each request's intended start. */
  readonly latencyMs: {
    readonly p50: number;
    readonly p95: number;
    readonly p99: number;
    readonly max: number;
    readonly mean: number;
  };
  /** Failed requests / completed requests, 0–1. */
  readonly errorRate: number;
  /** Completed requests per second, achieved. */
  readonly throughputRps: number;
  /** Completed requests (successes and errors) after the warm-up. */
  readonly samples: number;
  /**
   * Processing time per second of audio (below 1 is faster than real time), per item: written by
   * runs that transcribe audio; the gate compares it when both the run and the history carry it.
   * @default - not measured (HTTP load tests)
   */
  readonly realTimeFactor?: RealTimeFactor;
  /**
   * How right the transcripts were, against reference transcripts: written by transcription runs
   * given references; the gate compares it when both the run and the history carry it.
   * @default - not measured
   */
  readonly accuracy?: TranscriptAccuracy;
  /**
   * The process's memory: written by transcription runs whose test measured it; the gate compares
   * it when both the run and the history carry it.
   * @default - not measured
   */
  readonly memory?: RunMemory;
  /** How the run went. */
  readonly run: RunMetadata;
}

/** Memory of a run, in bytes of physical footprint. */
export interface RunMemory {
  /** The highest footprint during the run. */
  readonly peakBytes: number;
  /** Footprint after the last switch cycle between models minus after the first: what switching keeps. */
  readonly switchGrowthBytes: number;
}

/** Word error rate of a transcription run over the clips that returned a transcript. */
export interface TranscriptAccuracy {
  /** Edits over reference words across the clips (corpus WER), 0 is perfect; above 1 is possible. */
  readonly wordErrorRate: number;
  /** Reference words the rate is over. */
  readonly referenceWords: number;
}

/** Distribution of the real-time factor over the measured items. */
export interface RealTimeFactor {
  readonly p50: number;
  readonly p95: number;
  readonly mean: number;
}

export interface RunMetadata {
  /** ISO 8601, start of the measured window. */
  readonly startedAt: string;
  /** Seconds from the first measured arrival to the last answer. */
  readonly elapsedSeconds: number;
  /** Measured arrivals that could not be sent on time (in-flight limit reached), not counted in samples. */
  readonly dropped: number;
  readonly tool: string;
  /** @default - not recorded */
  readonly commit?: string;
  /** @default - not recorded */
  readonly baseUrl?: string;
}

const nonNegative = { type: 'number', minimum: 0 };

const CONDITIONS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['endpoint', 'targetRate', 'durationSeconds', 'warmupSeconds', 'runnerClass'],
  properties: {
    endpoint: { type: 'string', minLength: 1 },
    targetRate: nonNegative,
    durationSeconds: { type: 'number', exclusiveMinimum: 0 },
    warmupSeconds: nonNegative,
    runnerClass: { type: 'string', minLength: 1 },
    imageDigest: { type: 'string', pattern: '^[a-z0-9]+:[a-f0-9]{32,}$' },
  },
} as const;

/** The metrics object's schema, without `$schema`/`$id`, so the history schema can embed it. */
const METRICS_OBJECT_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['schemaVersion', 'scenario', 'conditions', 'latencyMs', 'errorRate', 'throughputRps', 'samples', 'run'],
  properties: {
    schemaVersion: { const: 1 },
    scenario: { type: 'string', minLength: 1 },
    conditions: CONDITIONS_SCHEMA,
    latencyMs: {
      type: 'object',
      additionalProperties: false,
      required: ['p50', 'p95', 'p99', 'max', 'mean'],
      properties: { p50: nonNegative, p95: nonNegative, p99: nonNegative, max: nonNegative, mean: nonNegative },
    },
    errorRate: { type: 'number', minimum: 0, maximum: 1 },
    throughputRps: nonNegative,
    samples: { type: 'integer', minimum: 1 },
    realTimeFactor: {
      type: 'object',
      additionalProperties: false,
      required: ['p50', 'p95', 'mean'],
      properties: { p50: nonNegative, p95: nonNegative, mean: nonNegative },
    },
    accuracy: {
      type: 'object',
      additionalProperties: false,
      required: ['wordErrorRate', 'referenceWords'],
      properties: { wordErrorRate: nonNegative, referenceWords: { type: 'integer', minimum: 1 } },
    },
    memory: {
      type: 'object',
      additionalProperties: false,
      required: ['peakBytes', 'switchGrowthBytes'],
      properties: { peakBytes: { type: 'integer', minimum: 1 }, switchGrowthBytes: { type: 'integer' } },
    },
    run: {
      type: 'object',
      additionalProperties: false,
      required: ['startedAt', 'elapsedSeconds', 'dropped', 'tool'],
      properties: {
        startedAt: { type: 'string', format: 'date-time' },
        elapsedSeconds: { type: 'number', exclusiveMinimum: 0 },
        dropped: { type: 'integer', minimum: 0 },
        tool: { type: 'string', minLength: 1 },
        commit: { type: 'string' },
        baseUrl: { type: 'string' },
      },
    },
  },
} as const;

/** JSON schema of {@link PerformanceMetrics}; shipped with the package and used by both CLIs. */
export const PERFORMANCE_METRICS_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://voice-platform.dev/schemas/performance-metrics-v1.json',
  title: 'Performance metrics, version 1',
  ...METRICS_OBJECT_SCHEMA,
} as const;

/** Validates parsed JSON as metrics; an invalid file is an InputError naming the file and the fields. */
export function parseMetrics(data: unknown, file: string): PerformanceMetrics {
  return parseWithSchema<PerformanceMetrics>(PERFORMANCE_METRICS_SCHEMA, data, file);
}

/**
 * The passing runs of one scenario on the default branch, oldest first: what the gate compares a
 * new run with. Kept on a branch of its own by the nightly workflow (see the README), so it is
 * never evicted like a cache.
 */
export interface PerformanceHistory {
  readonly schemaVersion: 1;
  readonly scenario: string;
  readonly runs: readonly PerformanceMetrics[];
}

/** How many runs a history keeps; older ones are dropped when a run is appended. */
export const HISTORY_LIMIT = 30;

export const PERFORMANCE_HISTORY_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://voice-platform.dev/schemas/performance-history-v1.json',
  title: 'Performance history, version 1',
  type: 'object',
  additionalProperties: false,
  required: ['schemaVersion', 'scenario', 'runs'],
  properties: {
    schemaVersion: { const: 1 },
    scenario: { type: 'string', minLength: 1 },
    runs: { type: 'array', minItems: 1, maxItems: HISTORY_LIMIT, items: METRICS_OBJECT_SCHEMA },
  },
} as const;

/** Validates parsed JSON as a history; every run must be of the history's scenario. */
export function parseHistory(data: unknown, file: string): PerformanceHistory {
  const history = parseWithSchema<PerformanceHistory>(PERFORMANCE_HISTORY_SCHEMA, data, file);
  history.runs.forEach((run, i) => {
    if (run.scenario !== history.scenario) {
      throw new InputError(
        `${file}: runs[${i}].scenario "${run.scenario}" differs from the history's "${history.scenario}"`,
      );
    }
  });
  return history;
}

/** The history with a run appended, trimmed to {@link HISTORY_LIMIT}. */
export function appendToHistory(history: PerformanceHistory | undefined, run: PerformanceMetrics): PerformanceHistory {
  const runs = [...(history?.runs ?? []), run].slice(-HISTORY_LIMIT);
  return { schemaVersion: 1, scenario: run.scenario, runs };
}

/**
 * Why a run cannot be compared with a reference run, naming each differing field; empty when
 * the two measure the same thing.
 */
export function conditionMismatches(reference: PerformanceMetrics, current: PerformanceMetrics): string[] {
  const out: string[] = [];
  if (reference.scenario !== current.scenario) {
    out.push(`scenario: "${current.scenario}" (this run) vs "${reference.scenario}" (history)`);
  }
  for (const field of COMPARED_CONDITIONS) {
    const a = current.conditions[field];
    const b = reference.conditions[field];
    if (a !== b) out.push(`conditions.${field}: ${JSON.stringify(a)} (this run) vs ${JSON.stringify(b)} (history)`);
  }
  return out;
}
