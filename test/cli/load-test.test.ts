import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseMetrics, type PerformanceMetrics } from '../../src/runtime';
import { loadTestCommand } from '../../src/runtime/cli/load-test';
import { runCliInProcess, runCliProcess } from '../support/run-cli';
import { TtsFixture } from '../support/tts-fixture';

// Each test sends load for about a second; the limit is generous so a busy machine never fails it.
const LOAD_TIMEOUT_MS = 30_000;

describe('load-test CLI against a fixture server on 127.0.0.1', () => {
  let fixture: TtsFixture;
  let out: string;
  beforeEach(() => {
    out = path.join(mkdtempSync(path.join(tmpdir(), 'load-')), 'metrics.json');
  });
  afterEach(async () => fixture.stop());

  async function load(
    rate: number,
    seconds: number,
    ...extra: string[]
  ): Promise<{ code: number; stderr: string; metrics?: PerformanceMetrics }> {
    const r = await runCliInProcess(loadTestCommand, [
      '--base-url',
      fixture.baseUrl,
      '--path',
      TtsFixture.SYNTHESIS_PATH,
      '--rate',
      String(rate),
      '--duration',
      String(seconds),
      '--out',
      out,
      ...extra,
    ]);
    return {
      code: r.code,
      stderr: r.stderr,
      metrics: existsSync(out) ? parseMetrics(JSON.parse(readFileSync(out, 'utf8')), out) : undefined,
    };
  }

  test(
    'a healthy server: the arrival rate is held, no errors, valid metrics v1 with the conditions',
    async () => {
      fixture = await TtsFixture.start();
      const { code, stderr, metrics } = await load(
        100,
        1.5,
        '--runner-class',
        'ubuntu-24.04',
        '--image-digest',
        `sha256:${'c'.repeat(64)}`,
      );
      expect(code).toBe(0);
      expect(metrics!.samples).toBe(150);
      expect(fixture.synthesisRequests).toBe(150);
      expect(metrics!.errorRate).toBe(0);
      expect(metrics!.conditions).toEqual({
        endpoint: 'POST /v1/synthesize',
        targetRate: 100,
        durationSeconds: 1.5,
        warmupSeconds: 0,
        runnerClass: 'ubuntu-24.04',
        imageDigest: `sha256:${'c'.repeat(64)}`,
      });
      expect(metrics!.run).toMatchObject({ dropped: 0, tool: 'load-test' });
      expect(metrics!.throughputRps).toBeGreaterThan(80);
      expect(metrics!.latencyMs.p50).toBeLessThan(200);
      expect(stderr).toMatch(/load-test: 1 s {2}sent \d+ {2}done \d+ {2}errors 0 {2}dropped 0/);
    },
    LOAD_TIMEOUT_MS,
  );

  test(
    'the warm-up is sent at the same rate and left out of every figure',
    async () => {
      fixture = await TtsFixture.start();
      const { code, metrics } = await load(50, 0.5, '--warmup', '0.5');
      expect(code).toBe(0);
      expect(fixture.synthesisRequests).toBe(50);
      expect(metrics!.samples).toBe(25);
      expect(metrics!.conditions.warmupSeconds).toBe(0.5);
    },
    LOAD_TIMEOUT_MS,
  );

  test(
    'a server that stalls 200 ms of every 500: p99 shows the stall (no coordinated omission)',
    async () => {
      fixture = await TtsFixture.start({ stall: { everyMs: 500, forMs: 200 } });
      const { code, metrics } = await load(100, 1);
      expect(code).toBe(0);
      // 40 % of the arrivals land in a stall and wait up to 200 ms for it to end; the rest are fast.
      expect(metrics!.latencyMs.p99).toBeGreaterThan(150);
      expect(metrics!.latencyMs.p50).toBeLessThan(200);
      expect(metrics!.errorRate).toBe(0);
    },
    LOAD_TIMEOUT_MS,
  );

  test(
    'server errors are counted in the error rate',
    async () => {
      fixture = await TtsFixture.start({ failEvery: 10 });
      const { code, metrics } = await load(100, 0.5);
      expect(code).toBe(0);
      expect(metrics!.errorRate).toBeCloseTo(0.1, 5);
    },
    LOAD_TIMEOUT_MS,
  );

  test(
    '--max-error-rate-pct gates the run after the metrics are written: 10 % errors pass at 15, fail at 5',
    async () => {
      fixture = await TtsFixture.start({ failEvery: 10 });
      const pass = await load(100, 0.5, '--max-error-rate-pct', '15');
      expect(pass.code).toBe(0);
      const fail = await load(100, 0.5, '--max-error-rate-pct', '5');
      expect(fail.code).toBe(1);
      expect(fail.stderr).toContain('error rate 10.00 % is above --max-error-rate-pct 5 %');
      expect(fail.metrics!.errorRate).toBeCloseTo(0.1, 5);
    },
    LOAD_TIMEOUT_MS,
  );

  test(
    '--method GET watches an endpoint without a body and, by default, any content type',
    async () => {
      fixture = await TtsFixture.start();
      const r = await runCliInProcess(loadTestCommand, [
        '--base-url',
        fixture.baseUrl,
        '--path',
        '/health',
        '--method',
        'GET',
        '--rate',
        '40',
        '--duration',
        '0.5',
        '--out',
        out,
      ]);
      expect(r.code).toBe(0);
      expect(fixture.healthRequests).toBe(20);
      expect(fixture.synthesisRequests).toBe(0);
      const metrics = parseMetrics(JSON.parse(readFileSync(out, 'utf8')), out);
      expect(metrics.conditions.endpoint).toBe('GET /health');
      expect(metrics.errorRate).toBe(0);
    },
    LOAD_TIMEOUT_MS,
  );

  test(
    'a 200 that is not audio (an HTML error page) is an error',
    async () => {
      fixture = await TtsFixture.start({ badAudio: 'wrong-content-type' });
      const { code, metrics } = await load(20, 0.5);
      expect(code).toBe(1);
      expect(metrics!.errorRate).toBe(1);
    },
    LOAD_TIMEOUT_MS,
  );

  test(
    'arrivals beyond the in-flight limit are dropped and reported',
    async () => {
      fixture = await TtsFixture.start({ slowMs: 1000 });
      const { code, metrics } = await load(50, 0.5, '--max-in-flight', '5');
      expect(code).toBe(0);
      expect(metrics!.samples).toBe(5);
      expect(metrics!.run.dropped).toBe(20);
    },
    LOAD_TIMEOUT_MS,
  );

  // Defect: a service dying mid-response crashed the generator with no metrics.
  test(
    'a connection dropped mid-body counts as an error; the metrics are written',
    async () => {
      fixture = await TtsFixture.start({ bodyFault: 'reset' });
      const { code, stderr, metrics } = await load(20, 0.5);
      expect(code).toBe(1);
      expect(stderr).toMatch(/every request failed/);
      expect(metrics!.errorRate).toBe(1);
      expect(metrics!.samples).toBe(10);
    },
    LOAD_TIMEOUT_MS,
  );

  // Defect: --timeout-ms was an idle timeout, so a trickling server was never cut off and the run hung.
  test(
    'a trickling body hits the total deadline; the run ends with the metrics written',
    async () => {
      fixture = await TtsFixture.start({ bodyFault: 'trickle' });
      const { code, metrics } = await load(10, 0.5, '--timeout-ms', '500');
      expect(code).toBe(1);
      expect(metrics!.errorRate).toBe(1);
      expect(metrics!.samples).toBe(5);
    },
    LOAD_TIMEOUT_MS,
  );

  test(
    'the query string of --path is kept',
    async () => {
      fixture = await TtsFixture.start();
      const { code, metrics } = await load(10, 0.5, '--path', `${TtsFixture.SYNTHESIS_PATH}?voice=amy`);
      expect(code).toBe(0);
      expect(metrics!.conditions.endpoint).toBe('POST /v1/synthesize?voice=amy');
      expect(fixture.lastSynthesisUrl).toBe('/v1/synthesize?voice=amy');
    },
    LOAD_TIMEOUT_MS,
  );

  test(
    'every request failing → 1, with the metrics written',
    async () => {
      fixture = await TtsFixture.start({ failEvery: 1 });
      const { code, stderr, metrics } = await load(20, 0.5);
      expect(code).toBe(1);
      expect(stderr).toMatch(/every request failed; is the service up\?/);
      expect(metrics!.errorRate).toBe(1);
    },
    LOAD_TIMEOUT_MS,
  );

  test.each([
    [['--rate', '0'], /--rate must be a number ≥ 0\.1 and ≤ 100000, got "0"/],
    [['--duration', 'ten'], /--duration must be a number ≥ 0\.5 and ≤ 3600, got "ten"/],
    [['--base-url', 'localhost:8000'], /--base-url must be http or https/],
    [['--scenario', ''], /--scenario must not be empty/],
    [['--path', 'http://198.51.100.7/x'], /--path must be a path starting with one "\/"/],
    [['--image-digest', 'latest'], /--image-digest must look like sha256:<hex>/],
    [['--out', 'DIR'], /--out ".*": cannot write \(is a folder\)/],
  ])('usage error %j → 2 before any request, nothing written', async (args, message) => {
    fixture = await TtsFixture.start();
    const dir = path.dirname(out);
    mkdirSync(path.join(dir, 'folder'));
    const base = {
      '--base-url': fixture.baseUrl,
      '--path': '/v1/synthesize',
      '--rate': '10',
      '--duration': '1',
      '--out': out,
    };
    const merged = { ...base, [args[0]!]: args[1] === 'DIR' ? path.join(dir, 'folder') : args[1]! };
    const r = await runCliInProcess(loadTestCommand, Object.entries(merged).flat());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(existsSync(out)).toBe(false);
    expect(fixture.synthesisRequests).toBe(0);
  });

  // Through the real bin: the process exits by itself after a body failure (no timer left running).
  test(
    'as a process: exits with code 1 and the metrics written when every body fails',
    async () => {
      fixture = await TtsFixture.start({ bodyFault: 'trickle' });
      const r = await runCliProcess('load-test', [
        '--base-url',
        fixture.baseUrl,
        '--path',
        TtsFixture.SYNTHESIS_PATH,
        '--rate',
        '5',
        '--duration',
        '1',
        '--timeout-ms',
        '300',
        '--out',
        out,
      ]);
      expect(r.code).toBe(1);
      expect(r.stderr).not.toMatch(/internal error/);
      expect(parseMetrics(JSON.parse(readFileSync(out, 'utf8')), out).errorRate).toBe(1);
    },
    LOAD_TIMEOUT_MS,
  );
});
