import { LOAD_TIMEOUT_MS, withFixture } from '../support/load-fixture';

// Latency and throughput figures, one test at a time: the fixture server and the load generator share
// this process, so concurrent load here would measure the event loop instead of the server.
describe('load-test CLI timing against a fixture server on 127.0.0.1', () => {
  test(
    'a healthy server: the arrival rate is held, no errors, valid metrics v1 with the conditions',
    async () =>
      withFixture({}, async ({ fixture, load }) => {
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
        // Throughput is completions over the measured time, which cannot be shorter than the schedule. No floor
        // on it: a slow tail on two busy cores stretches the drain (77.6 req/s beside the job runner), while the
        // held rate is what the 150 samples and no drops above show.
        expect(metrics!.run.elapsedSeconds).toBeGreaterThanOrEqual(1.49);
        expect(metrics!.throughputRps).toBeCloseTo(150 / metrics!.run.elapsedSeconds, 1);
        // A generous bound: a loopback answer takes a few ms, but two busy cores (the job runner's verify
        // job) delay every request by the load generator's own scheduling.
        expect(metrics!.latencyMs.p50).toBeLessThan(1000);
        expect(metrics!.latencyMs.p50).toBeLessThanOrEqual(metrics!.latencyMs.p99);
        expect(stderr).toMatch(/load-test: 1 s {2}sent \d+ {2}done \d+ {2}errors 0 {2}dropped 0/);
      }),
    LOAD_TIMEOUT_MS,
  );

  test(
    'a server that stalls 200 ms of every 500: p99 shows the stall (no coordinated omission)',
    async () =>
      withFixture({ stall: { everyMs: 500, forMs: 200 } }, async ({ load }) => {
        const { code, metrics } = await load(100, 1);
        expect(code).toBe(0);
        // 40 % of the arrivals land in a stall and wait up to 200 ms for it to end; the rest are fast. The
        // tail shows the stall; the median does not: it sits well below the tail, whatever delay two busy
        // cores add to every request (p50 344 ms beside the job runner, against an absolute bound of 200).
        expect(metrics!.latencyMs.p99).toBeGreaterThan(150);
        expect(metrics!.latencyMs.p99 - metrics!.latencyMs.p50).toBeGreaterThan(100);
        expect(metrics!.errorRate).toBe(0);
      }),
    LOAD_TIMEOUT_MS,
  );
});
