import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ALL_CLIS } from '../../src/runtime';
import { runCliProcess } from '../support/run-cli';

describe('every helper CLI', () => {
  test('is a bin of the package, compiled from src/runtime/cli', () => {
    const pkg = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));
    expect(pkg.bin).toEqual(Object.fromEntries(ALL_CLIS.map((c) => [c.bin, `lib/runtime/cli/${c.bin}.js`])));
  });

  test.each(ALL_CLIS.map((c) => c.bin))('%s --help documents its flags and exit codes', async (bin) => {
    const r = await runCliProcess(bin, ['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Usage: ${bin} \\[options\\]`));
    expect(r.stdout).toMatch(/Exit\s+codes:\s+0\s[\s\S]*?\s2\s+(usage|missing)/);
    const contract = ALL_CLIS.find((c) => c.bin === bin)!;
    for (const flag of Object.values(contract.flags)) expect(r.stdout).toContain(flag);
  });

  test.each(ALL_CLIS.map((c) => c.bin))('%s answers bad usage with one error line and exit 2', async (bin) => {
    const r = await runCliProcess(bin, ['--no-such-flag']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: (unknown option '--no-such-flag'|required option '.*' not specified)\n$/);
  });
});
