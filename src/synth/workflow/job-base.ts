import { Construct } from 'constructs';
import { Expression } from './expressions';
import type { JobPermissions } from './permissions';
import { ValidationError } from '../../common/errors';
import { IDENTIFIER_PATTERN } from '../model/limits';
import type { ActionPins } from '../pins/action-pins';

/** A rendered job and what the policy checks need to know about it. */
export interface RenderedJob {
  readonly jobId: string;
  readonly constructPath: string;
  readonly content: Record<string, unknown>;
}

/** A concurrency group. */
export interface Concurrency {
  readonly group: string | Expression;
  /** A boolean, or an expression such as "only for pull requests". */
  readonly cancelInProgress: boolean | Expression;
}

/** `concurrency:` as GitHub reads it. */
export function renderConcurrency(c: Concurrency): { group: string; 'cancel-in-progress': boolean | string } {
  return {
    group: String(c.group),
    'cancel-in-progress': c.cancelInProgress instanceof Expression ? c.cancelInProgress.toString() : c.cancelInProgress,
  };
}

/** What every job of a workflow has: an id, `needs`, `permissions`, outputs. */
export interface WorkflowJobProps {
  /** Display name. @default - the job id */
  readonly name?: string;
  /** Jobs that must finish first; they must belong to the same workflow. @default [] */
  readonly needs?: readonly WorkflowJob[];
  /** @default - run when needed jobs succeeded */
  readonly if?: Expression;
  /**
   * A job-level concurrency group, e.g. one per deploy environment that queues and never cancels.
   * @default - none
   */
  readonly concurrency?: Concurrency;
}

/**
 * A job of a {@link SecureWorkflow}: one that runs steps ({@link SecureJob}) or one that calls a
 * reusable workflow ({@link CallWorkflowJob}). Its construct id is its job id.
 */
export abstract class WorkflowJob extends Construct {
  /** The job id in the workflow file. */
  public readonly jobId: string;
  public readonly needs: readonly WorkflowJob[];
  protected readonly outputs = new Map<string, Expression>();

  protected constructor(scope: Construct, id: string, props: WorkflowJobProps) {
    super(scope, id);
    this.jobId = id;
    // A missing job (an undefined from a lookup) would otherwise surface later as a TypeError.
    (props.needs ?? []).forEach((need, i) => {
      if (!(need instanceof WorkflowJob)) {
        throw new ValidationError(
          this,
          `needs[${i}] is not a job (got ${String(need)}): pass the job object addJob returned`,
        );
      }
    });
    this.needs = [...(props.needs ?? [])];
    this.node.addValidation({ validate: () => this.validateNeeds() });
  }

  /** The token permissions the job runs with. */
  public abstract get permissions(): JobPermissions;

  /** Renders the job; action names resolve through the lock. */
  public abstract render(pins: ActionPins): RenderedJob;

  /** Declares a job output, e.g. from a step's output. */
  public addOutput(name: string, value: Expression): void {
    if (this.outputs.has(name)) throw new ValidationError(this, `output "${name}" is already defined`);
    this.outputs.set(name, value);
  }

  /** `needs.<job>.outputs.<name>`, for a job that lists this one in `needs`. */
  public output(name: string): Expression {
    if (!this.outputs.has(name)) {
      throw new ValidationError(
        this,
        `job has no output "${name}"; outputs: ${[...this.outputs.keys()].join(', ') || '(none)'}`,
      );
    }
    return Expression.raw(`needs.${this.jobId}.outputs.${name}`);
  }

  /** Every expression text the job evaluates (if, env, with, outputs), to check the `needs.*` it reads. */
  protected abstract expressionTexts(): string[];

  private validateNeeds(): string[] {
    const problems: string[] = [];
    for (const need of this.needs) {
      if (need.node.scope !== this.node.scope) {
        problems.push(
          `needs "${need.node.path}", which belongs to another workflow; a job can only need jobs of its own workflow`,
        );
      }
      if (need === this) problems.push('a job cannot need itself');
    }
    // Every needs.<id> an expression reads must be a job this one needs.
    const needed = new Set(this.needs.map((n) => n.jobId));
    const read = new Set<string>();
    for (const text of this.expressionTexts()) {
      for (const m of text.matchAll(new RegExp(`\\bneeds\\.(${IDENTIFIER_PATTERN})\\.`, 'g'))) read.add(m[1]!);
    }
    for (const id of read) {
      if (!needed.has(id)) {
        problems.push(
          `reads needs.${id}.* but does not list "${id}" in needs; known needs: ${[...needed].join(', ') || '(none)'}`,
        );
      }
    }
    return problems;
  }
}
