import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { machineNetworks } from './engine/machine-networks';
import { parseWorkflowFile } from './engine/workflow-file';
import type { JobReport } from './engine/world';
import { runScenario, standinBin, startStandinServer } from './harness';
import { SCENARIOS } from './scenarios';

const REPO_ROOT = path.join(__dirname, '..', '..');
let bin: string;

let stopServer: (() => void) | undefined;

beforeAll(async () => {
  bin = standinBin();
  stopServer = await startStandinServer(bin);
});

afterAll(() => {
  stopServer?.();
  machineNetworks.stop();
});

const only = process.env.JOB_SCENARIOS?.split(',');
const selected = SCENARIOS.filter((s) => !only || only.includes(s.name));
/** Reports by scenario, written in the scenarios' order whatever order they finish in. */
const byScenario = new Map<string, JobReport[]>();
/** Each scenario's start and end, seconds from the suite's start: the order's effect on the run's length. */
const spans = new Map<string, { start: number; end: number }>();
const suiteStart = performance.now();
const sinceStart = () => (performance.now() - suiteStart) / 1000;

// Scenarios run side by side (jest's maxConcurrency, set by the test:jobs task): each has its own
// world, and each job its own loopback (engine/machine-networks.ts). They start in the order of
// SCENARIOS, the longest first, so that no long one is left running alone at the end.
test.concurrent.each(selected.map((s) => [s.name, s] as const))('scenario %s', async (_name, scenario) => {
  const start = sinceStart();
  const result = await runScenario(scenario, bin);
  spans.set(scenario.name, { start, end: sinceStart() });
  const { world } = result;
  byScenario.set(scenario.name, world.reports);
  try {
    const failed = [
      ...new Set(world.reports.filter((r) => r.conclusion === 'failure').map((r) => `${r.workflow}/${r.job}`)),
    ].sort();
    const unexpected = world.reports.filter(
      (r) => r.conclusion === 'failure' && !scenario.failing?.[`${r.workflow}/${r.job}`],
    );
    expect(unexpected.map((r) => `${r.workflow}/${r.job}: ${r.reason}`)).toEqual([]);
    expect(failed).toEqual(Object.keys(scenario.failing ?? {}).sort());
    scenario.effects?.(result);
  } finally {
    await world.stop(process.env.KEEP_JOB_WORLDS === '1');
  }
});

afterAll(async () => {
  const reports = selected.flatMap((s) => byScenario.get(s.name) ?? []);
  mkdirSync(path.join(REPO_ROOT, 'test-reports'), { recursive: true });
  writeFileSync(
    path.join(REPO_ROOT, 'test-reports', 'jobs.json'),
    `${JSON.stringify(
      reports.map(({ workflow, job, scenario, conclusion, seconds }) => ({
        workflow,
        job,
        scenario,
        conclusion,
        // Wall time from the job's start to its end (scenarios run side by side, so it includes waiting for a core).
        seconds: Number(seconds.toFixed(1)),
      })),
      null,
      2,
    )}\n`,
  );
  const rows = reports.map(
    (r) => `${r.workflow.padEnd(24)} ${r.job.padEnd(34)} ${r.scenario.padEnd(28)} ${r.conclusion}`,
  );
  process.stdout.write(
    `\n${'workflow'.padEnd(24)} ${'job'.padEnd(34)} ${'scenario'.padEnd(28)} conclusion\n${rows.join('\n')}\n`,
  );
  const slowest = reports
    .filter((r) => !r.workflow.startsWith('('))
    .sort((a, b) => b.seconds - a.seconds)
    .slice(0, 12);
  process.stdout.write(
    `\nslowest jobs:\n${slowest.map((r) => `${r.seconds.toFixed(1).padStart(6)} s  ${r.scenario} ${r.workflow}/${r.job}`).join('\n')}\n`,
  );
  // The scenarios that ended last: one long scenario started late runs alone while a core idles.
  const last = [...spans].sort((a, b) => b[1].end - a[1].end).slice(0, 5);
  process.stdout.write(
    `\nlast scenarios to end (seconds from the suite's start):\n${last.map(([name, { start, end }]) => `${start.toFixed(1).padStart(6)} → ${end.toFixed(1).padStart(6)}  ${name}`).join('\n')}\n`,
  );
  // Last, so that a CI log cut in the middle still shows why: the reason and the job's last log lines.
  const unexpected = selected.flatMap((s) =>
    (byScenario.get(s.name) ?? []).filter((r) => r.conclusion === 'failure' && !s.failing?.[`${r.workflow}/${r.job}`]),
  );
  for (const r of unexpected) {
    process.stdout.write(
      `\nUNEXPECTED FAILURE ${r.scenario} ${r.workflow}/${r.job}: ${r.reason ?? 'failed'}\n${r.logTail ?? ''}\n`,
    );
  }
});

test('every job of every workflow ran (success or failure) in some scenario', async () => {
  const reports = [...byScenario.values()].flat();
  const dir = path.join(REPO_ROOT, '.github', 'workflows');
  const missing: string[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yml'))) {
    const wf = await parseWorkflowFile(file, readFileSync(path.join(dir, file), 'utf8'));
    for (const job of wf.template.jobs) {
      const ran = reports.some(
        (r) =>
          r.workflow === file && r.job === job.id.value && (r.conclusion === 'success' || r.conclusion === 'failure'),
      );
      if (!ran) missing.push(`${file}/${job.id.value}`);
    }
  }
  expect(missing).toEqual([]);
});
