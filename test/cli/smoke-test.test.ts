import { inspectWav, makeWav } from '../../src/runtime';
import { smokeTestCommand } from '../../src/runtime/cli/smoke-test';
import { runCliInProcess } from '../support/run-cli';
import { TtsFixture } from '../support/tts-fixture';

describe('inspectWav', () => {
  test('accepts a PCM WAV and reports its format', () => {
    expect(inspectWav(makeWav({ seconds: 0.5, sampleRate: 16000 }))).toEqual({
      audioFormat: 1,
      channels: 1,
      sampleRate: 16000,
      bitsPerSample: 16,
      dataBytes: 16000,
      durationSeconds: 0.5,
    });
  });

  test.each([
    ['too short', Buffer.from('RIFF'), /too short/],
    ['not RIFF', Buffer.from('<html>not audio</html>'), /not a RIFF\/WAVE file/],
    [
      'empty data chunk',
      (() => {
        const b = makeWav({ seconds: 0.1 }).subarray(0, 44);
        b.writeUInt32LE(0, 40);
        return b;
      })(),
      /data chunk is empty/,
    ],
    ['truncated data', makeWav({ seconds: 0.1 }).subarray(0, 100), /declares 3200 bytes but only 56 follow/],
    [
      'unknown format',
      (() => {
        const b = makeWav({ seconds: 0.1 });
        b.writeUInt16LE(85, 20);
        return b;
      })(),
      /unsupported audio format 85/,
    ],
  ])('rejects %s', (_, buf, problem) => {
    const result = inspectWav(buf);
    expect('problem' in result && result.problem).toMatch(problem);
  });
});

describe('smoke-test CLI against a fixture server on 127.0.0.1', () => {
  let fixture: TtsFixture;
  afterEach(async () => fixture.stop());
  const run = (...args: string[]) =>
    runCliInProcess(smokeTestCommand, ['--base-url', fixture.baseUrl, '--initial-delay-ms', '20', ...args]);

  test('healthy service with valid audio → 0', async () => {
    fixture = await TtsFixture.start();
    const r = await run('--synthesis-path', TtsFixture.SYNTHESIS_PATH);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/health .*\/health: OK after 1 attempt/);
    expect(r.stdout).toMatch(/0\.25 s of audio, 1 ch, 16000 Hz, 16-bit/);
  });

  test('health only, when no synthesis path is given → 0', async () => {
    fixture = await TtsFixture.start();
    expect((await run()).code).toBe(0);
    expect(fixture.synthesisRequests).toBe(0);
  });

  test('a service that becomes healthy during the retries → 0', async () => {
    fixture = await TtsFixture.start({ unhealthyFirst: 3 });
    const r = await run('--retries', '10');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/attempt 1 failed \(HTTP 503\), retrying/);
    expect(r.stdout).toMatch(/OK after 4 attempt\(s\)/);
    expect(fixture.healthRequests).toBe(4);
  });

  test('unhealthy service → 1 after the bounded retries', async () => {
    fixture = await TtsFixture.start({ healthStatus: 503 });
    const r = await run('--retries', '2');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^smoke-test: unhealthy: .*\/health did not answer 200 after 3 attempts \(last: HTTP 503\)\n$/,
    );
  });

  test.each([
    ['not-wav', /returned invalid audio: not a RIFF\/WAVE file/],
    ['empty-data', /returned invalid audio: data chunk is empty/],
    ['wrong-content-type', /answered content-type "application\/json", expected audio\/wav/],
  ] as const)('invalid audio (%s) → 1', async (badAudio, message) => {
    fixture = await TtsFixture.start({ badAudio });
    const r = await run('--synthesis-path', TtsFixture.SYNTHESIS_PATH);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
  });

  test('synthesis error → 1', async () => {
    fixture = await TtsFixture.start({ failEvery: 1 });
    const r = await run('--synthesis-path', TtsFixture.SYNTHESIS_PATH);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/answered HTTP 500/);
  });

  test('synthesis slower than the timeout → 1', async () => {
    fixture = await TtsFixture.start({ slowMs: 2000 });
    const r = await run('--synthesis-path', TtsFixture.SYNTHESIS_PATH, '--timeout-ms', '300');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/synthesis .* failed: timed out/);
  });

  test('an endless answer is cut off at the size limit → 1, with the reason', async () => {
    fixture = await TtsFixture.start({ bodyFault: 'endless' });
    const r = await run('--synthesis-path', TtsFixture.SYNTHESIS_PATH, '--timeout-ms', '20000');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the answer is larger than 16777216 bytes; stopped reading/);
  }, 30_000);

  test('a server body injecting a workflow command is quoted on one line', async () => {
    fixture = await TtsFixture.start({ failEvery: 1, errorBody: 'boom\n::error::injected' });
    const r = await run('--synthesis-path', TtsFixture.SYNTHESIS_PATH);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/(^|\n)::error::/);
  });

  test('nothing listening → 1', async () => {
    fixture = await TtsFixture.start();
    const url = fixture.baseUrl;
    await fixture.stop();
    fixture = await TtsFixture.start(); // for afterEach
    const r = await runCliInProcess(smokeTestCommand, [
      '--base-url',
      url,
      '--retries',
      '1',
      '--initial-delay-ms',
      '10',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/unhealthy: .* after 2 attempts \(last: ECONNREFUSED\)/);
  });

  test.each([
    [['--base-url', 'not a url'], /--base-url "not a url" is not a URL/],
    [['--base-url', 'ftp://127.0.0.1'], /--base-url must be http or https/],
    [['--base-url', 'http://127.0.0.1:1', '--retries', '-1'], /--retries must be an integer ≥ 0 and ≤ 100, got "-1"/],
    [[], /required option '--base-url <url>' not specified/],
    [
      ['--base-url', 'http://127.0.0.1:1', '--health-path', 'http://198.51.100.7/health'],
      /--health-path must be a path starting with one "\/", got "http:\/\/198\.51\.100\.7\/health"/,
    ],
    [
      ['--base-url', 'http://127.0.0.1:1', '--synthesis-path', '//elsewhere/x'],
      /--synthesis-path must be a path starting with one "\/"/,
    ],
  ])('usage error %j → 2', async (args, message) => {
    fixture = await TtsFixture.start();
    const r = await runCliInProcess(smokeTestCommand, args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
