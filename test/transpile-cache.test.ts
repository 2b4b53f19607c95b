import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { TRANSPILE_HOOK_PATH } from '../projenrc/transpile-hook';

/** Runs a TypeScript file under the synthesis hook, its cache in `cacheDir`. */
function runHooked(file: string, cacheDir: string) {
  return spawnSync(process.execPath, ['--require', TRANSPILE_HOOK_PATH, file], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, TRANSPILE_CACHE_DIR: cacheDir },
  });
}

/** Its stdout; a failed run throws. */
function run(file: string, cacheDir: string): string {
  const r = runHooked(file, cacheDir);
  if (r.status !== 0) throw new Error(`exit ${r.status}: ${r.stderr}`);
  return r.stdout.trim();
}

const tempDir = () => mkdtempSync(path.join(tmpdir(), 'transpile-'));

describe('the transpile cache synthesis runs with', () => {
  test('a second run reads the entry the first wrote; an edited file runs as edited (keyed by content)', () => {
    const file = path.join(tempDir(), 'probe.ts');
    const cacheDir = tempDir();
    const source = (n: number) =>
      `interface Probe { readonly n: number }\nconst probe: Probe = { n: ${n} };\nconsole.log(probe.n);\n`;
    writeFileSync(file, source(1));
    expect(run(file, cacheDir)).toBe('1');
    const entries = readdirSync(cacheDir);
    expect(entries).toHaveLength(1);
    // The entry, changed behind the hook's back, is what the second run executes.
    const entry = path.join(cacheDir, entries[0]!);
    writeFileSync(entry, readFileSync(entry, 'utf8').replace('console.log(probe.n)', 'console.log("cached")'));
    expect(run(file, cacheDir)).toBe('cached');
    writeFileSync(file, source(2));
    expect(run(file, cacheDir)).toBe('2');
    expect(readdirSync(cacheDir)).toHaveLength(2);
  });

  test('lines stay where they were: a stack trace names the line of the .ts source', () => {
    const file = path.join(tempDir(), 'throws.ts');
    writeFileSync(
      file,
      `import * as path from 'node:path';\ntype T = string;\n\nconst t: T = path.sep;\nthrow new Error(t);\n`,
    );
    const r = runHooked(file, tempDir());
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${file}:5`);
  });
});
