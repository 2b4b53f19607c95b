#!/usr/bin/env node
import { Command, Option } from 'commander';
import { CheckFailedError } from '../../common/cli-errors';
import { LOAD_TEST as C } from '../../common/cli-contracts';
import { writeFileAtomic } from './files';
import { main, numberOption, PROCESS_IO, type CliIo } from './run-cli';
import { parseBaseUrl } from './smoke-test';
import { runLoadTest } from '../load/load-test';
import { parseMetrics } from '../metrics/performance-metrics';

interface Options {
  baseUrl: string;
  path: string;
  text: string;
  rate: number;
  duration: number;
  scenario: string;
  maxInFlight: number;
  timeoutMs: number;
  out: string;
}

export function loadTestCommand(io: CliIo = PROCESS_IO): Command {
  return new Command(C.bin)
    .description('Open-model load test: POST {"text": …} at a constant arrival rate, latency measured from each '
      + 'request\'s intended start (no coordinated omission), HDR-histogram percentiles. Writes '
      + 'performance metrics v1 JSON. Progress goes to stderr. '
      + 'Exit codes: 0 done, 1 no request succeeded, 2 usage error.')
    .requiredOption(`${C.flags.baseUrl} <url>`, 'service root, e.g. http://127.0.0.1:8000')
    .requiredOption(`${C.flags.path} <path>`, 'endpoint to POST to, e.g. /v1/synthesize')
    .requiredOption(`${C.flags.rate} <rps>`, 'arrivals per second', numberOption(C.flags.rate, { min: 0.1, max: 100000 }))
    .requiredOption(`${C.flags.duration} <seconds>`, 'how long to send', numberOption(C.flags.duration, { min: 1, max: 3600 }))
    .requiredOption(`${C.flags.out} <file>`, 'metrics JSON to write (atomically)')
    .option(`${C.flags.text} <text>`, 'text to synthesize', 'The quick brown fox jumps over the lazy dog.')
    .option(`${C.flags.scenario} <name>`, 'scenario name recorded in the metrics', 'tts-synthesize')
    .addOption(new Option(`${C.flags.maxInFlight} <n>`, 'requests in flight at most; later arrivals are dropped and reported').default(512).argParser(numberOption(C.flags.maxInFlight, { min: 1, max: 100000, integer: true })))
    .addOption(new Option(`${C.flags.timeout} <ms>`, 'per-request timeout (a timeout counts as an error)').default(30000).argParser(numberOption(C.flags.timeout, { min: 1, integer: true })))
    .action(async (opts: Options) => {
      const baseUrl = parseBaseUrl(opts.baseUrl);
      io.stderr(`load-test: ${opts.rate} req/s for ${opts.duration} s → POST ${new URL(opts.path, baseUrl).href}\n`);
      const metrics = await runLoadTest({
        baseUrl, path: opts.path, text: opts.text, rate: opts.rate, durationSeconds: opts.duration,
        maxInFlight: opts.maxInFlight, timeoutMs: opts.timeoutMs, scenario: opts.scenario,
        onProgress: (p) => io.stderr(`load-test: ${p.elapsedSeconds.toFixed(0)} s  sent ${p.sent}  done ${p.completed}  errors ${p.errors}  dropped ${p.dropped}  in flight ${p.inFlight}\n`),
      });
      if (metrics.samples === 0) throw new CheckFailedError(`no request completed (${metrics.run.dropped} dropped); nothing written`);
      parseMetrics(metrics, 'load-test output'); // the writer honours the same schema as the reader
      writeFileAtomic(opts.out, JSON.stringify(metrics, null, 2) + '\n');
      const l = metrics.latencyMs;
      io.stdout(`${metrics.samples} requests, ${metrics.throughputRps} req/s achieved, errors ${(metrics.errorRate * 100).toFixed(2)} %, dropped ${metrics.run.dropped}; `
        + `latency p50 ${l.p50} ms, p95 ${l.p95} ms, p99 ${l.p99} ms, max ${l.max} ms → ${opts.out}\n`);
      if (metrics.errorRate === 1) throw new CheckFailedError(`every request failed; is the service up? (metrics written to ${opts.out})`);
    });
}

if (require.main === module) main(loadTestCommand());
