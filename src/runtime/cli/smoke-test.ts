#!/usr/bin/env node
import { Command, Option } from 'commander';
import { main, numberOption, PROCESS_IO, type CliIo } from './run-cli';
import { parseHttpUrl } from './url-option';
import { SMOKE_TEST as C } from '../../common/cli-contracts';
import { InputError } from '../../common/cli-errors';
import { quoteInput } from '../../common/safe-text';
import { runSmokeTest } from '../smoke/smoke-test';

/** `--base-url` of the service CLIs (smoke-test, load-test). */
export function parseBaseUrl(raw: string): URL {
  return parseHttpUrl(raw, C.flags.baseUrl, 'http://127.0.0.1:8000');
}

/**
 * A path of the service: it must start with one `/` and stay on the base URL's origin, so an
 * absolute URL or a `//host` path can never send the check somewhere else. Keeps the query.
 */
export function resolvePath(baseUrl: URL, raw: string, flag: string): URL {
  if (!raw.startsWith('/') || raw.startsWith('//')) {
    throw new InputError(`${flag} must be a path starting with one "/", got ${quoteInput(raw)}`);
  }
  const url = new URL(raw, baseUrl);
  if (url.origin !== baseUrl.origin) throw new InputError(`${flag} ${quoteInput(raw)} leaves ${baseUrl.origin}`);
  return url;
}

export function smokeTestCommand(io: CliIo = PROCESS_IO): Command {
  return new Command(C.bin)
    .description(
      'Wait for a service to be healthy, then check that a short synthesis returns real audio (WAV), as docs/service-contract.md says. ' +
        'Exit codes: 0 healthy and valid audio, 1 unhealthy / timed out / invalid audio, 2 usage error.',
    )
    .requiredOption(`${C.flags.baseUrl} <url>`, 'service root, e.g. http://127.0.0.1:8000')
    .option(`${C.flags.healthPath} <path>`, 'health endpoint', '/health')
    .option(`${C.flags.synthesisPath} <path>`, 'text-to-speech endpoint (POST {"text": …}); omit to check health only')
    .option(`${C.flags.text} <text>`, 'text to synthesize', 'Smoke test.')
    .addOption(
      new Option(`${C.flags.timeout} <ms>`, 'per-request timeout')
        .default(10000)
        .argParser(numberOption(C.flags.timeout, { min: 1, integer: true })),
    )
    .addOption(
      new Option(`${C.flags.retries} <n>`, 'health retries after the first attempt (backoff 0.5 s doubling, max 5 s)')
        .default(10)
        .argParser(numberOption(C.flags.retries, { min: 0, max: 100, integer: true })),
    )
    .addOption(
      new Option('--initial-delay-ms <ms>', 'first backoff delay')
        .default(500)
        .argParser(numberOption('--initial-delay-ms', { min: 0, integer: true }))
        .hideHelp(),
    )
    .action(
      async (opts: {
        baseUrl: string;
        healthPath: string;
        synthesisPath?: string;
        text: string;
        timeoutMs: number;
        retries: number;
        initialDelayMs: number;
      }) => {
        const baseUrl = parseBaseUrl(opts.baseUrl);
        await runSmokeTest({
          baseUrl,
          healthUrl: resolvePath(baseUrl, opts.healthPath, C.flags.healthPath),
          synthesisUrl:
            opts.synthesisPath === undefined
              ? undefined
              : resolvePath(baseUrl, opts.synthesisPath, C.flags.synthesisPath),
          text: opts.text,
          timeoutMs: opts.timeoutMs,
          retries: opts.retries,
          initialDelayMs: opts.initialDelayMs,
          log: (line) => io.stdout(`${line}\n`),
        });
        io.stdout('smoke test passed\n');
      },
    );
}

if (require.main === module) main(smokeTestCommand());
