import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { InputError } from './cli-errors';
import { quoteInput } from './safe-text';

/** One shared Ajv instance: compiling is the expensive part, validators are cached per schema. */
let ajv: Ajv | undefined;
const compiled = new WeakMap<object, ValidateFunction>();

function instance(): Ajv {
  if (!ajv) {
    ajv = new Ajv({ allErrors: true, strict: true });
    addFormats(ajv);
  }
  return ajv;
}

/** `latencyMs.p95` from `/latencyMs/p95`. */
function fieldOf(error: ErrorObject): string {
  const base = error.instancePath.replace(/^\//, '').replace(/\//g, '.');
  const missing =
    error.keyword === 'required' ? (error.params as { missingProperty: string }).missingProperty : undefined;
  const extra =
    error.keyword === 'additionalProperties'
      ? (error.params as { additionalProperty: string }).additionalProperty
      : undefined;
  const leaf = missing ?? extra;
  return [base, leaf].filter(Boolean).join('.') || '(root)';
}

function describe(error: ErrorObject, data: unknown): string {
  if (error.keyword === 'required') return 'is missing';
  if (error.keyword === 'additionalProperties') return 'is not a known field';
  const value = error.instancePath
    .split('/')
    .slice(1)
    .reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], data);
  return `${error.message ?? 'is invalid'}, got ${quoteInput(value)}`;
}

/**
 * Validates data against a JSON schema and returns problems as `field message` strings,
 * e.g. `latencyMs.p95 must be number, got "fast"` (empty when valid).
 */
export function schemaProblems(schema: object, data: unknown): string[] {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = instance().compile(schema);
    compiled.set(schema, validate);
  }
  if (validate(data)) return [];
  const seen = new Set<string>();
  return (validate.errors ?? [])
    .filter((e) => e.keyword !== 'if')
    .map((e) => `${fieldOf(e)} ${describe(e, data)}`)
    .filter((line) => !seen.has(line) && seen.add(line));
}

/** Validates an input file's parsed content; every problem goes into one InputError naming the file. */
export function parseWithSchema<T>(schema: object, data: unknown, file: string): T {
  const problems = schemaProblems(schema, data);
  if (problems.length > 0) throw new InputError(`${file}: ${problems.join('; ')}`);
  return data as T;
}
