import { execFile } from 'node:child_process';
import * as semver from 'semver';

/** How long listing one repository's tags may take. */
export const LS_REMOTE_TIMEOUT_MS = 30_000;

/**
 * The release tags of a package's repository, read with `git ls-remote` (no clone). Only https
 * and local repositories may be contacted: the location comes from a file a pull request can
 * change, and git's other transports (ext::, ssh) could run commands or prompt.
 */
export function listTags(location: string, timeoutMs = LS_REMOTE_TIMEOUT_MS): Promise<string[]> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      ['ls-remote', '--tags', '--refs', '--', location],
      {
        timeout: timeoutMs,
        maxBuffer: 16 * 1024 * 1024,
        env: { ...process.env, GIT_ALLOW_PROTOCOL: 'https:file', GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: '' },
      },
      (error, stdout, stderr) => {
        if (error) {
          const why = error.killed
            ? `no answer within ${timeoutMs} ms`
            : stderr.trim().split('\n').pop() || error.message;
          reject(new Error(`git ls-remote ${location}: ${why}`));
          return;
        }
        resolve(
          stdout
            .split('\n')
            .map((line) => /\trefs\/tags\/(.+)$/.exec(line)?.[1])
            .filter((t): t is string => t !== undefined),
        );
      },
    );
  });
}

/**
 * Released versions newer than `current`, newest first: tags that are semantic versions (a leading
 * `v` allowed), pre-releases left out.
 */
export function newerReleases(current: string, tags: readonly string[]): string[] {
  const base = semver.coerce(current)?.version;
  if (!base) return [];
  const versions = new Map<string, string>();
  for (const tag of tags) {
    const v = semver.valid(semver.clean(tag) ?? '');
    if (v && semver.prerelease(v) === null && semver.gt(v, base) && !versions.has(v)) versions.set(v, tag);
  }
  return [...versions.keys()].sort(semver.rcompare);
}
