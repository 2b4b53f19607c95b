import { NormalJob, Step } from '@github-actions-workflow-ts/lib';
import type { Construct } from 'constructs';
import { renderEnv, renderValue, type EnvMap, type Expression } from './expressions';
import { renderConcurrency, WorkflowJob, type RenderedJob, type WorkflowJobProps } from './job-base';
import { renderPermissions, type JobPermissions } from './permissions';
import type { JobStep } from './steps';
import { jobPropProblems, stepProblems } from './validate-job';
import { ValidationError } from '../../common/errors';
import type { ActionPins } from '../pins/action-pins';

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

/** A value of a matrix entry: literal, or an expression GitHub evaluates before expanding (e.g. a need's output). */
export type MatrixValue = string | number | boolean | Expression;

/** A build matrix: the product of `matrix`'s lists, then `include`'s entries (GitHub's rules). */
export interface JobStrategy {
  /** @default - no lists: the entries of `include` only */
  readonly matrix?: Readonly<Record<string, readonly (string | number | boolean)[]>>;
  /** Entries added to (or extending) the product. @default - none */
  readonly include?: readonly Readonly<Record<string, MatrixValue>>[];
  /** @default true */
  readonly failFast?: boolean;
  /** @default - no limit */
  readonly maxParallel?: number;
}

/** Props of {@link SecureJob}. */
export interface SecureJobProps extends WorkflowJobProps {
  /** Runner label, from the platform model. */
  readonly runsOn: string;
  /** Token permissions of this job. Required: nothing is granted implicitly. */
  readonly permissions: JobPermissions;
  /** @default 15 */
  readonly timeoutMinutes?: number;
  /** @default - none */
  readonly env?: EnvMap;
  /** @default - no matrix */
  readonly strategy?: JobStrategy;
  /** @default - none */
  readonly services?: Readonly<Record<string, ServiceContainer>>;
  /** Run the steps inside this container (image with a tag or digest, never `latest`). @default - on the runner */
  readonly container?: { readonly image: string; readonly options?: string };
  /** Default working directory of run steps. @default - the workspace */
  readonly workingDirectory?: string;
  /** @default - none; add more with addStep() */
  readonly steps?: readonly JobStep[];
  /** Environment for deployment protection rules. @default - none */
  readonly environment?: string;
}

/**
 * A job with secure defaults: explicit permissions, a timeout, typed pinned actions.
 * Its construct id is its job id.
 */
export class SecureJob extends WorkflowJob {
  public readonly timeoutMinutes: number;
  private readonly props: SecureJobProps;
  private readonly steps: JobStep[];

  constructor(scope: Construct, id: string, props: SecureJobProps) {
    super(scope, id, props);
    const problems = jobPropProblems(props, id);
    if (problems.length > 0) throw new ValidationError(this, problems.join('; '));
    this.props = props;
    this.timeoutMinutes = props.timeoutMinutes ?? 15;
    this.steps = [...(props.steps ?? [])];
    this.node.addValidation({ validate: () => stepProblems(this.steps) });
  }

  public get permissions(): JobPermissions {
    return this.props.permissions;
  }

  /** Appends a step. */
  public addStep(step: JobStep): void {
    this.steps.push(step);
  }

  /** Renders the job; action names resolve through the lock (unknown ones fail with this job's path). */
  public render(pins: ActionPins): RenderedJob {
    const p = this.props;
    const job = new NormalJob(this.jobId, {
      name: p.name,
      'runs-on': p.runsOn,
      needs: nonEmpty(this.needs.map((n) => n.jobId)),
      if: p.if?.body,
      permissions: renderPermissions(p.permissions),
      'timeout-minutes': this.timeoutMinutes,
      concurrency: p.concurrency && renderConcurrency(p.concurrency),
      environment: p.environment,
      strategy: p.strategy && {
        matrix: {
          ...Object.fromEntries(Object.entries(p.strategy.matrix ?? {}).map(([k, v]) => [k, nonEmpty([...v])!])),
          ...(p.strategy.include
            ? {
                include: nonEmpty(
                  p.strategy.include.map((entry) =>
                    Object.fromEntries(Object.entries(entry).map(([k, v]) => [k, renderValue(v)])),
                  ),
                )!,
              }
            : {}),
        },
        'fail-fast': p.strategy.failFast,
        'max-parallel': p.strategy.maxParallel,
      },
      services:
        p.services &&
        Object.fromEntries(
          Object.entries(p.services).map(([name, s]) => [
            name,
            {
              image: s.image,
              ports: nonEmpty([...(s.ports ?? [])]),
              env: renderEnv(s.env),
              options: s.options,
            },
          ]),
        ),
      container: p.container && { image: p.container.image, options: p.container.options },
      env: renderEnv(p.env),
      defaults: p.workingDirectory ? { run: { 'working-directory': p.workingDirectory } } : undefined,
      outputs:
        this.outputs.size > 0 ? Object.fromEntries([...this.outputs].map(([k, v]) => [k, v.toString()])) : undefined,
    });
    job.addSteps(this.steps.map((s, i) => this.renderStep(s, i, pins)));
    return { jobId: this.jobId, constructPath: this.node.path, content: job.job as unknown as Record<string, unknown> };
  }

  private renderStep(step: JobStep, index: number, pins: ActionPins): Step {
    const common = {
      name: step.props.name,
      id: step.props.id,
      if: step.props.if?.body,
      env: renderEnv(step.props.env),
      'timeout-minutes': step.props.timeoutMinutes,
      'continue-on-error': step.props.continueOnError,
    };
    if (step.kind === 'run') {
      return new Step({
        ...common,
        shell: step.props.shell,
        'working-directory': step.props.workingDirectory,
        run: step.props.run,
      });
    }
    let uses: string;
    try {
      uses = pins.resolve(step.props.action).uses;
    } catch (e) {
      throw new ValidationError(this, `steps[${index}] ("${step.props.name}"): ${(e as Error).message}`);
    }
    const inputs = Object.entries(step.props.with ?? {}).filter(([, v]) => v !== undefined) as [
      string,
      string | number | boolean | Expression,
    ][];
    return new Step({
      ...common,
      uses,
      with: inputs.length > 0 ? Object.fromEntries(inputs.map(([k, v]) => [k, renderValue(v)])) : undefined,
    });
  }

  protected expressionTexts(): string[] {
    const texts: string[] = [];
    const collect = (env?: EnvMap) => Object.values(env ?? {}).forEach((v) => texts.push(String(renderValue(v))));
    if (this.props.if) texts.push(this.props.if.body);
    collect(this.props.env);
    for (const s of this.steps) {
      if (s.props.if) texts.push(s.props.if.body);
      collect(s.props.env);
      if (s.kind === 'action') {
        Object.values(s.props.with ?? {}).forEach((v) => v !== undefined && texts.push(String(renderValue(v))));
      }
    }
    for (const v of this.outputs.values()) texts.push(v.body);
    return texts;
  }
}
