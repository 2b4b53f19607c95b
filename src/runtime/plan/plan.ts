import * as path from 'node:path';
import * as YAML from 'yaml';
import { chartChanges } from './chart-changes';
import { brief, deepDiff } from './deep-diff';
import type { GeneratedSnapshot } from './snapshot';
import { workflowChanges } from './workflow-changes';
import { markdownCell } from '../../common/text-table';

/**
 * One line of a plan. `widen` (a permission or token scope granted) and `secret` (a secret or
 * variable newly referenced) are what a reviewer must look at first; then `security` (a chart's
 * security-relevant field), `action` (added or re-pinned), and plain add/remove/change.
 */
export interface PlanEntry {
  readonly kind: 'widen' | 'narrow' | 'secret' | 'security' | 'action' | 'add' | 'remove' | 'change';
  readonly text: string;
}

/** The entries of one generated file or chart. */
export interface PlanSection {
  readonly title: string;
  readonly entries: readonly PlanEntry[];
}

export interface Plan {
  readonly base: string;
  readonly head: string;
  readonly sections: readonly PlanSection[];
}

const ORDER: PlanEntry['kind'][] = ['widen', 'secret', 'security', 'action', 'add', 'remove', 'narrow', 'change'];
const byImportance = (a: PlanEntry, b: PlanEntry) => ORDER.indexOf(a.kind) - ORDER.indexOf(b.kind);

function dependabotChanges(before: string | undefined, after: string | undefined): PlanEntry[] {
  const key = (u: any) => `${u['package-ecosystem']} ${u.directory ?? (u.directories ?? []).join(',')}`;
  const list = (text: string | undefined) =>
    new Map<string, any>(((text ? YAML.parse(text) : {})?.updates ?? []).map((u: any) => [key(u), u]));
  const a = list(before);
  const b = list(after);
  const entries: PlanEntry[] = [];
  for (const [k, u] of b) {
    if (!a.has(k)) {
      entries.push({ kind: 'add', text: `updates for ${k} added` });
    } else {
      for (const c of deepDiff(a.get(k), u)) {
        entries.push({ kind: 'change', text: `${k}: ${c.path}: ${brief(c.before)} → ${brief(c.after)}` });
      }
    }
  }
  for (const k of [...a.keys()].filter((x) => !b.has(x))) {
    entries.push({ kind: 'remove', text: `updates for ${k} removed` });
  }
  return entries;
}

/** `charts/<name>` of a chart file. */
const chartOf = (file: string) => file.split('/').slice(0, 2).join('/');

/** What a change does to the generated outputs, file by file, the important lines first. */
export function planOf(base: GeneratedSnapshot, head: GeneratedSnapshot, o: { helm?: string } = {}): Plan {
  const all = [...new Set([...base.files.keys(), ...head.files.keys()])].sort();
  const changed = all.filter((f) => base.files.get(f) !== head.files.get(f));
  const sections: PlanSection[] = [];
  for (const file of changed.filter((f) => f.startsWith('.github/workflows/'))) {
    sections.push({ title: file, entries: workflowChanges(file, base.files.get(file), head.files.get(file)) });
  }
  const dependabot = changed.find((f) => f === '.github/dependabot.yml');
  if (dependabot) {
    sections.push({
      title: dependabot,
      entries: dependabotChanges(base.files.get(dependabot), head.files.get(dependabot)),
    });
  }
  for (const chart of [...new Set(changed.filter((f) => f.startsWith('charts/')).map(chartOf))]) {
    sections.push({ title: `${chart} (chart)`, entries: chartChanges(chart, base.files, head.files, o.helm) });
  }
  for (const file of changed.filter((f) => f.startsWith('deploy/') && /\.ya?ml$/.test(f))) {
    sections.push({
      title: file,
      entries: deepDiff(YAML.parse(base.files.get(file) ?? '{}'), YAML.parse(head.files.get(file) ?? '{}')).map(
        (c): PlanEntry => ({
          kind: c.before === undefined ? 'add' : c.after === undefined ? 'remove' : 'change',
          text: `${c.path}: ${brief(c.before)} → ${brief(c.after)}`,
        }),
      ),
    });
  }
  const rest = changed.filter(
    (f) =>
      !sections.some((s) => s.title === f || s.title.startsWith(`${chartOf(f)} `)) &&
      !f.startsWith('.github/workflows/'),
  );
  if (rest.length > 0) {
    sections.push({
      title: 'other generated files',
      entries: rest.map((f) => ({
        kind: !base.files.has(f) ? ('add' as const) : !head.files.has(f) ? ('remove' as const) : ('change' as const),
        text: `${f}${path.extname(f) === '.md' ? ' (docs)' : ''}`,
      })),
    });
  }
  return {
    base: base.label,
    head: head.label,
    sections: sections
      .map((s) => ({ ...s, entries: [...s.entries].sort(byImportance) }))
      .filter((s) => s.entries.length > 0),
  };
}

const MARK: Record<PlanEntry['kind'], string> = {
  widen: '!',
  secret: '!',
  security: '~',
  action: '~',
  add: '+',
  remove: '-',
  narrow: '-',
  change: '~',
};
const LABEL: Record<PlanEntry['kind'], string> = {
  widen: 'widened',
  secret: 'secret',
  security: 'security',
  action: 'action',
  add: 'added',
  remove: 'removed',
  narrow: 'narrowed',
  change: 'changed',
};

/** The plan for a terminal. */
export function planText(plan: Plan): string {
  if (plan.sections.length === 0) {
    return `No changes to the generated pipelines between ${plan.base} and ${plan.head}.\n`;
  }
  const attention = plan.sections.flatMap((s) =>
    s.entries.filter((e) => e.kind === 'widen' || e.kind === 'secret').map((e) => `  ! ${s.title}: ${e.text}`),
  );
  return [
    `Plan: ${plan.base} → ${plan.head}`,
    ...(attention.length ? ['', "Needs a reviewer's attention:", ...attention] : []),
    ...plan.sections.flatMap((s) => ['', `${s.title}`, ...s.entries.map((e) => `  ${MARK[e.kind]} ${e.text}`)]),
    '',
  ].join('\n');
}

/** The plan for a job summary or PR comment. */
export function planMarkdown(plan: Plan): string {
  if (plan.sections.length === 0) {
    return `### Pipeline plan\n\nNo changes to the generated pipelines between \`${plan.base}\` and \`${plan.head}\`.\n`;
  }
  const code = (s: string) => `\`${s.replace(/`/g, "'")}\``;
  const attention = plan.sections.flatMap((s) =>
    s.entries.filter((e) => e.kind === 'widen' || e.kind === 'secret').map((e) => `- ${code(s.title)}: ${e.text}`),
  );
  return [
    `### Pipeline plan: ${code(plan.base)} → ${code(plan.head)}`,
    ...(attention.length ? ['', "**Needs a reviewer's attention**", '', ...attention] : []),
    ...plan.sections.flatMap((s) => [
      '',
      `#### ${code(s.title)}`,
      '',
      '| | change |',
      '| --- | --- |',
      ...s.entries.map((e) => `| ${LABEL[e.kind]} | ${markdownCell(e.text)} |`),
    ]),
    '',
  ].join('\n');
}
