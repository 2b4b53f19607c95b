#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { CheckFailedError, InputError } from '../../common/cli-errors';
import { PIP_AUDIT_SARIF as C } from '../../common/cli-contracts';
import { quoteInput } from '../../common/safe-text';
import { appendText, assertWritable, readJsonFile, writeFileAtomic } from './files';
import { main, numberOption, PROCESS_IO, type CliIo } from './run-cli';
import { DEFAULT_OSV_URL, OsvClient } from '../vulnerabilities/osv-client';
import { parsePipAuditReport } from '../vulnerabilities/pip-audit-report';
import { auditReport, failingFindings, findingMessage, summaryMarkdown, toSarif } from '../vulnerabilities/sarif-report';
import { GATE_SEVERITIES, type GateSeverity } from '../vulnerabilities/severity';

interface Options {
  input: string;
  output: string;
  lockfile?: string;
  osvUrl: string;
  failOn: GateSeverity;
  timeoutMs: number;
  summary?: string;
  attempts: number;
  initialDelayMs: number;
}

/** The command; tests point `--osv-url` at a server on 127.0.0.1. */
export function pipAuditSarifCommand(io: CliIo = PROCESS_IO): Command {
  return new Command(C.bin)
    .description('Convert pip-audit JSON (pip-audit --format json) to SARIF 2.1.0 for code scanning, rating each '
      + 'vulnerability from its OSV record (CVSS v4/v3/v2 base score or advisory severity; aliases when the ID has none). '
      + 'A vulnerability no source rates counts as failing: a gate must not pass what it cannot rate. '
      + 'Exit codes: 0 nothing at or above --fail-on, 1 something is (SARIF still written), '
      + '2 usage or input error, or OSV unreachable (nothing written).')
    .requiredOption(`${C.flags.input} <file>`, 'pip-audit JSON report')
    .requiredOption(`${C.flags.output} <file>`, 'where to write the SARIF (atomically)')
    .option(`${C.flags.lockfile} <path>`, 'the lock file audited, from the repository root (results point at its package entries)')
    .option(`${C.flags.osvUrl} <url>`, 'OSV API root', DEFAULT_OSV_URL)
    .addOption(new Option(`${C.flags.failOn} <severity>`, 'lowest severity that fails').choices([...GATE_SEVERITIES]).default('high'))
    .addOption(new Option(`${C.flags.timeout} <ms>`, 'per-request timeout').default(10000).argParser(numberOption(C.flags.timeout, { min: 1, integer: true })))
    .option(`${C.flags.summary} <file>`, 'append a Markdown summary (e.g. "$GITHUB_STEP_SUMMARY")')
    .addOption(new Option('--attempts <n>', 'tries per OSV record').default(3).argParser(numberOption('--attempts', { min: 1, max: 10, integer: true })).hideHelp())
    .addOption(new Option('--initial-delay-ms <ms>', 'first retry delay').default(500).argParser(numberOption('--initial-delay-ms', { min: 0, integer: true })).hideHelp())
    .action(async (opts: Options) => {
      const report = parsePipAuditReport(readJsonFile(opts.input), opts.input);
      assertWritable(opts.output, C.flags.output);
      let lockfileText: string | undefined;
      if (opts.lockfile !== undefined) {
        try {
          lockfileText = readFileSync(opts.lockfile, 'utf8');
        } catch (e) {
          throw new InputError(`${C.flags.lockfile} ${quoteInput(opts.lockfile)}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
        }
      }
      const client = new OsvClient({ baseUrl: opts.osvUrl, timeoutMs: opts.timeoutMs, attempts: opts.attempts, initialDelayMs: opts.initialDelayMs });
      // Every record is fetched before anything is written: OSV down leaves no partial SARIF.
      const findings = await auditReport({ report, client, lockfileUri: opts.lockfile ?? opts.input, lockfileText });
      writeFileAtomic(opts.output, JSON.stringify(toSarif(findings, opts.lockfile ?? opts.input), null, 2) + '\n');
      const skipped = report.dependencies.filter((d) => d.skip_reason !== undefined).length;
      if (opts.summary) appendText(opts.summary, summaryMarkdown(findings, opts.failOn, skipped));
      for (const f of findings) io.stdout(`${findingMessage(f)}\n`);
      const failing = failingFindings(findings, opts.failOn);
      io.stdout(`${findings.length} vulnerabilit${findings.length === 1 ? 'y' : 'ies'} in ${report.dependencies.length} dependencies; wrote ${opts.output}\n`);
      if (failing.length > 0) {
        for (const f of failing) io.command('error', findingMessage(f), `${f.id} in ${f.packageName}`);
        throw new CheckFailedError(`${failing.length} vulnerabilit${failing.length === 1 ? 'y is' : 'ies are'} ${opts.failOn} or worse, or unrated: ${failing.map((f) => `${f.packageName} ${f.id}`).join(', ')}`);
      }
    });
}

if (require.main === module) main(pipAuditSarifCommand());
