/**
 * `if:` conditions the policy rules recognise as guards, declared once: the workflow kit builds its
 * guard expressions from these texts and the rules look for them, so the two cannot drift.
 */
export const GUARDS = {
  /** The job never runs for a pull request, so a write grant never reaches a pull request's code. */
  notPullRequest: "github.event_name != 'pull_request'",
  /** The step or job never runs for a tag, so a cache it uses never reaches a release build. */
  notTag: "github.ref_type != 'tag'",
  /** The job runs for pull requests only (so never for a tag either). */
  pullRequestOnly: "github.event_name == 'pull_request'",
} as const;

/** Guards under which a job or step never runs for a tag. */
export const NEVER_FOR_TAGS: readonly string[] = [GUARDS.notTag, GUARDS.pullRequestOnly];

/** The conjuncts of an `if:` at the top level: `(a) && (b && c)` → `a`, `b && c`. */
export function topLevelConjuncts(condition: unknown): string[] {
  if (typeof condition !== 'string') return [];
  let text = condition.trim();
  const wrapped = /^\$\{\{([\s\S]*)\}\}$/.exec(text);
  if (wrapped) text = wrapped[1]!.trim();
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "'") {
      quoted = !quoted;
    } // '' inside a literal toggles twice
    else if (!quoted && ch === '(') {
      depth++;
    } else if (!quoted && ch === ')') {
      depth--;
    } else if (!quoted && depth === 0 && text.startsWith('&&', i)) {
      parts.push(text.slice(start, i));
      start = i + 2;
      i++;
    }
  }
  parts.push(text.slice(start));
  return parts.map(stripParens).filter((p) => p !== '');
}

function stripParens(part: string): string {
  let p = part.trim();
  while (p.startsWith('(') && p.endsWith(')') && enclosed(p)) p = p.slice(1, -1).trim();
  return p;
}

/** Whether the first `(` closes at the last character. */
function enclosed(p: string): boolean {
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < p.length; i++) {
    const ch = p[i];
    if (ch === "'") quoted = !quoted;
    else if (!quoted && ch === '(') depth++;
    else if (!quoted && ch === ')' && --depth === 0 && i < p.length - 1) return false;
  }
  return true;
}

/** Whether a condition requires one of `guards` (one of its top-level conjuncts is exactly it). */
export function requiresGuard(condition: unknown, ...guards: readonly string[]): boolean {
  return topLevelConjuncts(condition).some((c) => guards.includes(c));
}
