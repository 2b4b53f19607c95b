import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseMetrics } from '../../src/runtime';
import { loadTestCommand } from '../../src/runtime/cli/load-test';
import { LOAD_TIMEOUT_MS, withFixture } from '../support/load-fixture';
import { runCliInProcess, runCliProcess } from '../support/run-cli';
import { TtsFixture } from '../support/tts-fixture';

// Each test has its own fixture server and waits on timers, not the CPU: they run concurrently. The figures
// that measure latency are in load-test-timing.test.ts, alone, because concurrent load in this process distorts them.
describe('load-test CLI against a fixture server on 127.0.0.1', () => {
  test.concurrent(
    'the warm-up is sent at the same rate and left out of every figure',
    async () =>
      withFixture({}, async ({ fixture, load }) => {
        const { code, metrics } = await load(50, 0.5, '--warmup', '0.5');
        expect(code).toBe(0);
        expect(fixture.synthesisRequests).toBe(50);
        expect(metrics!.samples).toBe(25);
        expect(metrics!.conditions.warmupSeconds).toBe(0.5);
      }),
    LOAD_TIMEOUT_MS,
  );

  test.concurrent(
    'server errors are counted in the error rate',
    async () =>
      withFixture({ failEvery: 10 }, async ({ load }) => {
        const { code, metrics, stdout } = await load(100, 0.5);
        expect(code).toBe(0);
        expect(metrics!.errorRate).toBeCloseTo(0.1, 5);
        // The figures say why the requests failed.
        expect(stdout).toContain('failed requests: 5 × HTTP 500\n');
      }),
    LOAD_TIMEOUT_MS,
  );

  test.concurrent(
    '--max-error-rate-pct gates the run after the metrics are written: 10 % errors pass at 15, fail at 5',
    async () =>
      withFixture({ failEvery: 10 }, async ({ load }) => {
        const pass = await load(100, 0.5, '--max-error-rate-pct', '15');
        expect(pass.code).toBe(0);
        const fail = await load(100, 0.5, '--max-error-rate-pct', '5');
        expect(fail.code).toBe(1);
        expect(fail.stderr).toContain('error rate 10.00 % is above --max-error-rate-pct 5 %');
        expect(fail.metrics!.errorRate).toBeCloseTo(0.1, 5);
      }),
    LOAD_TIMEOUT_MS,
  );

  test.concurrent(
    '--method GET watches an endpoint without a body and, by default, any content type',
    async () =>
      withFixture({}, async ({ fixture, out }) => {
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
      }),
    LOAD_TIMEOUT_MS,
  );

  test.concurrent(
    'a 200 that is not audio (an HTML error page) is an error',
    async () =>
      withFixture({ badAudio: 'wrong-content-type' }, async ({ load }) => {
        const { code, metrics } = await load(20, 0.5);
        expect(code).toBe(1);
        expect(metrics!.errorRate).toBe(1);
      }),
    LOAD_TIMEOUT_MS,
  );

  test.concurrent(
    'arrivals beyond the in-flight limit are dropped and reported',
    async () =>
      withFixture({ slowMs: 1000 }, async ({ load }) => {
        const { code, metrics } = await load(50, 0.5, '--max-in-flight', '5');
        expect(code).toBe(0);
        expect(metrics!.samples).toBe(5);
        expect(metrics!.run.dropped).toBe(20);
      }),
    LOAD_TIMEOUT_MS,
  );

  // Defect: a service dying mid-response crashed the generator with no metrics.
  test.concurrent(
    'a connection dropped mid-body counts as an error; the metrics are written',
    async () =>
      withFixture({ bodyFault: 'reset' }, async ({ load }) => {
        const { code, stdout, stderr, metrics } = await load(20, 0.5);
        expect(code).toBe(1);
        expect(stderr).toMatch(/every request failed/);
        expect(stdout).toContain('failed requests: 10 × ECONNRESET: aborted');
        expect(metrics!.errorRate).toBe(1);
        expect(metrics!.samples).toBe(10);
      }),
    LOAD_TIMEOUT_MS,
  );

  // Defect: --timeout-ms was an idle timeout, so a trickling server was never cut off and the run hung.
  test.concurrent(
    'a trickling body hits the total deadline; the run ends with the metrics written',
    async () =>
      withFixture({ bodyFault: 'trickle' }, async ({ load }) => {
        const { code, stdout, metrics } = await load(10, 0.5, '--timeout-ms', '500');
        expect(code).toBe(1);
        // Named as the deadline, not as the reset that ending the request causes.
        expect(stdout).toContain('failed requests: 5 × TimeoutError: The operation was aborted due to timeout');
        expect(metrics!.errorRate).toBe(1);
        expect(metrics!.samples).toBe(5);
      }),
    LOAD_TIMEOUT_MS,
  );

  test.concurrent(
    'the query string of --path is kept',
    async () =>
      withFixture({}, async ({ fixture, load }) => {
        const { code, metrics } = await load(10, 0.5, '--path', `${TtsFixture.SYNTHESIS_PATH}?voice=amy`);
        expect(code).toBe(0);
        expect(metrics!.conditions.endpoint).toBe('POST /v1/synthesize?voice=amy');
        expect(fixture.lastSynthesisUrl).toBe('/v1/synthesize?voice=amy');
      }),
    LOAD_TIMEOUT_MS,
  );

  test.concurrent(
    'every request failing → 1, with the metrics written',
    async () =>
      withFixture({ failEvery: 1 }, async ({ load }) => {
        const { code, stderr, metrics } = await load(20, 0.5);
        expect(code).toBe(1);
        expect(stderr).toMatch(/every request failed; is the service up\?/);
        expect(metrics!.errorRate).toBe(1);
      }),
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
  ])('usage error %j → 2 before any request, nothing written', (args, message) =>
    withFixture({}, async ({ fixture, out }) => {
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
    }),
  );

  // Through the real bin: the process exits by itself after a body failure (no timer left running).
  test.concurrent(
    'as a process: exits with code 1 and the metrics written when every body fails',
    async () =>
      withFixture({ bodyFault: 'trickle' }, async ({ fixture, out }) => {
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
      }),
    LOAD_TIMEOUT_MS,
  );
});
