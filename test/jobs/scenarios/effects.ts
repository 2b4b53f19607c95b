/**
 * Readers of what a scenario's runs did to its world, for the scenarios' effect assertions: the
 * stand-in cluster's releases and change log, the registry, GitHub's issues, live keychains and
 * the branches of the remote.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { readRegistry, type RegistryState } from '../actions/registry-state';
import type { World } from '../engine/world';
import type { ScenarioResult } from '../harness';
import type { Cluster, Revision } from '../standins/cluster';
import type { GitHubState } from '../standins/github';

export function cluster(world: World): Cluster {
  return world.state('cluster', { releases: {}, changes: [] } as never) as Cluster;
}

/** The deployed revision of a release, as `helm status` would report it. */
export function liveRevision(world: World, namespace: string, release: string): Revision | undefined {
  return cluster(world)
    .releases[namespace]?.[release]?.filter((r) => r.status === 'deployed')
    .at(-1);
}

export function liveDigest(world: World, namespace: string, release: string): string | undefined {
  return (liveRevision(world, namespace, release)?.values.image as { digest?: string } | undefined)?.digest;
}

/** Every `helm upgrade` a job ran, as the stand-in recorded its arguments. */
export function helmUpgrades(world: World): string[][] {
  return world
    .calls('helm')
    .filter((c) => c.args[0] === 'upgrade')
    .map((c) => c.args);
}

/** The `--set` values of a helm command line. */
export function helmSets(args: readonly string[]): string[] {
  return args.flatMap((a, i) => (args[i - 1] === '--set' ? [a] : a.startsWith('--set=') ? [a.slice(6)] : []));
}

export function registry(world: World): RegistryState {
  return readRegistry(world.stateDir);
}

export function github(world: World): GitHubState {
  return world.state('github', {
    issues: [],
    pulls: [],
    releases: {},
    caches: [],
    deletedCaches: [],
  } as never) as GitHubState;
}

/** Keychains created by `security create-keychain` and not yet deleted. */
export function liveKeychains(world: World): string[] {
  return world.state<string[]>('keychains', []);
}

/** The files each commit of a branch changed, newest first, with its subject. */
export function branchCommits(world: World, branch: string): { subject: string; files: string[] }[] {
  if (!world.refExists(`refs/heads/${branch}`)) return [];
  const subjects = world.branchLog(branch);
  return subjects.map((subject, i) => ({ subject, files: world.filesChangedBy(`refs/heads/${branch}~${i}`) }));
}

/** The conclusion of each run of a job (`workflow/job`), in order. */
export function conclusions(r: ScenarioResult, job: string): string[] {
  return r.world.reports.filter((x) => `${x.workflow}/${x.job}` === job).map((x) => x.conclusion);
}

/** The logs of every run of a job whose folder name ends with `suffix` (`app-release.yml-beta`), joined. */
export function jobLogs(world: World, suffix: string): string {
  const root = path.join(world.dir, 'jobs');
  return readdirSync(root)
    .filter((d) => d.endsWith(suffix))
    .map((d) => readFileSync(path.join(root, d, 'job.log'), 'utf8'))
    .join('\n');
}
