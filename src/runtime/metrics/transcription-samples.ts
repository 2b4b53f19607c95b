import type { PerformanceMetrics, TranscriptAccuracy } from './performance-metrics';
import { corpusWordErrorRate, wordErrors } from './word-error-rate';
import { InputError } from '../../common/cli-errors';
import { transcriptionScenario } from '../../common/performance-scenarios';
import { quoteInput } from '../../common/safe-text';
import { parseWithSchema } from '../../common/schema-validator';

/** One clip of the app's performance corpus, as its performance test timed it. */
export interface TranscriptionClip {
  /** The clip's name in the corpus, e.g. `en-30s.wav`. */
  readonly name: string;
  /** Length of the audio in seconds. */
  readonly audioSeconds: number;
  /** Wall time of the transcription in milliseconds (from audio handed over to text returned). */
  readonly elapsedMs: number;
  /** Whether a transcript came back (a thrown error or an empty transcript is `false`). */
  readonly ok: boolean;
  /**
   * The text the model returned, as it returned it: the accuracy gate compares it with the clip's
   * reference transcript. Required of every clip with `ok` when the run is given references.
   * @default - not written (no accuracy measured)
   */
  readonly transcript?: string;
}

/**
 * What the app's performance test target writes for one model (to the file named by the
 * `METRICS_PATH` test-runner variable): the raw timings, in corpus order. `transcription-metrics`
 * turns it into performance metrics v1 for the regression gate.
 */
export interface TranscriptionSamples {
  readonly schemaVersion: 1;
  /** The model of models.json the clips were transcribed with. */
  readonly modelId: string;
  /** ISO 8601 start of the run. */
  readonly startedAt: string;
  readonly clips: readonly TranscriptionClip[];
  /**
   * The test process's memory (its physical footprint, `phys_footprint` as XCTMemoryMetric and
   * Xcode's memory gauge report it) while this model ran.
   * @default - not measured
   */
  readonly memory?: TranscriptionMemory;
}

/** Memory of one model's performance run, in bytes of physical footprint. */
export interface TranscriptionMemory {
  /** The highest footprint while the model was loaded and transcribed the corpus. */
  readonly peakFootprintBytes: number;
  /**
   * Switch cycles run after the corpus: this model → the next model of models.json (the first,
   * after the last; the model itself when it is the only one) → this model, each load releasing
   * the model before it.
   */
  readonly switchCycles: number;
  /**
   * Footprint after the last switch cycle minus after the first: about 0 when switching frees
   * what a load takes; what a leaking switch keeps grows with every cycle. Negative is possible.
   */
  readonly switchGrowthBytes: number;
}

const positive = { type: 'number', exclusiveMinimum: 0 };

/** JSON schema of {@link TranscriptionSamples}: the contract between the app's tests and the gate. */
export const TRANSCRIPTION_SAMPLES_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://voice-platform.dev/schemas/transcription-samples-v1.json',
  title: 'Transcription samples, version 1',
  type: 'object',
  additionalProperties: false,
  required: ['schemaVersion', 'modelId', 'startedAt', 'clips'],
  properties: {
    schemaVersion: { const: 1 },
    modelId: { type: 'string', minLength: 1 },
    startedAt: { type: 'string', format: 'date-time' },
    clips: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'audioSeconds', 'elapsedMs', 'ok'],
        properties: {
          name: { type: 'string', minLength: 1 },
          audioSeconds: positive,
          elapsedMs: positive,
          ok: { type: 'boolean' },
          transcript: { type: 'string' },
        },
      },
    },
    memory: {
      type: 'object',
      additionalProperties: false,
      required: ['peakFootprintBytes', 'switchCycles', 'switchGrowthBytes'],
      properties: {
        peakFootprintBytes: { type: 'integer', minimum: 1 },
        switchCycles: { type: 'integer', minimum: 2 },
        switchGrowthBytes: { type: 'integer' },
      },
    },
  },
} as const;

export function parseTranscriptionSamples(data: unknown, file: string): TranscriptionSamples {
  return parseWithSchema<TranscriptionSamples>(TRANSCRIPTION_SAMPLES_SCHEMA, data, file);
}

/**
 * The reference transcripts that ship with the performance corpus: what each clip says, by the
 * clip's name in the corpus (as the samples name it), in the words the model should return.
 */
export interface ReferenceTranscripts {
  readonly schemaVersion: 1;
  readonly transcripts: Readonly<Record<string, string>>;
}

/** JSON schema of {@link ReferenceTranscripts}. */
export const REFERENCE_TRANSCRIPTS_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://voice-platform.dev/schemas/reference-transcripts-v1.json',
  title: 'Reference transcripts of the performance corpus, version 1',
  type: 'object',
  additionalProperties: false,
  required: ['schemaVersion', 'transcripts'],
  properties: {
    schemaVersion: { const: 1 },
    transcripts: { type: 'object', minProperties: 1, additionalProperties: { type: 'string', minLength: 1 } },
  },
} as const;

export function parseReferenceTranscripts(data: unknown, file: string): ReferenceTranscripts {
  return parseWithSchema<ReferenceTranscripts>(REFERENCE_TRANSCRIPTS_SCHEMA, data, file);
}

/** Nearest-rank percentile: with tens of clips an interpolated figure would invent precision. */
function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const round = (value: number, digits: number) => Number(value.toFixed(digits));

export interface TranscriptionRun {
  readonly samples: TranscriptionSamples;
  /** The model's version in models.json: part of what is measured, so a new version starts a new history. */
  readonly modelVersion: string;
  /** The runner label the test ran on, e.g. `macos-15`. */
  readonly runnerClass: string;
  /** Clips at the start left out of every figure (the first transcription loads the model). */
  readonly warmupClips: number;
  /** @default - not recorded */
  readonly commit?: string;
  /**
   * Reference transcripts of the corpus: with them the run's word error rate is measured.
   * @default - no accuracy measured
   */
  readonly references?: ReferenceTranscripts;
}

/**
 * Performance metrics v1 of a sequential transcription run: latency per clip, the error rate,
 * clips per second of processing, and the real-time factor (processing seconds per audio second).
 * The conditions name the model and its version and the audio measured, so only a run over the
 * same corpus, model version and runner is compared with it.
 */
export function transcriptionMetrics(run: TranscriptionRun, source: string): PerformanceMetrics {
  const { samples } = run;
  if (run.warmupClips >= samples.clips.length) {
    throw new InputError(
      `${source}: ${samples.clips.length} clip(s), all within the ${run.warmupClips} warm-up clip(s): nothing left to measure`,
    );
  }
  const warmup = samples.clips.slice(0, run.warmupClips);
  const measured = samples.clips.slice(run.warmupClips);
  const latencies = measured.map((c) => c.elapsedMs).sort((a, b) => a - b);
  // A clip too short for its time (a denormal length) has no real-time factor to record.
  const infinite = measured.find((c) => !Number.isFinite(c.elapsedMs / 1000 / c.audioSeconds));
  if (infinite) {
    throw new InputError(
      `${source}: clip ${quoteInput(infinite.name)}: audioSeconds ${infinite.audioSeconds} gives no finite real-time factor`,
    );
  }
  const rtfs = measured.map((c) => c.elapsedMs / 1000 / c.audioSeconds).sort((a, b) => a - b);
  const processingSeconds = latencies.reduce((a, b) => a + b, 0) / 1000;
  const audio = (clips: readonly TranscriptionClip[]) =>
    round(
      clips.reduce((a, c) => a + c.audioSeconds, 0),
      3,
    );
  return {
    schemaVersion: 1,
    scenario: transcriptionScenario(samples.modelId),
    conditions: {
      endpoint: `transcribe ${samples.modelId}@${run.modelVersion}`,
      targetRate: 0,
      durationSeconds: audio(measured),
      warmupSeconds: audio(warmup),
      runnerClass: run.runnerClass,
    },
    latencyMs: {
      p50: round(percentile(latencies, 50), 3),
      p95: round(percentile(latencies, 95), 3),
      p99: round(percentile(latencies, 99), 3),
      max: round(latencies[latencies.length - 1]!, 3),
      mean: round(mean(latencies), 3),
    },
    errorRate: round(measured.filter((c) => !c.ok).length / measured.length, 6),
    throughputRps: round(measured.length / processingSeconds, 6),
    samples: measured.length,
    realTimeFactor: {
      p50: round(percentile(rtfs, 50), 4),
      p95: round(percentile(rtfs, 95), 4),
      mean: round(mean(rtfs), 4),
    },
    ...(run.references ? { accuracy: accuracyOf(samples.clips, run.references, source) } : {}),
    ...(samples.memory
      ? {
          memory: { peakBytes: samples.memory.peakFootprintBytes, switchGrowthBytes: samples.memory.switchGrowthBytes },
        }
      : {}),
    run: {
      startedAt: samples.startedAt,
      elapsedSeconds: processingSeconds,
      dropped: 0,
      tool: 'transcription-metrics (XCTest timings)',
      ...(run.commit ? { commit: run.commit } : {}),
    },
  };
}

/**
 * The corpus word error rate of every clip that returned a transcript, warm-up clips included (the
 * first load changes how long a clip takes, not what it says). A failed clip has no transcript and
 * counts in the error rate instead. Every clip needs a reference, and every clip with `ok` its
 * transcript: a gap is the test's contract broken, never a silently smaller corpus.
 */
function accuracyOf(
  clips: readonly TranscriptionClip[],
  references: ReferenceTranscripts,
  source: string,
): TranscriptAccuracy {
  const unknown = clips.filter((c) => references.transcripts[c.name] === undefined).map((c) => quoteInput(c.name));
  if (unknown.length > 0) {
    throw new InputError(
      `${source}: no reference transcript for clip(s) ${unknown.join(', ')} (the references name ${Object.keys(references.transcripts).length} clip(s))`,
    );
  }
  const silent = clips.filter((c) => c.ok && c.transcript === undefined).map((c) => quoteInput(c.name));
  if (silent.length > 0) {
    throw new InputError(
      `${source}: clip(s) ${silent.join(', ')} passed without a transcript: the performance test must write what the model returned`,
    );
  }
  const errors = clips.filter((c) => c.ok).map((c) => wordErrors(references.transcripts[c.name]!, c.transcript!));
  const referenceWords = errors.reduce((a, e) => a + e.referenceWords, 0);
  if (referenceWords === 0) {
    throw new InputError(`${source}: no clip returned a transcript: there is no word error rate to measure`);
  }
  return { wordErrorRate: round(corpusWordErrorRate(errors), 6), referenceWords };
}
