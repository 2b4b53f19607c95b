#!/usr/bin/env node
import { Command, Option } from 'commander';
import { appendText, readJsonFile } from './files';
import { main, numberOption, PROCESS_IO, type CliIo } from './run-cli';
import { COVERAGE_REPORT as C } from '../../common/cli-contracts';
import { CheckFailedError, InputError } from '../../common/cli-errors';
import { coverageMarkdown, parseXccovReport, summarizeCoverage } from '../line-coverage/xccov-report';

interface Options {
  report: string;
  title: string;
  minLinePct?: number;
  summary?: string;
}

export function coverageReportCommand(io: CliIo = PROCESS_IO): Command {
  return new Command(C.bin)
    .description(
      "Line coverage of the code under test from Xcode's own report (`xcrun xccov view --report --json <bundle>.xcresult`): " +
        'a row per target, test bundles (.xctest) left out, and the total, printed and appended to --summary; below ' +
        '--min-line-pct the check fails. Exit codes: 0 at or above the floor (or no floor), 1 below it, 2 usage error or a ' +
        "report that is not xccov's.",
    )
    .requiredOption(`${C.flags.report} <file>`, "xccov's JSON report")
    .option(`${C.flags.title} <text>`, 'what the tests were, for the heading', 'tests')
    .addOption(
      new Option(`${C.flags.minLinePct} <pct>`, 'lowest line coverage allowed, in percent').argParser(
        numberOption(C.flags.minLinePct, { min: 0, max: 100 }),
      ),
    )
    .option(`${C.flags.summary} <file>`, 'append the table as Markdown (e.g. $GITHUB_STEP_SUMMARY)')
    .action((opts: Options) => {
      const summary = summarizeCoverage(parseXccovReport(readJsonFile(opts.report), opts.report));
      if (summary.executableLines === 0) {
        throw new InputError(
          `${opts.report}: no executable line outside the test bundles; was the build instrumented (-enableCodeCoverage YES)?`,
        );
      }
      const markdown = coverageMarkdown(opts.title, summary, opts.minLinePct);
      if (opts.summary) appendText(opts.summary, markdown);
      io.stdout(
        `${opts.title}: ${summary.pct} % of ${summary.executableLines} lines covered (${summary.targets.map((t) => `${t.name} ${t.pct} %`).join(', ')})\n`,
      );
      if (opts.minLinePct !== undefined && summary.pct < opts.minLinePct) {
        throw new CheckFailedError(
          `${opts.title}: line coverage ${summary.pct} % is below the floor of ${opts.minLinePct} %`,
        );
      }
    });
}

if (require.main === module) main(coverageReportCommand());
