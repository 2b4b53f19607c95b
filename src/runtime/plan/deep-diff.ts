/** One difference between two JSON-like values: where, and the value on each side (undefined: absent). */
export interface ValueChange {
  readonly path: string;
  readonly before: unknown;
  readonly after: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The leaf-level differences of two parsed YAML/JSON values. Maps are compared key by key; lists
 * and scalars as whole values (a reordered list is a change), which keeps each line readable.
 */
export function deepDiff(before: unknown, after: unknown, path = ''): ValueChange[] {
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => deepDiff(before[k], after[k], path ? `${path}.${k}` : k));
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [{ path, before, after }];
}

/** A value in one line, short enough for a plan: JSON, cut at 120 characters. */
export function brief(value: unknown): string {
  if (value === undefined) return '(none)';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
