import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Testing } from 'projen';
import { createProject } from '../../projenrc/project';
import type { PipelineApp } from '../../src';

/** Synthesizes the project (the real platform, or `app`) into a fresh temporary folder; returns every file's text by path. */
export function synthFresh(app?: PipelineApp): Record<string, string> {
  // A fresh folder, never the repo: projen's Testing.synth deletes its outdir.
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
