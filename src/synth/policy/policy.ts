import type { K8sObject } from './rules/workloads';
import type { Finding } from '../../common/errors';

/** A rendered workflow as the policy rules see it. */
export interface WorkflowTarget {
  readonly kind: 'workflow';
  readonly filePath: string;
  /** Construct path of the workflow. */
  readonly constructPath: string;
  /** The workflow exactly as it will be written. */
  readonly data: WorkflowData;
  /** Construct path of each job, by job id. */
  readonly jobPaths: Readonly<Record<string, string>>;
  /**
   * The workflows of this repository its jobs call, by their `uses:` (`./.github/workflows/x.yml`),
   * and the ones those call in turn, so rules can follow a call: what a called job does runs on the
   * caller's trigger and token.
   * @default - none
   */
  readonly calledWorkflows?: Readonly<Record<string, WorkflowData>>;
  /**
   * Size of the file as written, in bytes (UTF-8).
   * @default - unknown: rules on file size pass
   */
  readonly bytes?: number;
}

/** A rendered dependabot.yml as the policy rules see it. */
export interface DependabotTarget {
  readonly kind: 'dependabot';
  readonly filePath: string;
  readonly constructPath: string;
  readonly data: { readonly updates?: readonly Record<string, unknown>[] } & Record<string, unknown>;
}

/** A chart's objects as the policy rules see them: rendered with each of its values files. */
export interface ManifestsTarget {
  readonly kind: 'manifests';
  /** The chart folder. */
  readonly filePath: string;
  readonly constructPath: string;
  /** The objects, by the values file they were rendered with (`values.yaml`, `values-staging.yaml`, …). */
  readonly objectsByValues: Readonly<Record<string, readonly K8sObject[]>>;
}

export type PolicyTarget = WorkflowTarget | DependabotTarget | ManifestsTarget;

/** The loosely typed shape of a rendered workflow: rules also run on hand-broken input. */
export interface WorkflowData {
  readonly on?: Record<string, unknown>;
  readonly permissions?: unknown;
  readonly concurrency?: unknown;
  readonly jobs?: Record<string, WorkflowJobData>;
  readonly [key: string]: unknown;
}

export interface WorkflowJobData {
  readonly permissions?: unknown;
  readonly 'timeout-minutes'?: unknown;
  readonly steps?: readonly WorkflowStepData[];
  readonly uses?: string;
  readonly secrets?: unknown;
  readonly services?: Record<string, { image?: string }>;
  readonly container?: unknown;
  readonly [key: string]: unknown;
}

export interface WorkflowStepData {
  readonly name?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Record<string, unknown>;
  readonly env?: Record<string, unknown>;
  readonly [key: string]: unknown;
}

/** A policy rule over rendered output. Codes are stable: `pipelines:<rule>`. */
export interface PolicyRule {
  readonly code: string;
  /** One line: what passes. Used in docs. */
  readonly description: string;
  check(target: PolicyTarget): Finding[];
}

/** Props of {@link workflowRule}: a rule whose `check` sees workflows only. */
export interface WorkflowRuleProps {
  readonly code: string;
  /** One line: what passes. Used in docs. */
  readonly description: string;
  check(target: WorkflowTarget): Finding[];
}

/** A rule over rendered workflows; every other target (charts, Dependabot) passes it. */
export function workflowRule(props: WorkflowRuleProps): PolicyRule {
  return {
    code: props.code,
    description: props.description,
    check: (target) => (target.kind === 'workflow' ? props.check(target) : []),
  };
}

/** Props of {@link stepRule}: a rule that judges each step of each workflow on its own. */
export interface StepRuleProps {
  readonly code: string;
  /** One line: what passes. Used in docs. */
  readonly description: string;
  /** The step's problems, each reported as `steps[i] ("name"): <problem>` at its job. */
  problems(step: WorkflowStepData, job: WorkflowJobData): readonly string[];
}

/** A rule over every step of every workflow (see {@link StepRuleProps}). */
export function stepRule(props: StepRuleProps): PolicyRule {
  return workflowRule({
    code: props.code,
    description: props.description,
    check: (target) =>
      [...workflowSteps(target)].flatMap(({ step, job, index, location }) =>
        props.problems(step, job).map((problem) => ({ location, message: `${stepLabel(step, index)}: ${problem}` })),
      ),
  });
}

/** Helpers for workflow rules: iterate jobs and steps with their locations. */
export function* workflowSteps(
  target: WorkflowTarget,
): Generator<{ jobId: string; job: WorkflowJobData; step: WorkflowStepData; index: number; location: string }> {
  for (const [jobId, job] of Object.entries(target.data.jobs ?? {})) {
    for (const [index, step] of (job.steps ?? []).entries()) {
      yield { jobId, job, step, index, location: jobLocation(target, jobId) };
    }
  }
}

/**
 * Every `env:` (and, when asked, `with:`) map of a workflow: the workflow's own, each job's and each
 * step's, with its location and a label (`workflow `, `job `, `steps[1] ("Build"): `) for the message.
 */
export function* workflowValueMaps(
  target: WorkflowTarget,
  fields: readonly ('env' | 'with')[],
): Generator<{ field: 'env' | 'with'; values: Record<string, unknown>; location: string; where: string }> {
  if (fields.includes('env')) {
    yield {
      field: 'env',
      values: (target.data.env ?? {}) as Record<string, unknown>,
      location: target.constructPath,
      where: 'workflow ',
    };
  }
  for (const [jobId, job] of Object.entries(target.data.jobs ?? {})) {
    for (const field of fields) {
      yield {
        field,
        values: (job[field] ?? {}) as Record<string, unknown>,
        location: jobLocation(target, jobId),
        where: 'job ',
      };
    }
  }
  for (const { step, index, location } of workflowSteps(target)) {
    for (const field of fields) {
      yield { field, values: step[field] ?? {}, location, where: `${stepLabel(step, index)}: ` };
    }
  }
}

/** The steps of the workflows this one calls, with the caller's job id and location. */
export function* calledWorkflowSteps(
  target: WorkflowTarget,
): Generator<{ jobId: string; job: WorkflowJobData; step: WorkflowStepData; index: number; location: string }> {
  for (const [jobId, job] of Object.entries(target.data.jobs ?? {})) {
    const called = job.uses !== undefined ? target.calledWorkflows?.[job.uses] : undefined;
    for (const [calledJobId, calledJob] of Object.entries(called?.jobs ?? {})) {
      for (const [index, step] of (calledJob.steps ?? []).entries()) {
        yield {
          jobId,
          job: calledJob,
          step,
          index,
          location: `${jobLocation(target, jobId)} → ${job.uses}#jobs.${calledJobId}`,
        };
      }
    }
  }
}

/** Construct path of a job, or `file#jobs.id` for jobs added through an override. */
export function jobLocation(target: WorkflowTarget, jobId: string): string {
  return target.jobPaths[jobId] ?? `${target.constructPath}#jobs.${jobId}`;
}

/** `steps[2] ("Run tests")`. */
export function stepLabel(step: WorkflowStepData, index: number): string {
  return `steps[${index}]${step.name ? ` ("${step.name}")` : ''}`;
}

/** Runs every rule over every target and returns all findings. */
export function runPolicy(targets: readonly PolicyTarget[], rules: readonly PolicyRule[]): Finding[] {
  return targets.flatMap((t) => rules.flatMap((r) => r.check(t).map((f) => ({ ...f, code: f.code ?? r.code }))));
}
