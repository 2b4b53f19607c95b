import { InputError } from '../../common/cli-errors';
import { schemaProblems } from '../../common/schema-validator';
import type { RegressionThresholds } from '../../common/regression-thresholds';

const pct = { type: 'number', minimum: 0 };
export const THRESHOLDS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    p95IncreasePct: pct,
    p99IncreasePct: pct,
    maxErrorRate: { type: 'number', minimum: 0, maximum: 1 },
    maxErrorRateIncrease: { type: 'number', minimum: 0, maximum: 1 },
    throughputDecreasePct: { type: 'number', minimum: 0, maximum: 100 },
  },
} as const;

/** Merges a thresholds file's content over the defaults; unknown or invalid fields are an InputError. */
export function parseThresholds(data: unknown, file: string): Partial<RegressionThresholds> {
  const problems = schemaProblems(THRESHOLDS_SCHEMA, data);
  if (problems.length > 0) throw new InputError(`${file}: ${problems.join('; ')}`);
  return data as Partial<RegressionThresholds>;
}
