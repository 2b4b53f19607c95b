/**
 * Sets a value at a path of a plain object (array indexes are keys like any other). With
 * `create`, missing intermediate objects are made (escape-hatch overrides); without it a missing
 * step throws (template bindings must hit an existing field).
 */
export function setPath(
  target: Record<string, unknown>,
  path: readonly (string | number)[],
  value: unknown,
  options: { create?: boolean } = {},
): void {
  let node = target as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) {
      if (!options.create) throw new Error(`no ${String(key)} in path ${path.join('.')}`);
      node[key] = {};
    }
    node = node[key] as Record<string | number, unknown>;
  }
  node[path[path.length - 1]!] = value;
}
