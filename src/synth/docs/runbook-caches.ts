import { renderedWorkflow } from './workflow-facts';
import { CACHE_FAMILIES, type CacheFamilyName } from '../model/cache-families';
import type { SecureWorkflow } from '../workflow/workflow';

type Step = { uses?: string; with?: Record<string, unknown> };
const usesAction = (step: Step, action: string) => String(step.uses ?? '').startsWith(`${action}@`);
/** An actions/cache step (or its restore/save half) whose key starts with one of the family's prefixes. */
const keyedByUs = (step: Step, family: CacheFamilyName) =>
  ['actions/cache', 'actions/cache/restore', 'actions/cache/save'].some((a) => usesAction(step, a)) &&
  CACHE_FAMILIES[family].keyPrefixes.some((prefix) => String(step.with?.key ?? '').includes(prefix));

/** Whether a rendered step writes or reads a family's entries: each family is recognised by the step that keys it. */
const WRITTEN_BY: Record<CacheFamilyName, (step: Step) => boolean> = {
  npm: (s) => usesAction(s, 'actions/setup-node') && s.with?.cache === 'npm',
  uv: (s) => usesAction(s, 'astral-sh/setup-uv') && s.with?.['enable-cache'] === true,
  swiftpm: (s) => keyedByUs(s, 'swiftpm'),
  models: (s) => keyedByUs(s, 'models'),
  imageLayers: (s) =>
    usesAction(s, 'docker/build-push-action') &&
    /type=gha/.test(String(s.with?.['cache-from'] ?? '') + String(s.with?.['cache-to'] ?? '')),
};

/**
 * The runbook's procedure for clearing caches by hand: each cache family the generated workflows
 * use (found in their steps), what it holds and its key prefixes (the model's table), and the `gh`
 * commands that list and delete its entries.
 */
export function cachesSection(workflows: readonly SecureWorkflow[]): string[] {
  const users = new Map<CacheFamilyName, Set<string>>();
  for (const w of workflows) {
    const file = w.filePath.split('/').pop()!;
    for (const job of Object.values<any>(renderedWorkflow(w).data.jobs ?? {})) {
      for (const step of (job.steps ?? []) as Step[]) {
        for (const name of Object.keys(WRITTEN_BY) as CacheFamilyName[]) {
          if (WRITTEN_BY[name](step)) users.set(name, (users.get(name) ?? new Set()).add(file));
        }
      }
    }
  }
  const families = (Object.keys(CACHE_FAMILIES) as CacheFamilyName[]).filter((name) => users.has(name));
  const out = [
    '## Clear a cache by hand',
    '',
    'Caches only make runs faster: a run that misses one rebuilds what it needs. Clear a family when an entry is bad (a corrupt',
    'download, a build that keeps failing only with the cache) or suspect. Pull requests read only their own entries and the',
    "default branch's; the release, deploy and rollback workflows restore none. List first, then delete what the list shows:",
    '',
    '```sh',
    "gh cache list --key <prefix> --limit 100             # the family's entries, newest first (add --ref refs/pull/<n>/merge for one pull request)",
    'gh cache delete <key>                                # one entry',
    'gh cache list --key <prefix> --limit 1000 --json key --jq \'.[].key\' | while read -r key; do gh cache delete "$key"; done   # the family',
    '```',
    '',
    '| family | key prefix | what it holds | written by | clearing it costs |',
    '| --- | --- | --- | --- | --- |',
    ...families.map((name) => {
      const f = CACHE_FAMILIES[name];
      return `| ${name} | ${f.keyPrefixes.map((p) => `\`${p}\``).join(', ')} | ${f.what} | ${[...users.get(name)!].sort().join(', ')} | ${f.clearingCosts} |`;
    }),
    '',
    'The `cache-cleanup.yml` workflow already deletes the models of older models.json files and the entries of closed pull requests',
    'every night; `gh cache delete --all` clears everything at once.',
    '',
  ];
  return out;
}
