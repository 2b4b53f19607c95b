import type { Scenario } from '../harness';
import { platform } from '../harness';
import { MODEL_BYTES, MODEL_ID, MODEL_SHA256 } from '../fixture-monorepo';
import { digestOf, readRegistry, writeRegistry } from '../actions/registry-state';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { World } from '../engine/world';

const main = platform.defaultBranch;
const app = platform.app;

/** Seeds the models cache as a run of main saved it (the fixture model cannot be downloaded here). */
export function seedModelsCache(world: World, hash: string): void {
  const dir = mkdtempSync(path.join(world.dir, 'models-'));
  mkdirSync(path.join(dir, '.cache', 'models'), { recursive: true });
  writeFileSync(path.join(dir, '.cache', 'models', `${MODEL_ID}-${MODEL_SHA256.slice(0, 16)}.zip`), MODEL_BYTES);
  world.saveCache(`models-${hash}`, `refs/heads/${main}`, [{ from: path.join(dir, '.cache', 'models'), rel: '.cache/models' }]);
}

/** Installs each service's stable release in a namespace of the stand-in cluster, signed images in the registry. */
export function installStable(world: World, namespace: string, cluster: string): Record<string, string> {
  const releases: Record<string, unknown> = {};
  const reg = readRegistry(world.stateDir);
  const digests: Record<string, string> = {};
  for (const s of platform.services) {
    const digest = digestOf('stable', s.name);
    digests[s.name] = digest;
    reg.manifests[digest] = { image: `ghcr.io/${platform.repository.split('/')[0]}/${s.name}`, platforms: ['linux/amd64'], sources: [], commit: 'old' };
    releases[s.name] = [{ revision: 4, chart: s.name, values: { image: { digest } }, status: 'deployed', replicas: 3, fullname: s.name }];
  }
  writeRegistry(world.stateDir, reg);
  world.setState('cluster', { releases: { [namespace]: releases }, changes: [], cluster } as never);
  return digests;
}

export const SCENARIOS: Scenario[] = [
  { name: 'pr-tts-only', events: [{ kind: 'pull_request', files: { 'services/tts/server.py': '# tts, changed\n' } }] },
  { name: 'pr-docs-only', events: [{ kind: 'pull_request', files: { 'docs/notes.md': 'notes\n' } }] },
  {
    name: 'pr-app-only',
    events: [{ kind: 'pull_request', files: { [`${app.path}/VoiceTranscriber/App.swift`]: '// changed\n' } }],
    setup: (world) => seedModelsCache(world, ''),
  },
  { name: 'push-main', events: [{ kind: 'push', files: { 'services/agent/server.py': '# agent, changed\n' } }] },
  { name: 'release-tag', events: [{ kind: 'tag', tag: 'v1.2.3' }] },
];
