import type { Construct } from 'constructs';
import { renderValue, type EnvValue, type Expression } from './expressions';
import { renderConcurrency, WorkflowJob, type RenderedJob, type WorkflowJobProps } from './job-base';
import { grantsAtLeast, renderPermissions, type JobPermissions } from './permissions';
import type { DispatchInput } from './triggers';
import { ValidationError } from '../../common/errors';
import type { ActionPins } from '../pins/action-pins';

/** A workflow of this repository that other workflows call (it has a `workflow_call` trigger). */
export interface ICallableWorkflow {
  /** `.github/workflows/<file>`. */
  readonly filePath: string;
  /** The inputs of its `workflow_call` trigger, or undefined when it has none. */
  readonly callInputs: Readonly<Record<string, DispatchInput>> | undefined;
  /** The union of what its jobs are granted: GitHub refuses a caller that grants less. */
  readonly requiredPermissions: JobPermissions;
}

/** A reusable workflow of another repository; its ref comes from the action lock like every action's. */
export interface ExternalWorkflow {
  /** `owner/repo/.github/workflows/file.yml`, without a ref: the lock gives the ref. */
  readonly workflow: string;
  /** Its documented input names, to catch a typo at synthesis. */
  readonly inputs: readonly string[];
  /** Its documented secret names. @default [] */
  readonly secrets?: readonly string[];
  /** What its jobs need from the caller's token (from its documentation). */
  readonly permissions: JobPermissions;
}

/** Props of {@link CallWorkflowJob}. */
export interface CallWorkflowJobProps extends WorkflowJobProps {
  /** The workflow to call. */
  readonly workflow: ICallableWorkflow | ExternalWorkflow;
  /** Inputs, by the called workflow's input names. @default {} */
  readonly with?: Readonly<Record<string, EnvValue>>;
  /** Secrets passed by name (never `inherit`). @default {} */
  readonly secrets?: Readonly<Record<string, Expression>>;
  /**
   * The caller's grant. A local workflow's defaults to exactly what its jobs use; an explicit
   * grant must cover that.
   * @default - local: the union of the called jobs' permissions; external: its documented permissions
   */
  readonly permissions?: JobPermissions;
}

function isExternal(w: ICallableWorkflow | ExternalWorkflow): w is ExternalWorkflow {
  return 'workflow' in w;
}

/**
 * A job that calls a reusable workflow (`uses:`). For a workflow of this repository, inputs are
 * checked against its `workflow_call` trigger (unknown and missing required inputs fail synthesis)
 * and the caller's permissions default to what the called jobs are granted, so the run cannot
 * fail at start-up on a missing scope.
 */
export class CallWorkflowJob extends WorkflowJob {
  private readonly props: CallWorkflowJobProps;
  /** The workflow this job calls. */
  public readonly called: ICallableWorkflow | ExternalWorkflow;

  constructor(scope: Construct, id: string, props: CallWorkflowJobProps) {
    super(scope, id, props);
    this.props = props;
    this.called = props.workflow;
    // Checked at validation: the called workflow may still be gaining jobs.
    this.node.addValidation({ validate: () => this.callProblems() });
  }

  public get permissions(): JobPermissions {
    const w = this.props.workflow;
    return this.props.permissions ?? (isExternal(w) ? w.permissions : w.requiredPermissions);
  }

  /** `./.github/workflows/x.yml`, or the external workflow's path resolved through the action lock. */
  public usesWith(pins: ActionPins): string {
    const w = this.props.workflow;
    if (!isExternal(w)) return `./${w.filePath}`;
    try {
      return pins.resolve(w.workflow).uses;
    } catch (e) {
      throw new ValidationError(this, `uses: ${(e as Error).message}`);
    }
  }

  public render(pins: ActionPins): RenderedJob {
    const p = this.props;
    const withEntries = Object.entries(p.with ?? {});
    const secretEntries = Object.entries(p.secrets ?? {});
    const content: Record<string, unknown> = {
      name: p.name,
      needs: this.needs.length > 0 ? this.needs.map((n) => n.jobId) : undefined,
      if: p.if?.body,
      concurrency: p.concurrency && renderConcurrency(p.concurrency),
      permissions: renderPermissions(this.permissions),
      uses: this.usesWith(pins),
      with: withEntries.length > 0 ? Object.fromEntries(withEntries.map(([k, v]) => [k, renderValue(v)])) : undefined,
      secrets:
        secretEntries.length > 0 ? Object.fromEntries(secretEntries.map(([k, v]) => [k, v.toString()])) : undefined,
    };
    return { jobId: this.jobId, constructPath: this.node.path, content };
  }

  protected expressionTexts(): string[] {
    return [
      ...(this.props.if ? [this.props.if.body] : []),
      ...Object.values(this.props.with ?? {}).map((v) => String(renderValue(v))),
      ...Object.values(this.props.secrets ?? {}).map((v) => v.body),
    ];
  }

  private callProblems(): string[] {
    const w = this.props.workflow;
    const given = Object.keys(this.props.with ?? {});
    const problems: string[] = [];
    if (isExternal(w)) {
      for (const name of given.filter((n) => !w.inputs.includes(n))) {
        problems.push(`with.${name}: ${w.workflow} has no input "${name}"; inputs: ${w.inputs.join(', ')}`);
      }
      for (const name of Object.keys(this.props.secrets ?? {}).filter((n) => !(w.secrets ?? []).includes(n))) {
        problems.push(
          `secrets.${name}: ${w.workflow} takes no secret "${name}"; secrets: ${(w.secrets ?? []).join(', ') || '(none)'}`,
        );
      }
    } else {
      if (!w.callInputs) return [`calls ${w.filePath}, which has no workflow_call trigger`];
      for (const name of given.filter((n) => !(n in w.callInputs!))) {
        problems.push(
          `with.${name}: ${w.filePath} declares no input "${name}"; inputs: ${Object.keys(w.callInputs).join(', ') || '(none)'}`,
        );
      }
      for (const [name, input] of Object.entries(w.callInputs)) {
        if (input.required && input.default === undefined && !given.includes(name)) {
          problems.push(`with.${name}: required by ${w.filePath} but not given`);
        }
      }
      if (Object.keys(this.props.secrets ?? {}).length > 0) problems.push(`secrets: ${w.filePath} declares no secrets`);
      const short = grantsAtLeast(this.permissions, w.requiredPermissions);
      if (short.length > 0) {
        problems.push(
          `permissions: grant less than the jobs of ${w.filePath} use (${short.join(', ')}); GitHub would refuse to start the run`,
        );
      }
    }
    return problems;
  }
}
