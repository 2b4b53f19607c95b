/**
 * Whether two tag filters of `on.push.tags` can match one tag. GitHub's filter syntax: `*` matches
 * any characters but `/`, `**` any characters, `?` one character, `+` one or more of the character
 * before; any other character matches itself. The model's tag globs use `*`, `**` and literals;
 * a glob with `?`, `+`, `[` or `!` is not compared here (the model refuses those characters).
 */
export function tagGlobsOverlap(a: string, b: string): boolean {
  const x = tokens(a);
  const y = tokens(b);
  const memo = new Map<string, boolean>();
  // Can x[i..] and y[j..] match one string? A star either matches nothing or takes one character
  // that the other side can also produce (a literal, or a character of the other side's star).
  // Every branch advances i or j, so the recursion ends.
  const go = (i: number, j: number): boolean => {
    const key = `${i},${j}`;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    const p = x[i];
    const q = y[j];
    if (p === undefined && q === undefined) result = true;
    else if (p !== undefined && p.kind === 'star' && go(i + 1, j)) result = true;
    else if (q !== undefined && q.kind === 'star' && go(i, j + 1)) result = true;
    else if (p === undefined || q === undefined) result = false;
    else if (p.kind === 'literal' && q.kind === 'literal') result = p.char === q.char && go(i + 1, j + 1);
    else if (p.kind === 'star' && q.kind === 'literal') result = (p.slash || q.char !== '/') && go(i, j + 1);
    else if (p.kind === 'literal' && q.kind === 'star') result = (q.slash || p.char !== '/') && go(i + 1, j);
    // Two stars take one common character (any character but `/` is in both).
    else result = go(i + 1, j) || go(i, j + 1);
    memo.set(key, result);
    return result;
  };
  return go(0, 0);
}

type Token = { readonly kind: 'literal'; readonly char: string } | { readonly kind: 'star'; readonly slash: boolean };

function tokens(glob: string): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < glob.length; i++) {
    if (glob[i] === '*') {
      const double = glob[i + 1] === '*';
      if (double) i++;
      out.push({ kind: 'star', slash: double });
    } else {
      out.push({ kind: 'literal', char: glob[i]! });
    }
  }
  return out;
}
