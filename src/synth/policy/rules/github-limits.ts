import type { Finding } from '../../../common/errors';
import type { ActionPins } from '../../pins/action-pins';
import { GITHUB_LIMITS, type GitHubLimitName } from '../github-limits';
import {
  jobLocation,
  workflowRule,
  type PolicyRule,
  type WorkflowData,
  type WorkflowJobData,
  type WorkflowTarget,
} from '../policy';

type Matrix = Record<string, unknown>;

/**
 * Jobs a matrix starts, as GitHub expands it: the product of its lists, less each `exclude` that
 * matches a combination, plus each `include` that extends no original combination. Undefined when
 * the matrix (or a list of it) is an expression known only at run time.
 */
export function matrixJobCount(matrix: unknown): number | undefined {
  if (matrix === undefined) return 1;
  if (typeof matrix !== 'object' || matrix === null || Array.isArray(matrix)) return undefined;
  const { include, exclude, ...lists } = matrix as Matrix;
  const keys = Object.keys(lists);
  if (keys.some((k) => !Array.isArray(lists[k]))) return undefined;
  if ((include !== undefined && !Array.isArray(include)) || (exclude !== undefined && !Array.isArray(exclude))) {
    return undefined;
  }
  let combos: Record<string, unknown>[] = keys.length ? [{}] : [];
  for (const key of keys) {
    combos = combos.flatMap((c) => (lists[key] as unknown[]).map((v) => ({ ...c, [key]: v })));
    // Past the limit the exact figure no longer matters; stop before a pathological product.
    if (combos.length > GITHUB_LIMITS.matrixJobs.max * 16) return combos.length;
  }
  const matches = (combo: Record<string, unknown>, entry: unknown) =>
    typeof entry === 'object' &&
    entry !== null &&
    Object.entries(entry).every(([k, v]) => !(k in lists) || JSON.stringify(combo[k]) === JSON.stringify(v));
  const kept = combos.filter((c) => !((exclude as unknown[] | undefined) ?? []).some((e) => matches(c, e)));
  const added = ((include as unknown[] | undefined) ?? []).filter(
    (entry) => !kept.some((c) => matches(c, entry)),
  ).length;
  return kept.length + added;
}

/** What one run of a workflow starts, as {@link workflowRunShape} counts it. */
export interface RunShape {
  /** Jobs the run can start (a matrix whose size is known only at run time counts once). */
  readonly jobs: number;
  /** Whether some matrix is known only at run time: `jobs` is then a lower bound. */
  readonly dynamic: boolean;
  /** Levels of workflows, the caller included. */
  readonly levels: number;
  /** Every reusable workflow reachable from the caller, by its `uses:`. */
  readonly reusable: ReadonlySet<string>;
}

/**
 * The jobs a call of another repository's reusable workflow starts, by its `uses:`; undefined when
 * unknown (the call then counts as one job: a lower bound).
 */
export type ExternalWorkflowJobs = (uses: string) => number | undefined;

/** The shape of a run of `data`, following the calls into `called` (this repository's workflows). */
function runShape(
  data: WorkflowData,
  called: Readonly<Record<string, WorkflowData>>,
  external: ExternalWorkflowJobs,
  seen: readonly string[] = [],
): RunShape {
  let jobs = 0;
  let dynamic = false;
  let levels = 1;
  const reusable = new Set<string>();
  for (const job of Object.values(data.jobs ?? {}) as WorkflowJobData[]) {
    const strategy = job.strategy as { matrix?: unknown } | undefined;
    const width = matrixJobCount(strategy?.matrix);
    if (width === undefined) dynamic = true;
    const copies = width ?? 1;
    if (typeof job.uses !== 'string') {
      jobs += copies;
      continue;
    }
    reusable.add(job.uses);
    const callee = called[job.uses];
    if (!callee || seen.includes(job.uses)) {
      // Another repository's workflow: the jobs its pin declares (else one), one level (its own calls are not known here).
      jobs += copies * (external(job.uses) ?? 1);
      levels = Math.max(levels, 2);
      continue;
    }
    const inner = runShape(callee, called, external, [...seen, job.uses]);
    jobs += copies * inner.jobs;
    dynamic ||= inner.dynamic;
    levels = Math.max(levels, 1 + inner.levels);
    for (const r of inner.reusable) reusable.add(r);
  }
  return { jobs, dynamic, levels, reusable };
}

/**
 * The jobs, levels and reusable workflows one run of the target starts; another repository's
 * reusable workflow starts the jobs `external` gives for it (e.g. {@link ActionPins.jobsOfWorkflow}).
 */
export function workflowRunShape(target: WorkflowTarget, external: ExternalWorkflowJobs = () => undefined): RunShape {
  return runShape(target.data, target.calledWorkflows ?? {}, external);
}

function over(limit: GitHubLimitName, value: number, what: string): string | undefined {
  const l = GITHUB_LIMITS[limit];
  return value > l.max
    ? `${what}: ${value} ${l.unit}, over GitHub's limit of ${l.max} ${l.unit} (${l.consequence}); split the workflow or group its jobs (a matrix, one job per group)`
    : undefined;
}

/**
 * Every workflow stays inside GitHub's documented limits (file size, jobs per matrix and per run,
 * levels and number of reusable workflows), so a platform that grows fails here, naming the
 * workflow and the limit, instead of on GitHub with a run that never starts. The jobs of another
 * repository's reusable workflow count as its pin in the lock declares them.
 */
export function githubLimitsRule(pins?: ActionPins): PolicyRule {
  const external: ExternalWorkflowJobs = (uses) => pins?.jobsOfWorkflow(uses);
  return workflowRule({
    code: 'pipelines:github-limits',
    description: `workflows stay inside GitHub's limits: ${GITHUB_LIMITS.workflowFileBytes.max} bytes a file, ${GITHUB_LIMITS.matrixJobs.max} jobs a matrix and a run, ${GITHUB_LIMITS.workflowLevels.max} levels and ${GITHUB_LIMITS.uniqueReusableWorkflows.max} reusable workflows`,
    check(target: WorkflowTarget) {
      const findings: Finding[] = [];
      const add = (location: string, problem: string | undefined) => {
        if (problem) findings.push({ location, message: `${target.filePath}: ${problem}` });
      };
      if (target.bytes !== undefined) add(target.constructPath, over('workflowFileBytes', target.bytes, 'file size'));
      for (const [jobId, job] of Object.entries(target.data.jobs ?? {})) {
        const width = matrixJobCount((job.strategy as { matrix?: unknown } | undefined)?.matrix);
        if (width !== undefined) {
          add(jobLocation(target, jobId), over('matrixJobs', width, `the matrix of job ${jobId}`));
        }
      }
      const shape = workflowRunShape(target, external);
      add(
        target.constructPath,
        over(
          'jobsPerRun',
          shape.jobs,
          `jobs in one run${shape.dynamic ? ' (at least; a matrix sized at run time counted once)' : ''}`,
        ),
      );
      add(target.constructPath, over('workflowLevels', shape.levels, 'levels of workflows'));
      add(
        target.constructPath,
        over('uniqueReusableWorkflows', shape.reusable.size, 'unique reusable workflows called'),
      );
      return findings;
    },
  });
}
