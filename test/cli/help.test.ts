import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ALL_CLIS } from '../../src/runtime';
import { runCliProcess } from '../support/run-cli';

describe('every helper CLI', () => {
  test('is a bin of the package, compiled from src/runtime/cli', () => {
    const pkg = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));
    expect(pkg.bin).toEqual(Object.fromEntries(ALL_CLIS.map((c) => [c.bin, `lib/runtime/cli/${c.bin}.js`])));
  });

  const commands = ALL_CLIS.map((c) => [c.subcommand ? `${c.bin} ${c.subcommand}` : c.bin, c] as const);

  test.each(commands)('%s --help documents its flags and exit codes', async (command, contract) => {
    const r = await runCliProcess(contract.bin, [...contract.subcommand ? [contract.subcommand] : [], '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Usage: ${command} \\[options\\]`));
    expect(r.stdout).toMatch(/Exit\s+codes:\s+0\s[\s\S]*?\s2\s+(usage|missing)/);
    for (const flag of Object.values(contract.flags)) expect(r.stdout).toContain(flag);
  });

  test.each(commands)('%s answers bad usage with one error line and exit 2', async (_command, contract) => {
    const r = await runCliProcess(contract.bin, [...contract.subcommand ? [contract.subcommand] : [], '--no-such-flag']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: (unknown option '--no-such-flag'|required option '.*' not specified)\n$/);
  });
});
