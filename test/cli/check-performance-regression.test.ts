import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as fc from 'fast-check';
import {
  compareMetrics,
  DEFAULT_THRESHOLDS,
  type PerformanceMetrics,
  type RegressionThresholds,
} from '../../src/runtime';
import { checkPerformanceRegressionCommand } from '../../src/runtime/cli/check-performance-regression';
import { runCliInProcess, runCliProcess } from '../support/run-cli';

const MIB = 1024 * 1024;

function metrics(
  over: {
    scenario?: string;
    p50?: number;
    p95?: number;
    p99?: number;
    errorRate?: number;
    throughputRps?: number;
    samples?: number;
    rtfP95?: number;
    wer?: number;
    memory?: { peakMiB: number; growthMiB: number };
    conditions?: Partial<PerformanceMetrics['conditions']>;
  } = {},
): PerformanceMetrics {
  return {
    schemaVersion: 1,
    scenario: over.scenario ?? 'tts-synthesize',
    latencyMs: { p50: over.p50 ?? 10, p95: over.p95 ?? 30, p99: over.p99 ?? 60, max: 100, mean: 12 },
    errorRate: over.errorRate ?? 0.001,
    throughputRps: over.throughputRps ?? 50,
    samples: over.samples ?? 3000,
    ...(over.rtfP95 !== undefined
      ? { realTimeFactor: { p50: over.rtfP95 / 2, p95: over.rtfP95, mean: over.rtfP95 / 2 } }
      : {}),
    ...(over.wer !== undefined ? { accuracy: { wordErrorRate: over.wer, referenceWords: 1200 } } : {}),
    ...(over.memory
      ? {
          memory: {
            peakBytes: Math.round(over.memory.peakMiB * MIB),
            switchGrowthBytes: Math.round(over.memory.growthMiB * MIB),
          },
        }
      : {}),
    conditions: {
      endpoint: 'POST /v1/synthesize',
      targetRate: 50,
      durationSeconds: 60,
      warmupSeconds: 10,
      runnerClass: 'ubuntu-24.04',
      ...over.conditions,
    },
    run: { startedAt: '2026-11-21T02:00:00.000Z', elapsedSeconds: 60, dropped: 0, tool: 'load-test' },
  };
}

describe('compareMetrics', () => {
  const t = DEFAULT_THRESHOLDS;
  const verdicts = (b: PerformanceMetrics, c: PerformanceMetrics) =>
    Object.fromEntries(compareMetrics(b, c, t).rows.map((r) => [r.metric, r.verdict]));

  test('a change exactly at a threshold passes; just beyond fails', () => {
    expect(verdicts(metrics({ p95: 100 }), metrics({ p95: 115 }))['p95 latency']).toBe('pass');
    expect(verdicts(metrics({ p95: 100 }), metrics({ p95: 115.01 }))['p95 latency']).toBe('regression');
    expect(verdicts(metrics({ throughputRps: 100 }), metrics({ throughputRps: 90 })).throughput).toBe('pass');
    expect(verdicts(metrics({ throughputRps: 100 }), metrics({ throughputRps: 89.9 })).throughput).toBe('regression');
  });

  test('the real-time factor is compared only when both the run and the reference measured it', () => {
    expect(verdicts(metrics({ rtfP95: 0.2 }), metrics({ rtfP95: 0.23 }))['p95 real-time factor']).toBe('pass');
    expect(verdicts(metrics({ rtfP95: 0.2 }), metrics({ rtfP95: 0.231 }))['p95 real-time factor']).toBe('regression');
    expect(verdicts(metrics(), metrics({ rtfP95: 0.5 }))).not.toHaveProperty(['p95 real-time factor']);
    expect(verdicts(metrics({ rtfP95: 0.2 }), metrics())).not.toHaveProperty(['p95 real-time factor']);
  });

  test('the word error rate gates on its absolute rise in points, only when both the run and the reference measured it', () => {
    expect(verdicts(metrics({ wer: 0.05 }), metrics({ wer: 0.06 }))['word error rate']).toBe('pass');
    expect(verdicts(metrics({ wer: 0.05 }), metrics({ wer: 0.0601 }))['word error rate']).toBe('regression');
    // Absolute, not relative: from 40 % to 41 % is one point, as from 2 % to 3 %.
    expect(verdicts(metrics({ wer: 0.4 }), metrics({ wer: 0.4101 }))['word error rate']).toBe('regression');
    expect(verdicts(metrics({ wer: 0.05 }), metrics({ wer: 0.01 }))['word error rate']).toBe('pass');
    expect(verdicts(metrics(), metrics({ wer: 0.5 }))).not.toHaveProperty(['word error rate']);
    expect(verdicts(metrics({ wer: 0.05 }), metrics())).not.toHaveProperty(['word error rate']);
  });

  test('memory: the peak relative to the reference, what switching keeps in absolute MiB; compared only when both measured it', () => {
    const v = (b: { peakMiB: number; growthMiB: number }, c: { peakMiB: number; growthMiB: number }) =>
      verdicts(metrics({ memory: b }), metrics({ memory: c }));
    expect(v({ peakMiB: 1000, growthMiB: 0 }, { peakMiB: 1100, growthMiB: 16 })).toMatchObject({
      'peak memory': 'pass',
      'memory kept across model switches': 'pass',
    });
    expect(v({ peakMiB: 1000, growthMiB: 0 }, { peakMiB: 1101, growthMiB: 0 })['peak memory']).toBe('regression');
    expect(
      v({ peakMiB: 1000, growthMiB: 0 }, { peakMiB: 1000, growthMiB: 16.1 })['memory kept across model switches'],
    ).toBe('regression');
    // A history that kept memory too: only the rise counts.
    expect(
      v({ peakMiB: 1000, growthMiB: 100 }, { peakMiB: 1000, growthMiB: 110 })['memory kept across model switches'],
    ).toBe('pass');
    expect(verdicts(metrics(), metrics({ memory: { peakMiB: 9000, growthMiB: 900 } }))).not.toHaveProperty([
      'peak memory',
    ]);
  });

  test('the error rate fails on its absolute limit and on its allowed rise', () => {
    expect(verdicts(metrics({ errorRate: 0 }), metrics({ errorRate: 0.011 }))['error rate']).toBe('regression');
    expect(verdicts(metrics({ errorRate: 0 }), metrics({ errorRate: 0.006 }))['error rate']).toBe('regression');
    expect(verdicts(metrics({ errorRate: 0.004 }), metrics({ errorRate: 0.008 }))['error rate']).toBe('pass');
  });

  test('p50 is reported but never gates', () => {
    const result = compareMetrics(metrics({ p50: 1 }), metrics({ p50: 100 }), t);
    expect(result.rows[0]).toMatchObject({ metric: 'p50 latency', verdict: 'info' });
    expect(result.regressed).toBe(false);
  });

  test('a rise from a zero baseline is infinite', () => {
    expect(verdicts(metrics({ p99: 0 }), metrics({ p99: 1 }))['p99 latency']).toBe('regression');
    expect(verdicts(metrics({ p99: 0 }), metrics({ p99: 0 }))['p99 latency']).toBe('pass');
  });
});

describe('compareMetrics properties', () => {
  const positive = fc.double({ min: 0.5, max: 50_000, noNaN: true });
  const thresholds = fc.record<RegressionThresholds>({
    p95IncreasePct: fc.double({ min: 1, max: 100, noNaN: true }),
    p99IncreasePct: fc.double({ min: 1, max: 100, noNaN: true }),
    maxErrorRate: fc.double({ min: 0.01, max: 0.2, noNaN: true }),
    maxErrorRateIncrease: fc.double({ min: 0.005, max: 0.1, noNaN: true }),
    throughputDecreasePct: fc.double({ min: 1, max: 90, noNaN: true }),
    rtfIncreasePct: fc.double({ min: 1, max: 100, noNaN: true }),
    werIncreasePts: fc.double({ min: 0.1, max: 20, noNaN: true }),
    peakMemoryIncreasePct: fc.double({ min: 1, max: 100, noNaN: true }),
    switchGrowthIncreaseMib: fc.double({ min: 1, max: 256, noNaN: true }),
  });
  // A margin keeps generated values clear of the exact boundary, where floating-point rounding decides.
  const MARGIN = 1e-6;

  test('a latency or throughput change beyond its threshold is always flagged', () => {
    fc.assert(
      fc.property(
        positive,
        positive,
        thresholds,
        fc.double({ min: MARGIN * 1e3, max: 10, noNaN: true }),
        fc.constantFrom(
          'p95',
          'p99',
          'throughput',
          'p95 real-time factor',
          'word error rate',
          'peak memory',
          'memory kept across model switches',
        ),
        (latency, rps, t, excess, which) => {
          const memory = { peakMiB: 800, growthMiB: 2 };
          const base = metrics({
            p95: latency,
            p99: latency * 2,
            throughputRps: rps,
            errorRate: 0,
            rtfP95: 0.3,
            wer: 0.05,
            memory,
          });
          const cur =
            which === 'peak memory'
              ? metrics({
                  p95: latency,
                  p99: latency * 2,
                  throughputRps: rps,
                  errorRate: 0,
                  memory: { ...memory, peakMiB: 800 * (1 + t.peakMemoryIncreasePct / 100 + excess) },
                })
              : which === 'memory kept across model switches'
                ? metrics({
                    p95: latency,
                    p99: latency * 2,
                    throughputRps: rps,
                    errorRate: 0,
                    memory: { ...memory, growthMiB: 2 + t.switchGrowthIncreaseMib + excess },
                  })
                : which === 'word error rate'
                  ? metrics({
                      p95: latency,
                      p99: latency * 2,
                      throughputRps: rps,
                      errorRate: 0,
                      rtfP95: 0.3,
                      wer: 0.05 + (t.werIncreasePts + excess) / 100,
                    })
                  : which === 'p95 real-time factor'
                    ? metrics({
                        p95: latency,
                        p99: latency * 2,
                        throughputRps: rps,
                        errorRate: 0,
                        rtfP95: 0.3 * (1 + t.rtfIncreasePct / 100 + excess),
                      })
                    : which === 'p95'
                      ? metrics({
                          p95: latency * (1 + t.p95IncreasePct / 100 + excess),
                          p99: latency * 2,
                          throughputRps: rps,
                          errorRate: 0,
                        })
                      : which === 'p99'
                        ? metrics({
                            p95: latency,
                            p99: latency * 2 * (1 + t.p99IncreasePct / 100 + excess),
                            throughputRps: rps,
                            errorRate: 0,
                          })
                        : metrics({
                            p95: latency,
                            p99: latency * 2,
                            throughputRps: rps * Math.max(0, 1 - t.throughputDecreasePct / 100 - excess / 10),
                            errorRate: 0,
                          });
          const result = compareMetrics(base, cur, t);
          const row = result.rows.find((r) => r.metric.startsWith(which))!;
          return result.regressed && row.verdict === 'regression';
        },
      ),
    );
  });

  test('an error rate beyond its limit or its allowed rise is always flagged', () => {
    fc.assert(
      fc.property(
        thresholds,
        fc.double({ min: 0, max: 0.5, noNaN: true }),
        fc.double({ min: 0.001, max: 0.3, noNaN: true }),
        (t, baseRate, excess) => {
          const overRise = Math.min(1, baseRate + t.maxErrorRateIncrease + excess);
          const overLimit = Math.min(1, t.maxErrorRate + excess);
          return (
            compareMetrics(metrics({ errorRate: baseRate }), metrics({ errorRate: overRise }), t).regressed &&
            compareMetrics(metrics({ errorRate: 0 }), metrics({ errorRate: overLimit }), t).regressed
          );
        },
      ),
    );
  });

  test('changes within every threshold are never flagged', () => {
    fc.assert(
      fc.property(
        positive,
        positive,
        thresholds,
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (latency, rps, t, f1, f2) => {
          const base = metrics({
            p95: latency,
            p99: latency * 2,
            throughputRps: rps,
            errorRate: 0,
            wer: 0.05,
            memory: { peakMiB: 800, growthMiB: 2 },
          });
          const within = (pct: number, f: number) => 1 + (pct / 100) * f * (1 - MARGIN);
          const cur = metrics({
            p95: latency * within(t.p95IncreasePct, f1),
            p99: latency * 2 * within(t.p99IncreasePct, f2),
            throughputRps: rps * (1 - (t.throughputDecreasePct / 100) * f1 * (1 - MARGIN)),
            errorRate: Math.min(t.maxErrorRate, t.maxErrorRateIncrease) * f2 * (1 - MARGIN),
            wer: 0.05 + (t.werIncreasePts / 100) * f2 * (1 - MARGIN),
            memory: {
              peakMiB: 800 * within(t.peakMemoryIncreasePct, f1),
              growthMiB: 2 + t.switchGrowthIncreaseMib * f2 * (1 - MARGIN),
            },
          });
          return !compareMetrics(base, cur, t).regressed;
        },
      ),
    );
  });

  test('the verdict is monotone: a run with higher latency than a regressed run regresses too', () => {
    fc.assert(
      fc.property(
        positive,
        positive,
        fc.double({ min: 0, max: 3, noNaN: true }),
        fc.double({ min: 1, max: 4, noNaN: true }),
        (latency, rps, rise, worse) => {
          const base = metrics({ p95: latency, p99: latency * 2, throughputRps: rps, errorRate: 0 });
          const cur = metrics({
            p95: latency * (1 + rise),
            p99: latency * 2 * (1 + rise),
            throughputRps: rps,
            errorRate: 0,
          });
          const worseRun = metrics({
            p95: cur.latencyMs.p95 * worse,
            p99: cur.latencyMs.p99 * worse,
            throughputRps: rps,
            errorRate: 0,
          });
          return (
            !compareMetrics(base, cur, DEFAULT_THRESHOLDS).regressed ||
            compareMetrics(base, worseRun, DEFAULT_THRESHOLDS).regressed
          );
        },
      ),
    );
  });
});

describe('check-performance-regression CLI', () => {
  let dir: string;
  const file = (name: string) => path.join(dir, name);
  const write = (name: string, data: unknown) =>
    writeFileSync(file(name), typeof data === 'string' ? data : JSON.stringify(data));
  const read = (name: string) => readFileSync(file(name), 'utf8');
  const history = (...runs: PerformanceMetrics[]) => ({ schemaVersion: 1, scenario: 'tts-synthesize', runs });
  const run = (...args: string[]) =>
    runCliInProcess(
      checkPerformanceRegressionCommand,
      args.map((a) => (/^[a-z]+\.(json|md)$/.test(a) ? file(a) : a)),
    );
  const gate = (...extra: string[]) => run('--current', 'current.json', '--history', 'history.json', ...extra);

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'regression-'));
  });

  test('passes, prints the table against the reference and appends Markdown to the summary', async () => {
    write('current.json', metrics({ p95: 31 }));
    write('history.json', history(metrics()));
    const r = await gate('--summary', 'summary.md');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^reference: the one earlier passing run$/m);
    expect(r.stdout).toMatch(/^metric\s+reference\s+current\s+change\s+limit\s+verdict$/m);
    expect(r.stdout).toMatch(/^p95 latency\s+30 ms\s+31 ms\s+\+3\.33 %\s+≤ \+15 %\s+pass$/m);
    expect(read('summary.md')).toContain('| p95 latency | 30 ms | 31 ms | +3.33 % | ≤ +15 % | pass |');
  });

  test('exits 1 on a regression and leaves the history untouched even with --update-history', async () => {
    write('current.json', metrics({ p99: 200 }));
    write('history.json', history(metrics()));
    const before = read('history.json');
    const r = await gate('--update-history');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `check-performance-regression: regression in p99 latency (history ${file('history.json')} left unchanged)\n`,
    );
    expect(read('history.json')).toBe(before);
  });

  test('--update-history appends the run after a pass, atomically (no temp file left), keeping at most 30 runs', async () => {
    write('current.json', metrics({ p95: 29 }));
    write('history.json', history(...Array.from({ length: 30 }, () => metrics())));
    expect((await gate('--update-history')).code).toBe(0);
    const runs = JSON.parse(read('history.json')).runs;
    expect(runs).toHaveLength(30);
    expect(runs[29].latencyMs.p95).toBe(29);
    expect(readdirSync(dir).sort()).toEqual(['current.json', 'history.json']);
  });

  test('--update-history through a symbolic link replaces the file it points to, and keeps the link', async () => {
    mkdirSync(file('store'));
    writeFileSync(path.join(dir, 'store', 'h.json'), JSON.stringify(history(metrics())));
    symlinkSync(path.join(dir, 'store', 'h.json'), file('history.json'));
    write('current.json', metrics());
    expect((await gate('--update-history')).code).toBe(0);
    expect(lstatSync(file('history.json')).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(path.join(dir, 'store', 'h.json'), 'utf8')).runs).toHaveLength(2);
  });

  test('threshold flags and a thresholds file change the verdict', async () => {
    write('current.json', metrics({ p95: 40 }));
    write('history.json', history(metrics()));
    expect((await gate('--max-p95-increase-pct', '50')).code).toBe(0);
    write('t.json', { p95IncreasePct: 40 });
    expect((await gate('--thresholds', 't.json')).code).toBe(0);
    expect((await gate('--thresholds', 't.json', '--max-p95-increase-pct', '10')).code).toBe(1);
  });

  // Defect: a dispatch at another rate passed and became the baseline; every nightly after it failed.
  test('lock-in: a run under other conditions is never compared (exit 2 naming the field) and never recorded', async () => {
    write('history.json', history(metrics()));
    const before = read('history.json');
    write('current.json', metrics({ conditions: { targetRate: 40 }, throughputRps: 100 }));
    const r = await gate('--update-history');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /measured under other conditions than the history .*conditions\.targetRate: 40 \(this run\) vs 50 \(history\)/,
    );
    expect(read('history.json')).toBe(before);
    // The next nightly at the model's rate still passes against the untouched history.
    write('current.json', metrics());
    expect((await gate('--update-history')).code).toBe(0);
  });

  test.each([
    ['endpoint', { endpoint: 'POST /v2/synthesize' }],
    ['durationSeconds', { durationSeconds: 30 }],
    ['warmupSeconds', { warmupSeconds: 0 }],
    ['runnerClass', { runnerClass: 'ubuntu-24.04-arm' }],
  ])('a different %s is a mismatch (exit 2)', async (field, conditions) => {
    write('history.json', history(metrics()));
    write('current.json', metrics({ conditions }));
    const r = await gate();
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`conditions.${field}:`);
  });

  // A deploy's watch window (2 requests a second through a port-forward) beside the nightly runs (50 on a runner).
  test('--across-conditions lists the differences, leaves throughput out, and warns without failing', async () => {
    write('history.json', history(metrics()));
    write(
      'current.json',
      metrics({ scenario: 'production-tts-watch', conditions: { targetRate: 2 }, throughputRps: 2, p95: 60 }),
    );
    const r = await runCliInProcess(
      checkPerformanceRegressionCommand,
      [
        '--current',
        file('current.json'),
        '--history',
        file('history.json'),
        '--across-conditions',
        '--summary',
        file('summary.md'),
      ],
      { GITHUB_ACTIONS: 'true' },
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^p95 latency\s+30 ms\s+60 ms\s+\+100 %\s+≤ \+15 %\s+REGRESSION$/m);
    expect(r.stdout).not.toMatch(/^throughput/m);
    expect(r.stdout).toContain(
      "::warning title=Beyond the history's limits::production-tts-watch: p95 latency beyond the limits of the history",
    );
    const summary = read('summary.md');
    expect(summary).toContain(
      '### ⚠️ Beyond the history\'s limits (other conditions, not a gate): production-tts-watch\n\nMeasured under other conditions than the history: scenario: "production-tts-watch" (this run) vs "tts-synthesize" (history); conditions.targetRate: 2 (this run) vs 50 (history).',
    );
    // Within the limits it says so, and it never records.
    write(
      'current.json',
      metrics({ scenario: 'production-tts-watch', conditions: { targetRate: 2 }, throughputRps: 2 }),
    );
    expect((await gate('--across-conditions', '--summary', 'summary.md')).code).toBe(0);
    expect(read('summary.md')).toContain(
      "### ℹ️ Within the history's limits (other conditions, not a gate): production-tts-watch",
    );
    expect(await gate('--across-conditions', '--update-history')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--across-conditions never records'),
    });
  });

  test('the image digest is recorded but does not make runs incomparable (it is what changes each night)', async () => {
    write('history.json', history(metrics({ conditions: { imageDigest: `sha256:${'a'.repeat(64)}` } })));
    write('current.json', metrics({ conditions: { imageDigest: `sha256:${'b'.repeat(64)}` } }));
    expect((await gate()).code).toBe(0);
  });

  // Defect: every passing run replaced the baseline, so +10 % a night passed forever.
  test('ratchet: five nights of +10 % p95 each fail by the third', async () => {
    write('history.json', history(...Array.from({ length: 5 }, () => metrics({ p95: 100, p99: 200 }))));
    const verdicts: number[] = [];
    for (let night = 1; night <= 5; night++) {
      write('current.json', metrics({ p95: 100 * 1.1 ** night, p99: 200 }));
      verdicts.push((await gate('--update-history')).code);
    }
    expect(verdicts.slice(0, 3)).toContain(1);
    expect(verdicts.indexOf(1)).toBeLessThanOrEqual(2);
  });

  test('one odd night does not move the reference (the median of the window)', async () => {
    const runs = [100, 100, 100, 100, 300].map((p95) => metrics({ p95, p99: 500 }));
    write('history.json', history(...runs));
    write('current.json', metrics({ p95: 110, p99: 500 }));
    const r = await gate();
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^reference: median of the last 5 passing runs$/m);
    expect(r.stdout).toMatch(/^p95 latency\s+100 ms\s+110 ms/m);
  });

  test('a noisy history widens a limit to 3 × its spread, and says so', async () => {
    write('history.json', history(...[80, 120, 100, 90, 110].map((p95) => metrics({ p95, p99: 500 }))));
    write('current.json', metrics({ p95: 125, p99: 500 }));
    const r = await gate();
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/≤ \+30 % \(3 × spread\)/);
  });

  // Defect: an evicted baseline was silently recreated with exit 0.
  test('eviction: no history is a loud warning (annotation and summary), never a silent pass', async () => {
    write('current.json', metrics());
    const r = await runCliInProcess(
      checkPerformanceRegressionCommand,
      ['--current', file('current.json'), '--history', file('history.json'), '--summary', file('summary.md')],
      { GITHUB_ACTIONS: 'true' },
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^::warning title=No performance baseline::No performance history at .*was NOT compared with anything/,
    );
    expect(read('summary.md')).toMatch(/^### ⚠️ No performance baseline: tts-synthesize\n\n> \[!WARNING\]/);
    expect(existsSync(file('history.json'))).toBe(false);
  });

  test('no history with --update-history starts one, still with the warning', async () => {
    write('current.json', metrics());
    const r = await gate('--update-history');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^WARNING: No performance history .* It starts a new history\./m);
    expect(JSON.parse(read('history.json')).runs).toEqual([metrics()]);
  });

  describe('exit 2, one clear line, no stack trace, nothing written', () => {
    const cases: [string, () => void, string[], RegExp][] = [
      ['malformed JSON', () => write('current.json', '{"schemaVersion": 1,'), [], /current\.json": malformed JSON/],
      [
        'a missing metric',
        () => {
          const m: any = metrics();
          delete m.latencyMs.p99;
          write('current.json', m);
        },
        [],
        /current\.json: latencyMs\.p99 is missing/,
      ],
      [
        'a non-numeric metric',
        () => {
          const m: any = metrics();
          m.latencyMs.p95 = 'fast';
          write('current.json', m);
        },
        [],
        /current\.json: latencyMs\.p95 must be number, got "fast"/,
      ],
      [
        'a negative metric',
        () => write('current.json', metrics({ throughputRps: -1 })),
        [],
        /current\.json: throughputRps must be >= 0, got -1/,
      ],
      [
        'zero samples',
        () => write('current.json', metrics({ samples: 0 })),
        [],
        /current\.json: samples must be >= 1, got 0/,
      ],
      [
        'no recorded conditions',
        () => {
          const m: any = metrics();
          delete m.conditions;
          write('current.json', m);
        },
        [],
        /current\.json: conditions is missing/,
      ],
      ['a missing current file', () => undefined, [], /current\.json": cannot read \(no such file or folder\)/],
      [
        'a bad threshold flag',
        () => write('current.json', metrics()),
        ['--max-error-rate', '2'],
        /--max-error-rate must be a number ≥ 0 and ≤ 1, got "2"/,
      ],
      [
        'a bad window',
        () => write('current.json', metrics()),
        ['--window', '0'],
        /--window must be an integer ≥ 1 and ≤ 30, got "0"/,
      ],
      [
        'an unknown field in the thresholds file',
        () => {
          write('current.json', metrics());
          write('t.json', { p95: 3 });
        },
        ['--thresholds', 't.json'],
        /t\.json: p95 is not a known field/,
      ],
      [
        'a summary path that is a folder',
        () => {
          write('current.json', metrics({ p95: 29 }));
          mkdirSync(file('summary.md'));
        },
        ['--summary', 'summary.md', '--update-history'],
        /--summary ".*summary\.md": cannot write \(is a folder\)/,
      ],
      [
        'a history path that is a folder',
        () => {
          write('current.json', metrics());
        },
        ['--history', 'sub', '--update-history'],
        /sub": is a folder, expected a JSON file/,
      ],
    ];
    test.each(cases)('%s', async (_, setup, extra, message) => {
      setup();
      write('history.json', history(metrics()));
      mkdirSync(file('sub'));
      const before = read('history.json');
      const r = await run(
        '--current',
        'current.json',
        '--history',
        'history.json',
        ...extra.map((a) => (a === 'sub' ? file('sub') : a)),
      );
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(read('history.json')).toBe(before);
    });

    test('a corrupt history is reported and not replaced', async () => {
      write('current.json', metrics());
      write('history.json', '{"schemaVersion": 2}');
      const r = await gate('--update-history');
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/history\.json: .*schemaVersion must be equal to constant, got 2/);
      expect(read('history.json')).toBe('{"schemaVersion": 2}');
    });
  });

  // A few runs through the real bin: exit codes, streams and the atomic write across a process.
  describe('as a process', () => {
    test('exit 1 on a regression, the reason on stderr', async () => {
      write('current.json', metrics({ p99: 200 }));
      write('history.json', history(metrics()));
      const r = await runCliProcess('check-performance-regression', [
        '--current',
        file('current.json'),
        '--history',
        file('history.json'),
      ]);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/REGRESSION/);
      expect(r.stderr).toMatch(/^check-performance-regression: regression in p99 latency/);
    }, 30_000);

    test('missing required flags → 2, nothing written', async () => {
      const r = await runCliProcess('check-performance-regression', ['--current', file('current.json')]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/required option '--history <file>' not specified/);
      expect(readdirSync(dir)).toEqual([]);
    }, 30_000);
  });
});
