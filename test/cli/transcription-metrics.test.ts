import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as fc from 'fast-check';
import {
  parseMetrics,
  TRANSCRIPTION_SAMPLES_SCHEMA,
  transcriptionMetrics,
  type PerformanceMetrics,
  type TranscriptionSamples,
} from '../../src/runtime';
import { checkPerformanceRegressionCommand } from '../../src/runtime/cli/check-performance-regression';
import { transcriptionMetricsCommand } from '../../src/runtime/cli/transcription-metrics';
import { schemaErrors } from '../support/json-schema';
import { runCliInProcess, runCliProcess } from '../support/run-cli';

const MODEL = 'openai_whisper-base';
const manifest = {
  schemaVersion: 1,
  models: [
    {
      id: MODEL,
      provider: 'whisperkit',
      version: '1.2.0',
      source: { repository: 'argmaxinc/whisperkit-coreml', revision: 'a'.repeat(40), file: 'base.zip' },
      sha256: 'b'.repeat(64),
      sizeBytes: 1000,
    },
  ],
};

/** A corpus of ten 10 s clips, the first (warm-up) slow because it loads the model. */
function samples(
  elapsedMs: (i: number) => number = (i) => (i === 0 ? 9000 : 1000 + i * 10),
  ok: (i: number) => boolean = () => true,
): TranscriptionSamples {
  return {
    schemaVersion: 1,
    modelId: MODEL,
    startedAt: '2026-11-23T02:00:00Z',
    clips: Array.from({ length: 10 }, (_, i) => ({
      name: `clip-${i}.wav`,
      audioSeconds: 10,
      elapsedMs: elapsedMs(i),
      ok: ok(i),
    })),
  };
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'transcription-'));
});
const write = (name: string, data: unknown) => {
  const file = path.join(dir, name);
  writeFileSync(file, typeof data === 'string' ? data : JSON.stringify(data));
  return file;
};
const args = (samplesFile: string, out = path.join(dir, 'metrics.json'), extra: string[] = []) => [
  '--samples',
  samplesFile,
  '--manifest',
  write('models.json', manifest),
  '--runner-class',
  'macos-15',
  '--out',
  out,
  ...extra,
];

describe('transcriptionMetrics', () => {
  test('latency per clip, real-time factor and conditions, without the warm-up clip', () => {
    const m = transcriptionMetrics(
      { samples: samples(), modelVersion: '1.2.0', runnerClass: 'macos-15', warmupClips: 1 },
      's.json',
    );
    expect(m.scenario).toBe('app-transcribe-openai_whisper-base');
    expect(m.conditions).toEqual({
      endpoint: 'transcribe openai_whisper-base@1.2.0',
      targetRate: 0,
      durationSeconds: 90,
      warmupSeconds: 10,
      runnerClass: 'macos-15',
    });
    expect(m.samples).toBe(9);
    // Measured clips take 1010 … 1090 ms: nearest-rank p50 is the 5th, p95 the 9th.
    expect(m.latencyMs).toEqual({ p50: 1050, p95: 1090, p99: 1090, max: 1090, mean: 1050 });
    expect(m.realTimeFactor).toEqual({ p50: 0.105, p95: 0.109, mean: 0.105 });
    expect(m.errorRate).toBe(0);
    expect(m.throughputRps).toBeCloseTo(9 / 9.45, 5);
    expect(() => parseMetrics(m, 'm')).not.toThrow();
  });

  describe("accuracy against the corpus' reference transcripts", () => {
    const references = {
      schemaVersion: 1 as const,
      transcripts: Object.fromEntries(
        Array.from({ length: 10 }, (_, i) => [`clip-${i}.wav`, `the quick brown fox number ${i}`]),
      ),
    };
    const withTranscripts = (
      text: (i: number) => string | undefined,
      ok: (i: number) => boolean = () => true,
    ): TranscriptionSamples => {
      const s = samples(undefined, ok);
      return {
        ...s,
        clips: s.clips.map((c, i) => ({ ...c, ...(text(i) === undefined ? {} : { transcript: text(i) }) })),
      };
    };

    test('the corpus word error rate over every clip that returned a transcript, warm-up included', () => {
      // Clip 0 (warm-up) drops a word and clip 1 gets one wrong: 2 edits in 10 × 6 words; case and punctuation are not errors.
      const m = transcriptionMetrics(
        {
          samples: withTranscripts((i) =>
            i === 0
              ? 'the quick brown fox number'
              : i === 1
                ? 'the quick brown box number 1'
                : `The quick, brown fox: number ${i}.`,
          ),
          modelVersion: '1',
          runnerClass: 'r',
          warmupClips: 1,
          references,
        },
        's',
      );
      expect(m.accuracy).toEqual({ wordErrorRate: Number((2 / 60).toFixed(6)), referenceWords: 60 });
      expect(() => parseMetrics(m, 'm')).not.toThrow();
    });

    test('a failed clip counts in the error rate, not the word error rate', () => {
      const m = transcriptionMetrics(
        {
          samples: withTranscripts(
            (i) => (i === 3 ? undefined : `the quick brown fox number ${i}`),
            (i) => i !== 3,
          ),
          modelVersion: '1',
          runnerClass: 'r',
          warmupClips: 1,
          references,
        },
        's',
      );
      expect(m.accuracy).toEqual({ wordErrorRate: 0, referenceWords: 54 });
      expect(m.errorRate).toBeCloseTo(1 / 9, 6);
    });

    test('a clip without a reference, or passing without its transcript, breaks the contract', () => {
      const { 'clip-4.wav': _, ...fewer } = references.transcripts;
      expect(() =>
        transcriptionMetrics(
          {
            samples: withTranscripts(() => 'x'),
            modelVersion: '1',
            runnerClass: 'r',
            warmupClips: 1,
            references: { schemaVersion: 1, transcripts: fewer },
          },
          's.json',
        ),
      ).toThrow(/s\.json: no reference transcript for clip\(s\) "clip-4\.wav"/);
      expect(() =>
        transcriptionMetrics(
          {
            samples: withTranscripts((i) => (i === 2 ? undefined : 'x')),
            modelVersion: '1',
            runnerClass: 'r',
            warmupClips: 1,
            references,
          },
          's.json',
        ),
      ).toThrow(/clip\(s\) "clip-2\.wav" passed without a transcript/);
    });

    test('CLI: --references records it and prints it; an invalid references file is exit 2 with nothing written', async () => {
      const out = path.join(dir, 'metrics.json');
      const ok = await runCliInProcess(
        transcriptionMetricsCommand,
        args(
          write(
            's.json',
            withTranscripts((i) => `the quick brown fox number ${i}`),
          ),
          out,
          ['--references', write('refs.json', references)],
        ),
      );
      expect(ok.code).toBe(0);
      expect(ok.stdout).toContain('word error rate 0.00 % over 60 words');
      expect(parseMetrics(JSON.parse(readFileSync(out, 'utf8')), out).accuracy).toEqual({
        wordErrorRate: 0,
        referenceWords: 60,
      });
      const out2 = path.join(dir, 'metrics2.json');
      const bad = await runCliInProcess(
        transcriptionMetricsCommand,
        args(
          write(
            's.json',
            withTranscripts(() => 'x'),
          ),
          out2,
          ['--references', write('refs2.json', { schemaVersion: 1, transcripts: {} })],
        ),
      );
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('refs2.json');
      expect(existsSync(out2)).toBe(false);
    });
  });

  test('memory: the peak footprint and what the switch cycles kept, as the test measured them', () => {
    const m = transcriptionMetrics(
      {
        samples: {
          ...samples(),
          memory: { peakFootprintBytes: 812_000_000, switchCycles: 3, switchGrowthBytes: -4096 },
        },
        modelVersion: '1',
        runnerClass: 'r',
        warmupClips: 1,
      },
      's',
    );
    expect(m.memory).toEqual({ peakBytes: 812_000_000, switchGrowthBytes: -4096 });
    expect(() => parseMetrics(m, 'm')).not.toThrow();
    expect(
      transcriptionMetrics({ samples: samples(), modelVersion: '1', runnerClass: 'r', warmupClips: 1 }, 's'),
    ).not.toHaveProperty('memory');
    // One switch cycle has nothing to compare its end with.
    expect(
      schemaErrors(TRANSCRIPTION_SAMPLES_SCHEMA, {
        ...samples(),
        memory: { peakFootprintBytes: 1, switchCycles: 1, switchGrowthBytes: 0 },
      }),
    ).not.toEqual([]);
  });

  test('a failed clip counts in the error rate', () => {
    const m = transcriptionMetrics(
      { samples: samples(undefined, (i) => i !== 3), modelVersion: '1', runnerClass: 'r', warmupClips: 1 },
      's',
    );
    expect(m.errorRate).toBeCloseTo(1 / 9, 6);
  });

  test('property: every figure is valid metrics v1, percentiles are ordered and within the clips', () => {
    const clip = fc.record({
      name: fc.constant('c.wav'),
      audioSeconds: fc.double({ min: 0.1, max: 600, noNaN: true }),
      elapsedMs: fc.double({ min: 0.01, max: 1e6, noNaN: true }),
      ok: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.array(clip, { minLength: 2, maxLength: 60 }),
        fc.integer({ min: 0, max: 1 }),
        (clips, warmupClips) => {
          const m = transcriptionMetrics(
            {
              samples: { schemaVersion: 1, modelId: MODEL, startedAt: '2026-11-23T02:00:00Z', clips },
              modelVersion: '1',
              runnerClass: 'r',
              warmupClips,
            },
            's',
          );
          parseMetrics(m, 'm');
          const l = m.latencyMs;
          const measured = clips.slice(warmupClips).map((c) => c.elapsedMs);
          return (
            l.p50 <= l.p95 &&
            l.p95 <= l.p99 &&
            l.p99 <= l.max &&
            l.max <= Math.max(...measured) + 0.001 &&
            m.realTimeFactor!.p50 <= m.realTimeFactor!.p95
          );
        },
      ),
    );
  });
});

describe('transcription-metrics CLI', () => {
  test('writes metrics the regression gate accepts; a slower model fails the gate on latency and real-time factor', async () => {
    const history = path.join(dir, 'history.json');
    const first = await runCliInProcess(
      transcriptionMetricsCommand,
      args(write('s1.json', samples()), path.join(dir, 'run1.json')),
    );
    expect(first).toMatchObject({ code: 0 });
    expect(first.stdout).toMatch(
      /app-transcribe-openai_whisper-base: 9 clip\(s\), p95 1090 ms, p95 real-time factor 0\.109/,
    );
    const gate = (current: string, extra: string[] = []) =>
      runCliInProcess(checkPerformanceRegressionCommand, ['--current', current, '--history', history, ...extra]);
    expect((await gate(path.join(dir, 'run1.json'), ['--update-history'])).code).toBe(0);

    await runCliInProcess(
      transcriptionMetricsCommand,
      args(
        write(
          's2.json',
          samples((i) => (i === 0 ? 9000 : 1300 + i * 10)),
        ),
        path.join(dir, 'run2.json'),
      ),
    );
    const slower = await gate(path.join(dir, 'run2.json'));
    expect(slower.code).toBe(1);
    expect(slower.stdout).toMatch(/p95 real-time factor\s+0\.109 ×\s+0\.139 ×.*REGRESSION/);
  });

  test('a run of another model version cannot be compared with the history', async () => {
    const history = path.join(dir, 'history.json');
    await runCliInProcess(transcriptionMetricsCommand, args(write('s1.json', samples()), path.join(dir, 'run1.json')));
    await runCliInProcess(checkPerformanceRegressionCommand, [
      '--current',
      path.join(dir, 'run1.json'),
      '--history',
      history,
      '--update-history',
    ]);
    const upgraded = { ...manifest, models: [{ ...manifest.models[0], version: '1.3.0' }] };
    const run2 = path.join(dir, 'run2.json');
    await runCliInProcess(transcriptionMetricsCommand, [
      '--samples',
      write('s2.json', samples()),
      '--manifest',
      write('m2.json', upgraded),
      '--runner-class',
      'macos-15',
      '--out',
      run2,
    ]);
    const result = await runCliInProcess(checkPerformanceRegressionCommand, ['--current', run2, '--history', history]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /conditions\.endpoint: "transcribe openai_whisper-base@1\.3\.0" \(this run\) vs "transcribe openai_whisper-base@1\.2\.0"/,
    );
  });

  test.each([
    ['samples that are not JSON', () => args(write('s.json', '{'))],
    ['samples with a missing field', () => args(write('s.json', { ...samples(), startedAt: undefined }))],
    [
      'a clip of zero seconds',
      () =>
        args(
          write('s.json', {
            ...samples(),
            clips: [
              { name: 'a', audioSeconds: 0, elapsedMs: 1, ok: true },
              { name: 'b', audioSeconds: 1, elapsedMs: 1, ok: true },
            ],
          }),
        ),
    ],
    // Guards a past defect: a denormal clip length gave an infinite real-time factor, written as null, exit 0.
    [
      'a clip so short its real-time factor is infinite',
      () =>
        args(
          write('s.json', {
            ...samples(),
            clips: [
              { name: 'a', audioSeconds: 1, elapsedMs: 1, ok: true },
              { name: 'tiny', audioSeconds: 5e-324, elapsedMs: 1, ok: true },
            ],
          }),
        ),
    ],
    ['a model not in models.json', () => args(write('s.json', { ...samples(), modelId: 'other' }))],
    ['only warm-up clips', () => args(write('s.json', samples()), undefined, ['--warmup-clips', '10'])],
    ['a bad --warmup-clips', () => args(write('s.json', samples()), undefined, ['--warmup-clips', '-1'])],
    ['an empty --runner-class', () => [...args(write('s.json', samples())), '--runner-class', ' ']],
    ['an output path that is a folder', () => args(write('s.json', samples()), dir)],
  ])('%s: exit 2, one line naming the problem, nothing written', async (_label, argv) => {
    const result = await runCliInProcess(transcriptionMetricsCommand, argv());
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(path.join(dir, 'metrics.json'))).toBe(false);
  });

  test('as a process: missing flags exit 2', async () => {
    const result = await runCliProcess('transcription-metrics', ['--samples', 'x.json']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/required option/);
  }, 30_000);

  test('the shipped samples schema is strict JSON schema', () => {
    expect(schemaErrors(TRANSCRIPTION_SAMPLES_SCHEMA, samples())).toEqual([]);
    const written: PerformanceMetrics = JSON.parse(
      readFileSync(
        write(
          'x.json',
          transcriptionMetrics({ samples: samples(), modelVersion: '1', runnerClass: 'r', warmupClips: 1 }, 's'),
        ),
        'utf8',
      ),
    );
    expect(written.realTimeFactor).toBeDefined();
  });
});
