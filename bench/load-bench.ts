/**
 * Benchmark (not a test): the highest arrival rate `load-test` sustains against the tts fixture
 * on this machine, side by side with autocannon against the same server in the same run.
 * The fixture runs in this process; each generator runs in its own process.
 * Usage: npm run bench:load [-- --seconds N]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { TRANSPILE_HOOK_PATH } from '../projenrc/transpile-hook';
import { loadTestArgs } from '../test/support/load-fixture';
import { TtsFixture } from '../test/support/tts-fixture';

const ROOT = path.join(__dirname, '..');
const { values } = parseArgs({ options: { seconds: { type: 'string', default: '4' } } });
const seconds = Number(values.seconds);
const BODY = JSON.stringify({ text: 'The quick brown fox jumps over the lazy dog.' });

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${command} ${args.join(' ')} exited ${code}`)),
    );
  });
}

interface Step {
  rate: number;
  achieved: number;
  p99: number;
  errors: number;
  dropped: number;
  sustained: boolean;
}

async function loadTestAt(baseUrl: string, rate: number): Promise<Step> {
  const out = path.join(mkdtempSync(path.join(tmpdir(), 'load-bench-')), 'm.json');
  await run(process.execPath, [
    '--require',
    TRANSPILE_HOOK_PATH,
    path.join(ROOT, 'src/runtime/cli/load-test.ts'),
    ...loadTestArgs(baseUrl, rate, seconds, out),
  ]);
  const m = JSON.parse(readFileSync(out, 'utf8'));
  // Sustained: every arrival sent on time (none dropped), ≥ 95 % of the rate achieved, no errors.
  const sustained = m.run.dropped === 0 && m.errorRate === 0 && m.throughputRps >= 0.95 * rate;
  return {
    rate,
    achieved: m.throughputRps,
    p99: m.latencyMs.p99,
    errors: m.errorRate,
    dropped: m.run.dropped,
    sustained,
  };
}

async function autocannon(baseUrl: string, extra: string[]): Promise<{ rps: number; p99: number }> {
  const json = await run(path.join(ROOT, 'node_modules/.bin/autocannon'), [
    '--json',
    '--duration',
    String(seconds),
    '--method',
    'POST',
    '--headers',
    'content-type=application/json',
    '--body',
    BODY,
    ...extra,
    `${baseUrl}${TtsFixture.SYNTHESIS_PATH}`,
  ]);
  const r = JSON.parse(json);
  return { rps: r.requests.average, p99: r.latency.p99 };
}

async function main(): Promise<void> {
  const fixture = await TtsFixture.start();
  try {
    console.log(`fixture ${fixture.baseUrl}, ${seconds} s per step, ${cpus().length} cores\n`);
    console.log('load-test (open model, constant arrival rate):');
    let best: Step | undefined;
    const report = (step: Step) =>
      console.log(
        `  rate ${String(step.rate).padStart(5)}/s → achieved ${step.achieved.toFixed(0).padStart(5)}/s, p99 ${step.p99} ms, dropped ${step.dropped}, errors ${(step.errors * 100).toFixed(1)} % → ${step.sustained ? 'sustained' : 'NOT sustained'}`,
      );
    // Double until a step fails, then try the midpoint once to narrow the answer.
    let failed: number | undefined;
    for (let rate = 250; rate <= 32000; rate *= 2) {
      const step = await loadTestAt(fixture.baseUrl, rate);
      report(step);
      if (!step.sustained) {
        failed = rate;
        break;
      }
      best = step;
    }
    if (best && failed) {
      const mid = await loadTestAt(fixture.baseUrl, Math.round((best.rate + failed) / 2));
      report(mid);
      if (mid.sustained) best = mid;
    }
    const closed = await autocannon(fixture.baseUrl, ['--connections', '50']);
    const fixed = best
      ? await autocannon(fixture.baseUrl, ['--connections', '50', '--overallRate', String(best.rate)])
      : undefined;
    console.log('\nautocannon, same server:');
    console.log(`  closed loop, 50 connections  → ${closed.rps.toFixed(0)} req/s, p99 ${closed.p99} ms`);
    if (fixed && best) {
      console.log(`  fixed rate ${best.rate}/s (-R)     → ${fixed.rps.toFixed(0)} req/s, p99 ${fixed.p99} ms`);
    }
    console.log(
      `\nhighest sustained arrival rate of load-test: ${best ? `${best.rate} req/s (p99 ${best.p99} ms)` : 'none of the steps'}; autocannon closed-loop maximum: ${closed.rps.toFixed(0)} req/s`,
    );
  } finally {
    await fixture.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
