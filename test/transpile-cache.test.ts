import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { TRANSPILE_HOOK_PATH } from '../projenrc/transpile-hook';

/** Runs a TypeScript file under the synthesis hook; its stdout. */
function run(file: string): string {
  const r = spawnSync(process.execPath, ['--require', TRANSPILE_HOOK_PATH, file], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (r.status !== 0) throw new Error(`exit ${r.status}: ${r.stderr}`);
  return r.stdout.trim();
}

describe('the transpile cache synthesis runs with', () => {
  test('an edited file runs as edited: the entry is keyed by the content, a second run reads it', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'transpile-')), 'probe.ts');
    const source = (n: number) =>
      `interface Probe { readonly n: number }\nconst probe: Probe = { n: ${n} };\nconsole.log(probe.n);\n`;
    writeFileSync(file, source(1));
    expect(run(file)).toBe('1');
    expect(run(file)).toBe('1');
    writeFileSync(file, source(2));
    expect(run(file)).toBe('2');
  });

  test('lines stay where they were: a stack trace names the line of the .ts source', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'transpile-')), 'throws.ts');
    writeFileSync(
      file,
      `import * as path from 'node:path';\ntype T = string;\n\nconst t: T = path.sep;\nthrow new Error(t);\n`,
    );
    const r = spawnSync(process.execPath, ['--require', TRANSPILE_HOOK_PATH, file], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${file}:5`);
  });
});
