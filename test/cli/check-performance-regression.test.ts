import { mkdtempSync, readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as fc from 'fast-check';
import { compareMetrics, DEFAULT_THRESHOLDS, parseMetrics, type PerformanceMetrics, type RegressionThresholds } from '../../src/runtime';
import { runCliProcess } from '../support/run-cli';

function metrics(over: { p50?: number; p95?: number; p99?: number; errorRate?: number; throughputRps?: number; samples?: number } = {}): PerformanceMetrics {
  return {
    schemaVersion: 1,
    scenario: 'tts-synthesize',
    latencyMs: { p50: over.p50 ?? 10, p95: over.p95 ?? 30, p99: over.p99 ?? 60, max: 100, mean: 12 },
    errorRate: over.errorRate ?? 0.001,
    throughputRps: over.throughputRps ?? 50,
    samples: over.samples ?? 3000,
    run: { startedAt: '2026-11-21T02:00:00.000Z', durationSeconds: 60, targetRate: 50, dropped: 0, tool: 'load-test' },
  };
}

describe('compareMetrics', () => {
  const t = DEFAULT_THRESHOLDS;
  const verdicts = (b: PerformanceMetrics, c: PerformanceMetrics) => Object.fromEntries(compareMetrics(b, c, t).rows.map((r) => [r.metric, r.verdict]));

  test('a change exactly at a threshold passes; just beyond fails', () => {
    expect(verdicts(metrics({ p95: 100 }), metrics({ p95: 115 }))['p95 latency']).toBe('pass');
    expect(verdicts(metrics({ p95: 100 }), metrics({ p95: 115.01 }))['p95 latency']).toBe('regression');
    expect(verdicts(metrics({ throughputRps: 100 }), metrics({ throughputRps: 90 })).throughput).toBe('pass');
    expect(verdicts(metrics({ throughputRps: 100 }), metrics({ throughputRps: 89.9 })).throughput).toBe('regression');
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
  });
  // A margin keeps generated values clear of the exact boundary, where floating-point rounding decides.
  const MARGIN = 1e-6;

  test('a latency or throughput change beyond its threshold is always flagged', () => {
    fc.assert(fc.property(positive, positive, thresholds, fc.double({ min: MARGIN * 1e3, max: 10, noNaN: true }), fc.constantFrom('p95', 'p99', 'throughput'),
      (latency, rps, t, excess, which) => {
        const base = metrics({ p95: latency, p99: latency * 2, throughputRps: rps, errorRate: 0 });
        const cur = which === 'p95' ? metrics({ p95: latency * (1 + t.p95IncreasePct / 100 + excess), p99: latency * 2, throughputRps: rps, errorRate: 0 })
          : which === 'p99' ? metrics({ p95: latency, p99: latency * 2 * (1 + t.p99IncreasePct / 100 + excess), throughputRps: rps, errorRate: 0 })
            : metrics({ p95: latency, p99: latency * 2, throughputRps: rps * Math.max(0, 1 - t.throughputDecreasePct / 100 - excess / 10), errorRate: 0 });
        const result = compareMetrics(base, cur, t);
        const row = result.rows.find((r) => r.metric.startsWith(which))!;
        return result.regressed && row.verdict === 'regression';
      }));
  });

  test('an error rate beyond its limit or its allowed rise is always flagged', () => {
    fc.assert(fc.property(thresholds, fc.double({ min: 0, max: 0.5, noNaN: true }), fc.double({ min: 0.001, max: 0.3, noNaN: true }), (t, baseRate, excess) => {
      const overRise = Math.min(1, baseRate + t.maxErrorRateIncrease + excess);
      const overLimit = Math.min(1, t.maxErrorRate + excess);
      return compareMetrics(metrics({ errorRate: baseRate }), metrics({ errorRate: overRise }), t).regressed
        && compareMetrics(metrics({ errorRate: 0 }), metrics({ errorRate: overLimit }), t).regressed;
    }));
  });

  test('changes within every threshold are never flagged', () => {
    fc.assert(fc.property(positive, positive, thresholds, fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }),
      (latency, rps, t, f1, f2) => {
        const base = metrics({ p95: latency, p99: latency * 2, throughputRps: rps, errorRate: 0 });
        const within = (pct: number, f: number) => 1 + (pct / 100) * f * (1 - MARGIN);
        const cur = metrics({
          p95: latency * within(t.p95IncreasePct, f1),
          p99: latency * 2 * within(t.p99IncreasePct, f2),
          throughputRps: rps * (1 - (t.throughputDecreasePct / 100) * f1 * (1 - MARGIN)),
          errorRate: Math.min(t.maxErrorRate, t.maxErrorRateIncrease) * f2 * (1 - MARGIN),
        });
        return !compareMetrics(base, cur, t).regressed;
      }));
  });

  test('the verdict does not depend on the order of fields in the JSON', () => {
    const shuffle = (value: unknown, seed: number): unknown => {
      if (typeof value !== 'object' || value === null) return value;
      const entries = Object.entries(value);
      const order = entries.map((_, i) => i).sort((a, b) => ((a * 7919 + seed) % 101) - ((b * 7919 + seed) % 101));
      return Object.fromEntries(order.map((i) => [entries[i]![0], shuffle(entries[i]![1], seed + i)]));
    };
    // The shuffle really reorders keys (else the property would prove nothing).
    expect(Object.keys(shuffle(metrics(), 3) as object)).not.toEqual(Object.keys(metrics()));
    fc.assert(fc.property(positive, positive, fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 10_000 }), (p95, rps, err, seed) => {
      const base = metrics();
      const cur = metrics({ p95, throughputRps: rps, errorRate: err });
      const reordered = parseMetrics(JSON.parse(JSON.stringify(shuffle(cur, seed))), 'x.json');
      return JSON.stringify(compareMetrics(base, cur, DEFAULT_THRESHOLDS)) === JSON.stringify(compareMetrics(base, reordered, DEFAULT_THRESHOLDS));
    }));
  });
});

describe('check-performance-regression CLI', () => {
  let dir: string;
  const file = (name: string) => path.join(dir, name);
  const write = (name: string, data: unknown) => writeFileSync(file(name), typeof data === 'string' ? data : JSON.stringify(data));
  const run = (...args: string[]) => runCliProcess('check-performance-regression', args);

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'regression-'));
  });

  test('creates a missing baseline from the current run and exits 0', async () => {
    write('current.json', metrics());
    const r = await run('--current', file('current.json'), '--baseline', file('baseline.json'));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`No baseline at ${file('baseline.json')}: created it`);
    expect(JSON.parse(readFileSync(file('baseline.json'), 'utf8'))).toEqual(metrics());
  });

  test('passes, prints the table and appends Markdown to the summary', async () => {
    write('current.json', metrics({ p95: 31 }));
    write('baseline.json', metrics());
    const r = await run('--current', file('current.json'), '--baseline', file('baseline.json'), '--summary', file('summary.md'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^metric\s+baseline\s+current\s+change\s+threshold\s+verdict$/m);
    expect(r.stdout).toMatch(/^p95 latency\s+30 ms\s+31 ms\s+\+3\.33 %\s+≤ \+15 %\s+pass$/m);
    expect(readFileSync(file('summary.md'), 'utf8')).toContain('| p95 latency | 30 ms | 31 ms | +3.33 % | ≤ +15 % | pass |');
  });

  test('exits 1 on a regression and leaves the baseline untouched even with --update-baseline', async () => {
    write('current.json', metrics({ p99: 200 }));
    write('baseline.json', metrics());
    const before = readFileSync(file('baseline.json'), 'utf8');
    const r = await run('--current', file('current.json'), '--baseline', file('baseline.json'), '--update-baseline');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`check-performance-regression: regression in p99 latency (baseline ${file('baseline.json')} left unchanged)\n`);
    expect(readFileSync(file('baseline.json'), 'utf8')).toBe(before);
  });

  test('--update-baseline replaces the baseline after a pass, atomically (no temp file left)', async () => {
    write('current.json', metrics({ p95: 29 }));
    write('baseline.json', metrics());
    const r = await run('--current', file('current.json'), '--baseline', file('baseline.json'), '--update-baseline');
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(file('baseline.json'), 'utf8')).latencyMs.p95).toBe(29);
    expect(readdirSync(dir).sort()).toEqual(['baseline.json', 'current.json']);
  });

  test('threshold flags and a thresholds file change the verdict', async () => {
    write('current.json', metrics({ p95: 40 }));
    write('baseline.json', metrics());
    expect((await run('--current', file('current.json'), '--baseline', file('baseline.json'), '--max-p95-increase-pct', '50')).code).toBe(0);
    write('t.json', { p95IncreasePct: 40 });
    expect((await run('--current', file('current.json'), '--baseline', file('baseline.json'), '--thresholds', file('t.json'))).code).toBe(0);
    expect((await run('--current', file('current.json'), '--baseline', file('baseline.json'), '--thresholds', file('t.json'), '--max-p95-increase-pct', '10')).code).toBe(1);
  });

  describe('exit 2, one clear line, no stack trace, nothing written', () => {
    const cases: [string, () => void, string[], RegExp][] = [
      ['malformed JSON', () => write('current.json', '{"schemaVersion": 1,'), [], /current\.json: malformed JSON/],
      ['a missing metric', () => { const m: any = metrics(); delete m.latencyMs.p99; write('current.json', m); }, [], /current\.json: latencyMs\.p99 is missing/],
      ['a non-numeric metric', () => { const m: any = metrics(); m.latencyMs.p95 = 'fast'; write('current.json', m); }, [], /current\.json: latencyMs\.p95 must be number, got "fast"/],
      ['a negative metric', () => write('current.json', metrics({ throughputRps: -1 })), [], /current\.json: throughputRps must be >= 0, got -1/],
      ['zero samples', () => write('current.json', metrics({ samples: 0 })), [], /current\.json: samples must be >= 1, got 0/],
      ['a missing current file', () => undefined, [], /current\.json: cannot read \(no such file\)/],
      ['a bad threshold flag', () => write('current.json', metrics()), ['--max-error-rate', '2'], /--max-error-rate must be a number ≥ 0 and ≤ 1, got "2"/],
      ['an unknown field in the thresholds file', () => { write('current.json', metrics()); write('t.json', { p95: 3 }); }, ['--thresholds', 'T'], /t\.json: p95 is not a known field/],
    ];
    test.each(cases)('%s', async (_, setup, extra, message) => {
      setup();
      write('baseline.json', metrics());
      const before = readFileSync(file('baseline.json'), 'utf8');
      const args = extra.map((a) => (a === 'T' ? file('t.json') : a));
      const r = await run('--current', file('current.json'), '--baseline', file('baseline.json'), ...args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(readFileSync(file('baseline.json'), 'utf8')).toBe(before);
    });

    test('a corrupt baseline is reported and not replaced', async () => {
      write('current.json', metrics());
      write('baseline.json', '{"schemaVersion": 2}');
      const r = await run('--current', file('current.json'), '--baseline', file('baseline.json'), '--update-baseline');
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/baseline\.json: .*schemaVersion must be equal to constant, got 2/);
      expect(readFileSync(file('baseline.json'), 'utf8')).toBe('{"schemaVersion": 2}');
    });

    test('missing required flags', async () => {
      const r = await run('--current', file('current.json'));
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/required option '--baseline <file>' not specified/);
      expect(existsSync(file('baseline.json'))).toBe(false);
    });
  });
});
