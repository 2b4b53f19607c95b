#!/usr/bin/env node
import { Command, Option } from 'commander';
import { appendText, assertWritable, writeFileAtomic } from './files';
import { main, numberOption, PROCESS_IO, type CliIo } from './run-cli';
import { parseHttpUrl } from './url-option';
import {
  latencyQuery,
  requestsQuery,
  serverErrorsQuery,
  type Track,
  type TrackSelector,
} from '../../common/canary-metrics';
import { CANARY_ANALYSIS as C } from '../../common/cli-contracts';
import { CheckFailedError, InputError } from '../../common/cli-errors';
import { judgeCanary, type CanaryLimits, type CanaryVerdict, type TrackFigures } from '../canary/canary-judgement';
import { queryValue, type PrometheusEndpoint } from '../canary/prometheus-query';

interface Options {
  prometheusUrl: string;
  tokenEnv?: string;
  namespace: string;
  service: string;
  track: Track;
  baselineUntil?: number;
  excludeHandler: string[];
  window: number;
  interval: number;
  maxErrorRatePct: number;
  maxP95IncreasePct: number;
  latencySlackMs: number;
  minRequests: number;
  out?: string;
  summary?: string;
}

/** The passing of time, injectable: tests run a whole window in an instant. */
export interface Clock {
  now(): Date;
  sleep(ms: number): Promise<void>;
}

const REAL_CLOCK: Clock = { now: () => new Date(), sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) };

/** One check of the window, as the report records it. */
interface CheckRecord {
  readonly at: string;
  readonly rangeSeconds: number;
  readonly current: TrackFigures;
  readonly baseline: TrackFigures;
  readonly verdict: CanaryVerdict;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** The command; tests point `--prometheus-url` at a server on 127.0.0.1 and pass a clock. */
export function canaryAnalysisCommand(io: CliIo = PROCESS_IO, clock: Clock = REAL_CLOCK): Command {
  return new Command(C.bin)
    .description(
      'Watch a release on Prometheus for --window seconds: every --interval seconds, its requests since the window ' +
        'opened (error rate, p95 latency) against a baseline: the other track over the same time, or with --baseline-until the ' +
        'same track over the window before that time (a promotion against the release it replaced). Fails at the first check ' +
        'past a limit, and at the end with fewer than --min-requests requests. Series and labels: docs/MONITORING.md. ' +
        'Exit codes: 0 pass, 1 a limit passed or too few requests, 2 usage error, Prometheus unreachable or an answer it ' +
        'cannot read.',
    )
    .requiredOption(
      `${C.flags.prometheusUrl} <url>`,
      'base URL of the Prometheus HTTP API (https; a path prefix is kept)',
    )
    .option(
      `${C.flags.tokenEnv} <name>`,
      'environment variable holding a bearer token (sent only when set and not empty)',
    )
    .requiredOption(`${C.flags.namespace} <name>`, 'Kubernetes namespace of the release')
    .requiredOption(`${C.flags.service} <name>`, "the service (its chart name, the pods' app.kubernetes.io/name)")
    .addOption(
      new Option(`${C.flags.track} <track>`, 'the track judged').choices(['canary', 'stable']).makeOptionMandatory(),
    )
    .addOption(
      new Option(
        `${C.flags.baselineUntil} <unix-seconds>`,
        'compare with the same track over the window before this time instead of with the other track',
      ).argParser(numberOption(C.flags.baselineUntil, { min: 0, integer: true })),
    )
    .option(
      `${C.flags.excludeHandler} <path>`,
      'a handler whose requests are not traffic (health probes, scrapes); repeatable',
      collect,
      [],
    )
    .addOption(
      new Option(`${C.flags.window} <seconds>`, 'how long the release is watched')
        .makeOptionMandatory()
        .argParser(numberOption(C.flags.window, { min: 1, max: 6 * 3600, integer: true })),
    )
    .addOption(
      new Option(`${C.flags.interval} <seconds>`, 'seconds between checks')
        .default(60)
        .argParser(numberOption(C.flags.interval, { min: 1, max: 3600, integer: true })),
    )
    .addOption(
      new Option(`${C.flags.maxErrorRatePct} <pct>`, 'highest error rate (server errors), in percent')
        .makeOptionMandatory()
        .argParser(numberOption(C.flags.maxErrorRatePct, { min: 0, max: 100 })),
    )
    .addOption(
      new Option(
        `${C.flags.maxP95IncreasePct} <pct>`,
        "highest rise of the p95 latency over the baseline's, in percent",
      )
        .makeOptionMandatory()
        .argParser(numberOption(C.flags.maxP95IncreasePct, { min: 0, max: 10_000 })),
    )
    .addOption(
      new Option(
        `${C.flags.latencySlackMs} <ms>`,
        'a p95 rise at most this large never fails (quantiles of a histogram are interpolated)',
      )
        .default(20)
        .argParser(numberOption(C.flags.latencySlackMs, { min: 0, max: 60_000 })),
    )
    .addOption(
      new Option(`${C.flags.minRequests} <n>`, 'requests the release must answer in the window to be judged')
        .makeOptionMandatory()
        .argParser(numberOption(C.flags.minRequests, { min: 1, max: 1e9, integer: true })),
    )
    .option(`${C.flags.out} <file>`, 'write every check as JSON')
    .option(`${C.flags.summary} <file>`, 'append the checks as Markdown (e.g. $GITHUB_STEP_SUMMARY)')
    .action((opts: Options) => run(opts, io, clock));
}

async function run(opts: Options, io: CliIo, clock: Clock): Promise<void> {
  if (opts.interval > opts.window) {
    throw new InputError(
      `${C.flags.interval} (${opts.interval} s) must not be longer than ${C.flags.window} (${opts.window} s)`,
    );
  }
  if (opts.out) assertWritable(opts.out, C.flags.out);
  const url = parseHttpUrl(opts.prometheusUrl, C.flags.prometheusUrl, 'https://prometheus.example.com', {
    httpsOnly: true,
  });
  const token = opts.tokenEnv ? io.env[opts.tokenEnv] : undefined;
  const endpoint: PrometheusEndpoint = { url, token: token || undefined };
  const limits: CanaryLimits = {
    maxErrorRatePct: opts.maxErrorRatePct,
    maxP95IncreasePct: opts.maxP95IncreasePct,
    latencySlackMs: opts.latencySlackMs,
    minRequests: opts.minRequests,
  };
  const judged: TrackSelector = {
    namespace: opts.namespace,
    service: opts.service,
    track: opts.track,
    excludeHandlers: opts.excludeHandler,
  };
  const baselineOf: TrackSelector =
    opts.baselineUntil === undefined ? { ...judged, track: opts.track === 'canary' ? 'stable' : 'canary' } : judged;
  const baselineText =
    opts.baselineUntil === undefined
      ? `the ${baselineOf.track} track over the same time`
      : `the ${opts.track} track in the ${opts.window} s before ${new Date(opts.baselineUntil * 1000).toISOString()}`;

  const start = clock.now().getTime();
  const checks: CheckRecord[] = [];
  let fixedBaseline: TrackFigures | undefined;
  let verdict: CanaryVerdict | undefined;
  for (let elapsed = Math.min(opts.interval, opts.window); ; elapsed = Math.min(elapsed + opts.interval, opts.window)) {
    const wait = start + elapsed * 1000 - clock.now().getTime();
    if (wait > 0) await clock.sleep(wait);
    const at = clock.now();
    const current = await figuresOf(endpoint, judged, elapsed, at);
    const baseline =
      opts.baselineUntil === undefined
        ? await figuresOf(endpoint, baselineOf, elapsed, at)
        : (fixedBaseline ??= await figuresOf(endpoint, baselineOf, opts.window, new Date(opts.baselineUntil * 1000)));
    const final = elapsed >= opts.window;
    verdict = judgeCanary(current, baseline, limits, final);
    checks.push({ at: at.toISOString(), rangeSeconds: elapsed, current, baseline, verdict });
    io.stdout(`${elapsed} s: ${verdict.state} — ${verdict.reasons.join('; ')}\n`);
    if (final || verdict.state === 'fail') break;
  }
  const title = `${opts.service} (${opts.track}) in ${opts.namespace}`;
  if (opts.out) {
    writeFileAtomic(
      opts.out,
      `${JSON.stringify({ schemaVersion: 1, namespace: opts.namespace, service: opts.service, track: opts.track, baseline: baselineText, limits, checks, verdict: verdict.state }, null, 2)}\n`,
    );
  }
  if (opts.summary) appendText(opts.summary, summaryOf(title, baselineText, checks, verdict));
  if (verdict.state === 'fail') throw new CheckFailedError(`${title}: ${verdict.reasons.join('; ')}`);
  io.stdout(`${title} passed its watch against ${baselineText}\n`);
}

/** A track's requests, server errors and p95 over the `rangeSeconds` up to `at`. */
async function figuresOf(
  endpoint: PrometheusEndpoint,
  selector: TrackSelector,
  rangeSeconds: number,
  at: Date,
): Promise<TrackFigures> {
  const [requests, errors, p95Seconds] = await Promise.all([
    queryValue(endpoint, requestsQuery(selector, rangeSeconds), at),
    queryValue(endpoint, serverErrorsQuery(selector, rangeSeconds), at),
    queryValue(endpoint, latencyQuery(selector, rangeSeconds), at),
  ]);
  return { requests: requests ?? 0, errors: errors ?? 0, ...(p95Seconds === undefined ? {} : { p95Seconds }) };
}

const msText = (s?: number) =>
  s === undefined ? '–' : Number.isFinite(s) ? `${Math.round(s * 1000)} ms` : '> highest bucket';

function summaryOf(
  title: string,
  baselineText: string,
  checks: readonly CheckRecord[],
  verdict: CanaryVerdict,
): string {
  const icon = verdict.state === 'fail' ? '❌' : '✅';
  return [
    `### ${icon} Canary analysis on Prometheus: ${title}`,
    '',
    `Against ${baselineText}.`,
    '',
    '| after | requests | error rate | p95 | baseline p95 | check |',
    '| ---: | ---: | ---: | ---: | ---: | --- |',
    ...checks.map(
      (c) =>
        `| ${c.rangeSeconds} s | ${Math.round(c.current.requests)} | ${c.verdict.errorRatePct === undefined ? '–' : `${c.verdict.errorRatePct} %`} | ${msText(c.current.p95Seconds)} | ${msText(c.baseline.p95Seconds)} | ${c.verdict.state} |`,
    ),
    '',
    ...verdict.reasons.map((r) => `- ${r}`),
    '',
  ].join('\n');
}

if (require.main === module) main(canaryAnalysisCommand());
