import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as YAML from 'yaml';
import {
  branchCommits,
  cluster,
  conclusions,
  jobLogs,
  github,
  helmSets,
  helmUpgrades,
  liveDigest,
  liveKeychains,
  liveRevision,
  registry,
} from './effects';
import { RUNBOOK_RELEASE_TAG, runbookScenario } from './runbook';
import { BUILD_METADATA_PREDICATE_TYPE } from '../../../src/common/build-metadata-attestation';
import { transcriptionMetrics } from '../../../src/runtime/metrics/transcription-samples';
import { HelmChart } from '../../../src/synth/k8s/helm/helm-chart';
import { APP_HEALTH_SETTINGS, PROMETHEUS_SETTINGS } from '../../../src/synth/model/limits';
import { ALERT_ISSUE_TITLE_PREFIX } from '../../../src/synth/workflow/jobs/failure-alert';
import { lockedActions } from '../actions/declared-inputs';
import { digestOf, readRegistry, writeRegistry } from '../actions/registry-state';
import type { Json } from '../engine/expressions';
import { hashWorkspaceFiles } from '../engine/job-executor';
import type { World } from '../engine/world';
import { MODEL_BYTES, MODEL_ID, MODEL_SHA256, WHISPERKIT_PIN } from '../fixture-monorepo';
import { platform, type Scenario } from '../harness';
import { standinSamples } from '../standins/apple';
import type { Cluster } from '../standins/cluster';
import { corpusReferences } from '../standins/corpus';
import { clusterWorkloads, type TrafficFaults } from '../standins/prometheus';

const REPO_ROOT = path.join(__dirname, '..', '..', '..');
const main = platform.defaultBranch;
const app = platform.app;
const image = (service: string) => `${platform.registry.host}/${platform.registry.namespace}/${service}`;

/** Seeds the models cache as a run of main saved it (the fixture model cannot be downloaded here). */
export function seedModelsCache(world: World): void {
  const dir = mkdtempSync(path.join(world.dir, 'models-'));
  writeFileSync(path.join(dir, 'models.json'), world.show(`refs/heads/${main}`, app.modelsJson));
  const hash = hashWorkspaceFiles(dir, ['models.json']);
  mkdirSync(path.join(dir, '.cache', 'models'), { recursive: true });
  writeFileSync(path.join(dir, '.cache', 'models', `${MODEL_ID}-${MODEL_SHA256.slice(0, 16)}.zip`), MODEL_BYTES);
  world.saveCache(`models-${hash}`, `refs/heads/${main}`, [
    { from: path.join(dir, '.cache', 'models'), rel: '.cache/models' },
  ]);
}

/**
 * What an app tag's run needs of the world: the feed branch, and the models cache its performance
 * gate (ci-app-performance.yml, called before the beta) restores.
 */
function appReleaseReady(world: World): void {
  world.orphanBranch(platform.appRelease!.feedBranch, appcast());
  seedModelsCache(world);
}

/** Each service's stable release (revision 4, 3 pods) in an environment's namespace, its image signed by an earlier release. */
export function installStable(world: World, environment: string): Record<string, string> {
  const d = platform.deployments.find((x) => x.environment === environment)!;
  const reg = readRegistry(world.stateDir);
  const state = world.state('cluster', { releases: {}, changes: [] } as never) as {
    releases: Record<string, Record<string, unknown>>;
    changes: string[];
  };
  const digests: Record<string, string> = {};
  for (const s of platform.services) {
    const digest = digestOf('stable', environment, s.name);
    digests[s.name] = digest;
    reg.manifests[digest] = {
      image: image(s.name),
      platforms: ['linux/amd64', 'linux/arm64'],
      sources: [],
      commit: 'previous',
    };
    reg.manifests[digestOf('older', s.name)] = {
      image: image(s.name),
      platforms: ['linux/amd64'],
      sources: [],
      commit: 'older',
    };
    // Installed as the deploy installs: the environment's values file, and the digest.
    const environmentValues = YAML.parse(
      readFileSync(path.join(REPO_ROOT, 'charts', s.name, HelmChart.valuesFileOf(environment)), 'utf8'),
    ) as Record<string, unknown>;
    (state.releases[d.namespace] ??= {})[s.name] = [3, 4].map((revision) => ({
      revision,
      chart: s.name,
      values: { ...environmentValues, image: { digest: revision === 4 ? digest : digestOf('older', s.name) } },
      status: revision === 4 ? 'deployed' : 'superseded',
      replicas: 3,
      fullname: s.name,
    }));
  }
  writeRegistry(world.stateDir, reg);
  world.setState('cluster', state as never);
  // Both revisions were released (and signed) by earlier release tags.
  for (const s of platform.services) {
    sign(world, digests[s.name], 'refs/tags/v1.2.2', 'c'.repeat(40));
    sign(world, digestOf('older', s.name), 'refs/tags/v1.2.1', 'b'.repeat(40));
  }
  return digests;
}

/** Signs a digest as ci-provenance.yml at a ref would (a release's own signature). */
export function sign(world: World, digest: string, ref: string, sha: string): void {
  const reg = readRegistry(world.stateDir);
  (reg.signatures[digest] ??= []).push({
    identity: `https://github.com/${platform.repository}/.github/workflows/ci-provenance.yml@${ref}`,
    issuer: 'https://token.actions.githubusercontent.com',
    sha,
    repository: platform.repository,
  });
  writeRegistry(world.stateDir, reg);
}

/** The images the default branch points to (what the weekly image scan reads). */
function tagMain(world: World): void {
  const reg = readRegistry(world.stateDir);
  for (const s of platform.services) {
    const digest = digestOf('main', s.name);
    reg.manifests[digest] = { image: image(s.name), platforms: ['linux/amd64'], sources: [], commit: 'main' };
    reg.tags[`${image(s.name)}:${main}`] = digest;
    reg.tags[`${image(s.name)}:v1.2.2`] = digest;
  }
  writeRegistry(world.stateDir, reg);
}

const deployment = (environment: string) => platform.deployments.find((d) => d.environment === environment)!;

/** Every helm upgrade named its image by digest, never by tag (the model's one rule for what runs). */
function upgradedByDigestOnly(world: World): void {
  const upgrades = helmUpgrades(world);
  expect(upgrades.length).toBeGreaterThan(0);
  for (const args of upgrades) {
    const sets = helmSets(args);
    expect(sets.filter((v) => /^image\.digest=sha256:[0-9a-f]{64}$/.test(v))).toHaveLength(1);
    expect(sets.filter((v) => v.startsWith('image.tag='))).toEqual([]);
  }
}

/** A release built here reached every service of an environment: the live digest is the one the tag points to, and no canary is left. */
function released(world: World, environment: string, tag: string): void {
  const { namespace } = deployment(environment);
  const reg = registry(world);
  for (const svc of platform.services) {
    const digest = reg.tags[`${image(svc.name)}:${tag}`];
    expect(digest).toMatch(/^sha256:/);
    expect(liveDigest(world, namespace, svc.name)).toBe(digest);
    expect(liveRevision(world, namespace, `${svc.name}-canary`)).toBeUndefined();
  }
}

/** Signing ran on every path: the keychain the job created is gone. */
function keychainCreatedAndDeleted(world: World): void {
  expect(world.calls('security').filter((c) => c.args[0] === 'create-keychain').length).toBeGreaterThan(0);
  expect(liveKeychains(world)).toEqual([]);
}

/**
 * A perf-history branch whose recorded tts runs answered in a millisecond, at the conditions the
 * nightly run records here: any real run is a regression against it.
 */
const fastHistory = () => {
  const run = {
    schemaVersion: 1,
    scenario: 'tts-synthesize',
    conditions: {
      endpoint: 'POST /v1/synthesize',
      targetRate: 20,
      durationSeconds: 1,
      warmupSeconds: 1,
      runnerClass: 'ubuntu-24.04',
      imageDigest: digestOf('previous', 'tts'),
    },
    latencyMs: { p50: 0.5, p95: 1, p99: 1.2, max: 1.3, mean: 0.6 },
    errorRate: 0,
    throughputRps: 20,
    samples: 20,
    run: {
      startedAt: '2026-12-01T03:00:00.000Z',
      elapsedSeconds: 1,
      dropped: 0,
      tool: 'load-test',
      baseUrl: 'http://127.0.0.1:8000',
    },
  };
  return {
    'tts-synthesize/rate-20_duration-120_warmup-10_ubuntu-24.04.json': `${JSON.stringify({ schemaVersion: 1, scenario: 'tts-synthesize', runs: [run, run, run] }, null, 2)}\n`,
  };
};

/**
 * A perf-history branch with three runs of the fixture's model as the stand-in performance test
 * measures it, every transcript right and no memory kept across switches.
 */
const accurateAppHistory = () => {
  const run = transcriptionMetrics(
    {
      samples: standinSamples(MODEL_ID),
      modelVersion: '1.0.0',
      runnerClass: platform.runners.macos,
      warmupClips: 1,
      references: corpusReferences(),
    },
    'history',
  );
  const { durationSeconds, warmupSeconds, runnerClass } = run.conditions;
  return {
    [`${run.scenario}/1.0.0_audio-${durationSeconds}s_warmup-${warmupSeconds}s_${runnerClass}.json`]: `${JSON.stringify({ schemaVersion: 1, scenario: run.scenario, runs: [run, run, run] }, null, 2)}\n`,
  };
};

/** Serves app health v1 for build 1 (the fixture's first release run) and points APP_HEALTH_URL at it. */
function serveAppHealth(world: World, figures: { sessions: number; crashFreeSessions: number }): void {
  world.apiRoutes['/app-health.json'] = {
    schemaVersion: 1,
    generatedAt: '2026-12-05T06:00:00Z',
    builds: [{ version: '1', ...figures }],
  };
  world.vars[APP_HEALTH_SETTINGS.urlVariable] = `${world.apiUrl}/app-health.json`;
}

/**
 * The stand-in Prometheus, its URL in the PROMETHEUS_URL variable: it serves the series the stand-in
 * cluster's live releases would expose (test/jobs/standins/prometheus.ts), with the scenario's faults.
 */
async function servePrometheus(world: World, faults: TrafficFaults = {}): Promise<void> {
  const handlerOf = (service: string) => platform.services.find((x) => x.name === service)?.synthesisPath ?? '/';
  world.vars[PROMETHEUS_SETTINGS.urlVariable] = await world.servePrometheus((at) =>
    clusterWorkloads(
      world.state('cluster', { releases: {}, changes: [] }) as unknown as Cluster,
      at,
      handlerOf,
      faults,
    ),
  );
}

/** The summary a job wrote, called or not (`…cd-deploy-production.yml/<job>`). */
function summaryOf(world: World, scenario: string, workflowJob: string): string {
  return [...world.summaries]
    .filter(([key]) => key.startsWith(`${scenario}:`) && key.endsWith(workflowJob))
    .map(([, text]) => text)
    .join('');
}

/**
 * After a failed production stage of tts: tts runs its stable digest again, its canary is gone, and the
 * agent (whose stages wait for tts's promotion) still runs its stable digest.
 */
function ttsRolledBackAgentUntouched(world: World): void {
  const { namespace } = deployment('production');
  expect(liveDigest(world, namespace, 'tts')).toBe(digestOf('stable', 'production', 'tts'));
  expect(liveRevision(world, namespace, 'tts-canary')).toBeUndefined();
  expect(liveDigest(world, namespace, 'agent')).toBe(digestOf('stable', 'production', 'agent'));
}

/** A newer actions/checkout release than the pin, past the cooldown, with the same inputs. */
const NEWER_CHECKOUT = { version: 'v7.0.9', sha: '7'.repeat(40) };
function newerCheckoutRelease(): Record<string, Json> {
  const pinned = lockedActions()['actions/checkout']!;
  const actionYml = `name: Checkout\ninputs:\n${pinned.inputs!['.']!.map((i) => `  ${i}:\n    description: ${i}\n`).join('')}runs:\n  using: node24\n  main: dist/index.js\n`;
  return {
    '/repos/actions/checkout/releases': [NEWER_CHECKOUT.version, pinned.version].map((tag) => ({
      tag_name: tag,
      draft: false,
      prerelease: false,
      published_at: '2026-02-01T00:00:00Z',
    })),
    [`/repos/actions/checkout/git/ref/tags/${NEWER_CHECKOUT.version}`]: {
      object: { type: 'commit', sha: NEWER_CHECKOUT.sha },
    },
    [`/repos/actions/checkout/contents/action.yml?ref=${NEWER_CHECKOUT.sha}`]: {
      encoding: 'base64',
      content: Buffer.from(actionYml).toString('base64'),
    },
  };
}

const appcast = () => ({
  'appcast.xml':
    '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" xmlns:sparkle="http://www.andymatuschak.org/xml-namespaces/sparkle"><channel><title>VoiceTranscriber</title></channel></rss>\n',
});

export const SCENARIOS: Scenario[] = [
  {
    name: 'pr-tts-only',
    repositoryCi: true,
    events: [{ kind: 'pull_request', files: { 'services/tts/server.py': '# tts, changed\n' } }],
  },
  // Second: a person's commands, dispatched one after another (about 50 s of wall time). Scenarios start in
  // this order, three at a time, so the long ones start first; started last, this one ran alone at the end.
  runbookScenario(
    async (w, run) => {
      installStable(w, 'staging');
      installStable(w, 'production');
      tagMain(w);
      appReleaseReady(w);
      // The release the runbook re-deploys: its tag, and its images signed by its own release run.
      const sha = w.revParse(`refs/heads/${main}`);
      w.tag(RUNBOOK_RELEASE_TAG, sha);
      for (const s of platform.services) sign(w, digestOf('older', s.name), `refs/tags/${RUNBOOK_RELEASE_TAG}`, sha);
      await run({ kind: 'tag', tag: 'app-v1.3.0' });
    },
    {
      'ci-helm-validate.yml/lint-tts': 'kubeconform is downloaded from github.com, outside the job runner',
      'ci-helm-validate.yml/lint-agent': 'kubeconform is downloaded from github.com, outside the job runner',
      'ci-helm-validate.yml/result': 'the lint jobs failed',
    },
  ),
  { name: 'pr-docs-only', events: [{ kind: 'pull_request', files: { 'docs/notes.md': 'notes\n' } }] },
  {
    name: 'pr-app-only',
    setup: seedModelsCache,
    events: [{ kind: 'pull_request', files: { [`${app.path}/VoiceTranscriber/App.swift`]: '// changed\n' } }],
    effects: ({ world }) => {
      // Coverage of the app's own code (the test bundle left out), against the model's floor; the routing tests' beside it.
      const summary = world.summaries.get('pr-app-only:ci-app.yml/test') ?? '';
      expect(summary).toContain(`### Line coverage: unit tests ✅ (floor ${app.minLineCoveragePct} %)`);
      expect(summary).toContain('| **total** | 1440 | 2000 | **72 %** |');
      expect(summary).toContain('### Line coverage: routing tests, every model\n');
    },
  },
  {
    // The unit tests now reach 40 % of the app's lines: below the model's floor, the test job fails.
    name: 'pr-app-low-coverage',
    faults: ['low-coverage'],
    setup: seedModelsCache,
    events: [{ kind: 'pull_request', files: { [`${app.path}/VoiceTranscriber/App.swift`]: '// changed\n' } }],
    failing: {
      'ci-app.yml/test': 'unit tests: line coverage 40 % is below the floor of 60 %',
      'ci-app.yml/result': 'a required job failed',
    },
  },
  {
    name: 'pr-kind-label',
    events: [{ kind: 'pull_request', labels: ['kind'], files: { 'services/agent/server.py': '# agent\n' } }],
  },
  {
    name: 'push-main',
    setup: (w) => {
      installStable(w, 'staging');
      // Nightly runs that answered in a millisecond: the synthetic watch is slower, which warns and never fails.
      w.orphanBranch(platform.performanceHistoryBranch, fastHistory());
    },
    events: [{ kind: 'push', files: { 'services/agent/server.py': '# agent, changed\n' } }],
    effects: ({ world }) => {
      upgradedByDigestOnly(world);
      // No PROMETHEUS_URL: staging watched with synthetic traffic, set beside the nightly history (tts has one; the agent none).
      const watch = summaryOf(world, 'push-main', 'cd-deploy-staging.yml/staging-tts-promote');
      expect(watch).toContain("### ⚠️ Beyond the history's limits (other conditions, not a gate): staging-tts-watch");
      expect(watch).toContain('conditions.targetRate: 2 (this run) vs 20 (history)');
      expect(summaryOf(world, 'push-main', 'cd-deploy-staging.yml/staging-agent-promote')).not.toContain('history');
      released(world, 'staging', `sha-${world.revParse(`refs/heads/${main}`)}`);
      // Production takes release tags only.
      expect(cluster(world).changes.filter((c) => c.includes(`/${deployment('production').namespace}:`))).toEqual([]);
    },
  },
  {
    name: 'release-tag',
    setup: async (w) => {
      installStable(w, 'production');
      // Production's watch windows judge the real traffic on Prometheus.
      await servePrometheus(w);
      // The previous release, an app tag after it (another kind: never the notes' start), and one merged pull request.
      w.tag('v1.2.2', w.revParse(`refs/heads/${main}`));
      w.tag('app-v1.2.9', w.revParse(`refs/heads/${main}`));
      w.commit(main, main, { 'CHANGELOG.md': 'faster synthesis\n' }, 'Faster synthesis (#41)');
    },
    events: [{ kind: 'tag', tag: 'v1.2.3' }],
    effects: ({ world }) => {
      upgradedByDigestOnly(world);
      released(world, 'production', '1.2.3');
      // The GitHub release: the pull requests since v1.2.2 and the digests it shipped; "latest" stays the app's.
      const release = github(world).releases['v1.2.3'];
      expect(release).toMatchObject({ prerelease: false, latest: false });
      expect(release.notes).toContain(
        `* Faster synthesis by @scenario in https://github.com/${platform.repository}/pull/41`,
      );
      expect(release.notes).toContain(`compare/v1.2.2...v1.2.3`);
      for (const svc of platform.services) {
        expect(release.notes).toContain(
          `| ${svc.imageRepository} | ${registry(world).tags[`${image(svc.name)}:1.2.3`]} |`,
        );
      }
      // Each stage was judged on Prometheus (no synthetic watch): canaries against the stable track, the
      // promotion against the release before it; the queries named the service's track and left the probes out.
      const { namespace } = deployment('production');
      for (const svc of platform.services) {
        expect(summaryOf(world, 'release-tag', `cd-deploy-production.yml/production-${svc.name}-canary-10`)).toContain(
          `### ✅ Canary analysis on Prometheus: ${svc.name} (canary) in ${namespace}\n\nAgainst the stable track over the same time.`,
        );
        expect(summaryOf(world, 'release-tag', `cd-deploy-production.yml/production-${svc.name}-promote`)).toMatch(
          new RegExp(
            `### ✅ Canary analysis on Prometheus: ${svc.name} \\(stable\\) in ${namespace}\n\nAgainst the stable track in the 2 s before `,
          ),
        );
      }
      expect(world.prometheusQueries).toContain(
        `sum(increase(http_requests_total{namespace="${namespace}",app_kubernetes_io_name="tts",voice_platform_track="canary",handler!~"/health|/metrics"}[2s]))`,
      );
      expect(
        world.calls('npx').filter((c) => c.args.includes('load-test') && c.args.join(' ').includes('production')),
      ).toEqual([]);
      // What runs was signed by this release's own provenance workflow.
      for (const svc of platform.services) {
        const digest = registry(world).tags[`${image(svc.name)}:1.2.3`];
        expect(registry(world).signatures[digest]?.map((x) => x.identity)).toContain(
          `https://github.com/${platform.repository}/.github/workflows/ci-provenance.yml@refs/tags/v1.2.3`,
        );
        // Beside it, the run's build metadata: this commit, and every image and platform the run built.
        const [metadata] = registry(world).cosignAttestations[digest] ?? [];
        expect(metadata?.predicateType).toBe(BUILD_METADATA_PREDICATE_TYPE);
        expect(metadata?.predicate).toMatchObject({
          commit: world.revParse('refs/tags/v1.2.3'),
          ref: 'refs/tags/v1.2.3',
          matrix: {
            include: expect.arrayContaining(
              svc.build.targets.map((t) => ({ image: svc.imageRepository, platform: t.platform, runner: t.runner })),
            ),
          },
        });
      }
    },
  },
  {
    name: 'release-tag-canary-unhealthy',
    faults: ['helm-test:tts-canary'],
    setup: (w) => {
      installStable(w, 'production');
    },
    events: [{ kind: 'tag', tag: 'v1.2.4' }],
    failing: {
      'cd-deploy-production.yml/production-tts-canary-10': 'helm test of the canary fails (fault)',
    },
    effects: ({ world }) => {
      // The failed stage rolled itself back: the stable release is untouched and the canary is gone.
      ttsRolledBackAgentUntouched(world);
      expect(liveRevision(world, deployment('production').namespace, 'tts')?.revision).toBe(4);
    },
  },
  {
    // The canaries pass; the promoted release fails its helm test. The promotion job, a later stage than the one that
    // recorded the rollback target, reads that record from the first stage's artifact and returns tts to it.
    name: 'release-tag-promotion-unhealthy',
    faults: ['helm-test:tts'],
    setup: (w) => {
      installStable(w, 'production');
    },
    events: [{ kind: 'tag', tag: 'v1.2.6' }],
    failing: {
      'cd-deploy-production.yml/production-tts-promote': 'helm test of the promoted release fails (fault)',
    },
    effects: ({ world }) => {
      const summary = summaryOf(
        world,
        'release-tag-promotion-unhealthy',
        'cd-deploy-production.yml/production-tts-promote',
      );
      expect(summary).toContain(
        '**Rolled back**: the promotion stage failed; the canary was removed and tts rolled back to revision 4.',
      );
      ttsRolledBackAgentUntouched(world);
    },
  },
  {
    // The artifact service fails the agent's record download in its canary-50 stage: the 10 % canary the
    // stage before left (a weighted backend of the agent's route) must not keep its share.
    name: 'release-tag-record-lost',
    faults: ['artifact-download:rollout-record-production-agent'],
    setup: (w) => {
      installStable(w, 'production');
    },
    events: [{ kind: 'tag', tag: 'v1.2.7' }],
    failing: {
      'cd-deploy-production.yml/production-agent-canary-50': 'the rollout record cannot be downloaded (fault)',
    },
    effects: ({ world }) => {
      const { namespace } = deployment('production');
      const summary = summaryOf(
        world,
        'release-tag-record-lost',
        'cd-deploy-production.yml/production-agent-canary-50',
      );
      expect(summary).toContain(
        '**Canary removed**: the canary at 50 % stage could not read the rollout record; agent was not checked against its recorded revision.',
      );
      // The route is back to the stable release alone, on its own digest; the canary is gone.
      expect(liveRevision(world, namespace, 'agent-canary')).toBeUndefined();
      const agent = liveRevision(world, namespace, 'agent')!;
      expect(agent.values.image).toEqual({ digest: digestOf('stable', 'production', 'agent') });
      expect(agent.values.httpRoute).toMatchObject({ canary: { release: '', weight: 0 } });
      // tts, which the agent calls, was promoted before the agent's rollout began.
      expect(liveRevision(world, namespace, 'tts-canary')).toBeUndefined();
      expect(liveDigest(world, namespace, 'tts')).not.toBe(digestOf('stable', 'production', 'tts'));
    },
  },
  {
    // The tts canary answers three times slower than the stable release: Prometheus shows it in the first window.
    name: 'release-tag-canary-slow',
    setup: async (w) => {
      installStable(w, 'production');
      await servePrometheus(w, { slowReleases: ['tts-canary'] });
    },
    events: [{ kind: 'tag', tag: 'v1.2.5' }],
    failing: {
      'cd-deploy-production.yml/production-tts-canary-10':
        "the canary analysis finds its p95 latency three times the stable release's",
    },
    effects: ({ world }) => {
      const { namespace } = deployment('production');
      const summary = summaryOf(world, 'release-tag-canary-slow', 'cd-deploy-production.yml/production-tts-canary-10');
      expect(summary).toContain(`### ❌ Canary analysis on Prometheus: tts (canary) in ${namespace}`);
      expect(summary).toMatch(
        /- p95 latency \d+ ms against the baseline's \d+ ms \(\+\d+(\.\d+)? %\) is above the \+25 % limit/,
      );
      expect(summary).toContain('**Rolled back**: the canary at 10 % stage failed');
      ttsRolledBackAgentUntouched(world);
    },
  },
  {
    name: 'app-tag',
    setup: (w) => {
      appReleaseReady(w);
      serveAppHealth(w, { sessions: 1840, crashFreeSessions: 0.9978 });
      // The previous app release, a service tag after it (another kind), and one merged pull request.
      w.tag('app-v1.2.2', w.revParse(`refs/heads/${main}`));
      w.tag('v1.2.9', w.revParse(`refs/heads/${main}`));
      w.commit(main, main, { 'CHANGELOG.md': 'faster model switch\n' }, 'Faster model switch (#52)');
    },
    events: [{ kind: 'tag', tag: 'app-v1.2.3' }],
    effects: ({ world }) => {
      keychainCreatedAndDeleted(world);
      // Both widening stages read the build's crash figures first, and passed them.
      for (const stage of ['phased', 'everyone']) {
        expect(world.summaries.get(`app-tag:app-release.yml/${stage}`)).toContain(
          '### ✅ Crash-free sessions of build 1\n\nbuild 1: 99.78 % crash-free sessions over 1840',
        );
      }
      // The notes since app-v1.2.2, in the GitHub release and as the appcast item's description.
      const notes = github(world).releases['app-v1.2.3']?.notes ?? '';
      expect(notes).toContain(
        `* Faster model switch by @scenario in https://github.com/${platform.repository}/pull/52`,
      );
      expect(notes).toContain('compare/app-v1.2.2...app-v1.2.3');
      expect(world.show(`refs/heads/${platform.appRelease!.feedBranch}`, 'appcast.xml')).toContain(
        `&lt;a href="https://github.com/${platform.repository}/pull/52"&gt;`,
      );
      // One commit per stage, each touching the feed only.
      expect(branchCommits(world, platform.appRelease!.feedBranch)).toEqual([
        { subject: 'everyone: 1', files: ['appcast.xml'] },
        { subject: 'phased rollout: 1', files: ['appcast.xml'] },
        { subject: 'beta: 1', files: ['appcast.xml'] },
        { subject: 'appcast: start', files: ['appcast.xml'] },
      ]);
      expect(github(world).releases['app-v1.2.3']).toMatchObject({
        assets: ['VoiceTranscriber.zip'],
        prerelease: false,
      });
    },
  },
  {
    // Another writer pushes to the feed after the beta stage checked it out: the stage edits the
    // branch's current head, and neither change is lost (before the fix its push was refused).
    // And no health endpoint is configured: each stage says it did not check, and goes on.
    name: 'app-tag-feed-moved',
    faults: [`concurrent-writer:${platform.appRelease!.feedBranch}`],
    setup: (w) => appReleaseReady(w),
    events: [{ kind: 'tag', tag: 'app-v1.2.3' }],
    effects: ({ world }) => {
      expect(branchCommits(world, platform.appRelease!.feedBranch).map((c) => c.subject)).toEqual([
        'everyone: 1',
        'phased rollout: 1',
        'beta: 1',
        'another writer',
        'appcast: start',
      ]);
      expect(world.summaries.get('app-tag-feed-moved:app-release.yml/phased')).toContain(
        '### Crash-free sessions: not checked',
      );
      // The other writer pushed after the checkout: the first publish is refused, the edit is applied
      // again on the new head (the other writer's commit included) and the second publish lands.
      const beta = jobLogs(world, 'app-release.yml-beta');
      expect(beta).toContain('::warning::appcast moved while this job changed it (attempt 1 of 3)');
      expect(beta).not.toContain('::error::');
      expect(world.show(`refs/heads/${platform.appRelease!.feedBranch}`, 'NOTICE.md')).toBe(
        'changed by another writer\n',
      );
    },
  },
  {
    // The beta's crash figures are below the release limit: the phased rollout stops before the
    // feed changes, and the build stays on the beta channel only.
    name: 'app-tag-crashing-build',
    setup: (w) => {
      appReleaseReady(w);
      serveAppHealth(w, { sessions: 2000, crashFreeSessions: 0.97 });
    },
    events: [{ kind: 'tag', tag: 'app-v1.2.3' }],
    failing: { 'app-release.yml/phased': 'build 1: 97 % crash-free sessions, below the 99.5 % limit' },
    effects: (result) => {
      expect(branchCommits(result.world, platform.appRelease!.feedBranch).map((c) => c.subject)).toEqual([
        'beta: 1',
        'appcast: start',
      ]);
      expect(conclusions(result, 'app-release.yml/everyone')).toEqual(['skipped']);
      expect(result.world.summaries.get('app-tag-crashing-build:app-release.yml/phased')).toContain(
        '### ❌ Crash-free sessions of build 1',
      );
    },
  },
  {
    // The tag's code mishears a word of every clip: its performance gate fails against the nightly
    // history, and nobody gets the build (no pre-release, the feed untouched).
    name: 'app-tag-performance-regression',
    faults: [`misheard:${MODEL_ID}`],
    setup: (w) => {
      appReleaseReady(w);
      w.orphanBranch('perf-history', accurateAppHistory());
    },
    events: [{ kind: 'tag', tag: 'app-v1.2.3' }],
    failing: {
      'ci-app-performance.yml/regression': 'word error rate 11 points above the nightly runs',
      'app-release.yml/performance': 'the called gate failed',
    },
    effects: (result) => {
      expect(branchCommits(result.world, platform.appRelease!.feedBranch).map((c) => c.subject)).toEqual([
        'appcast: start',
      ]);
      expect(github(result.world).releases).toEqual({});
      expect(conclusions(result, 'app-release.yml/beta')).toEqual(['skipped']);
      // A tag's run is compared, never recorded.
      expect(branchCommits(result.world, 'perf-history')).toEqual([
        { subject: 'perf-history: start', files: Object.keys(accurateAppHistory()) },
      ]);
    },
  },
  {
    name: 'app-tag-notarization-rejected',
    faults: ['notarytool:invalid'],
    setup: (w) => appReleaseReady(w),
    events: [{ kind: 'tag', tag: 'app-v1.2.4' }],
    failing: { 'app-release.yml/build': 'Apple rejects the submission (fault)' },
    effects: ({ world }) => {
      keychainCreatedAndDeleted(world);
      expect(branchCommits(world, platform.appRelease!.feedBranch).map((c) => c.subject)).toEqual(['appcast: start']);
      expect(github(world).releases).toEqual({});
    },
  },
  {
    // Design defect 2: a withdrawal never waits behind a release parked at its last approval gate, and
    // the release queue keeps one pending tag, the newest, as GitHub's concurrency groups do.
    name: 'app-release-parked-withdrawal',
    holdReviews: [platform.appRelease!.environments.everyone],
    setup: (w) => appReleaseReady(w),
    events: [
      { kind: 'tag', tag: 'app-v1.3.0' },
      { kind: 'workflow_dispatch', workflow: 'app-rollback.yml', ref: main, inputs: { build: '1', tag: 'app-v1.3.0' } },
      // The withdrawal deploys to the same environment, so it asks a reviewer too: at once, not after the parked release.
      { kind: 'review', job: 'app-rollback.yml#1/withdraw', approve: true },
      { kind: 'tag', tag: 'app-v1.3.1' },
      { kind: 'tag', tag: 'app-v1.3.2' },
      { kind: 'review', job: 'app-release.yml#1/everyone', approve: false },
      { kind: 'review', job: 'app-release.yml#3/everyone', approve: true },
    ],
    failing: { 'app-release.yml/everyone': 'the reviewer rejects the withdrawn build 1 at the last gate' },
    effects: (result) => {
      const { world } = result;
      const order = world.reports.map((r) => `${r.workflow}/${r.job}:${r.conclusion}`);
      // The withdrawal ran to the end while release 1 waited at its gate.
      expect(order.indexOf('app-rollback.yml/withdraw:success')).toBeGreaterThan(-1);
      expect(order.indexOf('app-rollback.yml/withdraw:success')).toBeLessThan(
        order.indexOf('app-release.yml/everyone:failure'),
      );
      expect(world.concurrency.log.filter((l) => l.includes('app-rollback'))).toEqual([]);
      // Tag 1.3.1 waited, then 1.3.2 replaced it; 1.3.2 ran after release 1 ended.
      expect(world.concurrency.log).toEqual(
        expect.arrayContaining([
          'app-release.yml#2 pending in app-feed',
          'app-release.yml#2 cancelled in app-feed: replaced by app-release.yml#3',
          'app-release.yml#3 started in app-feed',
        ]),
      );
      expect(conclusions(result, 'app-release.yml/build')).toEqual(['success', 'cancelled', 'success']);
      // Both writers of the feed kept their changes: the withdrawal's commit is under release 3's stages.
      const subjects = branchCommits(world, platform.appRelease!.feedBranch).map((c) => c.subject);
      expect(subjects[0]).toBe('everyone: 3');
      expect(subjects.some((x) => /withdraw/i.test(x))).toBe(true);
    },
  },
  {
    name: 'app-withdrawal',
    setup: async (w, t) => {
      appReleaseReady(w);
      await t.run({ kind: 'tag', tag: 'app-v1.3.0' });
    },
    events: [
      {
        kind: 'workflow_dispatch',
        workflow: 'app-rollback.yml',
        ref: main,
        inputs: { build: '1' /* the first app-release.yml run of the world */, tag: 'app-v1.3.0' },
      },
    ],
  },
  {
    name: 'nightly-performance',
    events: [{ kind: 'schedule', workflow: 'ci-performance.yml' }],
    effects: ({ world }) => {
      const [record] = branchCommits(world, 'perf-history');
      expect(record.subject).toBe('perf: record the nightly run of tts-synthesize');
      expect(record.files).toEqual([
        expect.stringMatching(/^tts-synthesize\/rate-\d+_duration-\d+_warmup-\d+_ubuntu-[\d.]+\.json$/),
      ]);
    },
  },
  {
    // The history's runs were far faster than anything here: the gate fails and nothing is recorded.
    name: 'nightly-performance-regression',
    setup: (w) => w.orphanBranch('perf-history', fastHistory()),
    events: [{ kind: 'schedule', workflow: 'ci-performance.yml' }],
    failing: { 'ci-performance.yml/regression-tts': 'p95 far above the recorded runs' },
    effects: ({ world }) => {
      expect(branchCommits(world, 'perf-history')).toEqual([
        { subject: 'perf-history: start', files: Object.keys(fastHistory()) },
      ]);
    },
  },
  {
    name: 'nightly-app-performance',
    setup: seedModelsCache,
    events: [{ kind: 'schedule', workflow: 'ci-app-performance.yml' }],
  },
  {
    // The model now mishears a word of every clip (11 points of word error rate) at the recorded speed:
    // the accuracy row alone fails the gate, and nothing is recorded.
    name: 'nightly-app-accuracy-regression',
    faults: [`misheard:${MODEL_ID}`],
    setup: (w) => {
      seedModelsCache(w);
      w.orphanBranch('perf-history', accurateAppHistory());
    },
    events: [{ kind: 'schedule', workflow: 'ci-app-performance.yml' }],
    failing: { 'ci-app-performance.yml/regression': 'word error rate 11 points above the recorded runs' },
    effects: ({ world }) => {
      expect(branchCommits(world, 'perf-history')).toEqual([
        { subject: 'perf-history: start', files: Object.keys(accurateAppHistory()) },
      ]);
      expect(jobLogs(world, 'ci-app-performance.yml-regression')).toContain(
        'check-performance-regression: regression in word error rate (',
      );
    },
  },
  {
    // Switching away from the model and back now keeps 48 MiB a cycle (96 MiB over the test's three):
    // the memory row alone fails the gate, and nothing is recorded.
    name: 'nightly-app-memory-leak',
    faults: [`leaky-switch:${MODEL_ID}`],
    setup: (w) => {
      seedModelsCache(w);
      w.orphanBranch('perf-history', accurateAppHistory());
    },
    events: [{ kind: 'schedule', workflow: 'ci-app-performance.yml' }],
    failing: {
      'ci-app-performance.yml/regression': 'memory kept across model switches 96 MiB above the recorded runs',
    },
    effects: ({ world }) => {
      expect(branchCommits(world, 'perf-history')).toEqual([
        { subject: 'perf-history: start', files: Object.keys(accurateAppHistory()) },
      ]);
      expect(jobLogs(world, 'ci-app-performance.yml-regression')).toContain(
        'check-performance-regression: regression in memory kept across model switches (',
      );
    },
  },
  {
    name: 'weekly-dependency-scan',
    events: [{ kind: 'schedule', workflow: 'ci-security-deps.yml' }],
    effects: ({ world }) => {
      // A scheduled run audits every service and the app's Swift packages, and uploads each SARIF, clean or not.
      expect(world.sarifUploads.map((u) => [u.category, u.results]).sort()).toEqual([
        ['pip-audit/agent', 0],
        ['pip-audit/tts', 0],
        [`swift-packages/${app.name}`, 0],
      ]);
    },
  },
  {
    name: 'weekly-dependency-scan-swift-advisory',
    setup: (world) => {
      world.osvAdvisories.byPackage[`SwiftURL:${WHISPERKIT_PIN.name}@${WHISPERKIT_PIN.version}`] = [
        'GHSA-wkit-0000-0001',
      ];
      world.osvRecords['GHSA-wkit-0000-0001'] = {
        id: 'GHSA-wkit-0000-0001',
        summary: 'Model download path traversal',
        database_specific: { severity: 'HIGH' },
      };
    },
    events: [{ kind: 'schedule', workflow: 'ci-security-deps.yml' }],
    failing: {
      'ci-security-deps.yml/audit-app': "WhisperKit's pinned version has a high advisory in OSV",
      'ci-security-deps.yml/result': 'a required job failed',
    },
    effects: ({ world }) => {
      // The gate fails after the SARIF is written: code scanning still gets the finding.
      expect(world.sarifUploads.find((u) => u.category === `swift-packages/${app.name}`)?.results).toBe(1);
      // The job fails on the gate's error annotation, which names the package, the advisory and its severity.
      expect(world.reports.find((r) => r.job === 'audit-app')?.reason).toContain(
        'WhisperKit 0.9.4: GHSA-wkit-0000-0001, high',
      );
    },
  },
  {
    name: 'weekly-image-scan',
    setup: tagMain,
    events: [{ kind: 'schedule', workflow: 'ci-security-images.yml' }],
    effects: ({ world }) => {
      expect(world.sarifUploads.map((u) => [u.category, u.results]).sort()).toEqual([
        ['trivy/agent', 0],
        ['trivy/tts', 0],
      ]);
    },
  },
  {
    // Images share a scan job: the first image's CRITICAL finding fails the job, and the next image is still scanned and reported.
    name: 'weekly-image-scan-critical',
    setup: tagMain,
    faults: ['trivy:critical:tts'],
    events: [{ kind: 'schedule', workflow: 'ci-security-images.yml' }],
    failing: { 'ci-security-images.yml/scan-1': 'the tts image has a CRITICAL vulnerability' },
    effects: ({ world }) => {
      expect(world.sarifUploads.map((u) => [u.category, u.results]).sort()).toEqual([
        ['trivy/agent', 0],
        ['trivy/tts', 1],
      ]);
      expect(world.reports.find((r) => r.job === 'scan-1')?.reason).toContain(
        'trivy found CRITICAL vulnerabilities in ghcr.io/voice-platform/tts@sha256:',
      );
    },
  },
  { name: 'weekly-codeql', events: [{ kind: 'schedule', workflow: 'ci-app-codeql.yml' }] },
  {
    name: 'daily-cache-cleanup',
    setup: (w) =>
      w.setState('github', {
        issues: [],
        pulls: [{ number: 3, head: 'x', base: main, title: 'open', state: 'open' }],
        releases: {},
        caches: [
          { id: 1, key: 'models-old', ref: `refs/heads/${main}`, sizeInBytes: 100 },
          { id: 2, key: 'uv-x', ref: 'refs/pull/2/merge', sizeInBytes: 5 },
          { id: 3, key: 'uv-y', ref: 'refs/pull/3/merge', sizeInBytes: 5 },
        ],
        deletedCaches: [],
      }),
    events: [{ kind: 'schedule', workflow: 'cache-cleanup.yml' }],
  },
  {
    // actions/checkout publishes a patch release: the weekly run moves the pin, regenerates every
    // workflow and opens one pull request with both.
    name: 'weekly-action-updates',
    setup: (w) => {
      Object.assign(w.apiRoutes, newerCheckoutRelease());
    },
    events: [{ kind: 'schedule', workflow: 'update-actions.yml' }],
    effects: ({ world }) => {
      const [commit] = branchCommits(world, 'deps/action-pins');
      expect(commit.subject).toBe('deps(actions): update pinned actions and regenerate the workflows');
      expect(commit.files).toContain('actions.lock.json');
      // Every workflow using checkout was regenerated in the same commit.
      expect(commit.files.filter((f) => f.startsWith('.github/workflows/')).length).toBeGreaterThan(10);
      const lock = JSON.parse(world.show('refs/heads/deps/action-pins', 'actions.lock.json')) as {
        actions: Record<string, { version: string; sha: string }>;
      };
      expect(lock.actions['actions/checkout']).toMatchObject({
        version: NEWER_CHECKOUT.version,
        sha: NEWER_CHECKOUT.sha,
      });
      expect(world.show('refs/heads/deps/action-pins', '.github/workflows/ci-test.yml')).toContain(
        `actions/checkout@${NEWER_CHECKOUT.sha} # ${NEWER_CHECKOUT.version}`,
      );
      expect(github(world).pulls).toEqual([
        expect.objectContaining({ head: 'deps/action-pins', base: main, state: 'open' }),
      ]);
    },
  },
  {
    name: 'dispatch-performance',
    events: [
      { kind: 'workflow_dispatch', workflow: 'ci-performance.yml', ref: main, inputs: { rate: 5, duration: 3 } },
    ],
  },
  {
    name: 'dispatch-helm-kind',
    events: [{ kind: 'workflow_dispatch', workflow: 'ci-helm-validate.yml', ref: main, inputs: { kind: true } }],
    failing: {
      'ci-helm-validate.yml/lint-tts': 'kubeconform is downloaded from github.com, outside the job runner',
      'ci-helm-validate.yml/lint-agent': 'kubeconform is downloaded from github.com, outside the job runner',
      'ci-helm-validate.yml/result': 'the lint jobs failed',
    },
  },
  {
    name: 'dispatch-smoke-tag',
    setup: tagMain,
    events: [{ kind: 'workflow_dispatch', workflow: 'ci-smoke-test.yml', ref: main, inputs: { tag: 'v1.2.2' } }],
  },
  {
    name: 'dispatch-cache-cleanup-dry-run',
    events: [{ kind: 'workflow_dispatch', workflow: 'cache-cleanup.yml', ref: main, inputs: { 'dry-run': true } }],
  },
  {
    name: 'rollback-production-revision',
    setup: (w) => {
      installStable(w, 'production');
    },
    events: [
      {
        kind: 'workflow_dispatch',
        workflow: 'cd-rollback.yml',
        ref: main,
        inputs: { environment: 'production', service: 'tts', revision: '3', digest: '' },
      },
    ],
    effects: ({ world }) => {
      const { namespace } = deployment('production');
      expect(liveDigest(world, namespace, 'tts')).toBe(digestOf('older', 'tts'));
      expect(cluster(world).changes).toEqual([
        expect.stringMatching(new RegExp(`/${namespace}: rollback tts to revision 3$`)),
      ]);
    },
  },
  {
    // Design defect 2, services: a rollback runs at once while a production rollout waits for its reviewer.
    name: 'rollback-while-release-waits',
    holdReviews: [deployment('production').githubEnvironment],
    setup: (w) => {
      installStable(w, 'production');
    },
    events: [
      { kind: 'tag', tag: 'v1.2.3' },
      {
        kind: 'workflow_dispatch',
        workflow: 'cd-rollback.yml',
        ref: main,
        inputs: { environment: 'production', service: 'tts', revision: '3', digest: '' },
      },
      { kind: 'review', job: 'cd-rollback.yml#1/rollback-production', approve: true },
      { kind: 'review', job: 'cd-deploy-production.yml#1/production-tts-canary-10', approve: false },
    ],
    failing: {
      'cd-deploy-production.yml/production-tts-canary-10': 'the reviewer rejects the rollout after the incident',
    },
    effects: ({ world }) => {
      const order = world.reports.map((r) => `${r.workflow}/${r.job}:${r.conclusion}`);
      expect(order.indexOf('cd-rollback.yml/rollback-production:success')).toBeGreaterThan(-1);
      expect(order.indexOf('cd-rollback.yml/rollback-production:success')).toBeLessThan(
        order.indexOf('cd-deploy-production.yml/production-tts-canary-10:failure'),
      );
      const { namespace } = deployment('production');
      expect(liveDigest(world, namespace, 'tts')).toBe(digestOf('older', 'tts'));
      expect(cluster(world).changes).toEqual([
        expect.stringMatching(new RegExp(`/${namespace}: rollback tts to revision 3$`)),
      ]);
    },
  },
  {
    // A deploy stage's Helm operation holds the release: the rollback waits for it, never changing the release at the same time.
    name: 'rollback-waits-for-helm-operation',
    faults: ['helm-busy:tts'],
    setup: (w) => {
      installStable(w, 'production');
    },
    events: [
      {
        kind: 'workflow_dispatch',
        workflow: 'cd-rollback.yml',
        ref: main,
        inputs: { environment: 'production', service: 'tts', revision: '3', digest: '' },
      },
    ],
    effects: ({ world }) => {
      const rollbacks = world.calls('helm').filter((c) => c.args[0] === 'rollback');
      expect(rollbacks.map((c) => c.exit)).toEqual([1, 0]);
      expect(liveDigest(world, deployment('production').namespace, 'tts')).toBe(digestOf('older', 'tts'));
    },
  },
  {
    name: 'rollback-staging-digest',
    setup: (w) => {
      installStable(w, 'staging');
      const digest = digestOf('older', 'agent');
      const reg = readRegistry(w.stateDir);
      reg.manifests[digest] = { image: image('agent'), platforms: ['linux/amd64'], sources: [], commit: 'older' };
      writeRegistry(w.stateDir, reg);
      sign(w, digest, `refs/heads/${main}`, w.revParse(`refs/heads/${main}`));
    },
    events: [
      {
        kind: 'workflow_dispatch',
        workflow: 'cd-rollback.yml',
        ref: main,
        inputs: { environment: 'staging', service: 'agent', revision: '', digest: digestOf('older', 'agent') },
      },
    ],
  },
  {
    name: 'rollback-unsigned-digest-refused',
    setup: (w) => {
      installStable(w, 'staging');
    },
    events: [
      {
        kind: 'workflow_dispatch',
        workflow: 'cd-rollback.yml',
        ref: main,
        inputs: { environment: 'staging', service: 'tts', revision: '', digest: digestOf('never', 'signed') },
      },
    ],
    failing: { 'cd-rollback.yml/rollback-staging': 'cosign finds no signature of this repository on the digest' },
    effects: ({ world }) => {
      expect(cluster(world).changes).toEqual([]);
      expect(helmUpgrades(world)).toEqual([]);
      expect(liveDigest(world, deployment('staging').namespace, 'tts')).toBe(digestOf('stable', 'staging', 'tts'));
    },
  },
  {
    name: 'alerts-after-failure',
    events: [
      { kind: 'workflow_run', watched: 'Nightly performance', conclusion: 'failure' },
      { kind: 'workflow_run', watched: 'Nightly performance', conclusion: 'failure' },
    ],
    effects: ({ world }) => {
      // One issue per failing workflow: the second failure comments on it.
      expect(github(world).issues).toEqual([
        expect.objectContaining({
          title: `${ALERT_ISSUE_TITLE_PREFIX}Nightly performance`,
          state: 'open',
          comments: [expect.stringContaining('ended: failure')],
        }),
      ]);
    },
  },
  {
    name: 'alerts-after-recovery',
    setup: async (_w, t) => {
      await t.run({ kind: 'workflow_run', watched: 'Nightly performance', conclusion: 'failure' });
    },
    events: [{ kind: 'workflow_run', watched: 'Nightly performance', conclusion: 'success' }],
    effects: ({ world }) => {
      expect(github(world).issues).toEqual([
        expect.objectContaining({ title: `${ALERT_ISSUE_TITLE_PREFIX}Nightly performance`, state: 'closed' }),
      ]);
    },
  },
];
