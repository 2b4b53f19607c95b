import { Expression, type EnvMap } from './expressions';

/** Options every step has. */
export interface StepOptions {
  /** Shown in the run log; required so logs and summaries read well. */
  readonly name: string;
  /**
   * Step id, needed to read the step's outputs.
   * @default - no id
   */
  readonly id?: string;
  /** @default - run when earlier steps succeeded */
  readonly if?: Expression;
  /**
   * Environment of this step only. Secrets go here, in the one step that needs them.
   * @default - none
   */
  readonly env?: EnvMap;
  /** @default - the job's limit */
  readonly timeoutMinutes?: number;
  /** @default false */
  readonly continueOnError?: boolean;
  /**
   * Outputs the step writes (to `$GITHUB_OUTPUT`, or an action's declared outputs); only these
   * can be read with {@link stepOutput}. Needs an `id`.
   * @default - none
   */
  readonly outputs?: readonly string[];
}

/** A shell step. The script must not contain `${{ }}`: pass values through `env`. */
export interface RunStepProps extends StepOptions {
  readonly run: string;
  /** @default - the job's default working directory */
  readonly workingDirectory?: string;
  /**
   * @default 'bash' (with -e and pipefail on GitHub's runners)
   */
  readonly shell?: 'bash' | 'sh' | 'pwsh' | 'python';
}

export type ActionInputValue = string | number | boolean | Expression;

/** A step that runs a pinned action. Create these through the typed wrappers in `actions/`. */
export interface ActionStepProps extends StepOptions {
  /** `owner/repo[/path]`, resolved through the action lock. */
  readonly action: string;
  /** @default - no inputs */
  readonly with?: Readonly<Record<string, ActionInputValue | undefined>>;
}

export type JobStep =
  { readonly kind: 'run'; readonly props: RunStepProps } | { readonly kind: 'action'; readonly props: ActionStepProps };

/** A shell step. */
export function runStep(props: RunStepProps): JobStep {
  return { kind: 'run', props: { ...props, run: props.run.trimEnd() + '\n' } };
}

/** A step running a pinned action; prefer the typed wrappers. */
export function actionStep(props: ActionStepProps): JobStep {
  return { kind: 'action', props };
}

/**
 * `steps.<id>.outcome` of a step that has an id: `success`, `failure`, `cancelled` or `skipped`,
 * before `continue-on-error` turns a failure into a success conclusion.
 */
export function stepOutcome(step: JobStep): Expression {
  if (!step.props.id) throw new Error(`step "${step.props.name}" needs an id before its outcome can be read`);
  return Expression.raw(`steps.${step.props.id}.outcome`);
}

/** `steps.<id>.outputs.<name>` of a step that has an id. */
export function stepOutput(step: JobStep, name: string): Expression {
  if (!step.props.id) throw new Error(`step "${step.props.name}" needs an id before its output "${name}" can be read`);
  if (!step.props.outputs?.includes(name)) {
    throw new Error(
      `step "${step.props.name}" declares no output "${name}"; it declares: ${step.props.outputs?.join(', ') || '(none)'}`,
    );
  }
  return Expression.raw(`steps.${step.props.id}.outputs.${name}`);
}
