import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { ActionPins, checkout, defaultRules, FindingsError, PipelineApp, runStep, SecureWorkflow } from '../src';
import { synthProject } from './support/project';

const files = synthProject();
const workflow = YAML.parse(files['.github/workflows/alerts.yml']!);
const job = workflow.jobs.alert;
const step = job.steps[0];

/** Runs the generated step with a stand-in `gh` that knows the open issues given and records what it is asked to do. */
function runAlert(conclusion: string, openIssues: { number: number; title: string }[]) {
  const dir = mkdtempSync(path.join(tmpdir(), 'alert-'));
  const bin = path.join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(path.join(dir, 'issues.json'), JSON.stringify(openIssues));
  writeFileSync(
    path.join(bin, 'gh'),
    [
      '#!/usr/bin/env bash',
      'echo "$*" >> "$CALLS"',
      'if [ "$1 $2" = "issue list" ]; then',
      // gh applies --jq itself: the filter of the step, run here with jq on the stand-in's data.
      '  for ((i = 1; i <= $#; i++)); do if [ "${!i}" = "--jq" ]; then j=$((i + 1)); jq -r "${!j}" "$ISSUES"; fi; done',
      'fi',
    ].join('\n'),
  );
  chmodSync(path.join(bin, 'gh'), 0o755);
  const calls = path.join(dir, 'calls');
  const env = Object.fromEntries(Object.entries(step.env).filter(([, v]) => !String(v).includes('${{')));
  const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run], {
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    timeout: 30_000,
    env: {
      PATH: `${bin}:${process.env.PATH}`,
      ...env,
      WORKFLOW: 'Performance – nightly',
      CONCLUSION: conclusion,
      RUN_URL: 'https://github.com/o/r/actions/runs/9',
      ISSUES: path.join(dir, 'issues.json'),
      CALLS: calls,
    },
  });
  return {
    status: r.status,
    stderr: r.stderr,
    calls: existsSync(calls)
      ? readFileSync(calls, 'utf8')
          .trim()
          .split('\n')
          .filter((l) => !l.startsWith('issue list'))
      : [],
  };
}

describe('alerts.yml', () => {
  test('follows every scheduled workflow on the default branch; issues: write is its only grant', () => {
    const scheduled = Object.entries(files)
      .filter(([f, t]) => f.startsWith('.github/workflows/') && 'schedule' in (YAML.parse(t!).on ?? {}))
      .map(([, t]) => YAML.parse(t!).name);
    expect([...workflow.on.workflow_run.workflows].sort()).toEqual(scheduled.sort());
    expect(workflow.on.workflow_run).toMatchObject({ types: ['completed'], branches: ['main'] });
    expect(job.permissions).toEqual({ issues: 'write' });
    expect(job.if).toBe(
      "(github.event.workflow_run.event == 'schedule') && (github.event.workflow_run.head_branch == 'main')",
    );
    const writers = Object.entries(files)
      .filter(([f]) => f.startsWith('.github/workflows/'))
      .flatMap(([f, t]) =>
        Object.values(YAML.parse(t!).jobs)
          .filter((j: any) => j.permissions?.issues === 'write')
          .map(() => f),
      );
    expect(writers).toEqual(['.github/workflows/alerts.yml']);
  });

  test('a failed run opens one issue, or comments on the open one', () => {
    expect(runAlert('failure', [])).toMatchObject({
      status: 0,
      calls: [
        'issue create --title Scheduled workflow failing: Performance – nightly --body The scheduled run https://github.com/o/r/actions/runs/9 ended: failure.',
      ],
    });
    const open = [
      { number: 3, title: 'Scheduled workflow failing: Performance – nightly' },
      { number: 4, title: 'Scheduled workflow failing: Performance – nightly (old)' },
    ];
    expect(runAlert('timed_out', open).calls).toEqual([
      'issue comment 3 --body The scheduled run https://github.com/o/r/actions/runs/9 ended: timed_out.',
    ]);
  });

  test('a passing run closes the open issue; skipped runs and runs with no issue do nothing', () => {
    const open = [{ number: 3, title: 'Scheduled workflow failing: Performance – nightly' }];
    expect(runAlert('success', open).calls).toEqual([
      'issue close 3 --comment Passing again: https://github.com/o/r/actions/runs/9',
    ]);
    expect(runAlert('skipped', open).calls).toEqual([]);
    expect(runAlert('success', []).calls).toEqual([]);
  });
});

describe('the workflow_run exception of the dangerous-triggers rule', () => {
  const pins = ActionPins.fromFile(path.join(__dirname, '..', 'actions.lock.json'));
  const findings = (withCheckout: boolean, branches?: string[]) => {
    const app = new PipelineApp({ pins, rules: defaultRules({ pins, requiredEcosystems: [] }) });
    const wf = new SecureWorkflow(app, 'after', {
      name: 'After',
      description: 'd',
      triggers: { workflowRun: { workflows: ['CI'], types: ['completed'], branches } },
    });
    wf.addJob('j', {
      name: 'j',
      runsOn: 'ubuntu-24.04',
      permissions: {},
      timeoutMinutes: 5,
      steps: [...(withCheckout ? [checkout()] : []), runStep({ name: 's', run: 'true' })],
    });
    try {
      app.synth();
      return [];
    } catch (e) {
      return (e as FindingsError).findings.map((f) => f.message).filter((m) => m.includes('workflow_run'));
    }
  };
  test('allows a metadata-only workflow_run of named branches; flags one that checks out code or has no branch filter', () => {
    expect(findings(false, ['main'])).toEqual([]);
    expect(findings(true, ['main'])).toHaveLength(1);
    expect(findings(false)).toHaveLength(1);
  });
});
