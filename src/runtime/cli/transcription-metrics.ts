#!/usr/bin/env node
import { Command, Option } from 'commander';
import { assertWritable, readJsonFile, writeFileAtomic } from './files';
import { main, numberOption, PROCESS_IO, type CliIo } from './run-cli';
import { TRANSCRIPTION_METRICS as C } from '../../common/cli-contracts';
import { InputError } from '../../common/cli-errors';
import {
  parseReferenceTranscripts,
  parseTranscriptionSamples,
  transcriptionMetrics,
} from '../metrics/transcription-samples';
import { parseModelsManifest } from '../models/manifest';

interface Options {
  samples: string;
  manifest: string;
  references?: string;
  runnerClass: string;
  warmupClips: number;
  commit?: string;
  out: string;
}

export function transcriptionMetricsCommand(io: CliIo = PROCESS_IO): Command {
  return new Command(C.bin)
    .description(
      "Turn the timings the app's performance test wrote for one model (transcription samples v1) into " +
        'performance metrics v1 for check-performance-regression: latency per clip, error rate, throughput, the ' +
        "real-time factor and, given reference transcripts, the word error rate, with the model's version from models.json in the run's conditions. " +
        'Exit codes: 0 written, 2 usage error or invalid input (nothing written).',
    )
    .requiredOption(`${C.flags.samples} <file>`, 'samples JSON the performance test wrote')
    .requiredOption(`${C.flags.manifest} <file>`, "models.json, for the model's version")
    .option(
      `${C.flags.references} <file>`,
      "reference transcripts of the corpus (reference transcripts v1): the word error rate of the clips' transcripts is measured and recorded",
    )
    .requiredOption(
      `${C.flags.runnerClass} <label>`,
      'runner the test ran on, e.g. macos-15 (only runs on the same class are compared)',
    )
    .addOption(
      new Option(
        `${C.flags.warmupClips} <n>`,
        'clips at the start left out of every figure (the first loads the model)',
      )
        .default(1)
        .argParser(numberOption(C.flags.warmupClips, { min: 0, max: 100, integer: true })),
    )
    .option(`${C.flags.commit} <sha>`, 'commit measured, recorded in the run')
    .requiredOption(`${C.flags.out} <file>`, 'where to write the metrics JSON')
    .action((opts: Options) => {
      const samples = parseTranscriptionSamples(readJsonFile(opts.samples), opts.samples);
      const manifest = parseModelsManifest(readJsonFile(opts.manifest), opts.manifest);
      const references =
        opts.references === undefined
          ? undefined
          : parseReferenceTranscripts(readJsonFile(opts.references), opts.references);
      const model = manifest.models.find((m) => m.id === samples.modelId);
      if (!model) {
        throw new InputError(
          `${opts.samples}: modelId "${samples.modelId}" is not in ${opts.manifest} (models: ${manifest.models.map((m) => m.id).join(', ')})`,
        );
      }
      if (opts.runnerClass.trim() === '') throw new InputError(`${C.flags.runnerClass} must not be empty`);
      assertWritable(opts.out, C.flags.out);
      const metrics = transcriptionMetrics(
        {
          samples,
          modelVersion: model.version,
          runnerClass: opts.runnerClass,
          warmupClips: opts.warmupClips,
          commit: opts.commit,
          references,
        },
        opts.samples,
      );
      writeFileAtomic(opts.out, JSON.stringify(metrics, null, 2) + '\n');
      io.stdout(
        `${metrics.scenario}: ${metrics.samples} clip(s), p95 ${metrics.latencyMs.p95} ms, p95 real-time factor ${metrics.realTimeFactor!.p95}, ` +
          `error rate ${metrics.errorRate}${metrics.accuracy ? `, word error rate ${(metrics.accuracy.wordErrorRate * 100).toFixed(2)} % over ${metrics.accuracy.referenceWords} words` : ''} → ${opts.out}\n`,
      );
    });
}

if (require.main === module) main(transcriptionMetricsCommand());
