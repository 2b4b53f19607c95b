import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { ALL_CLIS } from '../../src/runtime';
import type { CliIo } from '../../src/runtime/cli/run-cli';
import { runCliInProcess, runCliProcess } from '../support/run-cli';

/** The command factory a bin's module exports (`sparkleAppcastCommand`...): help and usage need no process. */
function commandOf(bin: string): (io: CliIo) => Command {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(`../../src/runtime/cli/${bin}`) as Record<string, unknown>;
  const factories = Object.entries(mod).filter(([name, v]) => name.endsWith('Command') && typeof v === 'function');
  if (factories.length !== 1) {
    throw new Error(
      `src/runtime/cli/${bin}.ts should export one *Command factory, found ${factories.map(([n]) => n).join(', ') || 'none'}`,
    );
  }
  return factories[0]![1] as (io: CliIo) => Command;
}

describe('every helper CLI', () => {
  test('is a bin of the package, compiled from src/runtime/cli', () => {
    const pkg = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));
    expect(pkg.bin).toEqual(Object.fromEntries(ALL_CLIS.map((c) => [c.bin, `lib/runtime/cli/${c.bin}.js`])));
  });

  const commands = ALL_CLIS.map((c) => [c.subcommand ? `${c.bin} ${c.subcommand}` : c.bin, c] as const);

  test.each(commands)('%s --help documents its flags and exit codes', async (command, contract) => {
    const r = await runCliInProcess(commandOf(contract.bin), [
      ...(contract.subcommand ? [contract.subcommand] : []),
      '--help',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Usage: ${command} \\[options\\]`));
    expect(r.stdout).toMatch(/Exit\s+codes:\s+0\s[\s\S]*?\s2\s+(usage|missing)/);
    for (const flag of Object.values(contract.flags)) expect(r.stdout).toContain(flag);
  });

  test.each(commands)('%s answers bad usage with one error line and exit 2', async (_command, contract) => {
    const r = await runCliInProcess(commandOf(contract.bin), [
      ...(contract.subcommand ? [contract.subcommand] : []),
      '--no-such-flag',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: (unknown option '--no-such-flag'|required option '.*' not specified)\n$/);
  });

  // The bins share one entry (run-cli's main): one process shows help and usage reach the real streams and exit codes.
  test('as a process, help exits 0 on stdout and bad usage exits 2 with one line on stderr', async () => {
    const help = await runCliProcess('pipelines', ['plan', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: pipelines plan \[options\]/);
    const bad = await runCliProcess('pipelines', ['plan', '--no-such-flag']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe("error: unknown option '--no-such-flag'\n");
  });
});
