import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { Platform, SERVES_LABEL, workloadFindings, type K8sObject } from '../src';
import { PLATFORM } from '../workflows-gen/platform';
import { chartPath } from './support/charts';
import { helm } from './support/helm';
import { kubernetesSchemaErrors } from './support/kubernetes-models';
import { REPO_ROOT, synthProject } from './support/project';

/** The bash function the stand-in helm and kubectl record their calls with. */
const RECORD_CALL = path.join(REPO_ROOT, 'test', 'support', 'record-call.bash');

const files = synthProject();
const platform = Platform.fromDefinition(PLATFORM);
type Job = {
  name: string;
  needs?: string[];
  if?: string;
  environment?: string;
  permissions?: Record<string, string>;
  concurrency?: unknown;
  steps?: Step[];
  /** A call job's workflow. */
  uses?: string;
  with?: Record<string, string>;
};
type Step = {
  name: string;
  id?: string;
  if?: string;
  run?: string;
  uses?: string;
  env?: Record<string, string | number>;
  with?: Record<string, unknown>;
};
const workflow = (name: string) =>
  YAML.parse(files[`.github/workflows/${name}.yml`]!) as {
    on: Record<string, any>;
    concurrency?: any;
    jobs: Record<string, Job>;
  };
/** Each environment's deploy workflow. */
const deployWorkflows = platform.deployments.map((d) => workflow(`cd-deploy-${d.environment}`));
/** Their jobs in one map: every environment's stage jobs, and the verify job they each hold alike. */
const deploy = { jobs: Object.assign({}, ...deployWorkflows.map((w) => w.jobs)) as Record<string, Job> };
const rollback = workflow('cd-rollback');
const appRelease = workflow('app-release');
const appRollback = workflow('app-rollback');
const buildPush = workflow('ci-build-push');
const releaseRun = workflow('ci-release');
const stageJobs = (env: string, service: string) =>
  Object.entries(deploy.jobs).filter(([id]) => id.startsWith(`${env}-${service}-`));
const step = (job: Job, name: RegExp) => {
  const found = job.steps!.find((s) => name.test(s.name));
  if (!found) throw new Error(`no step ${name} in ${job.name}`);
  return found;
};

describe('deploys go by verified digest only', () => {
  test("every helm install sets image.digest from the verify job's outputs, never a tag", () => {
    const installs = Object.values(deploy.jobs).flatMap((j) =>
      (j.steps ?? []).filter((s) => /helm upgrade/.test(s.run ?? '')),
    );
    expect(installs.length).toBeGreaterThan(0);
    for (const s of installs) {
      expect(s.run).not.toMatch(/image\.tag/);
      for (const line of s.run!.split('\n').filter((l) => /helm upgrade/.test(l))) {
        // The line's continuation carries the digest: the new one, the stable release's recorded one, or
        // (a weighted canary's route reset without the record) the release's own values, reused unchanged.
        const command = s.run!.slice(s.run!.indexOf(line)).split(/\n(?!\s)/)[0]!;
        expect(command).toMatch(
          /--set image\.digest="\$(DIGEST|STABLE_DIGEST)"|--reset-then-reuse-values(?![\s\S]*image\.)/,
        );
      }
      if (/"\$DIGEST"/.test(s.run!)) {
        expect(String(s.env!.DIGEST)).toMatch(/^\$\{\{ needs\.verify\.outputs\.[a-z-]+-digest \}\}$/);
      }
    }
  });

  test("the verify job checks each digest's cosign signature against ci-provenance at this run's ref and commit", () => {
    for (const [i, d] of platform.deployments.entries()) {
      const w = deployWorkflows[i]!;
      const verify = w.jobs.verify!;
      // Called (the default branch): an input per service. Dispatched (a release tag): one JSON input, read and checked first.
      const source = (svc: string) =>
        d.on === 'release-tag' ? `\${{ steps.digests.outputs.${svc} }}` : `\${{ inputs.${svc}_digest }}`;
      if (d.on === 'release-tag') {
        expect(verify.steps![0]!.name).toBe('Read the digests');
        expect(verify.steps![0]!.env!.DIGESTS).toBe('${{ inputs.digests }}');
      }
      for (const service of platform.services) {
        const s = step(verify, new RegExp(`^Verify the signature of ${service.name}$`));
        expect(s.run).toContain('cosign verify "$IMAGE@$DIGEST"');
        expect(s.run).toContain('--certificate-identity "$SIGNER_IDENTITY"');
        expect(s.env).toMatchObject({ IMAGE: service.imageRepository, DIGEST: source(service.name) });
        expect(s.run).toContain('--certificate-github-workflow-sha "$GITHUB_SHA"');
        expect(s.env!.SIGNER_IDENTITY).toBe(
          `\${{ format('{0}@{1}', 'https://github.com/${PLATFORM.repository}/.github/workflows/ci-provenance.yml', github.ref) }}`,
        );
      }
      // The outputs the stages read are exactly the digests this job verified.
      expect((verify as any).outputs).toEqual(
        Object.fromEntries(platform.services.map((svc) => [`${svc.name}-digest`, source(svc.name)])),
      );
    }
  });

  test('a rollback verifies the target digest (release tags only, for production) before it changes anything', () => {
    for (const d of platform.deployments) {
      const job = rollback.jobs[`rollback-${d.environment}`]!;
      const names = job.steps!.map((s) => s.name);
      expect(names.indexOf("Verify the target's signature")).toBeLessThan(names.indexOf('Roll back'));
      const pattern = new RegExp(String(step(job, /^Verify the target/).env!.SIGNER_IDENTITY_REGEXP));
      const signer = `https://github.com/${PLATFORM.repository}/.github/workflows/ci-provenance.yml@`;
      expect(pattern.test(`${signer}refs/tags/v1.2.3`)).toBe(true);
      expect(pattern.test(`${signer}refs/heads/main`)).toBe(d.on === 'default-branch');
      expect(pattern.test(`https://github.com/someone/else/.github/workflows/ci-provenance.yml@refs/tags/v1.2.3`)).toBe(
        false,
      );
      expect(step(job, /^Roll back$/).run).toContain('--set image.digest="$DIGEST"');
    }
  });
});

describe('environments, stages and rollback paths', () => {
  test('production runs only for release tags, only in its protected environment; staging only from the default branch', () => {
    const production = platform.deployments.find((d) => d.on === 'release-tag')!;
    // ci-release (release tags only) dispatches it; ci-build-push (the default branch only) calls staging.
    expect(releaseRun.jobs[`deploy-${production.environment}`]!.if).toBe(
      "(github.event_name != 'pull_request') && (startsWith(github.ref, 'refs/tags/v'))",
    );
    expect(buildPush.jobs[`deploy-${production.environment}`]).toBeUndefined();
    for (const d of platform.deployments) {
      for (const service of platform.services) {
        const stages = stageJobs(d.environment, service.name);
        expect(stages.length).toBe(d.rollout.length);
        for (const [, job] of stages) expect(job.environment).toBe(d.githubEnvironment);
        const first = stages[0]![1];
        // The environment's own workflow holds its stages: called by ci-build-push, or dispatched by ci-release.
        expect(Object.keys(workflow(`cd-deploy-${d.environment}`).jobs)).toContain(stages[0]![0]);
        if (d.on === 'release-tag') {
          expect(releaseRun.jobs[`deploy-${d.environment}`]!.steps![0]!.env!.WORKFLOW).toBe(
            `cd-deploy-${d.environment}.yml`,
          );
        } else {
          expect(buildPush.jobs[`deploy-${d.environment}`]!.uses).toBe(
            `./.github/workflows/cd-deploy-${d.environment}.yml`,
          );
        }
        expect(first.if).toContain(
          d.on === 'release-tag' ? "startsWith(github.ref, 'refs/tags/v')" : "github.ref == 'refs/heads/main'",
        );
      }
    }
    for (const d of platform.deployments) {
      expect(rollback.jobs[`rollback-${d.environment}`]!.environment).toBe(d.githubEnvironment);
    }
  });

  test('each stage needs the one before; a service waits for the services it calls to be promoted', () => {
    for (const d of platform.deployments) {
      platform.services.forEach((service, si) => {
        const stages = stageJobs(d.environment, service.name);
        expect(stages.map(([id]) => id)).toEqual(
          d.rollout.map(
            (s) => `${d.environment}-${service.name}-${s.percent === 100 ? 'promote' : `canary-${s.percent}`}`,
          ),
        );
        stages.forEach(([, job], i) => {
          if (i > 0) expect(job.needs).toContain(stages[i - 1]![0]);
          expect(job.needs).toContain('verify');
        });
        if (si > 0) {
          expect(stages[0]![1].needs).toContain(`${d.environment}-${platform.services[si - 1]!.name}-promote`);
        }
      });
    }
  });

  test('every stage ends with a rollback that runs on failure or cancellation and fails the run with the reason', () => {
    for (const [id, job] of Object.entries(deploy.jobs).filter(([i]) => i !== 'verify')) {
      // Stages after the first end with the canary's removal for when their record could not be read.
      const first = !job.steps!.some((st) => st.name === 'Download the rollout record');
      const ending = first
        ? ['Roll back this stage']
        : ['Roll back this stage', 'Remove the canary (the rollout record could not be read)'];
      const last = job.steps!.slice(-ending.length);
      expect([id, last.map((st) => st.name)]).toEqual([id, ending]);
      for (const st of last) {
        expect(st.if).toContain('failure()');
        expect(st.if).toContain('cancelled()');
        expect(st.run).toMatch(/exit 1\s*$/);
      }
      // One or the other: the rollback needs the record, the removal runs only without it.
      expect(last[0]!.if).toContain("steps.record.outcome == 'success'");
      if (!first) expect(last[1]!.if).toContain("steps.record.outcome != 'success'");
    }
  });
});

/** Runs a generated step's script with stand-in `helm` and `kubectl` that record their arguments (one JSON array per call). */
function runWithStandIns(
  s: Step,
  extraEnv: Record<string, string>,
  standIn: { replicas?: number; revision?: string } = {},
) {
  const dir = mkdtempSync(path.join(tmpdir(), 'rollout-'));
  const bin = path.join(dir, 'bin');
  mkdirSync(bin);
  const record = (name: string, out: string) => {
    writeFileSync(
      path.join(bin, name),
      ['#!/usr/bin/env bash', `source ${JSON.stringify(RECORD_CALL)}`, `record_call ${name} "$@"`, out].join('\n'),
    );
    chmodSync(path.join(bin, name), 0o755);
  };
  record('kubectl', `echo ${standIn.replicas ?? 3}`);
  record('helm', `if [ "$1" = list ]; then echo '[{"revision": "${standIn.revision ?? '4'}"}]'; fi`);
  const calls = path.join(dir, 'calls');
  writeFileSync(calls, '');
  const env = Object.fromEntries(
    Object.entries(s.env ?? {})
      .filter(([, v]) => !String(v).includes('${{'))
      .map(([k, v]) => [k, String(v)]),
  );
  const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', s.run!], {
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    timeout: 30_000,
    env: {
      PATH: `${bin}:${process.env.PATH}`,
      ...env,
      ...extraEnv,
      CALLS: calls,
      GITHUB_STEP_SUMMARY: path.join(dir, 'summary'),
    },
  });
  return {
    status: r.status,
    stdout: r.stdout,
    calls: readFileSync(calls, 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as string[]),
  };
}

describe('the rollback step, run with stand-in helm', () => {
  const job = deploy.jobs['production-tts-canary-50']!;
  const rollbackStep = step(job, /^Roll back this stage$/);

  test('a canary stage whose stable release moved returns it to the recorded revision, then removes the canary', () => {
    const r = runWithStandIns(rollbackStep, { STABLE_REVISION: '3' }, { revision: '4' });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(
      '::error::the canary at 50 % stage failed; the canary was removed and tts rolled back to revision 3',
    );
    const helmCalls = r.calls.filter((c) => c[0] === 'helm' && c[1] !== 'list').map((c) => c.slice(1, 4));
    expect(helmCalls).toEqual([
      ['rollback', 'tts', '3'],
      ['uninstall', 'tts-canary', '--namespace'],
    ]);
  });

  test('a stable release that did not move is left alone; the canary still goes', () => {
    const r = runWithStandIns(rollbackStep, { STABLE_REVISION: '4' }, { revision: '4' });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('tts untouched at revision 4');
    expect(r.calls.filter((c) => c[0] === 'helm' && c[1] !== 'list').map((c) => c[1])).toEqual(['uninstall']);
  });
});

describe('the canary removal without a record, run with stand-in helm', () => {
  test("a weighted canary: the agent's route drops the canary backend (its own values kept), then the canary goes", () => {
    const removal = step(deploy.jobs['production-agent-canary-50']!, /^Remove the canary/);
    const r = runWithStandIns(removal, {}, { revision: '5' });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(
      '::error::the canary at 50 % stage could not read the rollout record: the canary was removed; agent was not checked',
    );
    expect(r.calls.filter((c) => c[0] === 'helm' && c[1] !== 'list').map((c) => c.slice(1))).toEqual([
      [
        'upgrade',
        'agent',
        'charts/agent',
        '--namespace',
        'voice',
        '--reset-then-reuse-values',
        '--set',
        'httpRoute.canary.release=',
        '--set',
        'httpRoute.canary.weight=0',
        '--atomic',
        '--wait',
        '--timeout',
        '10m',
      ],
      ['uninstall', 'agent-canary', '--namespace', 'voice', '--ignore-not-found', '--wait'],
    ]);
  });

  test('a replica-ratio canary: only the canary release goes; with no stable release the route is left alone', () => {
    const tts = runWithStandIns(step(deploy.jobs['production-tts-promote']!, /^Remove the canary/), {});
    expect(tts.calls.filter((c) => c[0] === 'helm').map((c) => c[1])).toEqual(['uninstall']);
    const agent = runWithStandIns(
      step(deploy.jobs['production-agent-promote']!, /^Remove the canary/),
      {},
      {
        revision: '',
      },
    );
    expect(agent.status).toBe(1);
    expect(agent.calls.filter((c) => c[0] === 'helm' && c[1] !== 'list').map((c) => c[1])).toEqual(['uninstall']);
  });
});

describe('no cache and no cancelled deploys', () => {
  test('release and deploy workflows restore no cache of any kind', () => {
    for (const w of [deploy, rollback, appRelease, appRollback]) {
      for (const job of Object.values(w.jobs)) {
        for (const s of job.steps ?? []) {
          expect(String(s.uses ?? '')).not.toMatch(/^actions\/cache/);
          for (const [k, v] of Object.entries(s.with ?? {})) {
            if (/cache/.test(k)) expect([s.name, k, v]).toEqual([s.name, k, false]);
          }
        }
      }
    }
  });

  test('one deploy per environment at a time, queued, never cancelled; rollbacks join no group, so they never wait behind or get replaced by a release', () => {
    // A called deploy queues by its calling job; a dispatched one is a run of its own and queues by the workflow.
    for (const [i, d] of platform.deployments.entries()) {
      const concurrency =
        d.on === 'release-tag'
          ? deployWorkflows[i]!.concurrency
          : buildPush.jobs[`deploy-${d.environment}`]!.concurrency;
      expect(concurrency).toEqual({ group: `deploy-${d.environment}`, 'cancel-in-progress': false });
    }
    expect(rollback.concurrency).toBeUndefined();
    expect(Object.values(rollback.jobs).map((j) => j.concurrency)).toEqual(
      Object.values(rollback.jobs).map(() => undefined),
    );
    expect(appRelease.concurrency).toEqual({ group: 'app-feed', 'cancel-in-progress': false });
    expect(appRollback.concurrency).toBeUndefined();
  });

  test('every environment a rollback runs in admits the default branch it is dispatched from; release environments keep their tag rules', () => {
    const rules = platform.environmentRefRules;
    for (const d of platform.deployments) {
      expect(rules[d.githubEnvironment]!.branches).toEqual([platform.defaultBranch]);
    }
    const production = platform.deployments.find((d) => d.on === 'release-tag')!;
    expect(rules[production.githubEnvironment]!.tags).toEqual([platform.releaseTags]);
    const r = platform.appRelease!;
    expect(rules[r.environments.everyone]).toEqual({ branches: [platform.defaultBranch], tags: [r.tags] });
    expect(rules[r.environments.beta]).toEqual({ branches: [], tags: [r.tags] });
  });
});

describe('the app release', () => {
  const build = appRelease.jobs.build!;

  test('the keychain is created for the job and deleted in an always() step after everything else', () => {
    const names = build.steps!.map((s) => s.name);
    const last = build.steps![build.steps!.length - 1]!;
    expect(last).toMatchObject({ name: 'Delete the temporary keychain', if: 'always()' });
    expect(last.run).toContain('security delete-keychain "$RUNNER_TEMP/signing.keychain-db"');
    expect(names.indexOf('Import the Developer ID certificate into a temporary keychain')).toBeLessThan(
      names.indexOf('Archive with the Developer ID identity'),
    );
    expect(step(build, /^Import/).run).toContain(
      'security create-keychain -p "$keychain_password" "$RUNNER_TEMP/signing.keychain-db"',
    );
  });

  test('secrets reach only the steps that use them', () => {
    const holders = Object.entries(appRelease.jobs).flatMap(([id, job]) =>
      (job.steps ?? []).filter((s) => JSON.stringify(s.env ?? {}).includes('secrets.')).map((s) => `${id}: ${s.name}`),
    );
    expect(holders).toEqual([
      'build: Import the Developer ID certificate into a temporary keychain',
      'build: Notarize, staple and verify',
      'beta: Add the build to the beta channel',
      'beta: Add the build to the beta channel (attempt 2: the branch moved)',
      'beta: Add the build to the beta channel (attempt 3: the branch moved)',
      // The health endpoint's optional bearer token, read by this package's own CLI.
      'phased: Crash-free sessions of the build before the phased rollout',
      'everyone: Crash-free sessions of the build before offering it to everyone',
    ]);
    for (const job of Object.values(appRelease.jobs)) {
      expect(JSON.stringify({ ...job, steps: undefined })).not.toContain('secrets.');
    }
  });

  // Guards a past defect: the feed was checked out with persist-credentials after npm ci, so
  // any dependency code later in the job could read the write token from .git/config.
  test.each(['app-release.yml', 'app-rollback.yml'])(
    "%s: the feed's write token reaches only the publish steps, which run no dependency code",
    (file) => {
      const wf = YAML.parse(files[`.github/workflows/${file}`]!) as { jobs: Record<string, Job> };
      // Jobs with steps: a call job's write permission is its callee's, whose own jobs are checked in their file.
      for (const [id, job] of Object.entries(wf.jobs).filter(
        ([, j]) => (j as any).permissions?.contents === 'write' && !(j as any).uses,
      )) {
        const steps = job.steps ?? [];
        for (const s of steps.filter((x) => (x as any).uses?.startsWith('actions/checkout@'))) {
          expect([id, (s as any).with?.['persist-credentials']]).toEqual([id, false]);
        }
        const withToken = steps.filter(
          (x) => JSON.stringify(x.env ?? {}).includes('github.token') && /git .*push/.test(x.run ?? ''),
        );
        expect(withToken.length).toBeGreaterThan(0);
        for (const x of withToken) {
          expect([x.name, /\bnpx?\b|node /.test(x.run ?? '')]).toEqual([x.name, false]);
          expect(x.run).not.toMatch(/extraheader=|\.git\/config|git config/);
        }
        for (const x of steps.filter((y) => /\bnpx?\b/.test(y.run ?? ''))) {
          expect([x.name, JSON.stringify(x.env ?? {})]).toEqual([x.name, expect.not.stringContaining('github.token')]);
        }
      }
    },
  );

  test('beta, then the phased rollout, then everyone, each behind its environment', () => {
    const envs = platform.appRelease!.environments;
    // The beta waits for the tag's performance gate (ci-app-performance.yml, called) as well as the build.
    expect(appRelease.jobs.beta).toMatchObject({ environment: envs.beta, needs: ['build', 'performance'] });
    expect(appRelease.jobs.performance).toMatchObject({ uses: './.github/workflows/ci-app-performance.yml' });
    expect(appRelease.jobs.phased).toMatchObject({ environment: envs.phased, needs: ['build', 'beta'] });
    expect(appRelease.jobs.everyone).toMatchObject({ environment: envs.everyone, needs: ['build', 'phased'] });
    expect(step(appRelease.jobs.beta!, /^Add the build to the beta channel$/).env).toMatchObject({ CHANNEL: 'beta' });
    expect(step(appRelease.jobs.phased!, /^Start the phased rollout/).env).toMatchObject({
      INTERVAL_HOURS: platform.appRelease!.phasedRolloutIntervalHours,
    });
    // Each widening stage reads the build's crash figures first, against the model's limits.
    for (const [job, feedEdit] of [
      [appRelease.jobs.phased!, /^Start the phased rollout/],
      [appRelease.jobs.everyone!, /^Offer the build to everyone/],
    ] as const) {
      const names: string[] = job.steps!.map((s: any) => s.name ?? '');
      expect(names.findIndex((n) => /^Crash-free sessions/.test(n))).toBeGreaterThanOrEqual(0);
      expect(names.findIndex((n) => /^Crash-free sessions/.test(n))).toBeLessThan(
        names.findIndex((n) => feedEdit.test(n)),
      );
      expect(step(job, /^Crash-free sessions/).env).toMatchObject({
        MIN_CRASH_FREE_PCT: platform.appRelease!.health.minCrashFreeSessionsPct,
        MIN_SESSIONS: platform.appRelease!.health.minSessions,
      });
    }
    expect(step(build, /^Notarize/).run).toMatch(
      /xcrun notarytool submit[\s\S]*xcrun stapler staple[\s\S]*spctl --assess/,
    );
  });
});

describe('stable and canary releases side by side (real Helm)', () => {
  const production = platform.deployments.find((d) => d.on === 'release-tag')!;
  const newDigest = `sha256:${'b'.repeat(64)}`;
  const oldDigest = `sha256:${'a'.repeat(64)}`;

  /** Renders what a recorded `helm upgrade [--install] <release> <chart> …` would install, with the real Helm. */
  function renderRecorded(call: string[], chart: string): K8sObject[] {
    const args = call.slice(1).filter((a) => a !== '--install' && a !== '--atomic' && a !== '--wait');
    const timeout = args.indexOf('--timeout');
    if (timeout >= 0) args.splice(timeout, 2);
    const [, release, , ...rest] = args;
    const values = rest.map((a) => (a.startsWith('charts/') ? path.join(chart, path.basename(a)) : a));
    const r = helm(['template', release!, chart, ...values]);
    if (r.status !== 0) throw new Error(r.stderr);
    return YAML.parseAllDocuments(r.stdout)
      .map((d) => d.toJS() as K8sObject)
      .filter(Boolean);
  }
  const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
    Object.entries(selector).every(([k, v]) => labels[k] === v);
  const find = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind) as any[];

  describe.each(platform.services.map((s) => s.name))('%s', (name) => {
    const service = platform.service(name);
    const chart = chartPath(files, `charts/${name}`);
    const gateway = production.gateway?.services.includes(name) ?? false;

    test.each(production.rollout.filter((s) => s.percent < 100).map((s) => s.percent))(
      'at %s %%: no name collides, selectors and weights split traffic as the stage says',
      (percent) => {
        const canaryStep = step(deploy.jobs[`production-${name}-canary-${percent}`]!, /^Canary at/);
        const stableReplicas = 3;
        const run = runWithStandIns(
          canaryStep,
          { DIGEST: newDigest, STABLE_DIGEST: oldDigest, STABLE_REVISION: '4' },
          { replicas: stableReplicas },
        );
        expect(run.status).toBe(0);
        const upgrades = run.calls.filter((c) => c[0] === 'helm' && c[1] === 'upgrade');
        const canaryCall = upgrades.find((c) => c.includes('canary.enabled=true'))!;
        const canary = renderRecorded(canaryCall, chart);
        const stableCall = upgrades.find((c) => c !== canaryCall) ?? [
          'helm',
          'upgrade',
          name,
          `charts/${name}`,
          '--namespace',
          production.namespace,
          '--values',
          `charts/${name}/values-${production.environment}.yaml`,
          '--set',
          `image.digest=${oldDigest}`,
        ];
        const stable = renderRecorded(stableCall, chart);

        // Side by side in one namespace: every kind/name is unique, every object valid.
        const keys = [...stable, ...canary].map((o) => `${o.kind}/${(o.metadata as any).name}`);
        expect(keys.length).toBe(new Set(keys).size);
        for (const o of [...stable, ...canary]) expect(kubernetesSchemaErrors(o)).toEqual([]);
        expect(workloadFindings(canary)).toEqual([]);

        const [stableDeploy] = find(stable, 'Deployment');
        const [canaryDeploy] = find(canary, 'Deployment');
        expect(canaryDeploy.spec.template.spec.containers[0].image).toBe(`${service.imageRepository}@${newDigest}`);
        expect(stableDeploy.spec.template.spec.containers[0].image).toBe(`${service.imageRepository}@${oldDigest}`);
        // Deployments and PDBs never claim each other's pods.
        expect(matches(stableDeploy.spec.selector.matchLabels, canaryDeploy.spec.template.metadata.labels)).toBe(false);
        expect(matches(canaryDeploy.spec.selector.matchLabels, stableDeploy.spec.template.metadata.labels)).toBe(false);
        expect(
          matches(
            find(stable, 'PodDisruptionBudget')[0].spec.selector.matchLabels,
            canaryDeploy.spec.template.metadata.labels,
          ),
        ).toBe(false);
        expect(find(canary, 'HorizontalPodAutoscaler')).toEqual([]);
        const [stableService] = find(stable, 'Service');
        const [canaryService] = find(canary, 'Service');
        expect(matches(canaryService.spec.selector, canaryDeploy.spec.template.metadata.labels)).toBe(true);
        expect(matches(canaryService.spec.selector, stableDeploy.spec.template.metadata.labels)).toBe(false);
        expect(matches(stableService.spec.selector, stableDeploy.spec.template.metadata.labels)).toBe(true);
        const canaryPods = canaryDeploy.spec.replicas as number;

        if (gateway) {
          // Weighted: the stable Service serves stable pods only; the route splits requests exactly.
          expect(matches(stableService.spec.selector, canaryDeploy.spec.template.metadata.labels)).toBe(false);
          const [route] = find(stable, 'HTTPRoute');
          expect(route.spec.rules[0].backendRefs).toEqual([
            { name: stableService.metadata.name, port: service.port, weight: 100 - percent },
            { name: canaryService.metadata.name, port: service.port, weight: percent },
          ]);
          expect(find(canary, 'HTTPRoute')).toEqual([]);
        } else {
          // Replica ratio: the stable Service takes the canary's pods too; its share is canary pods / all pods.
          expect(canaryDeploy.spec.template.metadata.labels[SERVES_LABEL]).toBe(name);
          expect(matches(stableService.spec.selector, canaryDeploy.spec.template.metadata.labels)).toBe(true);
          const share = (100 * canaryPods) / (canaryPods + stableReplicas);
          expect(share).toBeGreaterThanOrEqual(percent);
          // Within one pod of the stage: one pod fewer would fall below it.
          expect((100 * (canaryPods - 1)) / (canaryPods - 1 + stableReplicas)).toBeLessThan(percent);
          expect(run.stdout).toContain(`${canaryPods} pod(s) beside ${stableReplicas} stable`);
        }
        // The callers' egress reaches every pod the stable Service serves.
        if (!gateway) {
          for (const caller of platform.services.filter((s) => s.calls.includes(name))) {
            const callerObjects = renderRecorded(
              ['helm', 'upgrade', caller.name, `charts/${caller.name}`, '--namespace', production.namespace],
              chartPath(files, `charts/${caller.name}`),
            );
            const egress = find(callerObjects, 'NetworkPolicy')[0]
              .spec.egress.flatMap((r: any) => r.to ?? [])
              .filter((p: any) => p.podSelector?.matchLabels?.['app.kubernetes.io/name'] === name);
            expect(
              egress.some((p: any) => matches(p.podSelector.matchLabels, canaryDeploy.spec.template.metadata.labels)),
            ).toBe(true);
          }
        }
      },
    );
  });
});
