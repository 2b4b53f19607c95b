import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { tunedBinCommand } from '../projenrc/tuned-bin';
import { nodeFlags, SHORT_RUN_V8_FLAGS } from '../projenrc/v8-tiering';

const ROOT = path.join(__dirname, '..');

describe("V8's tiering for short runs (projenrc/v8-tiering.js)", () => {
  test('a node command line gets the flags this V8 knows, never one that would stop node from starting', () => {
    expect(nodeFlags(['--interrupt-budget=1000', '--no-such-v8-flag=2'])).toEqual(['--interrupt-budget=1000']);
    const flags = nodeFlags();
    expect(flags).toEqual(SHORT_RUN_V8_FLAGS);
    // -p: node starts with them and has them in its execArgv (the eval code is listed too).
    const r = spawnSync(process.execPath, [...flags, '-p', 'process.execArgv.slice(0, -2).join(" ")'], {
      encoding: 'utf8',
    });
    expect({ status: r.status, stdout: r.stdout.trim() }).toEqual({ status: 0, stdout: flags.join(' ') });
  });

  test('tuned-bin runs a package bin with the flags, and passes its output and exit code on', () => {
    const [command, argv] = tunedBinCommand('tsc', ['--version']);
    expect(command).toBe(process.execPath);
    expect(argv).toEqual([...nodeFlags(), require.resolve('typescript/bin/tsc'), '--version']);
    const ok = spawnSync(process.execPath, ['projenrc/tuned-bin.js', 'tsc', '--version'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect({ status: ok.status, stdout: ok.stdout }).toEqual({
      status: 0,
      stdout: expect.stringMatching(/^Version \d/),
    });
    const refused = spawnSync(process.execPath, ['projenrc/tuned-bin.js', 'tsc', '--no-such-option'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(refused.status).toBe(1);
    expect(refused.stdout).toContain("Unknown compiler option '--no-such-option'");
    expect(() => tunedBinCommand('no-such-bin', [])).toThrow(/node_modules\/\.bin\/no-such-bin is missing: run npm ci/);
  });
});
