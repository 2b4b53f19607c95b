#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { CheckFailedError } from '../../common/cli-errors';
import { SWIFT_AUDIT_SARIF as C } from '../../common/cli-contracts';
import { appendText, assertWritable, readJsonFile, writeFileAtomic } from './files';
import { main, numberOption, PROCESS_IO, type CliIo } from './run-cli';
import { parsePackageResolved } from '../swift/package-resolved';
import { DEFAULT_OSV_URL, OsvClient } from '../vulnerabilities/osv-client';
import { failingFindings, findingMessage, summaryMarkdown, toSarif } from '../vulnerabilities/sarif-report';
import { GATE_SEVERITIES, type GateSeverity } from '../vulnerabilities/severity';
import { auditSwiftPins, SWIFT_AUDIT_TOOL } from '../vulnerabilities/swift-audit';

interface Options {
  resolved: string;
  output: string;
  osvUrl: string;
  failOn: GateSeverity;
  ignoreVuln: string[];
  timeoutMs: number;
  summary?: string;
  attempts: number;
  initialDelayMs: number;
}

/** The command; tests point `--osv-url` at a server on 127.0.0.1. */
export function swiftAuditSarifCommand(io: CliIo = PROCESS_IO): Command {
  return new Command(C.bin)
    .description('Check the Swift packages pinned in Package.resolved (v1, v2, v3) against OSV (ecosystem SwiftURL: '
      + 'each package by its repository URL and version, or by its commit when pinned to a branch or revision), rate each '
      + 'vulnerability from its OSV record (CVSS v4/v3/v2 base score or advisory severity) and write SARIF 2.1.0 for code '
      + 'scanning. A vulnerability no source rates counts as failing. '
      + 'Exit codes: 0 nothing at or above --fail-on, 1 something is (SARIF still written), '
      + '2 usage or input error, or OSV unreachable (nothing written).')
    .requiredOption(`${C.flags.resolved} <file>`, 'Package.resolved, from the repository root (results point at its pins)')
    .requiredOption(`${C.flags.output} <file>`, 'where to write the SARIF (atomically)')
    .option(`${C.flags.osvUrl} <url>`, 'OSV API root', DEFAULT_OSV_URL)
    .addOption(new Option(`${C.flags.failOn} <severity>`, 'lowest severity that fails').choices([...GATE_SEVERITIES]).default('high'))
    .option(`${C.flags.ignoreVuln} <id...>`, 'vulnerability IDs (or aliases) accepted as risks: left out of the report', [])
    .addOption(new Option(`${C.flags.timeout} <ms>`, 'per-request timeout').default(10000).argParser(numberOption(C.flags.timeout, { min: 1, integer: true })))
    .option(`${C.flags.summary} <file>`, 'append a Markdown summary (e.g. "$GITHUB_STEP_SUMMARY")')
    .addOption(new Option('--attempts <n>', 'tries per OSV request').default(3).argParser(numberOption('--attempts', { min: 1, max: 10, integer: true })).hideHelp())
    .addOption(new Option('--initial-delay-ms <ms>', 'first retry delay').default(500).argParser(numberOption('--initial-delay-ms', { min: 0, integer: true })).hideHelp())
    .action(async (opts: Options) => {
      const pins = parsePackageResolved(readJsonFile(opts.resolved), opts.resolved);
      assertWritable(opts.output, C.flags.output);
      const client = new OsvClient({ baseUrl: opts.osvUrl, timeoutMs: opts.timeoutMs, attempts: opts.attempts, initialDelayMs: opts.initialDelayMs });
      // Every query and record is read before anything is written: OSV down leaves no partial SARIF.
      const audit = await auditSwiftPins({ pins, client, resolvedText: readFileSync(opts.resolved, 'utf8'), ignore: opts.ignoreVuln });
      const { findings } = audit;
      writeFileAtomic(opts.output, JSON.stringify(toSarif(findings, opts.resolved, SWIFT_AUDIT_TOOL), null, 2) + '\n');
      if (opts.summary) appendText(opts.summary, summaryMarkdown(findings, opts.failOn, audit.skipped.length, SWIFT_AUDIT_TOOL));
      for (const f of findings) io.stdout(`${findingMessage(f)}\n`);
      for (const pin of audit.skipped) io.stdout(`${pin.name}: pinned to ${pin.kind} "${pin.value}" without a resolved revision; OSV cannot be asked about it\n`);
      for (const entry of audit.ignored) io.stdout(`${entry}: ignored (--ignore-vuln)\n`);
      io.stdout(`${findings.length} vulnerabilit${findings.length === 1 ? 'y' : 'ies'} in ${pins.length} Swift package(s); wrote ${opts.output}\n`);
      const failing = failingFindings(findings, opts.failOn);
      if (failing.length > 0) {
        for (const f of failing) io.command('error', findingMessage(f), `${f.id} in ${f.packageName}`);
        throw new CheckFailedError(`${failing.length} vulnerabilit${failing.length === 1 ? 'y is' : 'ies are'} ${opts.failOn} or worse, or unrated: ${failing.map((f) => `${f.packageName} ${f.id}`).join(', ')}`);
      }
    });
}

if (require.main === module) main(swiftAuditSarifCommand());
