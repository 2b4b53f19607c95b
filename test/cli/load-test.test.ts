import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseMetrics, type PerformanceMetrics } from '../../src/runtime';
import { runCliProcess } from '../support/run-cli';
import { TtsFixture } from '../support/tts-fixture';

describe('load-test CLI against a fixture server on 127.0.0.1', () => {
  let fixture: TtsFixture;
  let out: string;
  beforeEach(() => {
    out = path.join(mkdtempSync(path.join(tmpdir(), 'load-')), 'metrics.json');
  });
  afterEach(async () => fixture.stop());

  async function load(rate: number, seconds: number, ...extra: string[]): Promise<{ code: number | null; stderr: string; metrics?: PerformanceMetrics }> {
    const r = await runCliProcess('load-test', ['--base-url', fixture.baseUrl, '--path', TtsFixture.SYNTHESIS_PATH, '--rate', String(rate), '--duration', String(seconds), '--out', out, ...extra]);
    return { code: r.code, stderr: r.stderr, metrics: existsSync(out) ? parseMetrics(JSON.parse(readFileSync(out, 'utf8')), out) : undefined };
  }

  test('a healthy server: the arrival rate is held, no errors, valid metrics v1', async () => {
    fixture = await TtsFixture.start();
    const { code, stderr, metrics } = await load(100, 2);
    expect(code).toBe(0);
    expect(metrics!.samples).toBe(200);
    expect(fixture.synthesisRequests).toBe(200);
    expect(metrics!.errorRate).toBe(0);
    expect(metrics!.run).toMatchObject({ targetRate: 100, dropped: 0, tool: 'load-test' });
    expect(metrics!.throughputRps).toBeGreaterThan(80);
    expect(metrics!.latencyMs.p50).toBeLessThan(200);
    expect(stderr).toMatch(/load-test: 1 s {2}sent \d+ {2}done \d+ {2}errors 0 {2}dropped 0/);
  });

  test('a server that stalls for 1 s every 3 s: p99 shows the stall (no coordinated omission)', async () => {
    fixture = await TtsFixture.start({ stall: { everyMs: 3000, forMs: 1000 } });
    const { code, metrics } = await load(100, 4);
    expect(code).toBe(0);
    // A third of the arrivals land in a stall and wait up to 1 s for it to end; the rest are fast.
    expect(metrics!.latencyMs.p99).toBeGreaterThan(800);
    expect(metrics!.latencyMs.p50).toBeLessThan(200);
    expect(metrics!.errorRate).toBe(0);
  });

  test('server errors are counted in the error rate', async () => {
    fixture = await TtsFixture.start({ failEvery: 10 });
    const { code, metrics } = await load(100, 1);
    expect(code).toBe(0);
    expect(metrics!.errorRate).toBeCloseTo(0.1, 5);
  });

  test('arrivals beyond the in-flight limit are dropped and reported', async () => {
    fixture = await TtsFixture.start({ slowMs: 1000 });
    const { code, metrics } = await load(50, 1, '--max-in-flight', '5');
    expect(code).toBe(0);
    expect(metrics!.samples).toBe(5);
    expect(metrics!.run.dropped).toBe(45);
  });

  test('every request failing → 1, with the metrics written', async () => {
    fixture = await TtsFixture.start({ failEvery: 1 });
    const { code, stderr, metrics } = await load(20, 1);
    expect(code).toBe(1);
    expect(stderr).toMatch(/every request failed; is the service up\?/);
    expect(metrics!.errorRate).toBe(1);
  });

  test.each([
    [['--rate', '0'], /--rate must be a number ≥ 0\.1 and ≤ 100000, got "0"/],
    [['--duration', 'ten'], /--duration must be a number ≥ 1 and ≤ 3600, got "ten"/],
    [['--base-url', 'localhost:8000'], /--base-url must be http or https/],
  ])('usage error %j → 2, nothing written', async (args, message) => {
    fixture = await TtsFixture.start();
    const base = { '--base-url': fixture.baseUrl, '--path': '/v1/synthesize', '--rate': '10', '--duration': '1', '--out': out };
    const merged = { ...base, [args[0]!]: args[1]! };
    const r = await runCliProcess('load-test', Object.entries(merged).flat());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(existsSync(out)).toBe(false);
    expect(fixture.synthesisRequests).toBe(0);
  });
});
