import { Expression, type EnvValue } from './expressions';
import { runStep, type JobStep, type StepOptions } from './steps';
import type { CliContract } from '../../common/cli-contracts';

/** A variable the runner itself sets (e.g. `GITHUB_STEP_SUMMARY`): read as `"$NAME"`, never put in env. */
export class RunnerVariable {
  public constructor(public readonly name: string) {
    if (!/^(GITHUB|RUNNER)_[A-Z_]+$/.test(name)) {
      throw new Error(`"${name}" is not a runner variable (GITHUB_* or RUNNER_*)`);
    }
  }
}

/** Variables of the runner that steps pass to our CLIs. */
export const runnerVariables = {
  stepSummary: new RunnerVariable('GITHUB_STEP_SUMMARY'),
  workspace: new RunnerVariable('GITHUB_WORKSPACE'),
};

/** A flag's value: literal, expression, runner variable, or several values (the flag repeats). */
export type CliValue = string | number | Expression | RunnerVariable | readonly (string | Expression)[];

/** The arguments of a CLI: each flag of its contract by name; switches take a boolean or an expression. */
export type CliArgs<F extends string, S extends F> = { readonly [K in Exclude<F, S>]?: CliValue } & {
  readonly [K in S]?: boolean | Expression;
};

/** Props of {@link cliStep}. */
export interface CliStepProps<F extends string, S extends F> extends StepOptions {
  /** Flag values by the contract's names. Each becomes an env variable the command line quotes. */
  readonly args: CliArgs<F, S>;
  /** Script lines before the command, e.g. a port-forward the command goes through. @default - none */
  readonly before?: string;
  /** Script lines after the command (a failing command has ended the step by then: bash -e). @default - none */
  readonly after?: string;
  /** Spaces before each line of the command, when `before` opens a loop or a function around it. @default 0 */
  readonly commandIndent?: number;
}

/** Names a step must never set: the shell's and the runner's own. */
const RESERVED_ENV =
  /^(PATH|HOME|SHELL|USER|PWD|OLDPWD|TMPDIR|LANG|LC_[A-Z]+|IFS|CI|NODE_OPTIONS|(GITHUB|RUNNER|ACTIONS)_[A-Z_]*)$/;

/** `baseUrl` → `BASE_URL`; a name the shell or runner owns gets an `ARG_` prefix (`path` → `ARG_PATH`). */
export function envNameOf(key: string): string {
  const name = key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/-/g, '_')
    .toUpperCase();
  return RESERVED_ENV.test(name) ? `ARG_${name}` : name;
}

/**
 * A step that runs one of this package's CLIs: `npx --no-install <bin> --flag "$FLAG" …`. Every
 * value reaches the script through `env:` (never `${{ }}` in the script), is named once, and the
 * flag comes from the CLI's contract, so a renamed flag fails to compile. A switch given an
 * expression is added only when the expression is `true` at run time.
 */
export function cliStep<F extends string, S extends F>(cli: CliContract<F, S>, props: CliStepProps<F, S>): JobStep {
  const { args, before, after, commandIndent = 0, ...options } = props;
  const env: Record<string, EnvValue> = { ...(options.env ?? {}) };
  const setEnv = (name: string, value: EnvValue) => {
    if (name in env) {
      throw new Error(
        `cliStep "${options.name}": env ${name} is set twice (by the step and by the ${cli.bin} arguments)`,
      );
    }
    env[name] = value;
  };
  const words: string[] = [];
  const conditional: string[] = [];
  for (const [key, value] of Object.entries(args) as [F, CliValue | boolean | Expression | undefined][]) {
    if (value === undefined || value === false) continue;
    const flag = cli.flags[key];
    const name = envNameOf(key);
    if ((cli.switches as readonly string[]).includes(key)) {
      if (value === true) {
        words.push(flag);
      } else {
        setEnv(name, value as Expression);
        conditional.push(`if [ "$${name}" = "true" ]; then args+=(${flag}); fi`);
      }
    } else if (value instanceof RunnerVariable) {
      words.push(flag, `"$${value.name}"`);
    } else if (Array.isArray(value)) {
      (value as readonly (string | Expression)[]).forEach((v, i) => {
        setEnv(`${name}_${i + 1}`, v);
        words.push(flag, `"$${name}_${i + 1}"`);
      });
    } else {
      setEnv(name, value as EnvValue);
      words.push(flag, `"$${name}"`);
    }
  }
  const command = [
    `npx --no-install ${cli.bin}${cli.subcommand ? ` ${cli.subcommand}` : ''}`,
    ...pairs(words),
    ...(conditional.length > 0 ? ['"${args[@]}"'] : []),
  ];
  const script = [
    ...(before ? [before] : []),
    ...[
      ...(conditional.length > 0 ? ['args=()', ...conditional] : []),
      command.length > 3 ? command.join(' \\\n  ') : command.join(' '),
    ].map((text) =>
      text
        .split('\n')
        .map((line) => `${' '.repeat(commandIndent)}${line}`)
        .join('\n'),
    ),
    ...(after ? [after] : []),
  ];
  return runStep({ ...options, env, run: script.join('\n') });
}

/** `--flag "$VALUE"` pairs stay on one line; a bare switch stands alone. */
function pairs(words: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    if (words[i + 1]?.startsWith('"')) out.push(`${words[i]} ${words[++i]}`);
    else out.push(words[i]!);
  }
  return out;
}
