/**
 * Benchmark: median wall time of a full synthesis (`npx projen`), of its floor
 * (`npx projen --version`: npx and projen start-up) and of the test run, over several runs; then
 * the job runner (`npx projen test:jobs`, every scenario), over --job-runs runs (it takes minutes).
 * Usage: npm run bench [-- --runs N] [-- --job-runs N (0 skips it)]
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = path.join(__dirname, '..');
const { values } = parseArgs({ options: { 'runs': { type: 'string', default: '5' }, 'job-runs': { type: 'string', default: '1' } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`--runs must be a positive integer, got ${values.runs}`);
  process.exit(2);
}
const jobRuns = Number(values['job-runs']);
if (!Number.isInteger(jobRuns) || jobRuns < 0) {
  console.error(`--job-runs must be a whole number, got ${values['job-runs']}`);
  process.exit(2);
}
/** The job runner's speed goal on a 2-core machine. */
const JOB_RUNNER_TARGET_SECONDS = 180;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function time(label: string, command: string, args: string[], n = runs): number {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = process.hrtime.bigint();
    const result = spawnSync(command, args, { cwd: ROOT, stdio: 'ignore', env: { ...process.env, CI: 'true' } });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (result.status !== 0) {
      console.error(`${label}: "${command} ${args.join(' ')}" exited ${result.status}`);
      process.exit(1);
    }
    samples.push(seconds);
  }
  const m = median(samples);
  console.log(`${label.padEnd(28)} median ${m.toFixed(2)} s  (min ${Math.min(...samples).toFixed(2)}, max ${Math.max(...samples).toFixed(2)}, n=${n})`);
  return m;
}

const floor = time('npx projen --version', 'npx', ['projen', '--version']);
const synth = time('npx projen (full synthesis)', 'npx', ['projen']);
time('npx jest (all tests)', 'npx', ['jest', '--ci']);
const target = 1.5 * floor + 1;
console.log(`synthesis target: ≤ 1.5 × floor + 1 s = ${target.toFixed(2)} s → ${synth <= target ? 'met' : 'NOT met'} (${synth.toFixed(2)} s)`);
if (jobRuns > 0) {
  const jobs = time('npx projen test:jobs', 'npx', ['projen', 'test:jobs'], jobRuns);
  console.log(`job runner target: ≤ ${JOB_RUNNER_TARGET_SECONDS} s → ${jobs <= JOB_RUNNER_TARGET_SECONDS ? 'met' : 'NOT met'} (${jobs.toFixed(2)} s)`);
}
