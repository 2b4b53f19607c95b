import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import AjvDraft04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';

/** SchemaStore schemas vendored under schemas/ (copied from the team's shared/schemas). */
export const SCHEMAS_DIR = path.join(__dirname, '..', '..', 'schemas');

const cache = new Map<string, ValidateFunction>();

/** A compiled validator for a schema file under schemas/. */
export function schemaValidator(file: string): ValidateFunction {
  let validate = cache.get(file);
  if (!validate) {
    const schema = JSON.parse(readFileSync(path.join(SCHEMAS_DIR, file), 'utf8')) as { $schema?: string };
    // SARIF 2.1.0's schema is draft-04, which Ajv 8 reads only through its draft-04 class.
    // The Compose schema names its meta-schema as https://json-schema.org/draft-07/schema, an alias
    // Ajv does not register: these vendored copies are not re-validated against their meta-schemas.
    const options = { allErrors: true, strict: false, validateSchema: false } as const;
    const ajv = String(schema.$schema).includes('draft-04') ? new AjvDraft04(options) : new Ajv(options);
    addFormats(ajv as unknown as Ajv);
    validate = ajv.compile(schema);
    cache.set(file, validate);
  }
  return validate;
}

const compiledObjects = new Map<string, ValidateFunction>();

/** Schema errors as `path message` lines (empty when valid), for a file under schemas/ or a schema object. */
export function schemaErrors(schema: string | object, data: unknown): string[] {
  let validate: ValidateFunction;
  if (typeof schema === 'string') {
    validate = schemaValidator(schema);
  } else {
    // Compiled once per schema text: property tests check hundreds of values against one schema.
    const key = JSON.stringify(schema);
    let compiled = compiledObjects.get(key);
    if (!compiled) {
      const ajv = new Ajv({ allErrors: true, strict: true });
      addFormats(ajv);
      compiledObjects.set(key, (compiled = ajv.compile(schema)));
    }
    validate = compiled;
  }
  if (validate(data)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`.trim());
}
