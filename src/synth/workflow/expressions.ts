import { GUARDS } from '../policy/guards';

/**
 * Typed GitHub Actions expressions. An {@link Expression} renders as `${{ body }}` in values
 * (env, with, outputs) and as its bare body in `if:`. Scripts never contain expressions:
 * values reach a `run:` script through `env:` (see the `no-template-injection` policy).
 */
export class Expression {
  /** An expression from its body, e.g. `Expression.raw("github.sha")`. */
  public static raw(body: string): Expression {
    if (body.includes('${{')) throw new Error(`Expression body must not contain "\${{": ${body}`);
    return new Expression(body.trim());
  }

  /** A quoted string literal inside an expression. */
  public static literal(value: string): string {
    return `'${value.replace(/'/g, "''")}'`;
  }

  private constructor(public readonly body: string) {}

  /** `${{ body }}`. */
  public toString(): string {
    return `\${{ ${this.body} }}`;
  }

  /** `body == 'value'`. */
  public eq(value: string): Expression {
    return new Expression(`${this.body} == ${Expression.literal(value)}`);
  }

  /** `body != 'value'`. */
  public ne(value: string): Expression {
    return new Expression(`${this.body} != ${Expression.literal(value)}`);
  }

  /** `(a) && (b)`. */
  public and(other: Expression): Expression {
    return new Expression(`(${this.body}) && (${other.body})`);
  }

  /** `(a) || (b)`. */
  public or(other: Expression): Expression {
    return new Expression(`(${this.body}) || (${other.body})`);
  }
}

/** Values a step, job or workflow can take in `env:`. */
export type EnvValue = string | number | boolean | Expression;
export type EnvMap = Readonly<Record<string, EnvValue>>;

/** Renders env/with values: expressions become `${{ }}` strings. */
export function renderValue(value: EnvValue): string | number | boolean {
  return value instanceof Expression ? value.toString() : value;
}

export function renderEnv(env: EnvMap | undefined): Record<string, string | number | boolean> | undefined {
  if (!env || Object.keys(env).length === 0) return undefined;
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, renderValue(v)]));
}

/** The `github` context (only fields the pipelines read). */
export const github = {
  sha: Expression.raw('github.sha'),
  ref: Expression.raw('github.ref'),
  refName: Expression.raw('github.ref_name'),
  /** `branch` or `tag`. */
  refType: Expression.raw('github.ref_type'),
  eventName: Expression.raw('github.event_name'),
  repository: Expression.raw('github.repository'),
  repositoryOwner: Expression.raw('github.repository_owner'),
  runId: Expression.raw('github.run_id'),
  runAttempt: Expression.raw('github.run_attempt'),
  workflow: Expression.raw('github.workflow'),
  actor: Expression.raw('github.actor'),
  /** The job's GITHUB_TOKEN, for a tool that reads it from env (e.g. GH_TOKEN for gh). */
  token: Expression.raw('github.token'),
  serverUrl: Expression.raw('github.server_url'),
  /** Base commit of a pull request. */
  pullRequestBaseSha: Expression.raw('github.event.pull_request.base.sha'),
  pullRequestNumber: Expression.raw('github.event.pull_request.number'),
  /** Commit before a push (all zeros for a new branch). */
  pushBefore: Expression.raw('github.event.before'),
};

/**
 * Guards the policy rules recognise (their texts live in policy/guards.ts): a job guarded by
 * `notPullRequest` may hold write scopes in a workflow that also runs for pull requests; a step
 * guarded by `notTag` may use a cache in a workflow that also runs for release tags.
 */
export const guards = {
  notPullRequest: Expression.raw(GUARDS.notPullRequest),
  notTag: Expression.raw(GUARDS.notTag),
  /** The run was started by a pull request. */
  pullRequestOnly: Expression.raw(GUARDS.pullRequestOnly),
  /** The run was started by a tag. */
  isTag: Expression.raw("github.ref_type == 'tag'"),
};

/** Status functions for `if:`. */
export const status = {
  always: Expression.raw('always()'),
  success: Expression.raw('success()'),
  failure: Expression.raw('failure()'),
  notCancelled: Expression.raw('!cancelled()'),
  cancelled: Expression.raw('cancelled()'),
};

/** `secrets.NAME`. Only for `env:` of the step that needs it (policy: secrets-in-env). */
export function secret(name: string): Expression {
  return Expression.raw(`secrets.${name}`);
}

/** `inputs.NAME` of a workflow_dispatch / workflow_call. */
export function input(name: string): Expression {
  return Expression.raw(`inputs.${name}`);
}

/** `matrix.NAME`. */
export function matrix(name: string): Expression {
  return Expression.raw(`matrix.${name}`);
}

/** `vars.NAME` (repository or organisation variable). */
export function variable(name: string): Expression {
  return Expression.raw(`vars.${name}`);
}
