#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { appendText, assertWritable, readJsonFile, writeFileAtomic } from './files';
import { addOsvGateOptions, applySeverityGate, osvClientOf, type OsvGateOptions } from './osv-gate';
import { main, PROCESS_IO, type CliIo } from './run-cli';
import { PIP_AUDIT_SARIF as C } from '../../common/cli-contracts';
import { InputError } from '../../common/cli-errors';
import { quoteInput } from '../../common/safe-text';
import { parsePipAuditReport } from '../vulnerabilities/pip-audit-report';
import { auditReport, summaryMarkdown, toSarif } from '../vulnerabilities/sarif-report';

interface Options extends OsvGateOptions {
  input: string;
  output: string;
  lockfile?: string;
}

/** The command; tests point `--osv-url` at a server on 127.0.0.1. */
export function pipAuditSarifCommand(io: CliIo = PROCESS_IO): Command {
  const command = new Command(C.bin)
    .description(
      'Convert pip-audit JSON (pip-audit --format json) to SARIF 2.1.0 for code scanning, rating each ' +
        'vulnerability from its OSV record (CVSS v4/v3/v2 base score or advisory severity; aliases when the ID has none). ' +
        'A vulnerability no source rates counts as failing: a gate must not pass what it cannot rate. ' +
        'Exit codes: 0 nothing at or above --fail-on, 1 something is (SARIF still written), ' +
        '2 usage or input error, or OSV unreachable (nothing written).',
    )
    .requiredOption(`${C.flags.input} <file>`, 'pip-audit JSON report')
    .requiredOption(`${C.flags.output} <file>`, 'where to write the SARIF (atomically)')
    .option(
      `${C.flags.lockfile} <path>`,
      'the lock file audited, from the repository root (results point at its package entries)',
    );
  return addOsvGateOptions(command, C.flags).action(async (opts: Options) => {
    const report = parsePipAuditReport(readJsonFile(opts.input), opts.input);
    assertWritable(opts.output, C.flags.output);
    let lockfileText: string | undefined;
    if (opts.lockfile !== undefined) {
      try {
        lockfileText = readFileSync(opts.lockfile, 'utf8');
      } catch (e) {
        throw new InputError(
          `${C.flags.lockfile} ${quoteInput(opts.lockfile)}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
        );
      }
    }
    // Every record is fetched before anything is written: OSV down leaves no partial SARIF.
    const findings = await auditReport({
      report,
      client: osvClientOf(opts),
      lockfileUri: opts.lockfile ?? opts.input,
      lockfileText,
    });
    writeFileAtomic(opts.output, JSON.stringify(toSarif(findings, opts.lockfile ?? opts.input), null, 2) + '\n');
    const skipped = report.dependencies.filter((d) => d.skip_reason !== undefined).length;
    if (opts.summary) appendText(opts.summary, summaryMarkdown(findings, opts.failOn, skipped));
    applySeverityGate(
      io,
      findings,
      opts.failOn,
      `${findings.length} vulnerabilit${findings.length === 1 ? 'y' : 'ies'} in ${report.dependencies.length} dependencies; wrote ${opts.output}`,
    );
  });
}

if (require.main === module) main(pipAuditSarifCommand());
