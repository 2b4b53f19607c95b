#!/usr/bin/env node
import { appendFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { CheckFailedError, InputError } from '../../common/cli-errors';
import { CHECK_PERFORMANCE_REGRESSION as C } from '../../common/cli-contracts';
import { fileExists, readJsonFile, writeFileAtomic } from './files';
import { main, numberOption, PROCESS_IO, type CliIo } from './run-cli';
import { parseMetrics } from '../metrics/performance-metrics';
import { compareMetrics } from '../regression/compare';
import { renderMarkdown, renderTable } from '../regression/report';
import { parseThresholds } from '../regression/parse-thresholds';
import { DEFAULT_THRESHOLDS, type RegressionThresholds } from '../../common/regression-thresholds';

interface Options {
  current: string;
  baseline: string;
  thresholds?: string;
  updateBaseline?: boolean;
  summary?: string;
  /** Threshold flags, under commander's attribute names (e.g. maxP95IncreasePct). */
  [attribute: string]: unknown;
}

const THRESHOLD_KEYS = ['p95IncreasePct', 'p99IncreasePct', 'maxErrorRate', 'maxErrorRateIncrease', 'throughputDecreasePct'] as const;

const d = DEFAULT_THRESHOLDS;

/** The command; `io` lets tests run it in-process. */
export function checkPerformanceRegressionCommand(io: CliIo = PROCESS_IO): Command {
  return new Command(C.bin)
    .description('Compare a performance run with the baseline; exit 1 on a regression. '
      + 'Exit codes: 0 pass (or baseline created), 1 regression, 2 usage or input error.')
    .requiredOption(`${C.flags.current} <file>`, 'metrics JSON of this run (format: performance metrics v1)')
    .requiredOption(`${C.flags.baseline} <file>`, 'baseline metrics JSON; created from --current when missing')
    .option(`${C.flags.thresholds} <file>`, 'JSON with any of the threshold fields below; flags override it')
    .addOption(new Option(`${C.flags.p95IncreasePct} <pct>`, `max p95 latency rise, % (default ${d.p95IncreasePct})`).argParser(numberOption(C.flags.p95IncreasePct, { min: 0 })))
    .addOption(new Option(`${C.flags.p99IncreasePct} <pct>`, `max p99 latency rise, % (default ${d.p99IncreasePct})`).argParser(numberOption(C.flags.p99IncreasePct, { min: 0 })))
    .addOption(new Option(`${C.flags.maxErrorRate} <rate>`, `max error rate, 0–1 (default ${d.maxErrorRate})`).argParser(numberOption(C.flags.maxErrorRate, { min: 0, max: 1 })))
    .addOption(new Option(`${C.flags.maxErrorRateIncrease} <rate>`, `max error-rate rise over the baseline, 0–1 (default ${d.maxErrorRateIncrease})`).argParser(numberOption(C.flags.maxErrorRateIncrease, { min: 0, max: 1 })))
    .addOption(new Option(`${C.flags.throughputDecreasePct} <pct>`, `max throughput fall, % (default ${d.throughputDecreasePct})`).argParser(numberOption(C.flags.throughputDecreasePct, { min: 0, max: 100 })))
    .option(C.flags.updateBaseline, 'after a passing check, replace the baseline with this run')
    .option(`${C.flags.summary} <file>`, 'append the result as Markdown (e.g. "$GITHUB_STEP_SUMMARY")')
    .action((opts: Options) => run(opts, io));
}

function thresholdsOf(opts: Options): RegressionThresholds {
  const fromFile = typeof opts.thresholds === 'string' ? parseThresholds(readJsonFile(opts.thresholds), opts.thresholds) : {};
  const fromFlags = Object.fromEntries(THRESHOLD_KEYS
    .map((k) => [k, opts[new Option(C.flags[k]).attributeName()]] as const)
    .filter(([, value]) => value !== undefined));
  return { ...DEFAULT_THRESHOLDS, ...fromFile, ...fromFlags };
}

function run(opts: Options, io: CliIo): void {
  const thresholds = thresholdsOf(opts);
  const currentText = JSON.stringify(parseMetrics(readJsonFile(opts.current), opts.current), null, 2) + '\n';
  const current = JSON.parse(currentText) as ReturnType<typeof parseMetrics>;
  const summarize = (markdown: string) => {
    if (opts.summary) appendFileSync(opts.summary, markdown + '\n');
  };

  if (!fileExists(opts.baseline)) {
    writeFileAtomic(opts.baseline, currentText);
    io.stdout(`No baseline at ${opts.baseline}: created it from ${opts.current} (${current.scenario}, ${current.samples} samples). Nothing to compare yet.\n`);
    summarize(`### Performance baseline created: ${current.scenario}\n\nNo baseline existed; this run (${current.samples} samples) is the new baseline.\n`);
    return;
  }
  const baseline = parseMetrics(readJsonFile(opts.baseline), opts.baseline);
  if (baseline.scenario !== current.scenario) {
    throw new InputError(`${opts.baseline}: scenario "${baseline.scenario}" does not match "${current.scenario}" of ${opts.current}`);
  }

  const comparison = compareMetrics(baseline, current, thresholds);
  io.stdout(renderTable(comparison));
  summarize(renderMarkdown(comparison, current.scenario));
  if (comparison.regressed) {
    const failed = comparison.rows.filter((r) => r.verdict === 'regression').map((r) => r.metric).join(', ');
    throw new CheckFailedError(`regression in ${failed} (baseline ${opts.baseline} left unchanged)`);
  }
  if (opts.updateBaseline) {
    writeFileAtomic(opts.baseline, currentText);
    io.stdout(`Baseline ${opts.baseline} updated from ${opts.current}.\n`);
  }
}

if (require.main === module) main(checkPerformanceRegressionCommand());
