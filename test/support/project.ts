import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Testing } from 'projen';
import { createProject } from '../../projenrc/project';
import type { PipelineApp } from '../../src';

export const REPO_ROOT = path.join(__dirname, '..', '..');

/**
 * Synthesizes the real project into a fresh temporary folder (never the repo: projen's
 * Testing.synth deletes its outdir) and returns every file's text by path.
 */
export function synthProject(app?: PipelineApp): Record<string, string> {
  const outdir = mkdtempSync(path.join(tmpdir(), 'pipelines-synth-'));
  return Testing.synth(createProject({ outdir, app }), { parseJson: false }) as Record<string, string>;
}

/** Runs `createProject` into a fresh folder, expecting it to throw; returns the error and what was written. */
export function synthFailure(app: PipelineApp): { error: Error; written: string[] } {
  const outdir = mkdtempSync(path.join(tmpdir(), 'pipelines-fail-'));
  try {
    createProject({ outdir, app }).synth();
    throw new Error('synthesis was expected to fail but succeeded');
  } catch (e) {
    const written = readdirSync(outdir, { recursive: true }) as string[];
    return { error: e as Error, written };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** The folders the pipeline kits generate into. */
export const GENERATED_FOLDERS = ['.github', 'charts', 'deploy', 'docs'] as const;

/** Paths of the files the pipeline kits generate (workflows, Dependabot, CODEOWNERS, charts, compose, docs). */
export function generatedPaths(files: Record<string, string>): string[] {
  return Object.keys(files).filter((p) => GENERATED_FOLDERS.some((f) => p.startsWith(`${f}/`))).sort();
}
