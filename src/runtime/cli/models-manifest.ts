#!/usr/bin/env node
import { Command } from 'commander';
import { readJsonFile } from './files';
import { main, PROCESS_IO, type CliIo } from './run-cli';
import { MODELS_MANIFEST as C } from '../../common/cli-contracts';
import { modelsMatrix, parseModelsManifest } from '../models/manifest';

export function modelsManifestCommand(io: CliIo = PROCESS_IO): Command {
  return new Command(C.bin)
    .description(
      'Validate a models manifest (models.json) against its schema (ids unique, sources pinned to a commit ' +
        'SHA, sha256 and size given); with --matrix, print the models as a workflow matrix ({"include": [...]}) on stdout. ' +
        'Exit codes: 0 valid, 2 usage error or an invalid, missing or malformed manifest.',
    )
    .requiredOption(`${C.flags.manifest} <file>`, 'path of models.json')
    .option(C.flags.matrix, 'print the matrix JSON (one line) instead of a report')
    .action((opts: { manifest: string; matrix?: boolean }) => {
      const manifest = parseModelsManifest(readJsonFile(opts.manifest), opts.manifest);
      if (opts.matrix) {
        io.stdout(`${JSON.stringify(modelsMatrix(manifest))}\n`);
        return;
      }
      for (const m of manifest.models) {
        io.stdout(
          `${m.id}  ${m.provider}  ${m.version}  ${m.sizeBytes} bytes  ${m.source.repository}@${m.source.revision.slice(0, 12)}\n`,
        );
      }
      io.stdout(`${manifest.models.length} model(s) valid in ${opts.manifest}\n`);
    });
}

if (require.main === module) main(modelsManifestCommand());
