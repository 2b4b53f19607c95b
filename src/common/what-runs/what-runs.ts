import * as YAML from 'yaml';
import { matchesFilters, matchesPathspec } from './filter-patterns';
import { evaluateCondition, partial, stripDelimiters, UNKNOWN, type ExprValue } from './github-expression';
import { markdownCell } from '../text-table';
import { triggersOf } from '../workflow-yaml';

/** The events `what-runs` answers for; `tag` is a push of a tag. */
export const WHAT_RUNS_EVENTS = ['pull_request', 'push', 'tag', 'schedule', 'workflow_dispatch'] as const;
export type WhatRunsEvent = (typeof WHAT_RUNS_EVENTS)[number];

/** One question: an event, its ref, and the files the change touches. */
export interface WhatRunsQuery {
  readonly event: WhatRunsEvent;
  /** The branch pushed to or the pull request's base branch; the tag for `tag`. @default the default branch */
  readonly ref: string;
  /** Changed files, from the repository root. */
  readonly changed: readonly string[];
  /** Labels of the pull request. @default [] */
  readonly labels?: readonly string[];
  /** The default branch, where workflow_run workflows run. @default 'main' */
  readonly defaultBranch?: string;
}

export type Verdict = 'runs' | 'skipped' | 'maybe';

export interface JobAnswer {
  readonly id: string;
  readonly name: string;
  readonly verdict: Verdict;
  readonly reason: string;
  /** `runs-on` as written, or the called workflow. */
  readonly runsOn: string;
  readonly timeoutMinutes?: number;
}

export interface WorkflowAnswer {
  readonly file: string;
  readonly name: string;
  readonly verdict: Verdict;
  readonly reason: string;
  readonly jobs: readonly JobAnswer[];
}

interface Doc {
  name?: string;
  on?: any;
  jobs?: Record<string, any>;
}

/** Whether the workflow starts for the event, and why (not). Path filters need the changed files. */
function triggered(doc: Doc, q: WhatRunsQuery): { verdict: Verdict; reason: string } {
  const on = triggersOf(doc);
  const no = (reason: string) => ({ verdict: 'skipped' as const, reason });
  const paths = (t: any): { verdict: Verdict; reason: string } | undefined => {
    if (t.paths) {
      const hit = q.changed.find((f) => matchesFilters(f, t.paths));
      return hit ? undefined : no(`no changed file matches its paths (${t.paths.join(', ')})`);
    }
    if (t['paths-ignore']) {
      const hit = q.changed.find((f) => !matchesFilters(f, t['paths-ignore']));
      return hit ? undefined : no(`every changed file matches its paths-ignore (${t['paths-ignore'].join(', ')})`);
    }
    return undefined;
  };
  switch (q.event) {
    case 'pull_request': {
      const t = on.pull_request;
      if (!t) return no('no pull_request trigger');
      if (t.types && !t.types.some((x: string) => ['opened', 'synchronize', 'reopened'].includes(x))) {
        return no(`pull_request only for ${t.types.join(', ')}`);
      }
      if (t.branches && !matchesFilters(q.ref, t.branches)) {
        return no(`base branch ${q.ref} not in its branches (${t.branches.join(', ')})`);
      }
      if (t['branches-ignore'] && matchesFilters(q.ref, t['branches-ignore'])) {
        return no(`base branch ${q.ref} is in its branches-ignore`);
      }
      return paths(t) ?? { verdict: 'runs', reason: 'pull_request' };
    }
    case 'push':
    case 'tag': {
      const t = on.push;
      if (!t) return no('no push trigger');
      const isTag = q.event === 'tag';
      const refFilters = isTag ? [t.tags, t['tags-ignore']] : [t.branches, t['branches-ignore']];
      const otherFilters = isTag ? [t.branches, t['branches-ignore']] : [t.tags, t['tags-ignore']];
      // Filters for only one kind of ref: pushes of the other kind do not start it.
      if (!refFilters[0] && !refFilters[1] && (otherFilters[0] || otherFilters[1])) {
        return no(`push only for ${isTag ? 'branches' : 'tags'}`);
      }
      if (refFilters[0] && !matchesFilters(q.ref, refFilters[0])) {
        return no(
          `${isTag ? 'tag' : 'branch'} ${q.ref} not in its ${isTag ? 'tags' : 'branches'} (${refFilters[0].join(', ')})`,
        );
      }
      if (refFilters[1] && matchesFilters(q.ref, refFilters[1])) {
        return no(`${isTag ? 'tag' : 'branch'} ${q.ref} is in its ${isTag ? 'tags' : 'branches'}-ignore`);
      }
      // Path filters are not evaluated for pushes of tags.
      return (
        (isTag ? undefined : paths(t)) ?? {
          verdict: 'runs',
          reason: isTag ? `push of tag ${q.ref}` : `push to ${q.ref}`,
        }
      );
    }
    case 'schedule':
      return on.schedule
        ? { verdict: 'runs', reason: `schedule ${on.schedule.map((s: any) => s.cron).join(', ')}` }
        : no('no schedule');
    case 'workflow_dispatch':
      return on.workflow_dispatch ? { verdict: 'runs', reason: 'manual run' } : no('no workflow_dispatch trigger');
    default:
      return no('unknown event');
  }
}

/** The outputs of a change-detection job (`check <name> '<path>'…` lines), computed from the changed files. */
function changeOutputs(job: any, q: WhatRunsQuery): Record<string, ExprValue> | undefined {
  const step = (job.steps ?? []).find((s: any) => typeof s.run === 'string' && /^check\(\) \{/m.test(s.run));
  if (!step) return undefined;
  // No base commit to compare with (schedule, dispatch): every filter counts as changed.
  const all = !['pull_request', 'push'].includes(q.event);
  const results: Record<string, string> = {};
  for (const m of (step.run as string).matchAll(/^check (\S+)((?: '[^']*')+)\s*$/gm)) {
    const specs = [...m[2]!.matchAll(/'([^']*)'/g)].map((x) => x[1]!);
    results[m[1]!] = String(all || q.changed.some((f) => specs.some((s) => matchesPathspec(f, s))));
  }
  const outputs: Record<string, ExprValue> = {};
  for (const [name, value] of Object.entries(job.outputs ?? {})) {
    const ref = /steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)/.exec(String(value));
    outputs[name] = ref && ref[1] === step.id && ref[2]! in results ? results[ref[2]!]! : UNKNOWN;
  }
  return outputs;
}

function dispatchInputs(doc: Doc, q: WhatRunsQuery): Record<string, ExprValue> {
  if (q.event !== 'workflow_dispatch') return {};
  const inputs = triggersOf(doc).workflow_dispatch?.inputs ?? {};
  return Object.fromEntries(
    Object.entries(inputs).map(([k, v]: [string, any]) => [k, v.default ?? (v.type === 'boolean' ? false : '')]),
  );
}

function githubContext(q: WhatRunsQuery, afterRun = false): Record<string, ExprValue> {
  const eventName = q.event === 'tag' ? 'push' : q.event;
  if (afterRun) {
    // A workflow_run workflow: its event is the watched run's completion on the default branch.
    return partial({
      event_name: 'workflow_run',
      ref: `refs/heads/${q.defaultBranch ?? 'main'}`,
      ref_type: 'branch',
      event: partial({ workflow_run: partial({ event: eventName, head_branch: q.ref }) }),
    });
  }
  const ref =
    q.event === 'tag' ? `refs/tags/${q.ref}` : q.event === 'pull_request' ? 'refs/pull/1/merge' : `refs/heads/${q.ref}`;
  // Only a pull request's event payload has a pull_request; elsewhere it reads as null, as on GitHub.
  const event =
    q.event === 'pull_request'
      ? partial({ pull_request: partial({ labels: (q.labels ?? []).map((name) => ({ name })) }) })
      : partial({ pull_request: null });
  return partial({
    event_name: eventName,
    ref,
    ref_type: q.event === 'tag' ? 'tag' : 'branch',
    ref_name: q.event === 'pull_request' ? '1/merge' : q.ref,
    base_ref: q.event === 'pull_request' ? q.ref : '',
    event,
  });
}

/** The jobs of one workflow that starts, in `needs` order, each with its verdict. */
function jobsOf(doc: Doc, q: WhatRunsQuery, inputs: Record<string, ExprValue>, afterRun = false): JobAnswer[] {
  const jobs = doc.jobs ?? {};
  const done = new Map<string, { answer: JobAnswer; outputs: Record<string, ExprValue> }>();
  // The same for every job of the workflow; only `needs` differs.
  const shared = {
    github: githubContext(q, afterRun),
    inputs: partial({ ...inputs }),
    vars: partial({}),
    secrets: partial({}),
    env: partial({}),
    steps: partial({}),
    matrix: partial({}),
    runner: partial({}),
    job: partial({}),
    strategy: partial({}),
  };
  const visit = (id: string): void => {
    if (done.has(id)) return;
    const job = jobs[id];
    const needs: string[] = [job.needs ?? []].flat();
    needs.forEach(visit);
    const results = needs.map((n) => done.get(n)!.answer.verdict);
    const success = results.every((r) => r === 'runs') ? true : results.some((r) => r === 'skipped') ? false : UNKNOWN;
    const context = {
      ...shared,
      needs: Object.fromEntries(
        needs.map((n) => {
          const d = done.get(n)!;
          return [
            n,
            {
              result: d.answer.verdict === 'runs' ? 'success' : d.answer.verdict === 'skipped' ? 'skipped' : UNKNOWN,
              outputs: partial({ ...d.outputs }),
            },
          ];
        }),
      ),
    } as Record<string, ExprValue>;
    const condition = job.if === undefined ? 'success()' : String(job.if);
    let verdict: Verdict;
    let reason: string;
    try {
      const value = evaluateCondition(condition, context, { success });
      verdict = value === UNKNOWN ? 'maybe' : value ? 'runs' : 'skipped';
      const skippedNeed = needs.find((n) => done.get(n)!.answer.verdict === 'skipped');
      reason =
        verdict === 'runs'
          ? job.if
            ? `if: ${stripDelimiters(condition)}`
            : needs.length
              ? 'its needs succeed'
              : 'no condition'
          : verdict === 'maybe'
            ? `depends on: ${stripDelimiters(condition)}`
            : job.if === undefined && skippedNeed
              ? `needs ${skippedNeed}, which is skipped`
              : `if: ${stripDelimiters(condition)}`;
    } catch (e) {
      verdict = 'maybe';
      reason = `condition not understood (${(e as Error).message}): ${condition}`;
    }
    const outputs = verdict === 'skipped' ? {} : (changeOutputs(job, q) ?? {});
    done.set(id, {
      answer: {
        id,
        name: String(job.name ?? id),
        verdict,
        reason,
        runsOn: job.uses ? `calls ${job.uses}` : JSON.stringify(job['runs-on'] ?? '').replace(/^"|"$/g, ''),
        timeoutMinutes: job['timeout-minutes'],
      },
      outputs,
    });
  };
  Object.keys(jobs).forEach(visit);
  return Object.keys(jobs).map((id) => done.get(id)!.answer);
}

/**
 * Which workflows and jobs an event starts, and why the others do not: the workflows' triggers
 * with their branch, tag and path filters, the change-detection jobs' filters applied to the
 * changed files, and each job's `if:` evaluated as GitHub would (assuming the jobs that start
 * succeed). A reusable workflow runs when a job that calls it does. "maybe" means the answer
 * depends on something only the run knows (a step's output, a secret, a file hash).
 */
export function whatRuns(workflows: ReadonlyMap<string, string | object>, q: WhatRunsQuery): WorkflowAnswer[] {
  // Parsed documents may be passed in, so that a table of many questions parses each file once.
  const docs = new Map([...workflows].map(([file, w]) => [file, (typeof w === 'string' ? YAML.parse(w) : w) as Doc]));
  const answers = new Map<string, WorkflowAnswer>();
  for (const [file, doc] of docs) {
    const onlyCalled = Object.keys(triggersOf(doc)).every((e) => e === 'workflow_call' || e === 'workflow_run');
    if (onlyCalled) continue;
    const t = triggered(doc, q);
    answers.set(file, {
      file,
      name: doc.name ?? file,
      verdict: t.verdict,
      reason: t.reason,
      jobs: t.verdict === 'skipped' ? [] : jobsOf(doc, q, dispatchInputs(doc, q)),
    });
  }
  // Reusable workflows: started by the jobs that call them.
  for (const caller of [...answers.values()]) {
    for (const job of caller.jobs.filter((j) => j.verdict !== 'skipped' && j.runsOn.startsWith('calls ./'))) {
      const file = job.runsOn.slice('calls ./'.length);
      const doc = docs.get(file);
      if (!doc) continue;
      const inputs: Record<string, ExprValue> = Object.fromEntries(
        Object.entries(docs.get(caller.file)!.jobs![job.id].with ?? {}).map(([k, v]) => [
          k,
          typeof v === 'string' && v.includes('${{') ? UNKNOWN : (v as ExprValue),
        ]),
      );
      const calledJobs = jobsOf(doc, q, inputs).map((j) =>
        job.verdict === 'maybe' && j.verdict === 'runs'
          ? { ...j, verdict: 'maybe' as const, reason: `when ${caller.name} / ${job.id} runs` }
          : j,
      );
      const earlier = answers.get(file);
      const verdict: Verdict = earlier?.verdict === 'runs' ? 'runs' : job.verdict;
      answers.set(file, {
        file,
        name: doc.name ?? file,
        verdict,
        reason: `${earlier ? `${earlier.reason}, ` : 'called by '}${caller.name} (${job.id})`,
        jobs: earlier?.verdict === 'runs' ? earlier.jobs : calledJobs,
      });
    }
  }
  // workflow_run: after a run of a watched workflow (by name) on a watched branch.
  for (const [file, doc] of docs) {
    const t = triggersOf(doc).workflow_run;
    if (!t || answers.has(file)) continue;
    const watched = [...answers.values()].filter(
      (a) => a.verdict !== 'skipped' && (t.workflows ?? []).includes(a.name),
    );
    // The watched run's branch: the pushed branch, the default branch for schedules and dispatches;
    // a pull request's head branch is not known here, so a branch filter counts as not matched.
    const branchOk = !t.branches || (q.event !== 'pull_request' && matchesFilters(q.ref, t.branches));
    if (watched.length === 0 || !branchOk) continue;
    answers.set(file, {
      file,
      name: doc.name ?? file,
      verdict: watched.some((w) => w.verdict === 'runs') ? 'runs' : 'maybe',
      reason: `after ${watched.map((w) => w.name).join(', ')}`,
      jobs: jobsOf(doc, q, {}, true),
    });
  }
  return [...docs.keys()]
    .filter((f) => answers.has(f))
    .map((f) => answers.get(f)!)
    .concat(
      [...docs.keys()]
        .filter((f) => !answers.has(f))
        .map((f) => ({
          file: f,
          name: docs.get(f)!.name ?? f,
          verdict: 'skipped' as const,
          reason: triggersOf(docs.get(f)!).workflow_run
            ? 'none of the workflows it follows runs'
            : 'reusable: no job that runs calls it',
          jobs: [],
        })),
    );
}

const SYMBOL: Record<Verdict, string> = { runs: '✓', skipped: '–', maybe: '?' };

/** The answer for a terminal. */
export function whatRunsText(q: WhatRunsQuery, answers: readonly WorkflowAnswer[]): string {
  const lines = [`${q.event}${q.ref ? ` (${q.ref})` : ''} with ${q.changed.length} changed file(s):`];
  for (const w of answers) {
    lines.push('', `${SYMBOL[w.verdict]} ${w.name} (${w.file}): ${w.verdict} — ${w.reason}`);
    for (const j of w.jobs) lines.push(`    ${SYMBOL[j.verdict]} ${j.id}: ${j.verdict} — ${j.reason}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The answer as Markdown. */
export function whatRunsMarkdown(q: WhatRunsQuery, answers: readonly WorkflowAnswer[]): string {
  return [
    `### What runs: \`${q.event}\`${q.ref ? ` (\`${q.ref}\`)` : ''}, ${q.changed.length} changed file(s)`,
    '',
    '| workflow | job | verdict | why |',
    '| --- | --- | --- | --- |',
    ...answers.flatMap((w) => [
      `| ${markdownCell(w.name)} | | **${w.verdict}** | ${markdownCell(w.reason)} |`,
      ...w.jobs.map((j) => `| | \`${j.id}\` | ${j.verdict} | ${markdownCell(j.reason)} |`),
    ]),
    '',
  ].join('\n');
}
