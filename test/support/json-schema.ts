import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/** SchemaStore schemas vendored under schemas/ (copied from the team's shared/schemas). */
export const SCHEMAS_DIR = path.join(__dirname, '..', '..', 'schemas');

const cache = new Map<string, ValidateFunction>();

/** A compiled validator for a schema file under schemas/. */
export function schemaValidator(file: string): ValidateFunction {
  let validate = cache.get(file);
  if (!validate) {
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    validate = ajv.compile(JSON.parse(readFileSync(path.join(SCHEMAS_DIR, file), 'utf8')));
    cache.set(file, validate);
  }
  return validate;
}

/** Schema errors as `path message` lines (empty when valid), for a file under schemas/ or a schema object. */
export function schemaErrors(schema: string | object, data: unknown): string[] {
  let validate: ValidateFunction;
  if (typeof schema === 'string') {
    validate = schemaValidator(schema);
  } else {
    const ajv = new Ajv({ allErrors: true, strict: true });
    addFormats(ajv);
    validate = ajv.compile(schema);
  }
  if (validate(data)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`.trim());
}
