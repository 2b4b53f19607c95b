import { Construct } from 'constructs';
import { NormalJob, Step } from '@github-actions-workflow-ts/lib';
import type { ActionPins } from '../pins/action-pins';
import { Expression, renderEnv, renderValue, type EnvMap } from './expressions';
import { renderPermissions, type JobPermissions } from './permissions';
import type { JobStep } from './steps';
import { jobPropProblems, stepProblems } from './validate-job';
import { ValidationError } from '../../common/errors';
import { IDENTIFIER_PATTERN } from '../model/limits';

/** A non-empty tuple, or undefined for an empty list (the generated workflow types require non-empty lists). */
function nonEmpty<T>(items: T[]): [T, ...T[]] | undefined {
  return items.length > 0 ? (items as [T, ...T[]]) : undefined;
}

/** A service container of a job (e.g. a database for integration tests). */
export interface ServiceContainer {
  /** Image with a tag or digest; never `latest`. */
  readonly image: string;
  /** @default - no ports */
  readonly ports?: readonly string[];
  /** @default - none */
  readonly env?: EnvMap;
  /** @default - none */
  readonly options?: string;
}

/** A build matrix. */
export interface JobStrategy {
  readonly matrix: Readonly<Record<string, readonly (string | number | boolean)[]>>;
  /** @default true */
  readonly failFast?: boolean;
  /** @default - no limit */
  readonly maxParallel?: number;
}

/** Props of {@link SecureJob}. */
export interface SecureJobProps {
  /** Display name. @default - the job id */
  readonly name?: string;
  /** Runner label, from the platform model. */
  readonly runsOn: string;
  /** Token permissions of this job. Required: nothing is granted implicitly. */
  readonly permissions: JobPermissions;
  /** @default 15 */
  readonly timeoutMinutes?: number;
  /** Jobs that must finish first; they must belong to the same workflow. @default [] */
  readonly needs?: readonly SecureJob[];
  /** @default - run when needed jobs succeeded */
  readonly if?: Expression;
  /** @default - none */
  readonly env?: EnvMap;
  /** @default - no matrix */
  readonly strategy?: JobStrategy;
  /** @default - none */
  readonly services?: Readonly<Record<string, ServiceContainer>>;
  /** Default working directory of run steps. @default - the workspace */
  readonly workingDirectory?: string;
  /** @default - none; add more with addStep() */
  readonly steps?: readonly JobStep[];
  /** Environment for deployment protection rules. @default - none */
  readonly environment?: string;
}

/** A rendered job and what the policy checks need to know about it. */
export interface RenderedJob {
  readonly jobId: string;
  readonly constructPath: string;
  readonly content: Record<string, unknown>;
}

/**
 * A job with secure defaults: explicit permissions, a timeout, typed pinned actions.
 * Its construct id is its job id.
 */
export class SecureJob extends Construct {
  /** The job id in the workflow file. */
  public readonly jobId: string;
  public readonly timeoutMinutes: number;
  public readonly needs: readonly SecureJob[];
  private readonly props: SecureJobProps;
  private readonly steps: JobStep[];
  private readonly outputs = new Map<string, Expression>();

  constructor(scope: Construct, id: string, props: SecureJobProps) {
    super(scope, id);
    const problems = jobPropProblems(props, id);
    if (problems.length > 0) throw new ValidationError(this, problems.join('; '));
    this.jobId = id;
    this.props = props;
    this.timeoutMinutes = props.timeoutMinutes ?? 15;
    this.needs = [...(props.needs ?? [])];
    this.steps = [...(props.steps ?? [])];
    this.node.addValidation({ validate: () => this.validateGraph() });
  }

  /** Appends a step. */
  public addStep(step: JobStep): void {
    this.steps.push(step);
  }

  /** Declares a job output, e.g. from a step's output. */
  public addOutput(name: string, value: Expression): void {
    if (this.outputs.has(name)) throw new ValidationError(this, `output "${name}" is already defined`);
    this.outputs.set(name, value);
  }

  /** `needs.<job>.outputs.<name>`, for a job that lists this one in `needs`. */
  public output(name: string): Expression {
    if (!this.outputs.has(name)) {
      throw new ValidationError(this, `job has no output "${name}"; outputs: ${[...this.outputs.keys()].join(', ') || '(none)'}`);
    }
    return Expression.raw(`needs.${this.jobId}.outputs.${name}`);
  }

  /** Renders the job; action names resolve through the lock (unknown ones fail with this job's path). */
  public render(pins: ActionPins): RenderedJob {
    const p = this.props;
    const job = new NormalJob(this.jobId, {
      'name': p.name,
      'runs-on': p.runsOn,
      'needs': nonEmpty(this.needs.map((n) => n.jobId)),
      'if': p.if?.body,
      'permissions': renderPermissions(p.permissions),
      'timeout-minutes': this.timeoutMinutes,
      'environment': p.environment,
      'strategy': p.strategy && {
        'matrix': Object.fromEntries(Object.entries(p.strategy.matrix).map(([k, v]) => [k, nonEmpty([...v])!])),
        'fail-fast': p.strategy.failFast,
        'max-parallel': p.strategy.maxParallel,
      },
      'services': p.services && Object.fromEntries(Object.entries(p.services).map(([name, s]) => [name, {
        image: s.image, ports: nonEmpty([...(s.ports ?? [])]), env: renderEnv(s.env), options: s.options,
      }])),
      'env': renderEnv(p.env),
      'defaults': p.workingDirectory ? { run: { 'working-directory': p.workingDirectory } } : undefined,
      'outputs': this.outputs.size > 0 ? Object.fromEntries([...this.outputs].map(([k, v]) => [k, v.toString()])) : undefined,
    });
    job.addSteps(this.steps.map((s, i) => this.renderStep(s, i, pins)));
    return { jobId: this.jobId, constructPath: this.node.path, content: job.job as unknown as Record<string, unknown> };
  }

  private renderStep(step: JobStep, index: number, pins: ActionPins): Step {
    const common = {
      'name': step.props.name,
      'id': step.props.id,
      'if': step.props.if?.body,
      'env': renderEnv(step.props.env),
      'timeout-minutes': step.props.timeoutMinutes,
      'continue-on-error': step.props.continueOnError,
    };
    if (step.kind === 'run') {
      return new Step({ ...common, 'shell': step.props.shell, 'working-directory': step.props.workingDirectory, 'run': step.props.run });
    }
    let uses: string;
    try {
      uses = pins.resolve(step.props.action).uses;
    } catch (e) {
      throw new ValidationError(this, `steps[${index}] ("${step.props.name}"): ${(e as Error).message}`);
    }
    const inputs = Object.entries(step.props.with ?? {}).filter(([, v]) => v !== undefined) as [string, string | number | boolean | Expression][];
    return new Step({ ...common, uses, with: inputs.length > 0 ? Object.fromEntries(inputs.map(([k, v]) => [k, renderValue(v)])) : undefined });
  }

  private validateGraph(): string[] {
    const problems = stepProblems(this.steps);
    for (const need of this.needs) {
      if (need.node.scope !== this.node.scope) {
        problems.push(`needs "${need.node.path}", which belongs to another workflow; a job can only need jobs of its own workflow`);
      }
      if (need === this) problems.push('a job cannot need itself');
    }
    // Every needs.<id> an expression reads must be a job this one needs.
    const needed = new Set(this.needs.map((n) => n.jobId));
    for (const id of this.referencedJobIds()) {
      if (!needed.has(id)) problems.push(`reads needs.${id}.* but does not list "${id}" in needs; known needs: ${[...needed].join(', ') || '(none)'}`);
    }
    return problems;
  }

  private referencedJobIds(): Set<string> {
    const texts: string[] = [];
    const collect = (env?: EnvMap) => Object.values(env ?? {}).forEach((v) => texts.push(String(renderValue(v))));
    if (this.props.if) texts.push(this.props.if.body);
    collect(this.props.env);
    for (const s of this.steps) {
      if (s.props.if) texts.push(s.props.if.body);
      collect(s.props.env);
      if (s.kind === 'action') Object.values(s.props.with ?? {}).forEach((v) => v !== undefined && texts.push(String(renderValue(v))));
    }
    const ids = new Set<string>();
    for (const text of texts) for (const m of text.matchAll(new RegExp(`\\bneeds\\.(${IDENTIFIER_PATTERN})\\.`, 'g'))) ids.add(m[1]!);
    return ids;
  }
}
