import { cronProblem } from '../model/cron';
import { IDENTIFIER } from '../model/limits';

/** Filters of a `push` trigger. */
export interface PushTrigger {
  /** @default - all branches */
  readonly branches?: readonly string[];
  /** @default - no tags */
  readonly tags?: readonly string[];
  /** @default - any path */
  readonly paths?: readonly string[];
}

/** Filters of a `pull_request` trigger (never `pull_request_target`: it runs untrusted code with secrets). */
export interface PullRequestTrigger {
  /** @default - all base branches */
  readonly branches?: readonly string[];
  /** @default - any path */
  readonly paths?: readonly string[];
  /** @default - opened, synchronize, reopened */
  readonly types?: readonly ('opened' | 'synchronize' | 'reopened' | 'labeled' | 'unlabeled' | 'ready_for_review')[];
}

/** One input of `workflow_dispatch`. Values reach scripts through env, never inline. */
export interface DispatchInput {
  readonly description: string;
  readonly type: 'string' | 'number' | 'boolean' | 'choice';
  /** @default false */
  readonly required?: boolean;
  /** @default - no default */
  readonly default?: string | number | boolean;
  /** Only for `choice`. */
  readonly options?: readonly string[];
}

/** What starts a workflow. Dangerous triggers (`pull_request_target`) have no field here on purpose. */
export interface WorkflowTriggers {
  readonly push?: PushTrigger;
  readonly pullRequest?: PullRequestTrigger;
  /** Cron expressions (UTC), GitHub's 5-field dialect. */
  readonly schedule?: readonly string[];
  readonly workflowDispatch?: { readonly inputs?: Readonly<Record<string, DispatchInput>> };
  readonly workflowCall?: { readonly inputs?: Readonly<Record<string, DispatchInput>> };
  /**
   * After other workflows of this repository run (by their names). The run uses the default
   * branch's workflow file, never a pull request's.
   */
  readonly workflowRun?: {
    readonly workflows: readonly string[];
    readonly types?: readonly ('completed' | 'requested' | 'in_progress')[];
    readonly branches?: readonly string[];
  };
}

/** The fields each trigger renders; anything else would be dropped silently, so it is an error. */
const KNOWN_FIELDS: Readonly<Record<keyof WorkflowTriggers, readonly string[] | undefined>> = {
  push: ['branches', 'tags', 'paths'],
  pullRequest: ['branches', 'paths', 'types'],
  schedule: undefined,
  workflowDispatch: ['inputs'],
  workflowCall: ['inputs'],
  workflowRun: ['workflows', 'types', 'branches'],
};
const INPUT_FIELDS = ['description', 'type', 'required', 'default', 'options'];

function unknownFields(value: unknown, known: readonly string[], at: string): string[] {
  if (typeof value !== 'object' || value === null) return [];
  return Object.keys(value)
    .filter((k) => !known.includes(k))
    .map((k) => `${at}.${k}: unknown field; known: ${known.join(', ')}`);
}

/** Problems with a set of triggers, as `field: message`. */
export function triggerProblems(triggers: WorkflowTriggers): string[] {
  const problems: string[] = [];
  problems.push(...unknownFields(triggers, Object.keys(KNOWN_FIELDS), 'triggers'));
  for (const [kind, fields] of Object.entries(KNOWN_FIELDS)) {
    if (fields) problems.push(...unknownFields(triggers[kind as keyof WorkflowTriggers], fields, `triggers.${kind}`));
  }
  if (Object.values(triggers).every((t) => t === undefined)) {
    problems.push('triggers: at least one trigger is required');
  }
  if (triggers.workflowRun && triggers.workflowRun.workflows.length === 0) {
    problems.push('triggers.workflowRun.workflows: name at least one workflow');
  }
  for (const [i, cron] of (triggers.schedule ?? []).entries()) {
    const problem = cronProblem(cron);
    if (problem) problems.push(`triggers.schedule[${i}]: ${problem}`);
  }
  for (const [kind, trigger] of [
    ['workflowDispatch', triggers.workflowDispatch],
    ['workflowCall', triggers.workflowCall],
  ] as const) {
    for (const [name, inp] of Object.entries(trigger?.inputs ?? {})) {
      problems.push(...unknownFields(inp, INPUT_FIELDS, `triggers.${kind}.inputs.${name}`));
      if (!IDENTIFIER.test(name)) problems.push(`triggers.${kind}.inputs.${name}: invalid input name`);
      if (inp.type === 'choice' && !(inp.options && inp.options.length > 0)) {
        problems.push(`triggers.${kind}.inputs.${name}: a choice input needs options`);
      }
      if (inp.type !== 'choice' && inp.options) {
        problems.push(`triggers.${kind}.inputs.${name}: options only apply to type "choice"`);
      }
      if (kind === 'workflowCall' && inp.type === 'choice') {
        problems.push(
          `triggers.${kind}.inputs.${name}: workflow_call inputs are string, number or boolean (no choice)`,
        );
      }
    }
  }
  return problems;
}

function renderInputs(inputs: Readonly<Record<string, DispatchInput>> | undefined) {
  if (!inputs) return undefined;
  return Object.fromEntries(
    Object.entries(inputs).map(([name, i]) => [
      name,
      {
        description: i.description,
        type: i.type,
        required: i.required ?? false,
        ...(i.default !== undefined ? { default: i.default } : {}),
        ...(i.options ? { options: [...i.options] } : {}),
      },
    ]),
  );
}

const list = (v: readonly string[] | undefined) => (v ? [...v] : undefined);

/** The `on:` block. */
export function renderTriggers(t: WorkflowTriggers): Record<string, unknown> {
  const on: Record<string, unknown> = {};
  if (t.push) on.push = { branches: list(t.push.branches), tags: list(t.push.tags), paths: list(t.push.paths) };
  if (t.pullRequest) {
    on.pull_request = {
      branches: list(t.pullRequest.branches),
      paths: list(t.pullRequest.paths),
      types: list(t.pullRequest.types),
    };
  }
  if (t.schedule) on.schedule = t.schedule.map((cron) => ({ cron }));
  if (t.workflowDispatch) on.workflow_dispatch = { inputs: renderInputs(t.workflowDispatch.inputs) };
  if (t.workflowCall) on.workflow_call = { inputs: renderInputs(t.workflowCall.inputs) };
  if (t.workflowRun) {
    on.workflow_run = {
      workflows: [...t.workflowRun.workflows],
      types: list(t.workflowRun.types),
      branches: list(t.workflowRun.branches),
    };
  }
  return on;
}
