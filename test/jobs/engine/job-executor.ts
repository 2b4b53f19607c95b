import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { readKeyValueFile, readPathFile, parseWorkflowCommands } from './command-files';
import { Cancelled } from './concurrency';
import { evaluateCondition, type Json } from './expressions';
import { machineNetworks, type MachineNetwork } from './machine-networks';
import { asText, child, evaluateToken } from './tokens';
import type { ActionContext, JobResult, LocalAction, RunContext } from './types';
import { rawJob, rawSteps, type WorkflowFile } from './workflow-file';
import { SERVER_ENV } from '../standins/server';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** How the runner starts each shell, exactly as GitHub's Linux runner does. */
export const SHELLS: Record<string, string[]> = {
  default: ['bash', '-e', '{0}'],
  bash: ['bash', '--noprofile', '--norc', '-eo', 'pipefail', '{0}'],
  sh: ['sh', '-e', '{0}'],
  python: ['python', '{0}'],
};

/**
 * Longest a step may take here, whatever its timeout-minutes: a hung step fails the suite, not CI.
 * The longest real step is ci.yml's unit suite: 110–185 s beside two other scenarios on a 2-core
 * machine, 230 s with another unit suite running beside the whole job runner; the ceiling leaves
 * that more than twice over.
 */
const STEP_CEILING_MS = 600_000;

export interface ExecuteJobOptions {
  readonly run: RunContext;
  readonly wf: WorkflowFile;
  readonly job: any;
  readonly needs: Record<string, JobResult>;
  readonly matrix: Json;
  readonly strategy: Json;
  readonly actions: (uses: string) => LocalAction;
  /** Folder of the stand-in tools, first on PATH after GITHUB_PATH entries. */
  readonly standinBin: string;
  /** Checks the ref may use the job's environment; returns the refusal or undefined. */
  readonly environmentRefusal: (environment: string) => string | undefined;
  /** Waits for a reviewer when the environment requires one; rejects when rejected or cancelled. */
  readonly review: (environment: string) => Promise<void>;
}

export interface ExecutedJob extends JobResult {
  readonly reason?: string;
  readonly summary: string;
  readonly log: string;
}

interface StepState {
  outputs: Record<string, string>;
  outcome: 'success' | 'failure' | 'cancelled' | 'skipped';
  conclusion: 'success' | 'failure' | 'cancelled' | 'skipped';
}

/**
 * Runs one job of a workflow: a fresh workspace and RUNNER_TEMP, the steps in order with GitHub's
 * conditions, shells, environment files and workflow commands, then the job's outputs.
 */
export async function executeJob(o: ExecuteJobOptions): Promise<ExecutedJob> {
  const id = o.job.id.value as string;
  const raw = rawJob(o.wf, id);
  const world = o.run.world;
  const label = `${o.run.callPath}${o.wf.file}/${id}`;
  // A world is one scenario's: the folder names the workflow and job only (they stay under the length cut).
  const dir = world.jobDir(`${o.wf.file}-${id}`);
  const workspace = path.join(dir, 'work');
  const runnerTemp = path.join(dir, 'temp');
  const home = path.join(dir, 'home');
  for (const d of [workspace, runnerTemp, home, path.join(dir, 'toolcache')]) mkdirSync(d, { recursive: true });
  const runsOn = asText(
    evaluateToken(
      child(raw, 'runs-on'),
      { github: o.run.github, inputs: o.run.inputs, vars: o.run.vars, matrix: o.matrix },
      { status: 'success' },
    ),
  );
  const runnerOs: 'Linux' | 'macOS' = runsOn.startsWith('macos') ? 'macOS' : 'Linux';
  const logLines: string[] = [];
  let summary = '';

  const environmentToken = child(raw, 'environment');
  const baseContexts = (): Record<string, Json> => ({
    github: { ...o.run.github, job: id, workspace, action_path: '' },
    inputs: o.run.inputs,
    vars: o.run.vars,
    secrets: o.run.secrets,
    needs: o.needs as unknown as Json,
    matrix: o.matrix,
    strategy: o.strategy,
    runner: {
      os: runnerOs,
      arch: runsOn.endsWith('-arm') ? 'ARM64' : 'X64',
      temp: runnerTemp,
      tool_cache: path.join(dir, 'toolcache'),
      name: 'stand-in runner',
      environment: 'github-hosted',
    },
    job: { status: 'success' },
  });
  let environment: string | undefined;
  if (environmentToken) {
    const env = evaluateToken(environmentToken, baseContexts(), { status: 'success' });
    environment =
      typeof env === 'object' && env !== null && !Array.isArray(env)
        ? asText((env as Record<string, Json>).name)
        : asText(env);
    const refusal = o.environmentRefusal(environment);
    if (refusal) return { result: 'failure', outputs: {}, reason: refusal, summary: '', log: refusal };
    try {
      await o.review(environment);
    } catch (e) {
      const reason = (e as Error).message;
      return {
        result: e instanceof Cancelled ? 'cancelled' : 'failure',
        outputs: {},
        reason,
        summary: '',
        log: reason,
      };
    }
  }
  const envRules = environment ? world.props.environments[environment] : undefined;
  const secrets = { ...o.run.secrets, ...(envRules?.secrets ?? {}) };
  const vars = { ...o.run.vars, ...(envRules?.vars ?? {}) };
  const permissions = evaluateToken(child(raw, 'permissions'), {}, { status: 'success' }) as Record<
    string,
    string
  > | null;
  const idToken = permissions !== null && typeof permissions === 'object' && permissions['id-token'] === 'write';
  // A job without its own permissions gets the workflow's (this repository's workflows set both).
  const tokenPermissions =
    permissions ??
    (evaluateToken(child(o.wf.root, 'permissions'), {}, { status: 'success' }) as Record<string, string> | null) ??
    {};

  const steps: Record<string, StepState> = {};
  const stepContexts = (jobStatus: string): Record<string, Json> => ({
    ...baseContexts(),
    secrets,
    vars,
    steps: steps as unknown as Json,
    env: { ...exported, ...workflowEnv, ...jobEnv },
    job: { status: jobStatus },
  });
  const exported: Record<string, string> = {};
  const extraPath: string[] = [];
  const masks: string[] = [];
  const workflowEnv = stringMap(
    evaluateToken(
      child(o.wf.root, 'env'),
      { github: o.run.github, inputs: o.run.inputs, vars, secrets },
      { status: 'success' },
    ),
  );
  const jobEnv = stringMap(
    evaluateToken(child(raw, 'env'), { ...baseContexts(), secrets, vars, env: workflowEnv }, { status: 'success' }),
  );
  const defaultsRun = child(child(raw, 'defaults'), 'run') ?? child(child(o.wf.root, 'defaults'), 'run');
  const defaultShell = asText(evaluateToken(child(defaultsRun, 'shell'), {}, { status: 'success' }));
  const defaultWorkdir = asText(
    evaluateToken(
      child(defaultsRun, 'working-directory'),
      { github: o.run.github, inputs: o.run.inputs },
      { status: 'success' },
    ),
  );

  let status: 'success' | 'failure' | 'cancelled' = 'success';
  let reason: string | undefined;
  const hashFiles = (patterns: string[]) => hashWorkspaceFiles(workspace, patterns);
  const runnerEnv = (): Record<string, string> => ({
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    HOME: home,
    RUNNER_TEMP: runnerTemp,
    RUNNER_OS: runnerOs,
    RUNNER_ARCH: 'X64',
    RUNNER_TOOL_CACHE: path.join(dir, 'toolcache'),
    GITHUB_WORKSPACE: workspace,
    GITHUB_REPOSITORY: asText(o.run.github.repository),
    GITHUB_REPOSITORY_OWNER: asText(o.run.github.repository_owner),
    GITHUB_SHA: asText(o.run.github.sha),
    GITHUB_REF: asText(o.run.github.ref),
    GITHUB_REF_NAME: asText(o.run.github.ref_name),
    GITHUB_REF_TYPE: asText(o.run.github.ref_type),
    GITHUB_EVENT_NAME: asText(o.run.github.event_name),
    GITHUB_RUN_ID: String(o.run.runId),
    GITHUB_RUN_NUMBER: asText(o.run.github.run_number),
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_ACTOR: asText(o.run.github.actor),
    GITHUB_JOB: id,
    GITHUB_WORKFLOW: asText(o.run.github.workflow),
    GITHUB_WORKFLOW_REF: asText(o.run.github.workflow_ref),
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: world.apiUrl,
    GITHUB_BASE_REF: asText(o.run.github.base_ref ?? ''),
    GITHUB_HEAD_REF: asText(o.run.github.head_ref ?? ''),
    GITHUB_EVENT_PATH: path.join(runnerTemp, '_github_event.json'),
    STANDIN_STATE: world.stateDir,
    // What the job's GITHUB_TOKEN may do, for the stand-ins that act with it (gh workflow run needs actions: write).
    STANDIN_TOKEN_PERMISSIONS: JSON.stringify(tokenPermissions),
    STANDIN_CALLS: world.callsFile,
    STANDIN_JOB: label,
    STANDIN_REMOTE: world.remote,
    STANDIN_REAL_HELM: process.env.STANDIN_REAL_HELM ?? '',
    // The warm stand-in server, when the suite started one (the served tools' shims fall back to a process).
    [SERVER_ENV.address]: process.env[SERVER_ENV.address] ?? '',
    [SERVER_ENV.token]: process.env[SERVER_ENV.token] ?? '',
    STANDIN_SERVICES: process.env.STANDIN_SERVICES ?? '',
    STANDIN_SERVICE_CONTRACT: process.env.STANDIN_SERVICE_CONTRACT ?? '',
    STANDIN_BIN: o.standinBin,
    STANDIN_FAULTS: o.run.faults.join(','),
    STANDIN_JOB_WORKFLOW_REF: `${asText(o.run.github.repository)}/.github/workflows/${o.wf.file}@${asText(o.run.github.ref)}`,
    STANDIN_INGRESS: JSON.stringify(ingress(o.run)),
    STANDIN_OSV_URL: world.osvUrl,
    STANDIN_MODEL_HOST_URL: world.modelHostUrl,
    STANDIN_PACKAGE_ROOT: world.props.packageRoot,
    STANDIN_RUNNER_OS: runnerOs,
    ...(idToken
      ? { ACTIONS_ID_TOKEN_REQUEST_URL: world.oidcUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'oidc-request-token' }
      : {}),
    PATH: [
      ...[...extraPath].reverse(),
      o.standinBin,
      path.dirname(process.execPath),
      '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      '/root/.pyenv/shims',
    ].join(':'),
  });
  writeFileSync(path.join(runnerTemp, '_github_event.json'), JSON.stringify(o.run.github.event ?? {}));

  const templateSteps: any[] = o.job.steps;
  const rawStepList = rawSteps(o.wf, id);
  // The job's machine: a loopback of its own (opened for its first script), gone when the job ends.
  let machine: Promise<MachineNetwork> | undefined;
  const machineNetwork = () => (machine ??= machineNetworks.open(world.hostPorts()));
  try {
    for (const [index, step] of templateSteps.entries()) {
      const rawStep = rawStepList[index];
      const stepId: string = step.id;
      const name = asText(evaluateToken(child(rawStep, 'name'), stepContexts(status), { status, hashFiles })) || stepId;
      const condition = step.if?.expression ?? 'success()';
      let run: boolean;
      try {
        run = evaluateCondition(condition, stepContexts(status), { status, hashFiles });
      } catch (e) {
        status = 'failure';
        reason ??= `step "${name}": its if: could not be evaluated: ${(e as Error).message}`;
        steps[stepId] = { outputs: {}, outcome: 'failure', conclusion: 'failure' };
        continue;
      }
      if (!run) {
        steps[stepId] = { outputs: {}, outcome: 'skipped', conclusion: 'skipped' };
        logLines.push(`-- skipped: ${name}`);
        continue;
      }
      const stepLine = logLines.push(`-- step: ${name}`) - 1;
      const stepStarted = performance.now();
      const continueOnError =
        evaluateToken(child(rawStep, 'continue-on-error'), stepContexts(status), { status, hashFiles }) === true;
      const outputFile = path.join(runnerTemp, `_output_${index}`);
      const envFile = path.join(runnerTemp, `_env_${index}`);
      const pathFile = path.join(runnerTemp, `_path_${index}`);
      const summaryFile = path.join(runnerTemp, `_summary_${index}`);
      for (const f of [outputFile, envFile, pathFile, summaryFile]) writeFileSync(f, '');
      const outputs: Record<string, string> = {};
      let failed: string | undefined;
      try {
        const stepEnv = stringMap(evaluateToken(child(rawStep, 'env'), stepContexts(status), { status, hashFiles }));
        const processEnv = {
          ...runnerEnv(),
          ...workflowEnv,
          ...jobEnv,
          ...exported,
          ...stepEnv,
          GITHUB_OUTPUT: outputFile,
          GITHUB_ENV: envFile,
          GITHUB_PATH: pathFile,
          GITHUB_STEP_SUMMARY: summaryFile,
        };
        const runToken = child(rawStep, 'run');
        if (runToken) {
          const script = asText(evaluateToken(runToken, stepContexts(status), { status, hashFiles }));
          const shell =
            asText(evaluateToken(child(rawStep, 'shell'), {}, { status: 'success' })) || defaultShell || 'default';
          const workdirText =
            asText(evaluateToken(child(rawStep, 'working-directory'), stepContexts(status), { status, hashFiles })) ||
            defaultWorkdir;
          const cwd = workdirText ? path.resolve(workspace, workdirText) : workspace;
          if (!existsSync(cwd) || !statSync(cwd).isDirectory()) {
            throw new Error(`working-directory ${workdirText} does not exist in the workspace`);
          }
          const timeoutMinutes = Number(
            evaluateToken(child(rawStep, 'timeout-minutes'), stepContexts(status), { status }) ?? 0,
          );
          const result = await runScript(
            await machineNetwork(),
            shell,
            script,
            cwd,
            processEnv,
            runnerTemp,
            timeoutMinutes,
          );
          logLines.push(result.output);
          for (const c of parseWorkflowCommands(result.output)) {
            if (c.command === 'add-mask') masks.push(c.message);
            if (c.command === 'error') logLines.push(`[error] ${c.message}`);
          }
          if (result.code !== 0) {
            failed = result.timedOut
              ? `step "${name}" timed out`
              : `step "${name}" exited ${result.code}${lastError(result.output)}`;
          }
        } else {
          const usesToken = child(rawStep, 'uses');
          const uses = asText(evaluateToken(usesToken, {}, { status: 'success' }));
          const action = o.actions(uses);
          const inputs = stringMap(evaluateToken(child(rawStep, 'with'), stepContexts(status), { status, hashFiles }));
          const ctx: ActionContext = {
            run: o.run,
            workspace,
            runnerTemp,
            inputs,
            env: processEnv,
            jobLabel: label,
            runnerOs,
            setOutput: (k, v) => {
              outputs[k] = v;
            },
            exportVariable: (k, v) => {
              exported[k] = v;
            },
            addPath: (d) => {
              extraPath.push(d);
            },
            summary: (m) => {
              summary += m;
            },
            log: (l) => {
              logLines.push(l);
            },
          };
          await action.run(ctx);
        }
        Object.assign(outputs, readKeyValueFile(outputFile));
        Object.assign(exported, readKeyValueFile(envFile));
        extraPath.push(...readPathFile(pathFile));
        summary += readFileSync(summaryFile, 'utf8');
      } catch (e) {
        failed = `step "${name}": ${(e as Error).message}`;
        logLines.push(failed);
      }
      logLines[stepLine] += ` (${((performance.now() - stepStarted) / 1000).toFixed(1)} s)`;
      const outcome = failed ? 'failure' : 'success';
      steps[stepId] = { outputs, outcome, conclusion: failed && continueOnError ? 'success' : outcome };
      if (failed && !continueOnError) {
        status = 'failure';
        reason ??= failed;
      }
    }
  } finally {
    world.endJobMachine(runnerTemp);
    if (machine) await (await machine).close();
  }

  let outputs: Record<string, string> = {};
  try {
    outputs = stringMap(evaluateToken(o.job.outputs, stepContexts(status), { status }));
  } catch (e) {
    status = 'failure';
    reason ??= `outputs: ${(e as Error).message}`;
  }
  // GitHub drops an output that contains a masked secret.
  for (const [k, v] of Object.entries(outputs)) if (masks.some((m) => m && v.includes(m))) delete outputs[k];
  appendFileSync(path.join(dir, 'job.log'), logLines.join('\n'));
  return { result: status, outputs, reason, summary, log: logLines.join('\n') };
}

/** The model's public hosts and the service behind each, for the stand-in ingress. */
function ingress(run: RunContext): Record<string, string> {
  return { ...(run.world.props.publicHosts ?? {}) };
}

function stringMap(value: Json): Record<string, string> {
  if (value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`expected a mapping, found ${JSON.stringify(value)}`);
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asText(v)]));
}

function lastError(output: string): string {
  const errors = parseWorkflowCommands(output).filter((c) => c.command === 'error');
  // A failing jest run names its failed tests with "●"; those say more than its last lines.
  const failedTests = [
    ...new Set(
      output
        .split('\n')
        .filter((l) => /^\s+● /.test(l))
        .map((l) => l.trim()),
    ),
  ];
  if (errors.length === 0 && failedTests.length > 0) return `: ${failedTests.join(' | ').slice(0, 600)}`;
  const tail = output.trim().split('\n').slice(-3).join(' | ');
  return errors.length > 0 ? `: ${errors[errors.length - 1].message}` : tail ? `: ${tail.slice(0, 400)}` : '';
}

interface ScriptResult {
  readonly code: number;
  readonly output: string;
  readonly timedOut: boolean;
}

let scriptCounter = 0;

/** Writes the script to RUNNER_TEMP and runs it with the shell's command line, as the runner does. */
function runScript(
  machine: MachineNetwork,
  shell: string,
  script: string,
  cwd: string,
  env: Record<string, string>,
  runnerTemp: string,
  timeoutMinutes: number,
): Promise<ScriptResult> {
  const template = SHELLS[shell];
  if (!template) throw new Error(`shell ${shell} is not one the runner knows`);
  const file = path.join(
    runnerTemp,
    `${createHash('sha1').update(`${script}\n${++scriptCounter}`).digest('hex').slice(0, 12)}${shell === 'python' ? '.py' : '.sh'}`,
  );
  writeFileSync(file, script);
  const [cmd, ...args] = template.map((a) => (a === '{0}' ? file : a));
  const ceiling = Math.min(timeoutMinutes > 0 ? timeoutMinutes * 60_000 : STEP_CEILING_MS, STEP_CEILING_MS);
  return new Promise((resolve) => {
    const [command, commandArgs] = machine.command(cmd, args);
    const proc = spawn(command, commandArgs, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    proc.stdout.on('data', (d) => {
      output += d;
    });
    proc.stderr.on('data', (d) => {
      output += d;
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-proc.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, ceiling);
    // Background processes a step leaves behind (a port-forward) end with the step, as the runner's
    // orphan-process clean-up does at the end of a job. Signalled as soon as the shell is reaped, not
    // when its output closes later: once its group is empty, the group's id is a free pid again, and a
    // later signal could reach another scenario's process group that came to hold it.
    proc.on('exit', () => {
      try {
        process.kill(-proc.pid!, 'SIGTERM');
      } catch {
        /* none left */
      }
    });
    proc.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: timedOut ? 124 : (code ?? 1), output, timedOut });
    });
  });
}

/** hashFiles(): SHA-256 over the SHA-256 of each matching file, in path order; '' when none match. */
export function hashWorkspaceFiles(workspace: string, patterns: string[]): string {
  // Patterns here are plain paths (the generated workflows use no globs in hashFiles).
  const files = patterns
    .flatMap((p) => {
      if (/[*?[]/.test(p)) throw new Error(`hashFiles: glob ${p} is not supported by the job runner`);
      const full = path.join(workspace, p);
      return existsSync(full) && statSync(full).isFile() ? [full] : [];
    })
    .sort();
  if (files.length === 0) return '';
  const outer = createHash('sha256');
  for (const f of files) outer.update(createHash('sha256').update(readFileSync(f)).digest());
  return outer.digest('hex');
}
