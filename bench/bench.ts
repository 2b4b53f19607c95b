/**
 * Benchmark: median wall time of a full synthesis (`npx projen`), of its floor
 * (`npx projen --version`: npx and projen start-up) and of the test run, over several runs; then
 * the job runner (`npx projen test:jobs`, every scenario), over --job-runs runs (it takes minutes).
 * With --services N (or a list, 2,15,30,60): synthesis (in memory) of the platform grown to 2 and to N
 * services (or to each size listed), its time, generated size and each workflow's jobs per run
 * against GitHub's limits, as a growth table; then `npx projen` in a copy of the repository grown to
 * the smallest and the largest size (bench/grown-copy.ts), the time the scale goal is judged on.
 * Usage: npm run bench [-- --runs N] [-- --job-runs N (0 skips it)] [-- --services N[,M…]]
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { GrownCopy } from './grown-copy';
import { TRANSPILE_HOOK_PATH, TUNED_BIN } from '../projenrc/transpile-hook';

const ROOT = path.join(__dirname, '..');
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    'job-runs': { type: 'string', default: '1' },
    services: { type: 'string' },
  },
});
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
const sizes = values.services === undefined ? undefined : values.services.split(',').map(Number);
if (sizes !== undefined && sizes.some((n) => !Number.isInteger(n) || n < 2)) {
  console.error(`--services must be integers ≥ 2, separated by commas, got ${values.services}`);
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
  return summarize(label, samples);
}

/** Prints a label's median, min, max and count of wall times; returns the median. */
function summarize(label: string, samples: number[]): number {
  const m = median(samples);
  console.log(
    `${label.padEnd(28)} median ${m.toFixed(2)} s  (min ${Math.min(...samples).toFixed(2)}, max ${Math.max(...samples).toFixed(2)}, n=${samples.length})`,
  );
  return m;
}

interface ScaleRun {
  readonly services: number;
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly files: number;
  readonly bytes: number;
  readonly workflows: Record<string, { bytes: number; jobsPerRun: number }>;
  readonly findings: string[];
}

/**
 * The scale report: in-memory synthesis of the platform at each size (2 and N for one size), each the
 * median of `runs` fresh processes, with what each service added between two sizes.
 */
function scaleReport(requested: number[]): void {
  const measure = (count: number): ScaleRun => {
    const samples: ScaleRun[] = [];
    for (let i = 0; i < runs; i++) {
      const r = spawnSync(
        process.execPath,
        ['--require', TRANSPILE_HOOK_PATH, path.join(__dirname, 'scale-synth.ts'), String(count)],
        { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
      );
      if (r.status !== 0) {
        console.error(`scale synthesis of ${count} services exited ${r.status}: ${r.stderr}`);
        process.exit(1);
      }
      samples.push(JSON.parse(r.stdout) as ScaleRun);
    }
    const mid = [...samples].sort((a, b) => a.seconds - b.seconds)[Math.floor(samples.length / 2)]!;
    return {
      ...mid,
      seconds: median(samples.map((s) => s.seconds)),
      cpuSeconds: median(samples.map((s) => s.cpuSeconds)),
    };
  };
  const counts = [...new Set(requested.length === 1 ? [2, ...requested] : requested)].sort((a, b) => a - b);
  const results = counts.map(measure);
  const small = results[0]!;
  const large = results[results.length - 1]!;
  for (const r of results) {
    const biggest = Object.entries(r.workflows).sort((a, b) => b[1].bytes - a[1].bytes)[0]!;
    const busiest = Object.entries(r.workflows).sort((a, b) => b[1].jobsPerRun - a[1].jobsPerRun)[0]!;
    console.log(
      `${String(r.services).padStart(3)} services: synthesis median ${r.seconds.toFixed(2)} s (${r.cpuSeconds.toFixed(2)} CPU-s), ${r.files} files, ${(r.bytes / 1e6).toFixed(2)} MB;` +
        ` largest ${biggest[0]} ${(biggest[1].bytes / 1e3).toFixed(0)} KB, most jobs per run ${busiest[0]} ${busiest[1].jobsPerRun}; ${r.findings.length} limit finding(s)`,
    );
    for (const f of r.findings) console.log(`      ${f}`);
  }
  // Linear growth reads as an even cost per added service from one size to the next.
  console.log('growth per added service (from the size before):');
  for (let i = 1; i < results.length; i++) {
    const [a, b] = [results[i - 1]!, results[i]!];
    const added = b.services - a.services;
    console.log(
      `  ${String(a.services).padStart(3)} → ${String(b.services).padStart(3)}: ${((1000 * (b.seconds - a.seconds)) / added).toFixed(1)} ms,` +
        ` ${((b.bytes - a.bytes) / added / 1e3).toFixed(1)} KB, ${((b.files - a.files) / added).toFixed(1)} files`,
    );
  }
  const inProcess = large.seconds / small.seconds;
  console.log(
    `in-process build and check: ${large.services} services in ${inProcess.toFixed(2)} × the time of ${small.services}`,
  );
  // The goal is judged as the issue measured it: `npx projen` in a copy of the repository whose model has
  // the services added, from start to every file written. Both copies run in turn, `runs` times each.
  const copies: GrownCopy[] = [];
  try {
    for (const size of [small.services, large.services]) copies.push(GrownCopy.create(ROOT, size));
    const samples = copies.map((): number[] => []);
    for (let i = 0; i < runs; i++) copies.forEach((c, j) => samples[j]!.push(c.synthesize()));
    const [smallWall, largeWall] = copies.map((c, j) => summarize(`npx projen, ${c.services} services`, samples[j]!));
    const ratio = largeWall! / smallWall!;
    console.log(
      `scale: npx projen with ${large.services} services in ${ratio.toFixed(2)} × the time of ${small.services} (goal ≤ 3) → ${ratio <= 3 ? 'met' : 'NOT met'};` +
        ` ${large.findings.length === 0 ? "inside GitHub's limits" : "NOT inside GitHub's limits"}`,
    );
  } finally {
    for (const c of copies) c.remove();
  }
}

if (sizes !== undefined) {
  scaleReport(sizes);
  process.exit(0);
}

const floor = time('npx projen --version', 'npx', ['projen', '--version']);
const synth = time('npx projen (full synthesis)', 'npx', ['projen']);
// As the test task starts it: with V8's tiering for short runs (projenrc/tuned-bin.js).
time('jest --ci (all tests)', process.execPath, [TUNED_BIN, 'jest', '--ci']);
const target = 1.5 * floor + 1;
console.log(
  `synthesis target: ≤ 1.5 × floor + 1 s = ${target.toFixed(2)} s → ${synth <= target ? 'met' : 'NOT met'} (${synth.toFixed(2)} s)`,
);
if (jobRuns > 0) {
  const jobs = time('npx projen test:jobs', 'npx', ['projen', 'test:jobs'], jobRuns);
  console.log(
    `job runner target: ≤ ${JOB_RUNNER_TARGET_SECONDS} s → ${jobs <= JOB_RUNNER_TARGET_SECONDS ? 'met' : 'NOT met'} (${jobs.toFixed(2)} s)`,
  );
}
