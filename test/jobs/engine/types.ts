import type { Json } from './expressions';
import type { World } from './world';

/** What one workflow run knows: its event, ref, inputs, secrets and variables. */
export interface RunContext {
  readonly world: World;
  readonly scenario: string;
  readonly runId: number;
  /** The `github` context of the event (a called workflow sees its caller's). */
  readonly github: Record<string, Json>;
  readonly inputs: Record<string, Json>;
  readonly secrets: Record<string, string>;
  readonly vars: Record<string, string>;
  /** The file of the workflow whose jobs run (the called one, inside a reusable call). */
  readonly workflowFile: string;
  /** Names of the reusable-workflow chain, for labels: `ci-build-push.yml/deploy-production`. */
  readonly callPath: string;
  /** Tools the scenario breaks on purpose (a stand-in answers as the real tool would on that fault). */
  readonly faults: readonly string[];
}

/** A job's result as `needs` and `jobs` contexts see it. */
export interface JobResult {
  readonly result: 'success' | 'failure' | 'skipped' | 'cancelled';
  readonly outputs: Record<string, string>;
}

/** What a local action implementation receives. */
export interface ActionContext {
  readonly run: RunContext;
  readonly workspace: string;
  readonly runnerTemp: string;
  readonly inputs: Record<string, string>;
  /** The step's process environment (job env, GITHUB_ENV, step env, runner variables). */
  readonly env: Record<string, string>;
  readonly jobLabel: string;
  readonly runnerOs: 'Linux' | 'macOS';
  setOutput(name: string, value: string): void;
  exportVariable(name: string, value: string): void;
  addPath(dir: string): void;
  summary(markdown: string): void;
  log(line: string): void;
}

/** A local implementation of one pinned action's documented effect. */
export interface LocalAction {
  /** `owner/repo` or `owner/repo/path`, as in `uses:` without the ref. */
  readonly uses: string;
  run(ctx: ActionContext): void | Promise<void>;
}
