import { Command, CommanderError } from 'commander';
import { CheckFailedError, ExitCode, InputError } from '../../common/cli-errors';
import { oneLine, quoteInput, safeOutput, workflowCommand } from '../../common/safe-text';

/** Everything a CLI writes goes through this, so tests can run CLIs in-process too. */
export interface CliIo {
  /** Output; passed through {@link safeOutput}: it can never print a workflow command. */
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** The one way to print a workflow command (`::error title=…::message`), with its data escaped. */
  readonly command: (kind: 'warning' | 'error' | 'notice', message: string, title?: string) => void;
  readonly env: NodeJS.ProcessEnv;
}

/**
 * The I/O a CLI gets: its writes pass through one safe-output layer (values it did not write can
 * never become workflow commands, escape sequences or leaked credentials); only `command` prints a
 * workflow command.
 */
export function safeIo(raw: {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
}): CliIo {
  return {
    stdout: (text) => raw.stdout(safeOutput(text)),
    stderr: (text) => raw.stderr(safeOutput(text)),
    command: (kind, message, title) => raw.stdout(workflowCommand(kind, message, title)),
    env: raw.env,
  };
}

export const PROCESS_IO: CliIo = safeIo({
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
});

/**
 * Runs a CLI: parses argv with the command, calls the action, and maps errors to exit codes.
 * User errors print one line (`name: message`), never a stack trace.
 */
export async function runCli(program: Command, argv: readonly string[], io: CliIo = PROCESS_IO): Promise<ExitCode> {
  // Subcommands (`pipelines plan`) parse their own options: they need the same overrides.
  for (const command of [program, ...program.commands]) {
    command.exitOverride();
    command.configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return ExitCode.PASS;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end through exitOverride with exit code 0.
      return e.exitCode === 0 ? ExitCode.PASS : ExitCode.USAGE_OR_INPUT;
    }
    if (e instanceof InputError || e instanceof CheckFailedError) {
      io.stderr(`${program.name()}: ${oneLine(e.message)}\n`);
      return e.exitCode;
    }
    throw e;
  }
}

/** Entry point for a bin: runs and sets the process exit code. */
export function main(program: Command): void {
  // A reader that closes early (`| head`) is not a failure of the check.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') throw e;
    });
  }
  runCli(program, process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`${program.name()}: internal error: ${e instanceof Error ? e.stack : String(e)}\n`);
      process.exitCode = ExitCode.USAGE_OR_INPUT;
    },
  );
}

/**
 * Writes a warning: a `::warning` annotation on GitHub (the run shows it), a `WARNING:` line elsewhere.
 */
export function writeWarning(io: CliIo, message: string, title: string): void {
  if (io.env.GITHUB_ACTIONS === 'true') io.command('warning', message, title);
  else io.stdout(`WARNING: ${oneLine(message)}\n`);
}

/** Parses a number flag; throws an InputError naming the flag. */
export function numberOption(flag: string, opts: { min?: number; max?: number; integer?: boolean } = {}) {
  return (raw: string): number => {
    const value = Number(raw);
    const bad =
      raw.trim() === '' ||
      !Number.isFinite(value) ||
      (opts.integer && !Number.isInteger(value)) ||
      (opts.min !== undefined && value < opts.min) ||
      (opts.max !== undefined && value > opts.max);
    if (bad) {
      const range = [opts.min !== undefined ? `≥ ${opts.min}` : '', opts.max !== undefined ? `≤ ${opts.max}` : '']
        .filter(Boolean)
        .join(' and ');
      throw new InputError(
        `${flag} must be ${opts.integer ? 'an integer' : 'a number'}${range ? ` ${range}` : ''}, got ${quoteInput(raw)}`,
      );
    }
    return value;
  };
}
