#!/usr/bin/env node
import { Command, Option } from 'commander';
import { appendText, assertWritable, assertWritableFolder, readJsonFile } from './files';
import { main, numberOption, PROCESS_IO, type CliIo } from './run-cli';
import { parseHttpUrl } from './url-option';
import { FETCH_MODELS as C } from '../../common/cli-contracts';
import { CheckFailedError, InputError } from '../../common/cli-errors';
import { quoteInput } from '../../common/safe-text';
import { fetchModels } from '../models/fetch-models';
import { parseModelsManifest } from '../models/manifest';

/** Where WhisperKit's models are published. */
export const DEFAULT_MODELS_BASE_URL = 'https://huggingface.co';

interface Options {
  manifest: string;
  cacheDir: string;
  model: string[];
  baseUrl: string;
  attempts: number;
  timeoutMs: number;
  summary?: string;
  initialDelayMs: number;
}

export function fetchModelsCommand(io: CliIo = PROCESS_IO): Command {
  return new Command(C.bin)
    .description(
      'Fetch the models of models.json into a cache folder: reuse files already verified, download the rest ' +
        'with bounded retries and backoff, verify size and sha256, and never leave a partial file under the final name. ' +
        'Exit codes: 0 every model verified, 1 a model could not be fetched or verified (named), 2 usage error or invalid manifest.',
    )
    .requiredOption(`${C.flags.manifest} <file>`, 'path of models.json')
    .requiredOption(`${C.flags.cacheDir} <dir>`, 'folder of verified model files (cache it between runs)')
    .option(`${C.flags.model} <id...>`, 'only these model ids (default: every model)', [])
    .option(`${C.flags.baseUrl} <url>`, 'host of the model repositories', DEFAULT_MODELS_BASE_URL)
    .addOption(
      new Option(`${C.flags.attempts} <n>`, 'tries per model (404 and 403 are not retried)')
        .default(4)
        .argParser(numberOption(C.flags.attempts, { min: 1, max: 10, integer: true })),
    )
    .addOption(
      new Option(`${C.flags.timeout} <ms>`, 'longest wait for the next bytes of a download')
        .default(60000)
        .argParser(numberOption(C.flags.timeout, { min: 1, integer: true })),
    )
    .option(`${C.flags.summary} <file>`, 'append a Markdown table of the models (e.g. "$GITHUB_STEP_SUMMARY")')
    .addOption(
      new Option('--initial-delay-ms <ms>', 'first retry delay')
        .default(2000)
        .argParser(numberOption('--initial-delay-ms', { min: 0, integer: true }))
        .hideHelp(),
    )
    .action(async (opts: Options) => {
      const manifest = parseModelsManifest(readJsonFile(opts.manifest), opts.manifest);
      const baseUrl = parseHttpUrl(opts.baseUrl, C.flags.baseUrl, DEFAULT_MODELS_BASE_URL);
      const unknown = opts.model.filter((id) => !manifest.models.some((m) => m.id === id));
      if (unknown.length > 0) {
        throw new InputError(
          `${C.flags.model}: ${unknown.map((id) => quoteInput(id)).join(', ')} not in ${opts.manifest}; ids: ${manifest.models.map((m) => m.id).join(', ')}`,
        );
      }
      const models = opts.model.length > 0 ? manifest.models.filter((m) => opts.model.includes(m.id)) : manifest.models;
      assertWritableFolder(opts.cacheDir, C.flags.cacheDir);
      if (opts.summary) assertWritable(opts.summary, C.flags.summary);
      const results = await fetchModels({
        models,
        cacheDir: opts.cacheDir,
        baseUrl,
        attempts: opts.attempts,
        initialDelayMs: opts.initialDelayMs,
        idleTimeoutMs: opts.timeoutMs,
        log: (line) => io.stdout(`${line}\n`),
      });
      if (opts.summary) {
        appendText(
          opts.summary,
          [
            '### Models',
            '',
            '| model | outcome | attempts |',
            '| --- | --- | --- |',
            ...results.map(
              (r) =>
                `| ${r.id} | ${r.outcome}${r.error ? `: ${r.error.replace(/[|\r\n]/g, ' ')}` : ''} | ${r.attempts} |`,
            ),
            '',
          ].join('\n'),
        );
      }
      const failed = results.filter((r) => r.outcome === 'failed');
      if (failed.length > 0) {
        throw new CheckFailedError(`could not fetch ${failed.map((r) => `${r.id} (${r.error})`).join('; ')}`);
      }
      io.stdout(`${results.length} model(s) verified in ${opts.cacheDir}\n`);
    });
}

if (require.main === module) main(fetchModelsCommand());
