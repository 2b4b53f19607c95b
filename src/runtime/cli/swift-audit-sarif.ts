#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { appendText, assertWritable, readJsonFile, writeFileAtomic } from './files';
import { addOsvGateOptions, applySeverityGate, osvClientOf, type OsvGateOptions } from './osv-gate';
import { main, PROCESS_IO, type CliIo } from './run-cli';
import { SWIFT_AUDIT_SARIF as C } from '../../common/cli-contracts';
import { parsePackageResolved } from '../swift/package-resolved';
import { summaryMarkdown, toSarif } from '../vulnerabilities/sarif-report';
import { auditSwiftPins, SWIFT_AUDIT_TOOL } from '../vulnerabilities/swift-audit';

interface Options extends OsvGateOptions {
  resolved: string;
  output: string;
  ignoreVuln: string[];
}

/** The command; tests point `--osv-url` at a server on 127.0.0.1. */
export function swiftAuditSarifCommand(io: CliIo = PROCESS_IO): Command {
  const command = new Command(C.bin)
    .description(
      'Check the Swift packages pinned in Package.resolved (v1, v2, v3) against OSV (ecosystem SwiftURL: ' +
        'each package by its repository URL and version, or by its commit when pinned to a branch or revision), rate each ' +
        'vulnerability from its OSV record (CVSS v4/v3/v2 base score or advisory severity) and write SARIF 2.1.0 for code ' +
        'scanning. A vulnerability no source rates counts as failing. ' +
        'Exit codes: 0 nothing at or above --fail-on, 1 something is (SARIF still written), ' +
        '2 usage or input error, or OSV unreachable (nothing written).',
    )
    .requiredOption(
      `${C.flags.resolved} <file>`,
      'Package.resolved, from the repository root (results point at its pins)',
    )
    .requiredOption(`${C.flags.output} <file>`, 'where to write the SARIF (atomically)')
    .option(
      `${C.flags.ignoreVuln} <id...>`,
      'vulnerability IDs (or aliases) accepted as risks: left out of the report',
      [],
    );
  return addOsvGateOptions(command, C.flags).action(async (opts: Options) => {
    const pins = parsePackageResolved(readJsonFile(opts.resolved), opts.resolved);
    assertWritable(opts.output, C.flags.output);
    // Every query and record is read before anything is written: OSV down leaves no partial SARIF.
    const audit = await auditSwiftPins({
      pins,
      client: osvClientOf(opts),
      resolvedText: readFileSync(opts.resolved, 'utf8'),
      ignore: opts.ignoreVuln,
    });
    const { findings } = audit;
    writeFileAtomic(opts.output, JSON.stringify(toSarif(findings, opts.resolved, SWIFT_AUDIT_TOOL), null, 2) + '\n');
    if (opts.summary) {
      appendText(opts.summary, summaryMarkdown(findings, opts.failOn, audit.skipped.length, SWIFT_AUDIT_TOOL));
    }
    for (const pin of audit.skipped) {
      io.stdout(
        `${pin.name}: pinned to ${pin.kind} "${pin.value}" without a resolved revision; OSV cannot be asked about it\n`,
      );
    }
    for (const entry of audit.ignored) io.stdout(`${entry}: ignored (--ignore-vuln)\n`);
    applySeverityGate(
      io,
      findings,
      opts.failOn,
      `${findings.length} vulnerabilit${findings.length === 1 ? 'y' : 'ies'} in ${pins.length} Swift package(s); wrote ${opts.output}`,
    );
  });
}

if (require.main === module) main(swiftAuditSarifCommand());
