import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../../common/cli-errors';
import { quoteInput } from '../../common/safe-text';

/** The generated files of one revision: path → text. */
export interface GeneratedSnapshot {
  /** What it is, for headings: a git ref or "working tree". */
  readonly label: string;
  readonly files: ReadonlyMap<string, string>;
}

/** The list of files projen generated, as `.projen/files.json` records it. */
const FILES_MANIFEST = '.projen/files.json';

/** A git command's output in `repo` (throws when git fails). */
export function git(repo: string, args: readonly string[]): string {
  return execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
}

function generatedList(text: string, where: string): string[] {
  let files: unknown;
  try {
    files = JSON.parse(text).files;
  } catch { /* reported below */ }
  if (!Array.isArray(files) || !files.every((f) => typeof f === 'string')) throw new InputError(`${where}: ${FILES_MANIFEST} is not projen's file list ({"files": [...]})`);
  // Entries are paths inside the repository, as projen writes them: never read anything outside it.
  const outside = files.find((f) => path.isAbsolute(f) || path.posix.normalize(f) !== f || f === '..' || f.startsWith('../'));
  if (outside !== undefined) throw new InputError(`${where}: ${FILES_MANIFEST} lists ${quoteInput(outside)}, which is not a path inside the repository`);
  return files;
}

/** Refuses a value git would read as an option (or that cannot be a revision at all), naming `what`. */
function assertRevision(rev: string, what: string): void {
  if (rev.startsWith('-') || rev.length === 0 || /[\0\n]/.test(rev)) throw new InputError(`${what} ${quoteInput(rev)} is not a revision`);
}

/**
 * The commit a revision names, checked as a revision before git sees it: a value starting with `-`
 * would be read as an option (`--output=/tmp/x` makes `git diff` write a file), so it is refused,
 * and `--end-of-options` keeps git from reading any other value as one. `what` names the flag.
 */
export function resolveCommit(repo: string, rev: string, what: string): string {
  assertRevision(rev, what);
  try {
    return git(repo, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`]).trim();
  } catch {
    throw new InputError(`${what} ${quoteInput(rev)} is not a commit of ${repo}`);
  }
}

/** Only what a reviewer reads: workflows, Dependabot, charts, compose and docs; not projen's own bookkeeping. */
export function isReviewedOutput(file: string): boolean {
  return file.startsWith('.github/') || file.startsWith('charts/') || file.startsWith('deploy/') || file.startsWith('docs/');
}

/** The generated files at a git revision (read with `git show`; the working tree is untouched). */
export function snapshotAtRevision(repo: string, rev: string, what = 'revision'): GeneratedSnapshot {
  const commit = resolveCommit(repo, rev, what);
  let manifest: string;
  try {
    manifest = git(repo, ['show', `${commit}:${FILES_MANIFEST}`]);
  } catch {
    throw new InputError(`${rev} has no ${FILES_MANIFEST}: not a revision of a projen project`);
  }
  const files = new Map<string, string>();
  for (const file of generatedList(manifest, rev).filter(isReviewedOutput)) {
    try {
      files.set(file, git(repo, ['show', `${commit}:${file}`]));
    } catch { /* listed but not committed: absent at that revision */ }
  }
  return { label: rev, files };
}

/** The generated files as they are on disk (after `npx projen`). */
export function snapshotOfWorkingTree(repo: string): GeneratedSnapshot {
  const manifestPath = path.join(repo, FILES_MANIFEST);
  if (!existsSync(manifestPath)) throw new InputError(`${repo} has no ${FILES_MANIFEST}: run it in this repository, after npx projen`);
  const files = new Map<string, string>();
  for (const file of generatedList(readFileSync(manifestPath, 'utf8'), 'working tree').filter(isReviewedOutput)) {
    const full = path.join(repo, file);
    if (existsSync(full)) files.set(file, readFileSync(full, 'utf8'));
  }
  return { label: 'working tree', files };
}

/** The default base: the merge base of HEAD with the default branch (origin's, else the local one). */
export function defaultBase(repo: string, defaultBranch: string): string {
  assertRevision(defaultBranch, 'default branch');
  for (const ref of [`origin/${defaultBranch}`, defaultBranch]) {
    try {
      return git(repo, ['merge-base', 'HEAD', resolveCommit(repo, ref, 'default branch')]).trim();
    } catch { /* try the next */ }
  }
  throw new InputError(`no merge base of HEAD with ${defaultBranch} or origin/${defaultBranch}: pass --base <ref>`);
}
