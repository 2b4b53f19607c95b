import { closeSync, existsSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type * as Synthesis from './synthesis';
import type { PipelineApp } from '../../src';

export const REPO_ROOT = path.join(__dirname, '..', '..');

/**
 * projen and the project definition, loaded on first use: under jest they cost about 0.7 s per test
 * file, and most test files only read the shared synthesis another worker already wrote.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const synthesis = (): typeof Synthesis => require('./synthesis') as typeof Synthesis;

function synthFresh(app?: PipelineApp): Record<string, string> {
  return synthesis().synthFresh(app);
}

/** How long a worker waits for another worker's synthesis of the real project before doing its own. */
const SHARED_SYNTHESIS_WAIT_MS = 120_000;

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * The real project's files, synthesized once per test run and shared by every test file through the
 * run's temporary root (jest's globalSetup makes a fresh one per run, so a source change is never
 * served stale). Thirteen test files read the same output; each synthesizing it again cost about
 * two CPU-seconds. The first worker takes a lock and writes the files; another waits for them.
 */
function sharedSynthesis(): Record<string, string> {
  // Without the run's own temporary root (a jest config without temp-root-setup) a file could outlive its run.
  if (!process.env.VOICE_TEST_TMPDIR_BASE) return synthFresh();
  const file = path.join(tmpdir(), 'real-project-files.json');
  const deadline = Date.now() + SHARED_SYNTHESIS_WAIT_MS;
  for (;;) {
    if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
    let lock: number | undefined;
    try {
      lock = openSync(`${file}.lock`, 'wx');
    } catch {
      if (Date.now() > deadline) return synthFresh();
      sleepSync(50);
      continue;
    }
    closeSync(lock);
    let files: Record<string, string>;
    try {
      files = synthFresh();
    } catch (e) {
      // A failed synthesis releases the lock: the other workers try (and report) it themselves instead of waiting out the deadline.
      rmSync(`${file}.lock`, { force: true });
      throw e;
    }
    writeFileSync(`${file}.${process.pid}.tmp`, JSON.stringify(files));
    renameSync(`${file}.${process.pid}.tmp`, file);
    return files;
  }
}

/**
 * Synthesizes the project and returns every file's text by path: the real platform's output is
 * made once per run and shared (see sharedSynthesis); a test's own `app` is synthesized afresh.
 */
export function synthProject(app?: PipelineApp): Record<string, string> {
  return app ? synthFresh(app) : sharedSynthesis();
}

/** Runs `createProject` into a fresh folder, expecting it to throw; returns the error and what was written. */
export function synthFailure(app: PipelineApp): { error: Error; written: string[] } {
  return synthesis().synthFailure(app);
}

/** The folders the pipeline kits generate into. */
export const GENERATED_FOLDERS = ['.github', 'charts', 'deploy', 'docs'] as const;

/** Paths of the files the pipeline kits generate (workflows, Dependabot, CODEOWNERS, charts, compose, docs). */
export function generatedPaths(files: Record<string, string>): string[] {
  return Object.keys(files)
    .filter((p) => GENERATED_FOLDERS.some((f) => p.startsWith(`${f}/`)))
    .sort();
}
