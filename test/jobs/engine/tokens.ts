import { evaluate, fromData, type Json, type StatusFunctions } from './expressions';

/* eslint-disable @typescript-eslint/no-explicit-any */

// Token types of @actions/workflow-parser (templates/tokens/types.ts).
const STRING = 0;
const SEQUENCE = 1;
const MAPPING = 2;
const BASIC_EXPRESSION = 3;
const BOOLEAN = 5;
const NUMBER = 6;
const NULL = 7;

/**
 * A template token's value with every `${{ }}` evaluated by GitHub's engine. The parser turns
 * `a ${{ x }} b` into `format('a {0} b', x)`, so interpolation is the engine's own.
 */
export function evaluateToken(token: any, contexts: Record<string, Json>, status: StatusFunctions): Json {
  if (token === undefined) return null;
  switch (token.templateTokenType) {
    case STRING:
      return token.value;
    case NUMBER:
      return token.value;
    case BOOLEAN:
      return token.value;
    case NULL:
      return null;
    case BASIC_EXPRESSION:
      return fromData(evaluate(token.expression, contexts, status));
    case SEQUENCE:
      return [...token].map((t: any) => evaluateToken(t, contexts, status));
    case MAPPING: {
      const out: Record<string, Json> = {};
      for (const pair of token) {
        out[String(evaluateToken(pair.key, contexts, status))] = evaluateToken(pair.value, contexts, status);
      }
      return out;
    }
    default:
      throw new Error(`unsupported template token type ${token.templateTokenType}`);
  }
}

/** A scalar as GitHub passes it to a process or an action input: booleans and numbers as text, null as ''. */
export function asText(value: Json): string {
  if (value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** The value under `key` of a mapping token, or undefined. */
export function child(mapping: any, key: string): any {
  if (!mapping || mapping.templateTokenType !== MAPPING) return undefined;
  for (const pair of mapping) if (pair.key.value === key) return pair.value;
  return undefined;
}

/** A literal token's plain value (no expressions allowed), for keys GitHub reads before a run starts. */
export function literal(token: any): Json {
  if (token === undefined) return null;
  if (token.templateTokenType === BASIC_EXPRESSION) {
    throw new Error(`expected a literal, found \${{ ${token.expression} }}`);
  }
  return evaluateToken(token, {}, { status: 'success' });
}
