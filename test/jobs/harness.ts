import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import * as YAML from 'yaml';
import { localAction } from './actions';
import { Platform } from '../../src';
import { whatRuns } from '../../src/common/what-runs/what-runs';
import { PLATFORM } from '../../workflows-gen/platform';
import { helmBinary } from '../support/helm';
import { serviceContractEnv } from '../support/service-contract';
import { lockedActions } from './actions/declared-inputs';
import { readRegistry, writeRegistry } from './actions/registry-state';
import { Reviews } from './engine/concurrency';
import type { Json } from './engine/expressions';
import type { JobResult, RunContext } from './engine/types';
import { runWorkflow, type RunnerTools, type WorkflowRunResult } from './engine/workflow-run';
import { MODEL_HOST_PREFIX, World, type EnvironmentRules } from './engine/world';
import { FIXTURE_MODEL_PATH, MODEL_BYTES, seedRepository } from './fixture-monorepo';
import type { GitHubState } from './standins/github';
import { STANDINS } from './standins/main';
import { clientShim, SERVED_TOOLS, SERVER_ENV } from './standins/server';

const REPO_ROOT = path.join(__dirname, '..', '..');
export const platform = Platform.fromDefinition(PLATFORM);

/** Bundles the stand-ins once and writes one shim per tool on a PATH folder. */
export function standinBin(): string {
  const dir = path.join(REPO_ROOT, '.cache', 'job-runner');
  const bundle = path.join(dir, 'standins.cjs');
  const bin = path.join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  buildSync({
    entryPoints: [path.join(__dirname, 'standins', 'main.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile: bundle,
    logLevel: 'error',
  });
  for (const tool of Object.keys(STANDINS)) {
    const ownProcess = `STANDIN_MAIN=1 exec "${process.execPath}" "${bundle}" ${tool} "$@"`;
    writeFileSync(
      path.join(bin, tool),
      SERVED_TOOLS.includes(tool) ? clientShim(tool, ownProcess) : `#!/bin/sh\n${ownProcess}\n`,
    );
    chmodSync(path.join(bin, tool), 0o755);
  }
  return bin;
}

/**
 * Starts the warm stand-in server from the bundle {@link standinBin} wrote and puts its address in
 * this process's environment, which the jobs' environments copy. It ends with this process (its
 * standard input closes) or when the returned function is called.
 */
export async function startStandinServer(bin: string): Promise<() => void> {
  const token = randomBytes(16).toString('hex');
  const child = spawn(process.execPath, [path.join(bin, '..', 'standins.cjs')], {
    env: { ...process.env, STANDIN_SERVE: '1', [SERVER_ENV.token]: token },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const port = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('\n')) resolve(text.trim());
    });
    child.once('exit', (code) => reject(new Error(`the stand-in server exited (${code}) before it listened`)));
  });
  child.stdout.resume();
  process.env[SERVER_ENV.address] = port;
  process.env[SERVER_ENV.token] = token;
  return () => {
    delete process.env[SERVER_ENV.address];
    delete process.env[SERVER_ENV.token];
    child.stdin.end();
  };
}

/** The environments the runbook tells a team to create, with the rules the model gives them. */
function environments(): Record<string, EnvironmentRules> {
  const out: Record<string, EnvironmentRules> = {};
  for (const [name, rules] of Object.entries(platform.environmentRefRules)) {
    out[name] = { ...rules, vars: { DEPLOY_ROLE_ARN: `arn:aws:iam::123456789012:role/deploy-${name}` } };
  }
  return out;
}

/** A scenario: one event (or a few in order) and what the test checks afterwards. */
export interface Scenario {
  readonly name: string;
  readonly events: readonly ScenarioEvent[];
  /** Tools the scenario breaks: `helm-test:tts-canary`, `notarytool:invalid`... */
  readonly faults?: readonly string[];
  /**
   * Runs this repository's own CI (ci.yml: install, drift, type check, the unit suite) too. It is
   * the same as \`.ci/run\`, which CI has just run for real, and takes a minute: one scenario runs it.
   * @default false
   */
  readonly repositoryCi?: boolean;
  /** Prepares the outside world (an installed release, a feed branch, a cache). */
  readonly setup?: (world: World, tools: ScenarioTools) => void | Promise<void>;
  /**
   * The jobs (`workflow/job`, a called workflow's under its own file) this scenario expects to fail,
   * each with why. Any other job that fails fails the scenario; so does an expected failure that passes.
   * @default none
   */
  readonly failing?: Readonly<Record<string, string>>;
  /**
   * Environments whose reviews the scenario decides itself with `review` events (their jobs wait until
   * then); every other required review is approved at once.
   * @default none
   */
  readonly holdReviews?: readonly string[];
  /** Assertions on what the runs did to the world: pushes, registry, cluster, issues, keychains, summaries. */
  readonly effects?: (result: ScenarioResult) => void;
}

export type ScenarioEvent =
  | { readonly kind: 'pull_request'; readonly files: Record<string, string>; readonly labels?: string[] }
  | { readonly kind: 'push'; readonly files: Record<string, string> }
  | { readonly kind: 'tag'; readonly tag: string }
  | { readonly kind: 'schedule'; readonly workflow: string }
  | {
      readonly kind: 'workflow_dispatch';
      readonly workflow: string;
      readonly ref: string;
      readonly inputs: Record<string, Json>;
    }
  | { readonly kind: 'workflow_run'; readonly watched: string; readonly conclusion: 'success' | 'failure' }
  /** A reviewer approves or rejects every waiting job whose label ends with `job` (`app-release.yml#1/everyone`). */
  | { readonly kind: 'review'; readonly job: string; readonly approve: boolean };

export interface ScenarioTools {
  readonly run: (event: ScenarioEvent) => Promise<WorkflowRunResult[]>;
}

export interface ScenarioResult {
  readonly world: World;
  readonly runs: WorkflowRunResult[];
}

const SECRETS: Record<string, string> = {
  GITHUB_TOKEN: 'ghs_standintoken',
  ACTIONS_UPDATE_TOKEN: 'ghp_standinupdate',
  DEVELOPER_ID_CERTIFICATE_P12: Buffer.from('p12').toString('base64'),
  DEVELOPER_ID_CERTIFICATE_PASSWORD: 'p12-password',
  NOTARY_APPLE_ID: 'release@example.invalid',
  NOTARY_APP_PASSWORD: 'app-specific',
  // An Ed25519 seed, base64, as Sparkle's generate_keys prints it.
  SPARKLE_ED_PRIVATE_KEY: Buffer.alloc(32, 7).toString('base64'),
};

/** Runs a scenario in a world of its own; the world stays for the test's assertions (stop it after). */
export async function runScenario(s: Scenario, bin: string): Promise<ScenarioResult> {
  const world = new World({
    seed: seedRepository,
    defaultBranch: platform.defaultBranch,
    repository: platform.repository,
    environments: environments(),
    secrets: SECRETS,
    vars: { APPLE_TEAM_ID: 'ABCDE12345' },
    packageRoot: REPO_ROOT,
    publicHosts: Object.fromEntries(
      platform.deployments.flatMap((d) =>
        Object.entries(d.urls).map(([service, url]) => [new URL(url).host, `${d.namespace}/${service}`]),
      ),
    ),
  });
  await world.start();
  Object.assign(world.apiRoutes, pinnedReleases());
  // The fixture model at its Hugging Face path, for a run that fetches it without the cache (a tag).
  world.modelFiles[`${MODEL_HOST_PREFIX}/${FIXTURE_MODEL_PATH}`] = MODEL_BYTES;
  process.env.STANDIN_REAL_HELM = helmBinary();
  process.env.STANDIN_SERVICES = path.join(REPO_ROOT, 'test', 'e2e', 'services');
  process.env.STANDIN_SERVICE_CONTRACT = JSON.stringify(
    Object.fromEntries(platform.services.map((svc) => [svc.name, serviceContractEnv(platform, svc)])),
  );
  process.env.STANDIN_BIN = bin;
  const tools: RunnerTools = {
    actions: localAction,
    remoteWorkflows: { [slsaGenerator()]: slsaProvenance },
    standinBin: bin,
  };
  world.reviews = new Reviews(s.holdReviews ?? []);
  const runs: WorkflowRunResult[] = [];
  const inflight = new Map<number, Promise<WorkflowRunResult>>();
  // Runs go on until each has ended or waits (for its concurrency group or a reviewer); the next
  // event comes then, as in a scenario where it happens while they wait.
  const settle = async () => {
    for (;;) {
      await new Promise((r) => setImmediate(r));
      const active = [...inflight].filter(([id]) => !world.isWaiting(id));
      if (active.length === 0) return;
      await Promise.race(active.map(([id, p]) => Promise.race([p, world.untilWaiting(id)])));
    }
  };
  const start = async (runId: number, p: Promise<WorkflowRunResult>) => {
    inflight.set(runId, p);
    void p.then(
      (r) => {
        runs.push(r);
        inflight.delete(runId);
      },
      () => inflight.delete(runId),
    );
    await settle();
  };
  // A job's `gh workflow run` records a dispatch; GitHub starts that run at once, beside the runs going on.
  let dispatched = 0;
  const run = async (event: ScenarioEvent) => {
    if (event.kind === 'review') world.reviews.decide(event.job, event.approve);
    else await startEvent(world, s, event, tools, start);
    await settle();
    for (;;) {
      const pending = (world.state('github', {} as never) as GitHubState).dispatches?.slice(dispatched) ?? [];
      if (pending.length === 0) break;
      dispatched += pending.length;
      for (const d of pending) {
        await startEvent(world, s, { kind: 'workflow_dispatch', ...d }, tools, start);
      }
      await settle();
    }
    return runs;
  };
  await s.setup?.(world, { run });
  for (const e of s.events) await run(e);
  if (inflight.size > 0) {
    throw new Error(
      `runs still waiting at the end of the scenario: ${world.concurrency.log.join('; ')}; reviews pending: ${world.reviews.pending.join(', ') || 'none'}`,
    );
  }
  return { world, runs };
}

/**
 * The stand-in GitHub API's default releases: every pinned action's newest release is the one it is
 * pinned to (published long before any cooldown), so an update run finds nothing unless a scenario
 * publishes a newer one.
 */
function pinnedReleases(): Record<string, Json> {
  return Object.fromEntries(
    Object.entries(lockedActions()).flatMap(([action, pin]) => [
      [
        `/repos/${action}/releases`,
        [{ tag_name: pin.version, draft: false, prerelease: false, published_at: '2026-01-15T00:00:00Z' }],
      ],
      [`/repos/${action}/git/ref/tags/${pin.version}`, { object: { type: 'commit', sha: pin.sha } }],
    ]),
  );
}

function slsaGenerator(): string {
  return `slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@${lockedActions()['slsa-framework/slsa-github-generator']!.version}`;
}

/** The SLSA generator's documented effect: provenance for image@digest from this repository at the run's ref. */
async function slsaProvenance(run: RunContext, inputs: Record<string, Json>): Promise<JobResult> {
  const image = String(inputs.image ?? '');
  const digest = String(inputs.digest ?? '');
  const reg = readRegistry(run.world.stateDir);
  if (!/^sha256:[0-9a-f]{64}$/.test(digest) || !reg.manifests[digest]) return { result: 'failure', outputs: {} };
  const slsa = run.world.state<Json>('slsa', []) as Json[];
  slsa.push({ digest, image, source: String(run.github.repository), tag: String(run.github.ref_name) });
  run.world.setState('slsa', slsa);
  writeRegistry(run.world.stateDir, reg);
  return { result: 'success', outputs: {} };
}

/** Builds the event's github context and starts every workflow the event triggers, as GitHub would. */
async function startEvent(
  world: World,
  s: Scenario,
  e: Exclude<ScenarioEvent, { kind: 'review' }>,
  tools: RunnerTools,
  start: (runId: number, run: Promise<WorkflowRunResult>) => Promise<void>,
): Promise<void> {
  const repo = platform.repository;
  const main = platform.defaultBranch;
  let github: Record<string, Json>;
  let files: string[] = [];
  let query: Parameters<typeof whatRuns>[1] | undefined;
  let explicit: string[] | undefined;
  let inputs: Record<string, Json> = {};
  const base = {
    repository: repo,
    repository_owner: repo.split('/')[0],
    actor: 'octocat',
    server_url: 'https://github.com',
    api_url: world.apiUrl,
    run_attempt: '1',
    token: SECRETS.GITHUB_TOKEN,
    base_ref: '',
    head_ref: '',
  };
  switch (e.kind) {
    case 'pull_request': {
      const { before, after } = world.commit('feature/change', main, e.files, 'a change');
      files = Object.keys(e.files);
      github = {
        ...base,
        event_name: 'pull_request',
        ref: 'refs/pull/7/merge',
        ref_name: '7/merge',
        ref_type: 'branch',
        sha: after,
        base_ref: main,
        head_ref: 'feature/change',
        event: {
          number: 7,
          pull_request: {
            number: 7,
            base: { sha: before, ref: main },
            head: { sha: after, ref: 'feature/change', repo: { full_name: repo, fork: false } },
            labels: (e.labels ?? []).map((name) => ({ name })),
          },
        },
      };
      query = { event: 'pull_request', ref: main, changed: files, labels: e.labels ?? [], defaultBranch: main };
      break;
    }
    case 'push': {
      const { before, after } = world.commit(main, main, e.files, 'merge a change');
      files = Object.keys(e.files);
      github = {
        ...base,
        event_name: 'push',
        ref: `refs/heads/${main}`,
        ref_name: main,
        ref_type: 'branch',
        sha: after,
        event: { before, after, ref: `refs/heads/${main}`, pull_request: null },
      };
      query = { event: 'push', ref: main, changed: files, defaultBranch: main };
      break;
    }
    case 'tag': {
      const sha = world.revParse(`refs/heads/${main}`);
      world.tag(e.tag, sha);
      github = {
        ...base,
        event_name: 'push',
        ref: `refs/tags/${e.tag}`,
        ref_name: e.tag,
        ref_type: 'tag',
        sha,
        event: { before: '0'.repeat(40), after: sha, ref: `refs/tags/${e.tag}` },
      };
      query = { event: 'tag', ref: e.tag, changed: [], defaultBranch: main };
      break;
    }
    case 'schedule': {
      const sha = world.revParse(`refs/heads/${main}`);
      github = {
        ...base,
        event_name: 'schedule',
        ref: `refs/heads/${main}`,
        ref_name: main,
        ref_type: 'branch',
        sha,
        event: { schedule: 'cron' },
      };
      explicit = [e.workflow];
      break;
    }
    case 'workflow_dispatch': {
      const isTag = world.refExists(`refs/tags/${e.ref}`);
      const ref = isTag ? `refs/tags/${e.ref}` : `refs/heads/${e.ref}`;
      const sha = world.revParse(ref);
      github = {
        ...base,
        event_name: 'workflow_dispatch',
        ref,
        ref_name: e.ref,
        ref_type: isTag ? 'tag' : 'branch',
        sha,
        event: { inputs: e.inputs, ref },
      };
      explicit = [e.workflow];
      inputs = e.inputs;
      break;
    }
    case 'workflow_run': {
      const sha = world.revParse(`refs/heads/${main}`);
      github = {
        ...base,
        event_name: 'workflow_run',
        ref: `refs/heads/${main}`,
        ref_name: main,
        ref_type: 'branch',
        sha,
        event: {
          workflow_run: {
            name: e.watched,
            conclusion: e.conclusion,
            event: 'schedule',
            head_branch: main,
            html_url: `https://github.com/${repo}/actions/runs/99`,
            id: 99,
          },
        },
      };
      explicit = ['alerts.yml'];
      break;
    }
  }
  const sha = String(github.sha);
  const listing = world
    .show(sha, '.github/workflows')
    .split('\n')
    .filter((f) => f.endsWith('.yml'));
  let selected: string[];
  if (explicit) {
    selected = explicit;
  } else {
    const contents = new Map(listing.map((f) => [f, world.show(sha, `.github/workflows/${f}`)]));
    selected = whatRuns(contents, query!)
      .filter((a) => a.verdict !== 'skipped')
      .map((a) => a.file)
      .filter((f) => listing.includes(f))
      .filter((f) => f !== 'ci.yml' || s.repositoryCi);
  }
  for (const file of selected) {
    const content = world.show(sha, `.github/workflows/${file}`);
    const wfInputs = e.kind === 'workflow_dispatch' ? dispatchInputs(content, inputs) : {};
    const ctx: RunContext = {
      world,
      scenario: s.name,
      runId: world.nextRunId(),
      github: {
        ...github,
        run_number: String(world.nextRunNumber(file)),
        workflow: file,
        workflow_ref: `${repo}/.github/workflows/${file}@${String(github.ref)}`,
      },
      inputs: wfInputs,
      secrets: SECRETS,
      vars: world.vars,
      workflowFile: file,
      callPath: '',
      faults: s.faults ?? [],
    };
    await start(ctx.runId, runWorkflow(ctx, tools, content));
  }
}

/** workflow_dispatch inputs typed as GitHub types them (booleans and numbers), defaults filled in; unknown inputs refused. */
function dispatchInputs(content: string, given: Record<string, Json>): Record<string, Json> {
  const declared =
    (
      YAML.parse(content) as {
        on: {
          workflow_dispatch?: {
            inputs?: Record<string, { type?: string; default?: Json; required?: boolean; options?: string[] }>;
          };
        };
      }
    ).on.workflow_dispatch?.inputs ?? {};
  const out: Record<string, Json> = {};
  for (const name of Object.keys(given)) {
    if (!(name in declared)) throw new Error(`Unexpected inputs provided: ["${name}"]`);
  }
  for (const [name, d] of Object.entries(declared)) {
    const v = name in given ? given[name] : (d.default ?? (d.type === 'boolean' ? false : ''));
    if (d.required && (v === '' || v === undefined)) throw new Error(`Required input '${name}' not provided`);
    if (d.type === 'choice' && !d.options?.includes(String(v))) {
      throw new Error(`Provided value '${v}' for input '${name}' not in the list of allowed values`);
    }
    out[name] = d.type === 'boolean' ? v === true || v === 'true' : d.type === 'number' ? Number(v) : v;
  }
  return out;
}
