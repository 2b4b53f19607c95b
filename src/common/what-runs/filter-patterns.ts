/**
 * GitHub's filter patterns for branches, tags and paths: `*` any characters but `/`, `**` any
 * characters, `?` one character, `+` one or more of the preceding character, `[…]` a class, and a
 * leading `!` that excludes what earlier patterns matched. Patterns apply in order.
 */
export function filterPatternToRegExp(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*') {
      if (pattern[i + 1] === '*') {
        out += '.*';
        i++;
      } else {
        out += '[^/]*';
      }
    } else if (ch === '?') {
      out += '[^/]';
    } else if (ch === '+') {
      out += '+';
    } else if (ch === '[') {
      const end = pattern.indexOf(']', i);
      if (end === -1) {
        out += '\\[';
      } else {
        out += pattern.slice(i, end + 1);
        i = end;
      }
    } else {
      out += ch.replace(/[.^${}()|\\/]/g, '\\$&');
    }
  }
  return new RegExp(`^${out}$`);
}

/** Whether a value passes an ordered list of patterns (the last matching one decides; `!` excludes). */
export function matchesFilters(value: string, patterns: readonly string[]): boolean {
  let matched = false;
  for (const p of patterns) {
    const negated = p.startsWith('!');
    if (filterPatternToRegExp(negated ? p.slice(1) : p).test(value)) matched = !negated;
  }
  return matched;
}

/** `git diff -- <pathspec>`'s matching: the path itself, anything under it, or a glob. */
export function matchesPathspec(file: string, pathspec: string): boolean {
  if (/[*?[]/.test(pathspec)) return filterPatternToRegExp(pathspec).test(file);
  const p = pathspec.replace(/\/$/, '');
  return file === p || file.startsWith(`${p}/`);
}
