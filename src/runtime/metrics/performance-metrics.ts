import { InputError } from '../../common/cli-errors';
import { schemaProblems } from '../../common/schema-validator';

/**
 * The performance metrics format, version 1: written by `load-test`, read by
 * `check-performance-regression` (for both the current run and the baseline).
 */
export interface PerformanceMetrics {
  readonly schemaVersion: 1;
  /** What was measured, e.g. `tts-synthesize`. Baseline and current must match. */
  readonly scenario: string;
  /** Latency percentiles in milliseconds, measured from each request's intended start. */
  readonly latencyMs: { readonly p50: number; readonly p95: number; readonly p99: number; readonly max: number; readonly mean: number };
  /** Failed requests / completed requests, 0–1. */
  readonly errorRate: number;
  /** Completed requests per second, achieved. */
  readonly throughputRps: number;
  /** Completed requests (successes and errors). */
  readonly samples: number;
  /** How the run was made. */
  readonly run: RunMetadata;
}

export interface RunMetadata {
  /** ISO 8601. */
  readonly startedAt: string;
  readonly durationSeconds: number;
  /** Requests per second the generator scheduled. */
  readonly targetRate: number;
  /** Requests that could not be sent on time (in-flight limit reached), not counted in samples. */
  readonly dropped: number;
  readonly tool: string;
  /** @default - not recorded */
  readonly commit?: string;
  /** @default - not recorded */
  readonly baseUrl?: string;
}

const nonNegative = { type: 'number', minimum: 0 };

/** JSON schema of {@link PerformanceMetrics}; shipped with the package and used by both CLIs. */
export const PERFORMANCE_METRICS_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://voice-platform.dev/schemas/performance-metrics-v1.json',
  title: 'Performance metrics, version 1',
  type: 'object',
  additionalProperties: false,
  required: ['schemaVersion', 'scenario', 'latencyMs', 'errorRate', 'throughputRps', 'samples', 'run'],
  properties: {
    schemaVersion: { const: 1 },
    scenario: { type: 'string', minLength: 1 },
    latencyMs: {
      type: 'object',
      additionalProperties: false,
      required: ['p50', 'p95', 'p99', 'max', 'mean'],
      properties: { p50: nonNegative, p95: nonNegative, p99: nonNegative, max: nonNegative, mean: nonNegative },
    },
    errorRate: { type: 'number', minimum: 0, maximum: 1 },
    throughputRps: nonNegative,
    samples: { type: 'integer', minimum: 1 },
    run: {
      type: 'object',
      additionalProperties: false,
      required: ['startedAt', 'durationSeconds', 'targetRate', 'dropped', 'tool'],
      properties: {
        startedAt: { type: 'string', format: 'date-time' },
        durationSeconds: { type: 'number', exclusiveMinimum: 0 },
        targetRate: { type: 'number', exclusiveMinimum: 0 },
        dropped: { type: 'integer', minimum: 0 },
        tool: { type: 'string', minLength: 1 },
        commit: { type: 'string' },
        baseUrl: { type: 'string' },
      },
    },
  },
} as const;

/** Validates parsed JSON as metrics; an invalid file is an InputError naming the file and the fields. */
export function parseMetrics(data: unknown, file: string): PerformanceMetrics {
  const problems = schemaProblems(PERFORMANCE_METRICS_SCHEMA, data);
  if (problems.length > 0) throw new InputError(`${file}: ${problems.join('; ')}`);
  return data as PerformanceMetrics;
}
