import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import * as path from 'node:path';
import type { DockerEngine } from './docker-engine';

/** Debian 12 with its Python 3.11 (the model's version): the stand-ins' base, built from Debian's packages. */
export const BASE_IMAGE = 'voice-e2e-base:bookworm-python3';
const MMDEBSTRAP_ARGS = ['--variant=essential', '--include=python3', '--format=tar', 'bookworm'];
/**
 * The machine's cache, not the checkout's: every CI run starts from a fresh clone and `npm ci`, so a
 * tar under node_modules was rebuilt each time (about 40 s). Keyed by the mmdebstrap arguments;
 * delete the folder to take Debian's newer packages.
 */
const CACHE = path.join(
  process.env.XDG_CACHE_HOME || path.join(homedir(), '.cache'),
  'voice-platform-pipelines',
  'e2e',
);
const TAR_NAME = `base-bookworm-python3-${createHash('sha256').update(MMDEBSTRAP_ARGS.join(' ')).digest('hex').slice(0, 12)}.tar`;

/**
 * Makes {@link BASE_IMAGE} exist in the engine: no registry is reachable, so the root filesystem
 * comes from `mmdebstrap` (cached as a tar between runs, in the machine's cache folder) and is
 * imported with `docker import`. Returns what it did, for the timing report.
 */
export function ensureBaseImage(engine: DockerEngine): 'present' | 'imported' | 'built' {
  if (engine.docker(['image', 'inspect', BASE_IMAGE]).status === 0) return 'present';
  const tar = path.join(CACHE, TAR_NAME);
  let built = false;
  if (!existsSync(tar)) {
    mkdirSync(CACHE, { recursive: true });
    const partial = tar.replace(/\.tar$/, '.partial.tar');
    rmSync(partial, { force: true });
    const r = spawnSync('mmdebstrap', [...MMDEBSTRAP_ARGS, partial], { encoding: 'utf8', timeout: 600_000 });
    if (r.status !== 0) {
      throw new Error(
        `mmdebstrap ${MMDEBSTRAP_ARGS.join(' ')} failed (${r.status ?? r.error?.message}): ${(r.stderr ?? '').split('\n').slice(-10).join('\n')}`,
      );
    }
    renameSync(partial, tar);
    built = true;
  }
  const imported = engine.docker(['import', tar, BASE_IMAGE]);
  if (imported.status !== 0) throw new Error(`docker import ${tar} failed: ${imported.stderr.trim()}`);
  return built ? 'built' : 'imported';
}
