#!/usr/bin/env node
import { Command, Option } from 'commander';
import { appendText, assertWritable, fileExists, readJsonFile, writeFileAtomic } from './files';
import { main, numberOption, PROCESS_IO, writeWarning, type CliIo } from './run-cli';
import { CHECK_PERFORMANCE_REGRESSION as C } from '../../common/cli-contracts';
import { CheckFailedError, InputError } from '../../common/cli-errors';
import {
  DEFAULT_THRESHOLDS,
  THRESHOLD_KEYS,
  THRESHOLD_SPECS,
  type RegressionThresholds,
} from '../../common/regression-thresholds';
import { oneLine } from '../../common/safe-text';
import {
  appendToHistory,
  conditionMismatches,
  parseHistory,
  parseMetrics,
  type PerformanceHistory,
} from '../metrics/performance-metrics';
import { compareWithReference, DEFAULT_REFERENCE_WINDOW, referenceOf } from '../regression/compare';
import { parseThresholds } from '../regression/parse-thresholds';
import { renderMarkdown, renderTable } from '../regression/report';

interface Options {
  current: string;
  history: string;
  window: number;
  thresholds?: string;
  updateHistory?: boolean;
  acrossConditions?: boolean;
  summary?: string;
  /** Threshold flags, under commander's attribute names (e.g. maxP95IncreasePct). */
  [attribute: string]: unknown;
}

/** The command; `io` lets tests run it in-process. */
export function checkPerformanceRegressionCommand(io: CliIo = PROCESS_IO): Command {
  const command = new Command(C.bin)
    .description(
      'Compare a performance run with the history of passing runs: each metric against the median of the ' +
        'last --window runs, a limit widened only where the history itself is noisier. Run and history must have ' +
        'been measured under the same conditions (endpoint, rate, duration, warm-up, runner class). ' +
        'Exit codes: 0 pass (or no history yet, with a warning), 1 regression, 2 usage or input error ' +
        "(including conditions that differ from the history's, unless --across-conditions).",
    )
    .requiredOption(`${C.flags.current} <file>`, 'metrics JSON of this run (format: performance metrics v1)')
    .requiredOption(
      `${C.flags.history} <file>`,
      'history JSON of passing runs; when missing, the run passes with a warning',
    )
    .addOption(
      new Option(`${C.flags.window} <runs>`, 'how many recent runs the reference is the median of')
        .default(DEFAULT_REFERENCE_WINDOW)
        .argParser(numberOption(C.flags.window, { min: 1, max: 30, integer: true })),
    )
    .option(`${C.flags.thresholds} <file>`, 'JSON with any of the threshold fields below; flags override it');
  for (const key of THRESHOLD_KEYS) {
    const s = THRESHOLD_SPECS[key];
    const max = 'max' in s ? s.max : undefined;
    command.addOption(
      new Option(`${s.flag} <n>`, `${s.description} (default ${s.default})`).argParser(
        numberOption(s.flag, { min: s.min, max }),
      ),
    );
  }
  return command
    .option(
      C.flags.updateHistory,
      'after a pass, append this run to the history (atomically; nothing changes on a failure)',
    )
    .option(
      C.flags.acrossConditions,
      "compare with a history measured under other conditions (a deploy's watch window against the nightly runs): " +
        'the differences are listed, throughput is left out (the rate differs), and metrics beyond their limits are warnings, never a failure',
    )
    .option(`${C.flags.summary} <file>`, 'append the result as Markdown (e.g. "$GITHUB_STEP_SUMMARY")')
    .action((opts: Options) => run(opts, io));
}

function thresholdsOf(opts: Options): RegressionThresholds {
  const fromFile =
    typeof opts.thresholds === 'string' ? parseThresholds(readJsonFile(opts.thresholds), opts.thresholds) : {};
  const fromFlags = Object.fromEntries(
    THRESHOLD_KEYS.map((k) => [k, opts[new Option(THRESHOLD_SPECS[k].flag).attributeName()]] as const).filter(
      ([, value]) => value !== undefined,
    ),
  );
  return { ...DEFAULT_THRESHOLDS, ...fromFile, ...fromFlags };
}

/** All inputs are read and all outputs checked before anything is written; the history changes last. */
function run(opts: Options, io: CliIo): void {
  if (opts.acrossConditions && opts.updateHistory) {
    throw new InputError(
      `${C.flags.acrossConditions} never records: a run measured under other conditions does not belong in the history (drop ${C.flags.updateHistory})`,
    );
  }
  const thresholds = thresholdsOf(opts);
  const current = parseMetrics(readJsonFile(opts.current), opts.current);
  const history: PerformanceHistory | undefined = fileExists(opts.history)
    ? parseHistory(readJsonFile(opts.history), opts.history)
    : undefined;
  if (opts.summary) assertWritable(opts.summary, C.flags.summary);
  if (opts.updateHistory) assertWritable(opts.history, C.flags.history);
  const summarize = (markdown: string) => {
    if (opts.summary) appendText(opts.summary, markdown + '\n');
  };
  const record = () => {
    if (!opts.updateHistory) return;
    const updated = appendToHistory(history, current);
    writeFileAtomic(opts.history, JSON.stringify(updated, null, 2) + '\n');
    io.stdout(`History ${opts.history} now holds ${updated.runs.length} run(s).\n`);
  };

  if (!history) {
    // Never a silent pass: on GitHub the warning is an annotation on the run, and it heads the summary.
    const message =
      `No performance history at ${opts.history}: this run of ${current.scenario} was NOT compared with anything. ` +
      (opts.updateHistory ? 'It starts a new history.' : 'Only a scheduled run on the default branch starts one.');
    writeWarning(io, message, 'No performance baseline');
    summarize(`### ⚠️ No performance baseline: ${current.scenario}\n\n> [!WARNING]\n> ${oneLine(message)}\n`);
    record();
    return;
  }
  const mismatches = conditionMismatches(history.runs[history.runs.length - 1]!, current);
  // Across conditions the comparison informs and never gates: the watch and the nightly run measure different things.
  const across = opts.acrossConditions === true;
  if (mismatches.length > 0 && !across) {
    throw new InputError(
      `${opts.current} was measured under other conditions than the history ${opts.history}, so they cannot be compared: ${mismatches.join('; ')}`,
    );
  }
  const comparison = compareWithReference(referenceOf(history, opts.window), current, thresholds, {
    rateIndependentOnly: across,
  });
  io.stdout(renderTable(comparison));
  summarize(renderMarkdown(comparison, current.scenario, across ? mismatches : undefined));
  const beyond = comparison.rows.filter((r) => r.verdict === 'regression').map((r) => r.metric);
  if (across) {
    if (beyond.length) {
      writeWarning(
        io,
        `${current.scenario}: ${beyond.join(', ')} beyond the limits of the history ${opts.history} (measured under other conditions: informational)`,
        "Beyond the history's limits",
      );
    }
    return;
  }
  if (beyond.length) {
    throw new CheckFailedError(`regression in ${beyond.join(', ')} (history ${opts.history} left unchanged)`);
  }
  record();
}

if (require.main === module) main(checkPerformanceRegressionCommand());
