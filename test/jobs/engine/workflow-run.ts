import { Cancelled } from './concurrency';
import { evaluateCondition, type Json } from './expressions';
import { executeJob } from './job-executor';
import { asText, child, evaluateToken } from './tokens';
import type { JobResult, LocalAction, RunContext } from './types';
import { parseWorkflowFile, rawJob } from './workflow-file';
import { matchesFilters } from '../../../src/common/what-runs/filter-patterns';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** A remote reusable workflow (`owner/repo/.github/workflows/x.yml@ref`) the runner cannot fetch: its documented effect. */
export type RemoteWorkflow = (run: RunContext, inputs: Record<string, Json>, label: string) => Promise<JobResult>;

export interface RunnerTools {
  readonly actions: (uses: string) => LocalAction;
  readonly remoteWorkflows: Readonly<Record<string, RemoteWorkflow>>;
  readonly standinBin: string;
}

export interface WorkflowRunResult {
  readonly file: string;
  readonly conclusion: 'success' | 'failure' | 'cancelled' | 'skipped';
  readonly jobs: Record<string, JobResult & { reason?: string }>;
  /** Workflow-level `outputs` of a called workflow. */
  readonly outputs: Record<string, string>;
  readonly runId: number;
}

/**
 * Runs one workflow file as GitHub would: jobs in `needs` order, each `if:` evaluated by GitHub's
 * engine with the needed jobs' results (a skipped or failed need skips a job unless its `if:` has a
 * status function), matrices expanded, reusable workflows called with their inputs, secrets and
 * outputs. Every job's conclusion goes into the world's report under this scenario.
 */
export async function runWorkflow(run: RunContext, tools: RunnerTools, content: string): Promise<WorkflowRunResult> {
  const wf = await parseWorkflowFile(run.workflowFile, content);
  const jobs = new Map<string, any>(wf.template.jobs.map((j: any) => [j.id.value, j]));
  const results: Record<string, JobResult & { reason?: string }> = {};
  const runName = `${wf.file}#${asText(run.github.run_number)}`;
  let leaveGroup = () => {};
  // A called workflow's own workflow-level concurrency is its caller's business (the caller's run holds it).
  const runGroup =
    run.callPath === ''
      ? concurrencyOf(child(wf.root, 'concurrency'), { github: run.github, inputs: run.inputs, vars: run.vars })
      : undefined;
  if (runGroup) {
    try {
      leaveGroup = await run.world.concurrency.enter(
        runGroup.group,
        runName,
        runGroup.cancelInProgress,
        (why) => cancelRun(run, why),
        (p) => run.world.waitFor(run.runId, p),
      );
    } catch (e) {
      if (!(e instanceof Cancelled)) throw e;
      for (const id of jobs.keys()) report(run, wf.file, { job: id, conclusion: 'cancelled', reason: e.message });
      return {
        file: wf.file,
        conclusion: 'cancelled',
        jobs: Object.fromEntries([...jobs.keys()].map((id) => [id, { result: 'cancelled', outputs: {} }])),
        outputs: {},
        runId: run.runId,
      };
    }
  }
  try {
    return await runJobs();
  } finally {
    leaveGroup();
  }

  async function runJobs(): Promise<WorkflowRunResult> {
    const ancestors = (id: string, seen = new Set<string>()): Set<string> => {
      for (const n of jobs.get(id).needs ?? []) {
        if (!seen.has(n.value)) {
          seen.add(n.value);
          ancestors(n.value, seen);
        }
      }
      return seen;
    };
    const pending = [...jobs.keys()];
    while (pending.length > 0) {
      const ready = pending.find((id) => (jobs.get(id).needs ?? []).every((n: any) => n.value in results));
      if (!ready) throw new Error(`${wf.file}: jobs ${pending.join(', ')} wait on each other`);
      pending.splice(pending.indexOf(ready), 1);
      const job = jobs.get(ready);
      const needs: Record<string, JobResult> = {};
      for (const n of job.needs ?? []) needs[n.value] = results[n.value];
      const chain = [...ancestors(ready)].map((a) => results[a].result);
      const status = chain.includes('failure') ? 'failure' : chain.includes('cancelled') ? 'cancelled' : 'success';
      const allSucceeded = chain.every((r) => r === 'success');
      const contexts: Record<string, Json> = {
        github: run.github,
        inputs: run.inputs,
        vars: run.vars,
        needs: needs as unknown as Json,
      };
      // success() is false after a skipped need too: GitHub skips the job unless its if: says otherwise.
      const condition = job.if?.expression ?? 'success()';
      const runs = evaluateCondition(condition, contexts, {
        status: status === 'success' && !allSucceeded ? 'skipped' : status,
      });
      const label = `${run.callPath}${wf.file}/${ready}`;
      if (!runs) {
        results[ready] = { result: 'skipped', outputs: {} };
        report(run, wf.file, { job: ready, conclusion: 'skipped' });
        continue;
      }
      const jobGroup = concurrencyOf(child(rawJob(wf, ready), 'concurrency'), contexts);
      let leaveJobGroup = () => {};
      if (jobGroup) {
        try {
          leaveJobGroup = await run.world.concurrency.enter(
            jobGroup.group,
            `${runName}/${ready}`,
            jobGroup.cancelInProgress,
            (why) => cancelRun(run, why),
            (p) => run.world.waitFor(run.runId, p),
          );
        } catch (e) {
          if (!(e instanceof Cancelled)) throw e;
          results[ready] = { result: 'cancelled', outputs: {}, reason: e.message };
          report(run, wf.file, { job: ready, conclusion: 'cancelled', reason: e.message });
          continue;
        }
      }
      try {
        if (job.type === 'reusableWorkflowJob') {
          const started = performance.now();
          const r = await callWorkflow(run, tools, job, needs, label);
          results[ready] = r;
          report(run, wf.file, { job: ready, conclusion: r.result, reason: r.reason, started });
          continue;
        }
        const strategy = evaluateToken(job.strategy, contexts, { status: 'success' }) as Record<string, Json> | null;
        const expansions = expandMatrix(strategy?.matrix ?? null);
        const outcomes: (JobResult & { reason?: string })[] = [];
        for (const matrix of expansions) {
          const started = performance.now();
          const r = await executeJob({
            run,
            wf,
            job,
            needs,
            matrix,
            strategy: {
              'fail-fast': strategy?.['fail-fast'] ?? true,
              'job-total': expansions.length,
              'job-index': expansions.indexOf(matrix),
            },
            actions: tools.actions,
            standinBin: tools.standinBin,
            environmentRefusal: (env) => environmentRefusal(run, env),
            review: (env) =>
              run.world.reviews.review(
                `${runName}/${ready}`,
                env,
                (p) => run.world.waitFor(run.runId, p),
                (cancel) =>
                  run.world.cancellers.set(run.runId, [...(run.world.cancellers.get(run.runId) ?? []), cancel]),
              ),
          });
          run.world.summaries.set(
            `${run.scenario}:${label}`,
            (run.world.summaries.get(`${run.scenario}:${label}`) ?? '') + r.summary,
          );
          report(run, wf.file, {
            job: ready,
            conclusion: r.result,
            reason: r.reason,
            started,
            log: r.result === 'failure' ? r.log : undefined,
          });
          outcomes.push(r);
        }
        const failed = outcomes.find((r) => r.result === 'failure');
        results[ready] = failed ??
          outcomes.find((r) => r.result === 'cancelled') ??
          outcomes[outcomes.length - 1] ?? { result: 'success', outputs: {} };
      } finally {
        leaveJobGroup();
      }
    }
    const all = Object.values(results).map((r) => r.result);
    const conclusion = all.includes('failure') ? 'failure' : all.includes('cancelled') ? 'cancelled' : 'success';
    const callOutputs = child(child(child(wf.root, 'on'), 'workflow_call'), 'outputs');
    const outputs: Record<string, string> = {};
    if (callOutputs) {
      for (const pair of callOutputs) {
        const value = evaluateToken(
          child(pair.value, 'value'),
          { github: run.github, inputs: run.inputs, vars: run.vars, jobs: results as unknown as Json },
          { status: 'success' },
        );
        outputs[pair.key.value] = asText(value);
      }
    }
    return { file: wf.file, conclusion, jobs: results, outputs, runId: run.runId };
  }
}

/** A `concurrency:` value (a group name, or `group` and `cancel-in-progress`), evaluated; undefined without one. */
function concurrencyOf(
  token: any,
  contexts: Record<string, Json>,
): { group: string; cancelInProgress: boolean } | undefined {
  if (!token) return undefined;
  const value = evaluateToken(token, contexts, { status: 'success' });
  if (typeof value === 'string') return { group: value, cancelInProgress: false };
  const v = value as Record<string, Json>;
  return { group: asText(v.group), cancelInProgress: v['cancel-in-progress'] === true };
}

/** Cancels what run `run` waits on now (a review); GitHub cancels the run. */
function cancelRun(run: RunContext, why: string): void {
  for (const cancel of run.world.cancellers.get(run.runId) ?? []) cancel(why);
  run.world.cancellers.delete(run.runId);
}

/** Lines of a failed job's log kept for the suite's closing report: enough for the failing step's output. */
const LOG_TAIL_LINES = 40;

/** What one job of a run came to, as {@link report} records it. */
interface JobOutcome {
  readonly job: string;
  readonly conclusion: JobResult['result'];
  /** Why it failed or was cancelled. @default - none */
  readonly reason?: string;
  /** `performance.now()` when it started. @default - not started (0 s) */
  readonly started?: number;
  /** Its log; the tail is kept. @default - none */
  readonly log?: string;
}

/** Adds a job's conclusion in a workflow of the run to the world's report. */
function report(run: RunContext, workflow: string, o: JobOutcome): void {
  run.world.reports.push({
    workflow,
    job: o.job,
    scenario: run.scenario,
    conclusion: o.conclusion,
    ...(o.reason ? { reason: o.reason } : {}),
    ...(o.log ? { logTail: o.log.split('\n').slice(-LOG_TAIL_LINES).join('\n') } : {}),
    seconds: o.started === undefined ? 0 : (performance.now() - o.started) / 1000,
  });
}

/** GitHub's matrix: the cross product of the keys, `exclude` removed, then `include` added or merged. */
export function expandMatrix(matrix: Json): Json[] {
  if (matrix === null || typeof matrix !== 'object' || Array.isArray(matrix)) return [{}];
  const { include = [], exclude = [], ...axes } = matrix as Record<string, Json>;
  let combos: Record<string, Json>[] = Object.keys(axes).length > 0 ? [{}] : [];
  for (const [key, values] of Object.entries(axes)) {
    if (!Array.isArray(values)) throw new Error(`matrix.${key} must be a list`);
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [key]: v })));
  }
  const matches = (c: Record<string, Json>, e: Record<string, Json>) =>
    Object.entries(e).every(([k, v]) => JSON.stringify(c[k]) === JSON.stringify(v));
  combos = combos.filter((c) => !(exclude as Record<string, Json>[]).some((e) => matches(c, e)));
  for (const inc of include as Record<string, Json>[]) {
    const originals = Object.keys(axes);
    const targets = combos.filter((c) =>
      originals.every((k) => !(k in inc) || JSON.stringify(c[k]) === JSON.stringify(inc[k])),
    );
    if (targets.length > 0 && Object.keys(axes).length > 0) targets.forEach((t) => Object.assign(t, inc));
    else combos.push({ ...inc });
  }
  if (combos.length > 256) throw new Error(`a matrix may have at most 256 jobs; this one has ${combos.length}`);
  return combos.length > 0 ? combos : [{}];
}

/**
 * GitHub's deployment protection rules: a job naming an environment whose branch or tag rules do
 * not allow the run's ref fails before it starts ("is not allowed to deploy to …").
 */
export function environmentRefusal(run: RunContext, environment: string): string | undefined {
  const rules = run.world.props.environments[environment];
  if (!rules) return `environment ${environment} is not set up (the runbook lists the environments to create)`;
  const ref = asText(run.github.ref);
  const allowed = ref.startsWith('refs/heads/')
    ? matchesFilters(ref.slice('refs/heads/'.length), [...rules.branches])
    : ref.startsWith('refs/tags/')
      ? matchesFilters(ref.slice('refs/tags/'.length), [...rules.tags])
      : false;
  return allowed ? undefined : `${ref} is not allowed to deploy to ${environment} due to environment protection rules`;
}

async function callWorkflow(
  run: RunContext,
  tools: RunnerTools,
  job: any,
  needs: Record<string, JobResult>,
  label: string,
): Promise<JobResult & { reason?: string }> {
  const uses = job.ref.value as string;
  const contexts: Record<string, Json> = {
    github: run.github,
    inputs: run.inputs,
    vars: run.vars,
    secrets: run.secrets,
    needs: needs as unknown as Json,
  };
  const given = (evaluateToken(job['input-values'], contexts, { status: 'success' }) ?? {}) as Record<string, Json>;
  if (!uses.startsWith('./')) {
    const remote = tools.remoteWorkflows[uses];
    if (!remote) {
      return { result: 'failure', outputs: {}, reason: `no local implementation of the remote workflow ${uses}` };
    }
    return remote(run, given, label);
  }
  const file = uses.replace(/^\.\/\.github\/workflows\//, '');
  const content = run.world.show(asText(run.github.sha), `.github/workflows/${file}`);
  const callee = await parseWorkflowFile(file, content);
  const declared = callee.template.events.workflow_call;
  if (!declared) return { result: 'failure', outputs: {}, reason: `${file} has no workflow_call trigger` };
  const inputs: Record<string, Json> = {};
  for (const [name, def] of Object.entries<any>(declared.inputs ?? {})) {
    if (name in given) {
      const v = given[name];
      const type = def.type;
      if (
        (type === 'boolean' && typeof v !== 'boolean') ||
        (type === 'number' && typeof v !== 'number') ||
        (type === 'string' && typeof v === 'object' && v !== null)
      ) {
        return {
          result: 'failure',
          outputs: {},
          reason: `${file}: input ${name} must be a ${type}, got ${JSON.stringify(v)}`,
        };
      }
      inputs[name] = v;
    } else if (def.required) {
      return { result: 'failure', outputs: {}, reason: `${file}: required input ${name} not given by ${label}` };
    } else {
      inputs[name] =
        def.default === undefined
          ? def.type === 'boolean'
            ? false
            : def.type === 'number'
              ? 0
              : ''
          : typeof def.default === 'object'
            ? def.default.value
            : def.default;
    }
  }
  for (const name of Object.keys(given)) {
    if (!(name in (declared.inputs ?? {}))) {
      return { result: 'failure', outputs: {}, reason: `${file}: unexpected input ${name}` };
    }
  }
  let secrets: Record<string, string> = { GITHUB_TOKEN: run.secrets.GITHUB_TOKEN };
  if (job['inherit-secrets']) {
    secrets = { ...run.secrets };
  } else if (job['secret-values']) {
    secrets = {
      ...secrets,
      ...(evaluateToken(job['secret-values'], contexts, { status: 'success' }) as Record<string, string>),
    };
  }
  const result = await runWorkflow(
    { ...run, inputs, secrets, workflowFile: file, callPath: `${label} → ` },
    tools,
    content,
  );
  return {
    result: result.conclusion === 'skipped' ? 'success' : result.conclusion,
    outputs: result.outputs,
    reason:
      Object.entries(result.jobs)
        .filter(([, r]) => r.result === 'failure')
        .map(([id, r]) => `${file}/${id}: ${r.reason ?? 'failed'}`)
        .join('; ') || undefined,
  };
}
