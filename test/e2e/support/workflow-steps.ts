import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { REPO_ROOT } from '../../support/project';

/** One `run:` step of a generated workflow, as GitHub would run it. */
export interface WorkflowRunStep {
  readonly workflow: string;
  readonly job: string;
  readonly name: string;
  readonly run: string;
  readonly env: Readonly<Record<string, string>>;
}

/**
 * Reads a `run:` step from a generated workflow file, so the suite runs exactly the commands
 * GitHub runs (it cannot drift from them): `steps` of `job` in `.github/workflows/<workflow>.yml`.
 */
export function workflowStep(workflow: string, job: string, name: string): WorkflowRunStep {
  const file = path.join(REPO_ROOT, '.github/workflows', `${workflow}.yml`);
  const doc = YAML.parse(readFileSync(file, 'utf8'));
  const steps: any[] = doc.jobs?.[job]?.steps ?? [];
  const step = steps.find((s) => s.name === name);
  if (!step?.run) {
    throw new Error(
      `${file}: job ${job} has no run step named "${name}" (steps: ${steps.map((s) => s.name).join(', ')})`,
    );
  }
  return {
    workflow,
    job,
    name,
    run: step.run,
    env: Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, String(v)])),
  };
}

/** What a step printed and how it ended. */
export interface StepResult {
  readonly status: number;
  readonly output: string;
}

/** A folder of stand-ins for `npx`: `npx --no-install <bin>` runs this package's own compiled bin. */
function binShims(dir: string): string {
  const shims = path.join(dir, '.e2e-bin');
  if (existsSync(path.join(shims, 'npx'))) return shims;
  mkdirSync(shims, { recursive: true });
  const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
  const bins: Record<string, string> = pkg.bin;
  const cases = Object.entries(bins).map(
    ([name, file]) => `  ${name}) exec node ${JSON.stringify(path.join(REPO_ROOT, file))} "$@" ;;`,
  );
  writeFileSync(
    path.join(shims, 'npx'),
    [
      '#!/usr/bin/env bash',
      "# The workflows call this package's bins through npx; here they run from lib/ (compiled by npm ci).",
      '[ "$1" = "--no-install" ] && shift',
      'bin="$1"; shift',
      'case "$bin" in',
      ...cases,
      '  *) echo "npx shim: $bin is not a bin of this package" >&2; exit 127 ;;',
      'esac',
      '',
    ].join('\n'),
  );
  chmodSync(path.join(shims, 'npx'), 0o755);
  return shims;
}

/**
 * Runs a step's script under bash as GitHub does for `shell: bash` (`-eo pipefail`), in `cwd`,
 * with the step's own environment. A value that is a `${{ }}` expression (an input, a step output)
 * must be given in `values`; every other variable of the step keeps the value the workflow has.
 */
export function runWorkflowStep(
  step: WorkflowRunStep,
  o: { cwd: string; values?: Record<string, string>; env?: Record<string, string>; timeoutMs?: number },
): StepResult {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(step.env)) {
    if (o.values && key in o.values) {
      env[key] = o.values[key]!;
    } else if (value.includes('${{')) {
      throw new Error(
        `${step.workflow}/${step.job} "${step.name}": ${key} is the expression ${value}; give the suite's value for it`,
      );
    } else {
      env[key] = value;
    }
  }
  for (const key of Object.keys(o.values ?? {})) {
    if (!(key in step.env)) {
      throw new Error(
        `${step.workflow}/${step.job} "${step.name}" has no variable ${key} (it has ${Object.keys(step.env).join(', ')}): the workflow changed`,
      );
    }
  }
  const summary = path.join(o.cwd, 'step-summary.md');
  const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run], {
    cwd: o.cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: o.timeoutMs ?? 120_000,
    env: {
      ...process.env,
      ...o.env,
      ...env,
      PATH: `${binShims(o.cwd)}:${process.env.PATH}`,
      GITHUB_STEP_SUMMARY: summary,
      CI: 'true',
    },
  });
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? `\n${r.error.message}` : ''}`;
  return { status: r.status ?? -1, output };
}
