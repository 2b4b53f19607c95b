import { execFileSync, spawnSync } from 'node:child_process';
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
  return execFileSync('git', ['-C', repo, ...args], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function generatedList(text: string, where: string): string[] {
  let files: unknown;
  try {
    files = JSON.parse(text).files;
  } catch {
    /* reported below */
  }
  if (!Array.isArray(files) || !files.every((f) => typeof f === 'string')) {
    throw new InputError(`${where}: ${FILES_MANIFEST} is not projen's file list ({"files": [...]})`);
  }
  // Entries are paths inside the repository, as projen writes them: never read anything outside it.
  const outside = files.find(
    (f) => path.isAbsolute(f) || path.posix.normalize(f) !== f || f === '..' || f.startsWith('../'),
  );
  if (outside !== undefined) {
    throw new InputError(
      `${where}: ${FILES_MANIFEST} lists ${quoteInput(outside)}, which is not a path inside the repository`,
    );
  }
  // One `git cat-file --batch` reads every file, one name per line: a name holding a line break is no projen output.
  const broken = files.find((f) => /[\r\n\0]/.test(f));
  if (broken !== undefined) {
    throw new InputError(`${where}: ${FILES_MANIFEST} lists ${quoteInput(broken)}, a path with a line break`);
  }
  return files;
}

/** Refuses a value git would read as an option (or that cannot be a revision at all), naming `what`. */
function assertRevision(rev: string, what: string): void {
  if (rev.startsWith('-') || rev.length === 0 || /[\0\n]/.test(rev)) {
    throw new InputError(`${what} ${quoteInput(rev)} is not a revision`);
  }
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
  return (
    file.startsWith('.github/') || file.startsWith('charts/') || file.startsWith('deploy/') || file.startsWith('docs/')
  );
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
  return { label: rev, files: blobsAt(repo, commit, generatedList(manifest, rev).filter(isReviewedOutput)) };
}

/**
 * The files that exist at a commit, read by one `git cat-file --batch` (a `git show` per file
 * started a process for each of ~100 generated files). A listed file that is not committed is absent.
 */
function blobsAt(repo: string, commit: string, files: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  if (files.length === 0) return out;
  const r = spawnSync('git', ['-C', repo, 'cat-file', '--batch'], {
    input: files.map((f) => `${commit}:${f}\n`).join(''),
    maxBuffer: 256 * 1024 * 1024,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`git cat-file --batch exited ${r.status}: ${r.stderr.toString().trim()}`);
  const data = r.stdout;
  let at = 0;
  for (const file of files) {
    const eol = data.indexOf(0x0a, at);
    const header = data.subarray(at, eol).toString('utf8');
    at = eol + 1;
    // `<oid> <type> <size>` then the content and a newline; `<name> missing` (or ambiguous) otherwise.
    const found = /^[0-9a-f]{40,64} (\w+) (\d+)$/.exec(header);
    if (!found) continue;
    const size = Number(found[2]);
    if (found[1] === 'blob') out.set(file, data.subarray(at, at + size).toString('utf8'));
    at += size + 1;
  }
  return out;
}

/** The generated files as they are on disk (after `npx projen`). */
export function snapshotOfWorkingTree(repo: string): GeneratedSnapshot {
  const manifestPath = path.join(repo, FILES_MANIFEST);
  if (!existsSync(manifestPath)) {
    throw new InputError(`${repo} has no ${FILES_MANIFEST}: run it in this repository, after npx projen`);
  }
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
    } catch {
      /* try the next */
    }
  }
  throw new InputError(`no merge base of HEAD with ${defaultBranch} or origin/${defaultBranch}: pass --base <ref>`);
}
