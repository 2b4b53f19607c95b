import { spawnSync } from 'node:child_process';
import type { GitReader } from './build-metadata';

function git(args: string[], cwd: string): string | undefined {
  const result = spawnSync('git', args, { cwd, encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() || undefined : undefined;
}

/** `owner/name` from a GitHub remote URL (https, ssh or git@ form). */
export function repositoryFromRemote(url: string): string | undefined {
  const match = /github\.com[:/]([A-Za-z0-9-]+)\/([A-Za-z0-9._-]+?)(\.git)?\/?$/.exec(url.trim());
  return match ? `${match[1]}/${match[2]}` : undefined;
}

/** Reads the repository in `cwd` with the git CLI. */
export function gitCliReader(cwd: string = process.cwd()): GitReader {
  return {
    headCommit: () => git(['rev-parse', 'HEAD'], cwd),
    headRef: () =>
      git(['symbolic-ref', '-q', 'HEAD'], cwd) ??
      (() => {
        const tag = git(['describe', '--tags', '--exact-match', 'HEAD'], cwd);
        return tag ? `refs/tags/${tag}` : undefined;
      })(),
    originRepository: () => {
      const url = git(['remote', 'get-url', 'origin'], cwd);
      return url ? repositoryFromRemote(url) : undefined;
    },
  };
}
