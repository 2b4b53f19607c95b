import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { portForwardScript } from '../src';

/**
 * The generated port-forward lines, run by bash as the runner runs a step, with a kubectl on PATH
 * that records where its output goes, prints what kubectl prints once it listens, and waits.
 */
describe('portForwardScript', () => {
  // Under the run's own temporary root (test/support/temp-root-setup.ts), removed when the run ends.
  const root = mkdtempSync(path.join(tmpdir(), 'port-forward-'));
  const bin = path.join(root, 'bin');
  mkdirSync(bin);
  writeFileSync(
    path.join(bin, 'kubectl'),
    [
      '#!/bin/bash',
      'readlink "/proc/$$/fd/1" > "$LOG_OF_FORWARD"',
      'echo "Forwarding from 127.0.0.1:18080 -> 8000"',
      'exec sleep 30',
    ].join('\n'),
  );
  chmodSync(path.join(bin, 'kubectl'), 0o755);

  /** One step that forwards: the log its kubectl wrote to. */
  function forwardStep(runnerTemp: string): string {
    const record = path.join(mkdtempSync(path.join(root, 'record-')), 'log-path');
    const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', portForwardScript('"$TARGET"')], {
      encoding: 'utf8',
      timeout: 30_000,
      env: {
        PATH: `${bin}:${process.env.PATH}`,
        RUNNER_TEMP: runnerTemp,
        NAMESPACE: 'voice',
        PORT: '8000',
        TARGET: 'service/tts-canary',
        LOG_OF_FORWARD: record,
      },
    });
    expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({ status: 0, stdout: '', stderr: '' });
    return readFileSync(record, 'utf8').trim();
  }

  test('each forward of a job polls a log of its own', () => {
    // A job's smoke test and its watch forward one after the other in one RUNNER_TEMP. With one log
    // path for both, the watch's first poll could read the smoke test's "Forwarding from" before its
    // own background kubectl had emptied the file, and send requests before the forward listened
    // (job runner, release-tag-promotion-unhealthy: ECONNREFUSED on the watch's first request).
    const runnerTemp = mkdtempSync(path.join(root, 'runner-temp-'));
    const first = forwardStep(runnerTemp);
    const second = forwardStep(runnerTemp);
    expect(path.dirname(first)).toBe(runnerTemp);
    expect(path.dirname(second)).toBe(runnerTemp);
    expect(second).not.toBe(first);
  });
});
