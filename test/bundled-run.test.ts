import { spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { BUNDLED_RUN } from '../projenrc/transpile-hook';

const RUNNER = path.join(__dirname, '..', BUNDLED_RUN);
const tempDir = () => mkdtempSync(path.join(tmpdir(), 'bundled-run-'));

/** Runs `entry` through the bundled runner, its bundles in `cacheDir`. */
function runBundled(entry: string, cacheDir: string, cwd = path.dirname(entry)) {
  return spawnSync(process.execPath, [RUNNER, entry], {
    cwd,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, BUNDLED_RUN_CACHE_DIR: cacheDir },
  });
}

/** Its stdout; a failed run throws. */
function run(entry: string, cacheDir: string, cwd?: string): string {
  const r = runBundled(entry, cacheDir, cwd);
  if (r.status !== 0) throw new Error(`exit ${r.status}: ${r.stderr}`);
  return r.stdout.trim();
}

/** Writes files under `root` (paths relative to it). */
function write(root: string, files: Record<string, string>): void {
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
}

const bundleOf = (cacheDir: string) =>
  path.join(
    cacheDir,
    readdirSync(cacheDir).find((f) => f.endsWith('.js'))!,
  );

describe('the bundled runner synthesis runs with', () => {
  test('a second run reuses the bundle; an edited import rebuilds it', () => {
    const root = tempDir();
    const cacheDir = tempDir();
    write(root, {
      'entry.ts': "import { value } from './lib/value';\nconsole.log(`value ${value}`);\n",
      'lib/value.ts': 'export const value: number = 1;\n',
    });
    const entry = path.join(root, 'entry.ts');
    expect(run(entry, cacheDir)).toBe('value 1');
    // The bundle, changed behind the runner's back, is what the second run executes.
    const bundle = bundleOf(cacheDir);
    writeFileSync(bundle, readFileSync(bundle, 'utf8').replace('`value ${', '`cached ${'));
    expect(run(entry, cacheDir)).toBe('cached 1');
    write(root, { 'lib/value.ts': 'export const value: number = 22;\n' });
    expect(run(entry, cacheDir)).toBe('value 22');
    // A bundle deleted from under its manifest is built again, not run missing.
    rmSync(bundle);
    expect(run(entry, cacheDir)).toBe('value 22');
  });

  test("each module keeps its own __dirname and __filename (the bundle's would name the cache folder)", () => {
    const root = tempDir();
    write(root, {
      'entry.ts': "import { where } from './deep/where';\nconsole.log(JSON.stringify([__dirname, where]));\n",
      'deep/where.ts': 'export const where = __filename;\n',
    });
    expect(JSON.parse(run(path.join(root, 'entry.ts'), tempDir()))).toEqual([
      root,
      path.join(root, 'deep', 'where.ts'),
    ]);
  });

  test('a stack trace names the line of the .ts source, not of the bundle', () => {
    const root = tempDir();
    write(root, {
      'entry.ts': "import { fail } from './fail';\n\nfail();\n",
      'fail.ts':
        'type T = string;\n\nexport function fail(): void {\n  const t: T = "boom";\n  throw new Error(t);\n}\n',
    });
    const r = runBundled(path.join(root, 'entry.ts'), tempDir());
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('Error: boom');
    expect(r.stderr).toContain(`at fail (${path.join(root, 'fail.ts')}:5:9)`);
    expect(r.stderr).toContain(`at ${path.join(root, 'entry.ts')}:3:`);
  });

  test('a source esbuild cannot read fails with its file and line, and nothing runs', () => {
    const root = tempDir();
    write(root, { 'entry.ts': "console.log('ran');\nconst x: number = ;\n" });
    const r = runBundled(path.join(root, 'entry.ts'), tempDir());
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('[ERROR] Unexpected ";"');
    expect(r.stderr).toContain('entry.ts:2:18:');
  });

  /** An entry run once, so its bundle and code cache exist: prints 2,4,6. */
  function ranOnce(): { entry: string; cacheDir: string; cacheFile: string } {
    const root = tempDir();
    const cacheDir = tempDir();
    write(root, { 'entry.ts': 'console.log([1, 2, 3].map((n) => n * 2).join(","));\n' });
    const entry = path.join(root, 'entry.ts');
    expect(run(entry, cacheDir)).toBe('2,4,6');
    return { entry, cacheDir, cacheFile: `${bundleOf(cacheDir)}.v8-cache` };
  }

  test('a code cache V8 refuses is replaced, and the run is unharmed', () => {
    const { entry, cacheDir, cacheFile } = ranOnce();
    expect(readFileSync(cacheFile).length).toBeGreaterThan(0);
    writeFileSync(cacheFile, 'not a code cache');
    expect(run(entry, cacheDir)).toBe('2,4,6');
    expect(readFileSync(cacheFile, 'utf8')).not.toBe('not a code cache');
  });

  // V8 checks a code cache against its flags: v8-tiering.js sets them before the bundle is compiled,
  // so the cache a run writes is the one the next run accepts (set after, every run would refuse it).
  test('a code cache V8 accepted is kept: the next run does not write it again', () => {
    const { entry, cacheDir, cacheFile } = ranOnce();
    // Written atomically (a new file under the name), so a rewrite shows as a new inode.
    const written = statSync(cacheFile).ino;
    expect(run(entry, cacheDir)).toBe('2,4,6');
    expect(run(entry, cacheDir)).toBe('2,4,6');
    expect(statSync(cacheFile).ino).toBe(written);
  });

  test('a build removes the bundles of entry points that are gone (a deleted checkout), keeps the others', () => {
    const cacheDir = tempDir();
    const [gone, kept, built] = [tempDir(), tempDir(), tempDir()].map((root) => {
      write(root, { 'entry.ts': `console.log(${JSON.stringify(root)});\n` });
      return path.join(root, 'entry.ts');
    });
    for (const entry of [gone, kept]) run(entry, cacheDir);
    const filesOf = () => readdirSync(cacheDir).sort();
    expect(filesOf()).toHaveLength(8);
    const goneFiles = filesOf().filter((f) =>
      readFileSync(path.join(cacheDir, f), 'latin1').includes(path.dirname(gone)),
    );
    rmSync(path.dirname(gone), { recursive: true });
    run(built, cacheDir);
    expect(filesOf()).toHaveLength(8);
    expect(filesOf().filter((f) => goneFiles.includes(f))).toEqual([]);
  });

  test('a package installed twice at one version is bundled once; at two versions, twice', () => {
    const root = tempDir();
    // The top-level copy is a link (as in the job runner's checkouts): bundled once still, by its real path.
    const linked = tempDir();
    write(linked, {
      'package.json': JSON.stringify({ name: 'dup', version: '1.0.0' }),
      'index.js': 'module.exports = { copy: __filename };\n',
    });
    mkdirSync(path.join(root, 'node_modules'));
    symlinkSync(linked, path.join(root, 'node_modules', 'dup'));
    const pkg = (name: string, version: string, main: string) => ({
      [`${name}/package.json`]: JSON.stringify({ name: name.split('node_modules/').pop(), version }),
      [`${name}/index.js`]: main,
    });
    const dup = 'module.exports = { copy: __filename };\n';
    write(root, {
      ...pkg('node_modules/same', '1.0.0', "module.exports = require('dup');\n"),
      ...pkg('node_modules/same/node_modules/dup', '1.0.0', dup),
      ...pkg('node_modules/other', '1.0.0', "module.exports = require('dup');\n"),
      ...pkg('node_modules/other/node_modules/dup', '2.0.0', dup),
      'entry.ts':
        "import * as top from 'dup';\nimport * as same from 'same';\nimport * as other from 'other';\n" +
        'console.log(JSON.stringify([top.copy, same.copy, other.copy]));\n',
    });
    const [top, same, other] = JSON.parse(run(path.join(root, 'entry.ts'), tempDir(), root)) as string[];
    expect(top).toBe(path.join(linked, 'index.js'));
    expect(same).toBe(top);
    expect(other).toBe(path.join(root, 'node_modules', 'other', 'node_modules', 'dup', 'index.js'));
  });
});
