#!/usr/bin/env node
import { Command, Option } from 'commander';
import { appendText } from './files';
import { main, numberOption, PROCESS_IO, type CliIo } from './run-cli';
import { parseHttpUrl } from './url-option';
import { APP_HEALTH as C } from '../../common/cli-contracts';
import { CheckFailedError } from '../../common/cli-errors';
import { judgeBuild, parseAppHealth } from '../app-health/app-health';
import { requestJson } from '../http/request-json';

interface Options {
  url: string;
  version: string;
  minCrashFreePct: number;
  minSessions: number;
  tokenEnv?: string;
  summary?: string;
}

/** The command; tests point `--url` at a server on 127.0.0.1. */
export function appHealthCommand(io: CliIo = PROCESS_IO): Command {
  return new Command(C.bin)
    .description(
      "Judge an app build by its crash-free sessions, read from the app's health endpoint (app health v1, " +
        'APP_HEALTH_SCHEMA): it passes with at least --min-sessions sessions and --min-crash-free-pct percent of them ' +
        'crash-free. A build the report does not list fails. ' +
        'Exit codes: 0 the build passes, 1 it does not (or has too few sessions to tell), 2 usage error, ' +
        'endpoint unreachable or an answer that is not app health v1.',
    )
    .requiredOption(`${C.flags.url} <url>`, 'the health endpoint (https)')
    .requiredOption(`${C.flags.version} <version>`, 'CFBundleVersion of the build')
    .addOption(
      new Option(`${C.flags.minCrashFreePct} <pct>`, 'lowest crash-free sessions allowed, in percent')
        .makeOptionMandatory()
        .argParser(numberOption(C.flags.minCrashFreePct, { min: 0, max: 100 })),
    )
    .addOption(
      new Option(`${C.flags.minSessions} <n>`, 'sessions needed before the build is judged')
        .default(500)
        .argParser(numberOption(C.flags.minSessions, { min: 1, max: 1e9, integer: true })),
    )
    .option(
      `${C.flags.tokenEnv} <name>`,
      'environment variable holding a bearer token for the endpoint (sent only when set and not empty)',
    )
    .option(`${C.flags.summary} <file>`, 'append the verdict as Markdown (e.g. $GITHUB_STEP_SUMMARY)')
    .action(async (opts: Options) => {
      // https, or http to this machine only (a test server): the figures decide a rollout.
      const url = parseHttpUrl(opts.url, C.flags.url, 'https://health.example.com/app-health.json', {
        httpsOnly: true,
      });
      const token = opts.tokenEnv ? io.env[opts.tokenEnv] : undefined;
      const report = parseAppHealth(await requestJson(url, { bearerToken: token }), `${url.origin}${url.pathname}`);
      const verdict = judgeBuild(report, opts.version, {
        minCrashFreeSessionsPct: opts.minCrashFreePct,
        minSessions: opts.minSessions,
      });
      if (opts.summary) {
        appendText(
          opts.summary,
          [
            `### ${verdict.pass ? '✅' : '❌'} Crash-free sessions of build ${opts.version}`,
            '',
            `${verdict.reason}.`,
            `Figures generated ${report.generatedAt}.`,
            '',
          ].join('\n'),
        );
      }
      if (!verdict.pass) throw new CheckFailedError(verdict.reason);
      io.stdout(`${verdict.reason}\n`);
    });
}

if (require.main === module) main(appHealthCommand());
