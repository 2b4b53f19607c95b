import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/**
 * A scratch copy of this repository whose `.projenrc.ts` synthesizes the platform grown to N services
 * (the fixture of test/fixtures/platforms.ts). `npx projen` there is synthesis as a user with N
 * services runs it: npx and projen starting, the bundle, the tree, the checks, every file written.
 * The copy holds the working tree's files (tracked and new, not ignored) and links the repository's
 * node_modules; its bundle cache is its own, so removing the copy leaves nothing behind.
 */
export class GrownCopy {
  /** Makes the copy and synthesizes it once, so that timed runs rewrite files that are there. */
  public static create(root: string, services: number): GrownCopy {
    const dir = mkdtempSync(path.join(tmpdir(), `grown-${services}-`));
    const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      cwd: root,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    for (const file of listed.split('\0').filter(Boolean)) {
      const from = path.join(root, file);
      // A tracked file deleted in the working tree is not part of it.
      if (!existsSync(from)) continue;
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      cpSync(from, path.join(dir, file));
    }
    symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
    writeFileSync(
      path.join(dir, '.projenrc.ts'),
      [
        "import { createProject } from './projenrc/project';",
        "import { platformWithServices } from './test/fixtures/platforms';",
        "import { buildPipelines } from './workflows-gen';",
        '',
        `createProject({ app: buildPipelines({ definition: platformWithServices(${services}) }) }).synth();`,
        '',
      ].join('\n'),
    );
    const copy = new GrownCopy(dir, services);
    try {
      copy.synthesize();
    } catch (e) {
      copy.remove();
      throw e;
    }
    return copy;
  }

  private constructor(
    public readonly dir: string,
    public readonly services: number,
  ) {}

  /** One `npx projen` in the copy; its wall seconds. Throws with its output when it fails. */
  public synthesize(): number {
    const start = process.hrtime.bigint();
    const r = spawnSync('npx', ['projen'], {
      cwd: this.dir,
      encoding: 'utf8',
      env: { ...process.env, CI: 'true', BUNDLED_RUN_CACHE_DIR: path.join(this.dir, '.bundled-run-cache') },
    });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (r.status !== 0) {
      throw new Error(`npx projen with ${this.services} services exited ${r.status}:\n${r.stdout}${r.stderr}`);
    }
    return seconds;
  }

  public remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
