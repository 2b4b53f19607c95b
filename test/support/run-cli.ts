import { spawn } from 'node:child_process';
import * as path from 'node:path';
import type { Command } from 'commander';
import { TRANSPILE_HOOK_PATH } from '../../projenrc/transpile-hook';
import { runCli, safeIo, type CliIo } from '../../src/runtime/cli/run-cli';

const ROOT = path.join(__dirname, '..', '..');

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a helper CLI from src/ as a child process (asynchronously, so a fixture server in this
 * process keeps answering), exactly as its bin would, with sucrase transpiling the TypeScript.
 */
export function runCliProcess(
  cli: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
  cwd = ROOT,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--require', TRANSPILE_HOOK_PATH, path.join(ROOT, 'src', 'runtime', 'cli', `${cli}.ts`), ...args],
      {
        cwd,
        env: { PATH: process.env.PATH, ...env },
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * Runs a CLI in this process through its own I/O seam (the `io` its command factory takes), with
 * the same argument parsing and exit-code mapping as the bin: for logic where the process
 * boundary is not the point.
 */
export async function runCliInProcess(
  command: (io: CliIo) => Command,
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<CliResult & { code: number }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = safeIo({
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    env,
  });
  const code = await runCli(command(io), args, io);
  return { code, stdout, stderr };
}
