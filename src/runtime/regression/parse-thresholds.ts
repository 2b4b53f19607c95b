import { InputError } from '../../common/cli-errors';
import { THRESHOLDS_SCHEMA, type RegressionThresholds } from '../../common/regression-thresholds';
import { schemaProblems } from '../../common/schema-validator';

/** Reads a thresholds file's content; unknown or invalid fields are an InputError naming the file. */
export function parseThresholds(data: unknown, file: string): Partial<RegressionThresholds> {
  const problems = schemaProblems(THRESHOLDS_SCHEMA, data);
  if (problems.length > 0) throw new InputError(`${file}: ${problems.join('; ')}`);
  return data as Partial<RegressionThresholds>;
}
