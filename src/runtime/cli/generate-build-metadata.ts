#!/usr/bin/env node
import { Command } from 'commander';
import { assertWritable, writeFileAtomic } from './files';
import { main, PROCESS_IO, type CliIo } from './run-cli';
import { GENERATE_BUILD_METADATA as C } from '../../common/cli-contracts';
import { buildLabels, collectBuildMetadata, type GitReader } from '../build-metadata/build-metadata';
import { gitCliReader } from '../build-metadata/git-reader';

/** The command; tests inject the environment, git and the clock. */
export function generateBuildMetadataCommand(
  io: CliIo = PROCESS_IO,
  git: GitReader = gitCliReader(),
  now: () => Date = () => new Date(),
): Command {
  return new Command(C.bin)
    .description(
      'Write build metadata JSON (commit, ref, repository, run, matrix entry, builder, timestamp), ' +
        'validated against its schema. Commit, ref and repository fall back to git. ' +
        'Exit codes: 0 written, 2 missing or invalid input (nothing written).',
    )
    .requiredOption(`${C.flags.out} <file>`, 'where to write the JSON (atomically)')
    .option(
      `${C.flags.labels} <file>`,
      'also write the image labels (OCI revision, created, source; the run) as key=value lines',
    )
    .option(
      `${C.flags.matrix} <json>`,
      "the build matrix as a JSON object: a matrix job's entry ('${{ toJSON(matrix) }}' through env) or a run's {\"include\":[…]} (default: $BUILD_MATRIX, else {})",
    )
    .action((opts: { out: string; matrix?: string; labels?: string }) => {
      // Every output is checked before the first is written: a bad --labels leaves no --out behind.
      assertWritable(opts.out, C.flags.out);
      if (opts.labels) assertWritable(opts.labels, C.flags.labels);
      const metadata = collectBuildMetadata({ env: io.env, git, matrix: opts.matrix, now });
      writeFileAtomic(opts.out, JSON.stringify(metadata, null, 2) + '\n');
      if (opts.labels) writeFileAtomic(opts.labels, buildLabels(metadata).join('\n') + '\n');
      io.stdout(`Wrote build metadata for ${metadata.repository}@${metadata.commit.slice(0, 12)} to ${opts.out}\n`);
    });
}

if (require.main === module) main(generateBuildMetadataCommand());
