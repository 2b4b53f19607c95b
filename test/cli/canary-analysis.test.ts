import { mkdtempSync, readFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { judgeCanary, type CanaryLimits } from '../../src/runtime/canary/canary-judgement';
import { queryValue } from '../../src/runtime/canary/prometheus-query';
import { canaryAnalysisCommand, type Clock } from '../../src/runtime/cli/canary-analysis';
import { startPrometheus, type Workload } from '../jobs/standins/prometheus';
import { runCliInProcess } from '../support/run-cli';

const limits: CanaryLimits = { maxErrorRatePct: 1, maxP95IncreasePct: 25, latencySlackMs: 20, minRequests: 100 };

describe('judgeCanary', () => {
  const stable = { requests: 5000, errors: 0, p95Seconds: 0.2 };
  test('passes within the limits at the end of the window; goes on before it', () => {
    expect(judgeCanary({ requests: 500, errors: 5, p95Seconds: 0.25 }, stable, limits, true)).toMatchObject({
      state: 'pass',
      errorRatePct: 1,
      p95IncreasePct: 25,
    });
    expect(judgeCanary({ requests: 500, errors: 5, p95Seconds: 0.25 }, stable, limits, false).state).toBe('continue');
  });

  test('fails past the error rate or the p95 limit, naming the figures', () => {
    expect(judgeCanary({ requests: 500, errors: 6, p95Seconds: 0.2 }, stable, limits, false)).toMatchObject({
      state: 'fail',
      reasons: ['error rate 1.2 % (6 of 500 requests) is above the 1 % limit'],
    });
    expect(judgeCanary({ requests: 500, errors: 0, p95Seconds: 0.26 }, stable, limits, false)).toMatchObject({
      state: 'fail',
      reasons: ["p95 latency 260 ms against the baseline's 200 ms (+30 %) is above the +25 % limit"],
    });
    // Past the highest bucket (+Inf from Prometheus) is slow, not unknown.
    expect(judgeCanary({ requests: 500, errors: 0, p95Seconds: Infinity }, stable, limits, false)).toMatchObject({
      state: 'fail',
      p95IncreasePct: Infinity,
    });
  });

  test('a rise within the slack never fails: at 4 ms, +100 % is interpolation noise', () => {
    expect(
      judgeCanary({ requests: 500, errors: 0, p95Seconds: 0.008 }, { ...stable, p95Seconds: 0.004 }, limits, true)
        .state,
    ).toBe('pass');
    expect(
      judgeCanary({ requests: 500, errors: 0, p95Seconds: 0.03 }, { ...stable, p95Seconds: 0.004 }, limits, true).state,
    ).toBe('fail');
  });

  test('too few requests: waits during the window and fails at its end; a failure needs enough requests behind it', () => {
    expect(judgeCanary({ requests: 20, errors: 20 }, stable, limits, false)).toMatchObject({
      state: 'continue',
      reasons: ['20 of the 100 requests needed so far'],
    });
    expect(judgeCanary({ requests: 20, errors: 0 }, stable, limits, true)).toMatchObject({
      state: 'fail',
      reasons: ['only 20 request(s) reached the new release in the window; at least 100 are needed to judge it'],
    });
  });

  test('a baseline without requests leaves the latency uncompared and says so', () => {
    expect(
      judgeCanary({ requests: 500, errors: 0, p95Seconds: 9 }, { requests: 0, errors: 0 }, limits, true),
    ).toMatchObject({
      state: 'pass',
      reasons: [
        'error rate 0 % of 500 requests (limit 1 %)',
        'p95 latency not compared: the baseline answered no requests in the window',
      ],
    });
  });
});

/** A clock whose sleeps pass at once: a ten-minute window in an instant. */
function fakeClock(startSeconds: number): Clock & { slept: number[] } {
  let now = startSeconds * 1000;
  const slept: number[] = [];
  return {
    slept,
    now: () => new Date(now),
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
  };
}

const workload = (track: 'stable' | 'canary', o: Partial<Workload> = {}): Workload => ({
  namespace: 'voice',
  service: 'tts',
  track,
  handler: '/v1/synthesize',
  requestsPerSecond: 2,
  errorRatio: 0,
  p95Seconds: 0.2,
  ...o,
});

describe("canary-analysis CLI against the stand-in Prometheus (PromQL parsed by Prometheus's grammar)", () => {
  let workloads: (at: number) => Workload[];
  let prometheus: Awaited<ReturnType<typeof startPrometheus>>;
  beforeAll(async () => {
    prometheus = await startPrometheus((at) => workloads(at));
  });
  afterAll(async () => prometheus.stop());

  const T0 = 1_780_000_000;
  const run = (extra: string[], clock = fakeClock(T0)) =>
    runCliInProcess(
      (io) => canaryAnalysisCommand(io, clock),
      [
        '--prometheus-url',
        prometheus.url,
        '--namespace',
        'voice',
        '--service',
        'tts',
        '--exclude-handler',
        '/health',
        '--exclude-handler',
        '/metrics',
        '--window',
        '600',
        '--interval',
        '60',
        '--max-error-rate-pct',
        '1',
        '--max-p95-increase-pct',
        '25',
        '--min-requests',
        '100',
        ...extra,
      ],
    );

  test('a healthy canary passes after ten checks, one a minute; the summary shows each', async () => {
    workloads = () => [workload('stable', { requestsPerSecond: 8 }), workload('canary', { p95Seconds: 0.21 })];
    const summary = path.join(mkdtempSync(path.join(tmpdir(), 'canary-')), 'summary.md');
    const clock = fakeClock(T0);
    const r = await run(['--track', 'canary', '--summary', summary], clock);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(clock.slept).toEqual(Array(10).fill(60_000));
    const text = readFileSync(summary, 'utf8');
    expect(text).toContain(
      '### ✅ Canary analysis on Prometheus: tts (canary) in voice\n\nAgainst the stable track over the same time.',
    );
    // 2 requests a second for 600 s; the probes and scrapes left out (with them the p95 would be a few ms).
    // The p95s are histogram_quantile's estimates, interpolated in the 100–250 ms bucket (true: 210 and 200 ms).
    expect(text).toContain('| 600 s | 1200 | 0 % | 247 ms | 246 ms | pass |');
  });

  test('a canary slower than the stable release fails at the first check, naming both p95s', async () => {
    workloads = () => [workload('stable'), workload('canary', { p95Seconds: 0.3, requestsPerSecond: 5 })];
    const r = await run(['--track', 'canary']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "tts (canary) in voice: p95 latency 457 ms against the baseline's 246 ms (+85.46 %) is above the +25 % limit",
    );
    expect(r.stdout).toBe(
      "60 s: fail — p95 latency 457 ms against the baseline's 246 ms (+85.46 %) is above the +25 % limit\n",
    );
  });

  test("server errors fail the canary; its selector never reads the stable track's series", async () => {
    workloads = () => [
      workload('stable', { errorRatio: 0.5 }),
      workload('canary', { errorRatio: 0.03, requestsPerSecond: 5 }),
    ];
    const r = await run(['--track', 'canary']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error rate 3 % (9 of 300 requests) is above the 1 % limit');
  });

  test('no series (metrics off, or another namespace) fails at the end: never promoted on silence', async () => {
    workloads = () => [workload('stable'), workload('canary', { namespace: 'voice-staging' })];
    const r = await run(['--track', 'canary']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'only 0 request(s) reached the new release in the window; at least 100 are needed to judge it',
    );
  });

  test('a promotion is judged against the same track before it started (--baseline-until)', async () => {
    // Until T0 the stable pods ran the old release (200 ms); from T0 the promoted one (400 ms).
    workloads = (at) => [workload('stable', { p95Seconds: at <= T0 ? 0.2 : 0.4 })];
    const r = await run(['--track', 'stable', '--baseline-until', String(T0)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("p95 latency 492 ms against the baseline's 246 ms (+99.68 %)");
    workloads = () => [workload('stable')];
    expect((await run(['--track', 'stable', '--baseline-until', String(T0)])).code).toBe(0);
  });

  test('usage errors → 2 before any query: an interval longer than the window, http to another host', async () => {
    const before = prometheus.queries.length;
    expect(await run(['--track', 'canary', '--interval', '900'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--interval (900 s) must not be longer than --window (600 s)'),
    });
    const r = await runCliInProcess(
      (io) => canaryAnalysisCommand(io, fakeClock(T0)),
      [
        '--prometheus-url',
        'http://prometheus.example.com',
        '--namespace',
        'voice',
        '--service',
        'tts',
        '--track',
        'canary',
        '--window',
        '60',
        '--max-error-rate-pct',
        '1',
        '--max-p95-increase-pct',
        '25',
        '--min-requests',
        '1',
      ],
    );
    expect(r).toMatchObject({ code: 2, stderr: expect.stringContaining('--prometheus-url must be an https URL') });
    expect(prometheus.queries.length).toBe(before);
  });
});

describe('queryValue', () => {
  let server: http.Server;
  let base: URL;
  let answer: { status: number; body: unknown };
  let seen: { url?: string; authorization?: string } = {};
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen = { url: req.url, authorization: req.headers.authorization };
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/prometheus/`);
  });
  afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));
  const vector = (result: unknown[]) => ({
    status: 200,
    body: { status: 'success', data: { resultType: 'vector', result } },
  });

  test("keeps the base URL's path prefix, sends the time and the token; reads a sample, +Inf, NaN and an empty result", async () => {
    answer = vector([{ metric: {}, value: [1, '12.5'] }]);
    expect(await queryValue({ url: base, token: 'tok' }, 'up', new Date(1_500_000))).toBe(12.5);
    expect(seen).toEqual({ url: '/prometheus/api/v1/query?query=up&time=1500.000', authorization: 'Bearer tok' });
    answer = vector([{ metric: {}, value: [1, '+Inf'] }]);
    expect(await queryValue({ url: base }, 'up', new Date(0))).toBe(Infinity);
    expect(seen.authorization).toBeUndefined();
    answer = vector([{ metric: {}, value: [1, 'NaN'] }]);
    expect(await queryValue({ url: base }, 'up', new Date(0))).toBeUndefined();
    answer = vector([]);
    expect(await queryValue({ url: base }, 'up', new Date(0))).toBeUndefined();
  });

  test("Prometheus's own error text reaches the message; an answer of another shape is refused", async () => {
    answer = {
      status: 400,
      body: { status: 'error', errorType: 'bad_data', error: 'invalid parameter "query": 1:5: parse error' },
    };
    await expect(queryValue({ url: base }, 'sum(', new Date(0))).rejects.toThrow(
      /answered HTTP 400: bad_data: invalid parameter "query": 1:5: parse error/,
    );
    answer = { status: 200, body: { status: 'success', data: { resultType: 'matrix', result: [] } } };
    await expect(queryValue({ url: base }, 'up', new Date(0))).rejects.toThrow(
      /expected an instant vector, got "matrix"/,
    );
    answer = vector([
      { metric: { a: '1' }, value: [1, '1'] },
      { metric: { a: '2' }, value: [1, '1'] },
    ]);
    await expect(queryValue({ url: base }, 'up', new Date(0))).rejects.toThrow(/expected at most one series, got 2/);
  });
});
