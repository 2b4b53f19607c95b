import { Workflow, type GeneratedWorkflowTypes } from '@github-actions-workflow-ts/lib';
import { Construct } from 'constructs';
import { CallWorkflowJob, type CallWorkflowJobProps, type ICallableWorkflow } from './call-job';
import { Expression, github, renderEnv, type EnvMap } from './expressions';
import { SecureJob, type SecureJobProps } from './job';
import { renderConcurrency, WorkflowJob, type Concurrency } from './job-base';
import { unionOfPermissions, type JobPermissions } from './permissions';
import { renderTriggers, triggerProblems, type DispatchInput, type WorkflowTriggers } from './triggers';
import { ValidationError } from '../../common/errors';
import { findCycle } from '../../common/graph';
import { setPath } from '../../common/object-path';
import { markGeneratedFile, type IGeneratedFile, type RenderedFile } from '../output/generated-file';
import { PipelineApp } from '../output/pipeline-app';
import { prune, toYaml } from '../output/yaml';
import type { WorkflowData } from '../policy/policy';

export type { Concurrency } from './job-base';

/** Props of {@link SecureWorkflow}. */
export interface SecureWorkflowProps {
  /** Display name. */
  readonly name: string;
  /** What starts the workflow. */
  readonly triggers: WorkflowTriggers;
  /** One sentence for the docs catalogue. */
  readonly description: string;
  /**
   * File name under `.github/workflows/`.
   * @default - `<construct id>.yml`
   */
  readonly fileName?: string;
  /**
   * Concurrency. `false` for none.
   * @default - with a pull_request trigger: one group per PR or ref, cancelling superseded PR runs
   *   (never a push to the default branch); otherwise none
   */
  readonly concurrency?: Concurrency | false;
  /** Workflow-level env; never secrets. @default - none */
  readonly env?: EnvMap;
  /**
   * How a person dispatches it, when the inputs' defaults alone would not run (inputs that are
   * alternatives): the runbook prints one `gh workflow run` per example, with these inputs set (a
   * `<placeholder>` for what the person types) besides the required ones; optional inputs not named
   * keep their defaults and are left out.
   * @default - one command with every input at its default or a placeholder
   */
  readonly dispatchExamples?: readonly DispatchExample[];
  /**
   * The ref a person dispatches it at (the runbook's `--ref`), when its jobs run only from other refs,
   * e.g. a release tag for a production deploy. Needs a workflow_dispatch trigger.
   * @default - the default branch
   */
  readonly dispatchRef?: string;
}

/** One way to dispatch a workflow (see {@link SecureWorkflowProps.dispatchExamples}). */
export interface DispatchExample {
  /** What it does, e.g. "to a Helm revision". */
  readonly label: string;
  /** Inputs it sets: a value, or `<placeholder>`. */
  readonly inputs: Readonly<Record<string, string>>;
}

/**
 * A GitHub Actions workflow with secure defaults: `permissions: {}` at the top, jobs that each
 * grant least privilege, timeouts, and cancel-in-progress for pull requests. Rendered with
 * `@github-actions-workflow-ts/lib` and checked by the policy rules before it is written.
 */
export class SecureWorkflow extends Construct implements IGeneratedFile, ICallableWorkflow {
  public readonly filePath: string;
  public readonly workflowName: string;
  public readonly description: string;
  public readonly triggers: WorkflowTriggers;
  /** How a person dispatches it (the runbook prints these). */
  public readonly dispatchExamples: readonly DispatchExample[];
  /** The ref a person dispatches it at, when not the default branch. */
  public readonly dispatchRef?: string;
  private readonly props: SecureWorkflowProps;
  private readonly overrides: { path: string; value: unknown }[] = [];

  constructor(scope: Construct, id: string, props: SecureWorkflowProps) {
    super(scope, id);
    const problems = triggerProblems(props.triggers);
    const fileName = props.fileName ?? `${id}.yml`;
    if (!/^[A-Za-z0-9._-]+\.ya?ml$/.test(fileName)) {
      problems.push(`fileName "${fileName}" must be a .yml file name without folders`);
    }
    for (const [i, example] of (props.dispatchExamples ?? []).entries()) {
      if (!props.triggers.workflowDispatch) {
        problems.push(`dispatchExamples[${i}]: the workflow has no workflow_dispatch trigger`);
      }
      for (const name of Object.keys(example.inputs)) {
        if (!props.triggers.workflowDispatch?.inputs?.[name]) {
          problems.push(`dispatchExamples[${i}] (${example.label}): no workflow_dispatch input "${name}"`);
        }
      }
    }
    if (props.dispatchRef !== undefined && !props.triggers.workflowDispatch) {
      problems.push(`dispatchRef "${props.dispatchRef}": the workflow has no workflow_dispatch trigger`);
    }
    if (problems.length > 0) throw new ValidationError(this, problems.join('; '));
    this.props = props;
    this.filePath = `.github/workflows/${fileName}`;
    this.workflowName = props.name;
    this.description = props.description;
    this.triggers = props.triggers;
    this.dispatchExamples = props.dispatchExamples ?? [];
    this.dispatchRef = props.dispatchRef;
    markGeneratedFile(this);
    this.node.addValidation({ validate: () => this.validateJobGraph() });
  }

  /** Adds a job; the id is the job id in the file. */
  public addJob(id: string, props: SecureJobProps): SecureJob {
    if (this.node.tryFindChild(id)) throw new ValidationError(this, `duplicate job id "${id}"`);
    return new SecureJob(this, id, props);
  }

  /** Adds a job that calls a reusable workflow; the id is the job id in the file. */
  public addCallJob(id: string, props: CallWorkflowJobProps): CallWorkflowJob {
    if (this.node.tryFindChild(id)) throw new ValidationError(this, `duplicate job id "${id}"`);
    return new CallWorkflowJob(this, id, props);
  }

  public get callInputs(): Readonly<Record<string, DispatchInput>> | undefined {
    const call = this.triggers.workflowCall;
    return call ? (call.inputs ?? {}) : undefined;
  }

  public get requiredPermissions(): JobPermissions {
    return unionOfPermissions(this.jobs.map((j) => j.permissions));
  }

  /**
   * `inputs.<name>`, checked against the inputs the workflow_dispatch and workflow_call triggers
   * declare: a typo fails at synthesis, not as an empty value at run time.
   */
  public input(name: string): Expression {
    const declared = { ...this.triggers.workflowDispatch?.inputs, ...this.triggers.workflowCall?.inputs };
    if (!(name in declared)) {
      throw new ValidationError(
        this,
        `reads inputs.${name}, which no trigger declares; declared inputs: ${Object.keys(declared).sort().join(', ') || '(none)'}`,
      );
    }
    return Expression.raw(`inputs.${name}`);
  }

  /** The jobs, in the order they were added. */
  public get jobs(): WorkflowJob[] {
    return this.node.children.filter((c): c is WorkflowJob => c instanceof WorkflowJob);
  }

  /**
   * Escape hatch: sets a value at a dotted path of the rendered workflow, e.g.
   * `jobs.test.steps.0.with.fetch-depth`. The policy still checks the result.
   */
  public addOverride(path: string, value: unknown): void {
    this.overrides.push({ path, value });
  }

  /** The workflow object, exactly as it will be written. */
  public renderData(): { data: WorkflowData; jobPaths: Record<string, string> } {
    return PipelineApp.of(this).renderOnce(this, 'data', () => this.renderDataNow());
  }

  private renderDataNow(): { data: WorkflowData; jobPaths: Record<string, string> } {
    const pins = PipelineApp.of(this).pins;
    const workflow = new Workflow(this.filePath.split('/').pop()!, {
      name: this.props.name,
      on: renderTriggers(this.props.triggers) as never,
      permissions: {},
      concurrency: this.renderConcurrency(),
      env: renderEnv(this.props.env),
    });
    const jobPaths: Record<string, string> = {};
    const jobs: Record<string, unknown> = {};
    for (const job of this.jobs) {
      const rendered = job.render(pins);
      jobs[rendered.jobId] = rendered.content;
      jobPaths[rendered.jobId] = rendered.constructPath;
    }
    const data = prune({ ...workflow.workflow, jobs }) as Record<string, unknown>;
    for (const { path, value } of this.overrides) setPath(data, path.split('.'), value, { create: true });
    // An override may set any value (an expression, undefined): pruned again, the data is what the file holds.
    return { data: (this.overrides.length > 0 ? prune(data) : data) as WorkflowData, jobPaths };
  }

  public render(): RenderedFile {
    return PipelineApp.of(this).renderOnce(this, 'file', () => this.renderNow());
  }

  private renderNow(): RenderedFile {
    const { data, jobPaths } = this.renderData();
    const pins = PipelineApp.of(this).pins;
    const text = toYaml(data, { versionOfSha: (sha) => pins.versionOfSha(sha), plainTopLevelKeys: ['on'] });
    const called = this.calledWorkflowData();
    return {
      filePath: this.filePath,
      format: 'yaml',
      text,
      reviewed: true,
      constructPath: this.node.path,
      policyTarget: {
        kind: 'workflow',
        filePath: this.filePath,
        constructPath: this.node.path,
        data,
        jobPaths,
        calledWorkflows: Object.keys(called).length ? called : undefined,
        bytes: Buffer.byteLength(text, 'utf8'),
      },
    };
  }

  /** The rendered workflows of this repository that jobs here call, by their `uses:`, and those they call in turn. */
  private calledWorkflowData(into: Record<string, WorkflowData> = {}): Record<string, WorkflowData> {
    const pins = PipelineApp.of(this).pins;
    for (const job of this.jobs) {
      if (!(job instanceof CallWorkflowJob) || !(job.called instanceof SecureWorkflow)) continue;
      const uses = job.usesWith(pins);
      if (uses in into) continue;
      into[uses] = job.called.renderData().data;
      job.called.calledWorkflowData(into);
    }
    return into;
  }

  private renderConcurrency(): GeneratedWorkflowTypes.Concurrency | undefined {
    const c = this.props.concurrency;
    if (c === false) return undefined;
    if (c) return renderConcurrency(c);
    if (!this.props.triggers.pullRequest) return undefined;
    return {
      group: `${github.workflow}-${Expression.raw('github.event.pull_request.number || github.ref')}`,
      'cancel-in-progress': github.eventName.eq('pull_request').toString(),
    };
  }

  private validateJobGraph(): string[] {
    if (this.jobs.length === 0) return ['a workflow needs at least one job'];
    const cycle = findCycle(this.jobs, (job) => job.needs);
    return cycle ? [`needs form a cycle: ${cycle.map((j) => j.jobId).join(' → ')}`] : [];
  }
}
