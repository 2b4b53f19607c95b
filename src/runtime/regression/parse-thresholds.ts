import { THRESHOLDS_SCHEMA, type RegressionThresholds } from '../../common/regression-thresholds';
import { parseWithSchema } from '../../common/schema-validator';

/** Reads a thresholds file's content; unknown or invalid fields are an InputError naming the file. */
export function parseThresholds(data: unknown, file: string): Partial<RegressionThresholds> {
  return parseWithSchema<Partial<RegressionThresholds>>(THRESHOLDS_SCHEMA, data, file);
}
