/**
 * Reading rendered GitHub Actions workflows (parsed YAML or its text): shared by the plan, the
 * what-runs evaluation and the generated docs.
 */

/** The `on:` block as a map of event → its settings (a string or list of events gives `{}` each). */
export function triggersOf(doc: any): Record<string, any> {
  // YAML 1.1 parsers read a bare `on` key as `true`.
  const on = doc.on ?? doc[true as any];
  if (typeof on === 'string') return { [on]: {} };
  if (Array.isArray(on)) return Object.fromEntries(on.map((e: string) => [e, {}]));
  return Object.fromEntries(Object.entries(on ?? {}).map(([k, v]) => [k, v ?? {}]));
}

/** The names a workflow's text reads from `secrets.` or `vars.`, sorted; GITHUB_TOKEN is not a secret anyone sets. */
export function referencedNames(text: string, context: 'secrets' | 'vars'): string[] {
  return [...new Set([...text.matchAll(new RegExp(`\\b${context}\\.([A-Za-z_][A-Za-z0-9_]*)`, 'g'))].map((m) => m[1]!))]
    .filter((n) => n !== 'GITHUB_TOKEN')
    .sort();
}
