import { Command, Option } from 'commander';
import { numberOption, type CliIo } from './run-cli';
import { CheckFailedError } from '../../common/cli-errors';
import { DEFAULT_OSV_URL, OsvClient } from '../vulnerabilities/osv-client';
import { failingFindings, findingMessage, type Finding } from '../vulnerabilities/sarif-report';
import { GATE_SEVERITIES, type GateSeverity } from '../vulnerabilities/severity';

/** The flags every CLI that rates through OSV and gates on severity shares. */
export interface OsvGateFlags {
  readonly osvUrl: `--${string}`;
  readonly failOn: `--${string}`;
  readonly timeout: `--${string}`;
  readonly summary: `--${string}`;
}

/** The parsed values of {@link addOsvGateOptions}. */
export interface OsvGateOptions {
  readonly osvUrl: string;
  readonly failOn: GateSeverity;
  readonly timeoutMs: number;
  readonly summary?: string;
  readonly attempts: number;
  readonly initialDelayMs: number;
}

/** Adds the OSV and gate options (`--osv-url`, `--fail-on`, the timeout, `--summary`, hidden retry knobs). */
export function addOsvGateOptions(command: Command, flags: OsvGateFlags): Command {
  return command
    .option(`${flags.osvUrl} <url>`, 'OSV API root', DEFAULT_OSV_URL)
    .addOption(
      new Option(`${flags.failOn} <severity>`, 'lowest severity that fails')
        .choices([...GATE_SEVERITIES])
        .default('high'),
    )
    .addOption(
      new Option(`${flags.timeout} <ms>`, 'per-request timeout')
        .default(10000)
        .argParser(numberOption(flags.timeout, { min: 1, integer: true })),
    )
    .option(`${flags.summary} <file>`, 'append a Markdown summary (e.g. "$GITHUB_STEP_SUMMARY")')
    .addOption(
      new Option('--attempts <n>', 'tries per OSV request')
        .default(3)
        .argParser(numberOption('--attempts', { min: 1, max: 10, integer: true }))
        .hideHelp(),
    )
    .addOption(
      new Option('--initial-delay-ms <ms>', 'first retry delay')
        .default(500)
        .argParser(numberOption('--initial-delay-ms', { min: 0, integer: true }))
        .hideHelp(),
    );
}

/** The OSV client the options ask for. */
export function osvClientOf(opts: OsvGateOptions): OsvClient {
  return new OsvClient({
    baseUrl: opts.osvUrl,
    timeoutMs: opts.timeoutMs,
    attempts: opts.attempts,
    initialDelayMs: opts.initialDelayMs,
  });
}

/**
 * Prints every finding, then applies the gate: each finding at or above `failOn` (or unrated) gets
 * an error annotation, and the command fails naming them. Call it after the SARIF is written.
 */
export function applySeverityGate(io: CliIo, findings: readonly Finding[], failOn: GateSeverity, tally: string): void {
  for (const f of findings) io.stdout(`${findingMessage(f)}\n`);
  io.stdout(`${tally}\n`);
  const failing = failingFindings(findings, failOn);
  if (failing.length === 0) return;
  for (const f of failing) io.command('error', findingMessage(f), `${f.id} in ${f.packageName}`);
  throw new CheckFailedError(
    `${failing.length} vulnerabilit${failing.length === 1 ? 'y is' : 'ies are'} ${failOn} or worse, or unrated: ${failing.map((f) => `${f.packageName} ${f.id}`).join(', ')}`,
  );
}
