#!/usr/bin/env node
import { Command, Option } from 'commander';
import { assertWritable, writeFileAtomic } from './files';
import { main, numberOption, PROCESS_IO, type CliIo } from './run-cli';
import { parseBaseUrl, resolvePath } from './smoke-test';
import { LOAD_TEST as C } from '../../common/cli-contracts';
import { CheckFailedError, InputError } from '../../common/cli-errors';
import { quoteInput } from '../../common/safe-text';
import { LOAD_METHODS, runLoadTest, type LoadMethod } from '../load/load-test';
import { parseMetrics } from '../metrics/performance-metrics';

interface Options {
  baseUrl: string;
  path: string;
  method: LoadMethod;
  text: string;
  rate: number;
  duration: number;
  warmup: number;
  runnerClass: string;
  imageDigest?: string;
  expectContentType?: string;
  maxErrorRatePct?: number;
  scenario: string;
  maxInFlight: number;
  timeoutMs: number;
  out: string;
}

function nonEmpty(flag: string) {
  return (raw: string): string => {
    if (raw.trim() === '') throw new InputError(`${flag} must not be empty`);
    return raw;
  };
}

export function loadTestCommand(io: CliIo = PROCESS_IO): Command {
  return new Command(C.bin)
    .description(
      'Open-model load test: POST {"text": …} at a constant arrival rate, latency measured from each ' +
        "request's intended start (no coordinated omission), HDR-histogram percentiles, a warm-up left out of every " +
        'figure. Writes performance metrics v1 JSON with the conditions of the run. Progress goes to stderr. ' +
        'Exit codes: 0 done, 1 no request succeeded or the error rate exceeded --max-error-rate-pct, 2 usage error.',
    )
    .requiredOption(`${C.flags.baseUrl} <url>`, 'service root, e.g. http://127.0.0.1:8000')
    .requiredOption(`${C.flags.path} <path>`, 'endpoint, relative to the base URL, with its query, e.g. /v1/synthesize')
    .addOption(
      new Option(
        `${C.flags.method} <method>`,
        'POST sends {"text": …}; GET sends no body (e.g. a health endpoint watched during a rollout)',
      )
        .choices([...LOAD_METHODS])
        .default('POST'),
    )
    .requiredOption(
      `${C.flags.rate} <rps>`,
      'arrivals per second',
      numberOption(C.flags.rate, { min: 0.1, max: 100000 }),
    )
    .requiredOption(
      `${C.flags.duration} <seconds>`,
      'seconds of measured load',
      numberOption(C.flags.duration, { min: 0.5, max: 3600 }),
    )
    .requiredOption(`${C.flags.out} <file>`, 'metrics JSON to write (atomically); checked before the run starts')
    .addOption(
      new Option(`${C.flags.warmup} <seconds>`, 'seconds of load sent first and left out of every figure')
        .default(0)
        .argParser(numberOption(C.flags.warmup, { min: 0, max: 600 })),
    )
    .addOption(
      new Option(
        `${C.flags.runnerClass} <name>`,
        'the kind of machine this runs on, recorded so that only runs of one class are compared',
      )
        .default('local')
        .argParser(nonEmpty(C.flags.runnerClass)),
    )
    .option(`${C.flags.imageDigest} <digest>`, 'digest of the image under test, recorded in the metrics')
    .addOption(
      new Option(
        `${C.flags.expectContentType} <type>`,
        'a 2xx answer counts as a success only with a content type starting with this (default: audio/ for POST, any for GET)',
      ).argParser(nonEmpty(C.flags.expectContentType)),
    )
    .addOption(
      new Option(
        `${C.flags.maxErrorRatePct} <pct>`,
        'exit 1 (after writing the metrics) when more than this percentage of the measured requests failed',
      ).argParser(numberOption(C.flags.maxErrorRatePct, { min: 0, max: 100 })),
    )
    .option(`${C.flags.text} <text>`, 'text to synthesize', 'The quick brown fox jumps over the lazy dog.')
    .addOption(
      new Option(`${C.flags.scenario} <name>`, 'scenario name recorded in the metrics')
        .default('tts-synthesize')
        .argParser(nonEmpty(C.flags.scenario)),
    )
    .addOption(
      new Option(`${C.flags.maxInFlight} <n>`, 'requests in flight at most; later arrivals are dropped and reported')
        .default(512)
        .argParser(numberOption(C.flags.maxInFlight, { min: 1, max: 100000, integer: true })),
    )
    .addOption(
      new Option(
        `${C.flags.timeout} <ms>`,
        'total deadline of one request, headers and body (a timeout counts as an error)',
      )
        .default(30000)
        .argParser(numberOption(C.flags.timeout, { min: 1, integer: true })),
    )
    .action(async (opts: Options) => {
      const baseUrl = parseBaseUrl(opts.baseUrl);
      const target = resolvePath(baseUrl, opts.path, C.flags.path);
      if (opts.imageDigest !== undefined && !/^[a-z0-9]+:[a-f0-9]{32,}$/.test(opts.imageDigest)) {
        throw new InputError(`${C.flags.imageDigest} must look like sha256:<hex>, got ${quoteInput(opts.imageDigest)}`);
      }
      // A bad output path is found now, not after the whole run.
      assertWritable(opts.out, C.flags.out);
      const warm = opts.warmup > 0 ? ` after ${opts.warmup} s of warm-up` : '';
      io.stderr(`load-test: ${opts.rate} req/s for ${opts.duration} s${warm} → ${opts.method} ${target.href}\n`);
      // Why requests failed, counted by reason: printed with the figures, so a failed gate says what went wrong.
      const failures = new Map<string, number>();
      const metrics = await runLoadTest({
        baseUrl,
        path: `${target.pathname}${target.search}`,
        method: opts.method,
        text: opts.text,
        rate: opts.rate,
        durationSeconds: opts.duration,
        warmupSeconds: opts.warmup,
        maxInFlight: opts.maxInFlight,
        timeoutMs: opts.timeoutMs,
        scenario: opts.scenario,
        runnerClass: opts.runnerClass,
        imageDigest: opts.imageDigest,
        expectContentType: opts.expectContentType ?? (opts.method === 'POST' ? 'audio/' : undefined),
        onError: (reason) => failures.set(reason, (failures.get(reason) ?? 0) + 1),
        onProgress: (p) =>
          io.stderr(
            `load-test: ${p.elapsedSeconds.toFixed(0)} s${p.warmingUp ? ' (warm-up)' : ''}  sent ${p.sent}  done ${p.completed}  errors ${p.errors}  dropped ${p.dropped}  in flight ${p.inFlight}\n`,
          ),
      });
      if (metrics.samples === 0) {
        throw new CheckFailedError(`no request completed (${metrics.run.dropped} dropped); nothing written`);
      }
      parseMetrics(metrics, 'load-test output'); // the writer honours the same schema as the reader
      writeFileAtomic(opts.out, JSON.stringify(metrics, null, 2) + '\n');
      const l = metrics.latencyMs;
      io.stdout(
        `${metrics.samples} requests, ${metrics.throughputRps} req/s achieved, errors ${(metrics.errorRate * 100).toFixed(2)} %, dropped ${metrics.run.dropped}; ` +
          `latency p50 ${l.p50} ms, p95 ${l.p95} ms, p99 ${l.p99} ms, max ${l.max} ms → ${opts.out}\n`,
      );
      if (failures.size > 0) {
        io.stdout(`failed requests: ${[...failures].map(([reason, n]) => `${n} × ${reason}`).join('; ')}\n`);
      }
      if (metrics.errorRate === 1) {
        throw new CheckFailedError(`every request failed; is the service up? (metrics written to ${opts.out})`);
      }
      const errorPct = metrics.errorRate * 100;
      if (opts.maxErrorRatePct !== undefined && errorPct > opts.maxErrorRatePct) {
        throw new CheckFailedError(
          `error rate ${errorPct.toFixed(2)} % is above ${C.flags.maxErrorRatePct} ${opts.maxErrorRatePct} % (metrics written to ${opts.out})`,
        );
      }
    });
}

if (require.main === module) main(loadTestCommand());
