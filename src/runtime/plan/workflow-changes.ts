import * as YAML from 'yaml';
import { brief, deepDiff } from './deep-diff';
import type { PlanEntry } from './plan';
import { costClass } from '../../common/what-runs/cost';
import { referencedNames, triggersOf } from '../../common/workflow-yaml';

type Level = 'none' | 'read' | 'write';
const RANK: Record<Level, number> = { none: 0, read: 1, write: 2 };
/** Every scope GitHub knows, for `read-all` / `write-all`. */
const SCOPES = [
  'actions',
  'attestations',
  'checks',
  'contents',
  'deployments',
  'discussions',
  'id-token',
  'issues',
  'models',
  'packages',
  'pages',
  'pull-requests',
  'repository-projects',
  'security-events',
  'statuses',
];

/** A job's effective permissions: its own block, else the workflow's, else GitHub's default (unknown: "default"). */
function permissionsOf(workflow: any, job: any): Record<string, Level> | 'default' {
  const raw = job.permissions ?? workflow.permissions;
  if (raw === undefined) return 'default';
  if (raw === 'read-all' || raw === 'write-all') {
    return Object.fromEntries(SCOPES.map((s) => [s, raw === 'read-all' ? 'read' : 'write']));
  }
  if (raw === null || (typeof raw === 'object' && Object.keys(raw).length === 0)) return {};
  return raw as Record<string, Level>;
}

/** `uses:` references with their version comments, from the file's text (the YAML parser drops comments). */
function actionsOf(text: string): Map<string, { ref: string; version: string }> {
  const out = new Map<string, { ref: string; version: string }>();
  for (const m of text.matchAll(/^\s*(?:-\s+)?uses:\s*([^@\s]+)@(\S+)(?:\s*#\s*(\S+))?/gm)) {
    out.set(m[1]!, { ref: m[2]!, version: m[3] ?? m[2]! });
  }
  return out;
}

/** What changed in one workflow file; `before`/`after` undefined when it was added/removed. */
export function workflowChanges(file: string, before: string | undefined, after: string | undefined): PlanEntry[] {
  const a = before === undefined ? undefined : YAML.parse(before);
  const b = after === undefined ? undefined : YAML.parse(after);
  const entries: PlanEntry[] = [];
  const jobsA: Record<string, any> = a?.jobs ?? {};
  const jobsB: Record<string, any> = b?.jobs ?? {};
  if (!a) {
    entries.push({
      kind: 'add',
      text: `new workflow "${b.name ?? file}" (${Object.keys(jobsB).length} job${Object.keys(jobsB).length === 1 ? '' : 's'}; on: ${Object.keys(triggersOf(b)).join(', ')})`,
    });
  }
  if (!b) entries.push({ kind: 'remove', text: `workflow "${a.name ?? file}" removed` });

  if (a && b) {
    for (const c of deepDiff(triggersOf(a), triggersOf(b))) {
      entries.push({
        kind: c.before === undefined ? 'add' : c.after === undefined ? 'remove' : 'change',
        text: `trigger on.${c.path}: ${brief(c.before)} → ${brief(c.after)}`,
      });
    }
  }
  for (const id of Object.keys(jobsA).filter((j) => !(j in jobsB))) {
    entries.push({ kind: 'remove', text: `job ${id} removed` });
  }
  for (const [id, job] of Object.entries(jobsB)) {
    const old = jobsA[id];
    const permsB = permissionsOf(b, job);
    if (!old) {
      const writes =
        permsB === 'default'
          ? ['(GitHub default token permissions)']
          : Object.entries(permsB)
              .filter(([, v]) => v === 'write')
              .map(([k]) => k);
      entries.push({
        kind: writes.length ? 'widen' : 'add',
        text: `job ${id} added on ${brief(job['runs-on'] ?? `called ${job.uses}`)} (${costClass(job['runs-on'])})${writes.length ? `, writes: ${writes.join(', ')}` : ''}`,
      });
      continue;
    }
    const permsA = a ? permissionsOf(a, old) : {};
    if (permsA === 'default' || permsB === 'default') {
      if (permsA !== permsB) {
        entries.push({
          kind: permsB === 'default' ? 'widen' : 'narrow',
          text: `job ${id} permissions: ${permsA === 'default' ? 'GitHub default' : brief(permsA)} → ${permsB === 'default' ? 'GitHub default' : brief(permsB)}`,
        });
      }
    } else {
      for (const scope of [...new Set([...Object.keys(permsA), ...Object.keys(permsB)])].sort()) {
        const from = permsA[scope] ?? 'none';
        const to = permsB[scope] ?? 'none';
        if (from !== to) {
          entries.push({
            kind: RANK[to] > RANK[from] ? 'widen' : 'narrow',
            text: `job ${id} permission ${scope}: ${from} → ${to}`,
          });
        }
      }
    }
    if (JSON.stringify(old['runs-on']) !== JSON.stringify(job['runs-on'])) {
      entries.push({
        kind: 'change',
        text: `job ${id} runner: ${brief(old['runs-on'])} (${costClass(old['runs-on'])}) → ${brief(job['runs-on'])} (${costClass(job['runs-on'])})`,
      });
    }
    if (old.if !== job.if) {
      entries.push({ kind: 'change', text: `job ${id} condition: ${brief(old.if)} → ${brief(job.if)}` });
    }
    if (old['timeout-minutes'] !== job['timeout-minutes']) {
      entries.push({
        kind: 'change',
        text: `job ${id} timeout: ${brief(old['timeout-minutes'])} → ${brief(job['timeout-minutes'])} min`,
      });
    }
    const stepsA = (old.steps ?? []).map((s: any) => s.name ?? s.uses ?? s.run);
    const stepsB = (job.steps ?? []).map((s: any) => s.name ?? s.uses ?? s.run);
    for (const s of stepsB.filter((x: string) => !stepsA.includes(x))) {
      entries.push({ kind: 'add', text: `job ${id} step added: ${brief(s)}` });
    }
    for (const s of stepsA.filter((x: string) => !stepsB.includes(x))) {
      entries.push({ kind: 'remove', text: `job ${id} step removed: ${brief(s)}` });
    }
    for (const step of job.steps ?? []) {
      const key = step.name ?? step.uses ?? step.run;
      const was = (old.steps ?? []).find((x: any) => (x.name ?? x.uses ?? x.run) === key);
      if (!was) continue;
      const fields = ['run', 'env', 'with', 'if', 'uses'].filter(
        (f) => JSON.stringify(was[f]) !== JSON.stringify(step[f]),
      );
      if (fields.length > 0) {
        entries.push({
          kind: 'change',
          text: `job ${id} step "${brief(key)}": ${fields.join(', ')} changed${
            fields.includes('env')
              ? ` (${deepDiff(was.env ?? {}, step.env ?? {})
                  .map((c) => c.path)
                  .join(', ')})`
              : ''
          }`,
        });
      }
    }
  }

  const actA = actionsOf(before ?? '');
  const actB = actionsOf(after ?? '');
  for (const [name, v] of actB) {
    const was = actA.get(name);
    if (!was) {
      entries.push({ kind: 'action', text: `action ${name} added at ${v.version} (${v.ref})` });
    } else if (was.ref !== v.ref) {
      entries.push({ kind: 'action', text: `action ${name} re-pinned: ${was.version} → ${v.version} (${v.ref})` });
    }
  }
  for (const name of [...actA.keys()].filter((n) => !actB.has(n))) {
    entries.push({ kind: 'remove', text: `action ${name} no longer used` });
  }
  for (const context of ['secrets', 'vars'] as const) {
    const was = new Set(referencedNames(before ?? '', context));
    for (const n of referencedNames(after ?? '', context)) {
      if (!was.has(n)) entries.push({ kind: 'secret', text: `newly references ${context}.${n}` });
    }
  }
  return entries;
}
