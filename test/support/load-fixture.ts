import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runCliInProcess } from './run-cli';
import { TtsFixture, type FixtureBehaviour } from './tts-fixture';
import { parseMetrics, type PerformanceMetrics } from '../../src/runtime';
import { loadTestCommand } from '../../src/runtime/cli/load-test';

/** Each load test sends load for about a second; the limit is generous so a busy machine never fails it. */
export const LOAD_TIMEOUT_MS = 30_000;

/** A fixture server and a metrics path of one test's own, so load tests may run concurrently. */
export interface LoadRun {
  readonly fixture: TtsFixture;
  readonly out: string;
  /** Runs the load-test CLI in process against the fixture's synthesis endpoint. */
  load(
    rate: number,
    seconds: number,
    ...extra: string[]
  ): Promise<{ code: number; stdout: string; stderr: string; metrics?: PerformanceMetrics }>;
}

/** The load-test arguments that send `rate` syntheses a second for `seconds` to a fixture at `baseUrl`, metrics to `out`. */
export function loadTestArgs(baseUrl: string, rate: number, seconds: number, out: string): string[] {
  return [
    '--base-url',
    baseUrl,
    '--path',
    TtsFixture.SYNTHESIS_PATH,
    '--rate',
    String(rate),
    '--duration',
    String(seconds),
    '--out',
    out,
  ];
}

/** Starts a fixture server with `behaviour`, runs `body` against it and always stops the server. */
export async function withFixture(
  behaviour: Partial<FixtureBehaviour>,
  body: (run: LoadRun) => Promise<void>,
): Promise<void> {
  const fixture = await TtsFixture.start(behaviour);
  const out = path.join(mkdtempSync(path.join(tmpdir(), 'load-')), 'metrics.json');
  const load: LoadRun['load'] = async (rate, seconds, ...extra) => {
    const r = await runCliInProcess(loadTestCommand, [...loadTestArgs(fixture.baseUrl, rate, seconds, out), ...extra]);
    return {
      code: r.code,
      stdout: r.stdout,
      stderr: r.stderr,
      metrics: existsSync(out) ? parseMetrics(JSON.parse(readFileSync(out, 'utf8')), out) : undefined,
    };
  };
  try {
    await body({ fixture, out, load });
  } finally {
    await fixture.stop();
  }
}
