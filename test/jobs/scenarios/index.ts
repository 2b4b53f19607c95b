import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { digestOf, readRegistry, writeRegistry } from '../actions/registry-state';
import { hashWorkspaceFiles } from '../engine/job-executor';
import type { World } from '../engine/world';
import { MODEL_BYTES, MODEL_ID, MODEL_SHA256 } from '../fixture-monorepo';
import type { Scenario } from '../harness';
import { platform } from '../harness';

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
  world.saveCache(`models-${hash}`, `refs/heads/${main}`, [{ from: path.join(dir, '.cache', 'models'), rel: '.cache/models' }]);
}

/** Each service's stable release (revision 4, 3 pods) in an environment's namespace, its image signed by an earlier release. */
export function installStable(world: World, environment: string): Record<string, string> {
  const d = platform.deployments.find((x) => x.environment === environment)!;
  const reg = readRegistry(world.stateDir);
  const cluster = world.state('cluster', { releases: {}, changes: [] } as never) as { releases: Record<string, Record<string, unknown>>; changes: string[] };
  const digests: Record<string, string> = {};
  for (const s of platform.services) {
    const digest = digestOf('stable', environment, s.name);
    digests[s.name] = digest;
    reg.manifests[digest] = { image: image(s.name), platforms: ['linux/amd64', 'linux/arm64'], sources: [], commit: 'previous' };
    reg.manifests[digestOf('older', s.name)] = { image: image(s.name), platforms: ['linux/amd64'], sources: [], commit: 'older' };
    (cluster.releases[d.namespace] ??= {})[s.name] = [3, 4].map((revision) => ({ revision, chart: s.name, values: { image: { digest: revision === 4 ? digest : digestOf('older', s.name) } }, status: revision === 4 ? 'deployed' : 'superseded', replicas: 3, fullname: s.name }));
  }
  writeRegistry(world.stateDir, reg);
  world.setState('cluster', cluster as never);
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
  (reg.signatures[digest] ??= []).push({ identity: `https://github.com/${platform.repository}/.github/workflows/ci-provenance.yml@${ref}`, issuer: 'https://token.actions.githubusercontent.com', sha, repository: platform.repository });
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

const appcast = () => ({ 'appcast.xml': '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" xmlns:sparkle="http://www.andymatuschak.org/xml-namespaces/sparkle"><channel><title>VoiceTranscriber</title></channel></rss>\n' });

export const SCENARIOS: Scenario[] = [
  { name: 'pr-tts-only', repositoryCi: true, events: [{ kind: 'pull_request', files: { 'services/tts/server.py': '# tts, changed\n' } }] },
  { name: 'pr-docs-only', events: [{ kind: 'pull_request', files: { 'docs/notes.md': 'notes\n' } }] },
  { name: 'pr-app-only', setup: seedModelsCache, events: [{ kind: 'pull_request', files: { [`${app.path}/VoiceTranscriber/App.swift`]: '// changed\n' } }] },
  { name: 'pr-kind-label', events: [{ kind: 'pull_request', labels: ['kind'], files: { 'services/agent/server.py': '# agent\n' } }] },
  { name: 'push-main', setup: (w) => { installStable(w, 'staging'); }, events: [{ kind: 'push', files: { 'services/agent/server.py': '# agent, changed\n' } }] },
  { name: 'release-tag', setup: (w) => { installStable(w, 'production'); }, events: [{ kind: 'tag', tag: 'v1.2.3' }] },
  {
    name: 'app-tag',
    setup: (w) => w.orphanBranch(platform.appRelease!.feedBranch, appcast()),
    events: [{ kind: 'tag', tag: 'app-v1.2.3' }],
  },
  {
    name: 'app-tag-notarization-rejected', faults: ['notarytool:invalid'],
    setup: (w) => w.orphanBranch(platform.appRelease!.feedBranch, appcast()),
    events: [{ kind: 'tag', tag: 'app-v1.2.4' }],
  },
  {
    name: 'app-withdrawal',
    setup: async (w, t) => {
      w.orphanBranch(platform.appRelease!.feedBranch, appcast());
      await t.run({ kind: 'tag', tag: 'app-v1.3.0' });
    },
    events: [{ kind: 'workflow_dispatch', workflow: 'app-rollback.yml', ref: main, inputs: { build: '1' /* the first app-release.yml run of the world */, tag: 'app-v1.3.0' } }],
  },
  { name: 'nightly-performance', events: [{ kind: 'schedule', workflow: 'ci-performance.yml' }] },
  { name: 'nightly-app-performance', setup: seedModelsCache, events: [{ kind: 'schedule', workflow: 'ci-app-performance.yml' }] },
  { name: 'weekly-dependency-scan', events: [{ kind: 'schedule', workflow: 'ci-security-deps.yml' }] },
  { name: 'weekly-image-scan', setup: tagMain, events: [{ kind: 'schedule', workflow: 'ci-security-images.yml' }] },
  { name: 'weekly-codeql', events: [{ kind: 'schedule', workflow: 'ci-app-codeql.yml' }] },
  {
    name: 'daily-cache-cleanup',
    setup: (w) => w.setState('github', { issues: [], pulls: [{ number: 3, head: 'x', base: main, title: 'open', state: 'open' }], releases: {}, caches: [
      { id: 1, key: 'models-old', ref: `refs/heads/${main}`, sizeInBytes: 100 }, { id: 2, key: 'uv-x', ref: 'refs/pull/2/merge', sizeInBytes: 5 }, { id: 3, key: 'uv-y', ref: 'refs/pull/3/merge', sizeInBytes: 5 }], deletedCaches: [] }),
    events: [{ kind: 'schedule', workflow: 'cache-cleanup.yml' }],
  },
  { name: 'weekly-action-updates', events: [{ kind: 'schedule', workflow: 'update-actions.yml' }] },
  { name: 'dispatch-performance', events: [{ kind: 'workflow_dispatch', workflow: 'ci-performance.yml', ref: main, inputs: { rate: 5, duration: 3 } }] },
  { name: 'dispatch-helm-kind', events: [{ kind: 'workflow_dispatch', workflow: 'ci-helm-validate.yml', ref: main, inputs: { kind: true } }] },
  { name: 'dispatch-smoke-tag', setup: tagMain, events: [{ kind: 'workflow_dispatch', workflow: 'ci-smoke-test.yml', ref: main, inputs: { tag: 'v1.2.2' } }] },
  { name: 'dispatch-cache-cleanup-dry-run', events: [{ kind: 'workflow_dispatch', workflow: 'cache-cleanup.yml', ref: main, inputs: { 'dry-run': true } }] },
  {
    name: 'rollback-production-revision',
    setup: (w) => { installStable(w, 'production'); },
    events: [{ kind: 'workflow_dispatch', workflow: 'cd-rollback.yml', ref: main, inputs: { environment: 'production', service: 'tts', revision: '3', digest: '' } }],
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
    events: [{ kind: 'workflow_dispatch', workflow: 'cd-rollback.yml', ref: main, inputs: { environment: 'staging', service: 'agent', revision: '', digest: digestOf('older', 'agent') } }],
  },
  {
    name: 'rollback-unsigned-digest-refused',
    setup: (w) => { installStable(w, 'staging'); },
    events: [{ kind: 'workflow_dispatch', workflow: 'cd-rollback.yml', ref: main, inputs: { environment: 'staging', service: 'tts', revision: '', digest: digestOf('never', 'signed') } }],
  },
  { name: 'alerts-after-failure', events: [{ kind: 'workflow_run', watched: 'Nightly performance', conclusion: 'failure' }] },
  {
    name: 'alerts-after-recovery',
    setup: async (_w, t) => { await t.run({ kind: 'workflow_run', watched: 'Nightly performance', conclusion: 'failure' }); },
    events: [{ kind: 'workflow_run', watched: 'Nightly performance', conclusion: 'success' }],
  },
];
