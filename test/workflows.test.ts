import * as YAML from 'yaml';
import { synthProject } from './support/project';

const files = synthProject();
const workflow = (name: string) => YAML.parse(files[`.github/workflows/${name}.yml`]!);

describe('ci-test.yml', () => {
  const wf = workflow('ci-test');
  test('every service job runs only when the change detection says its files changed', () => {
    for (const service of ['tts', 'agent']) {
      for (const kind of ['lint', 'test']) {
        expect(wf.jobs[`${kind}-${service}`]).toMatchObject({ needs: ['changes'], if: `needs.changes.outputs.${service} == 'true'` });
      }
    }
  });
  test('the result job always runs and needs every other job', () => {
    expect(wf.jobs.result.if).toBe('always()');
    expect(wf.jobs.result.needs.sort()).toEqual(Object.keys(wf.jobs).filter((j) => j !== 'result').sort());
  });
  test('tests write JUnit XML and coverage, and upload them even when tests fail', () => {
    const steps = wf.jobs['test-tts'].steps;
    expect(steps.find((s: any) => s.name === 'pytest').run).toMatch(/--junitxml=test-results\/junit\.xml --cov --cov-report=xml:test-results\/coverage\.xml/);
    expect(steps.find((s: any) => s.uses?.startsWith('actions/upload-artifact@'))).toMatchObject({ if: '!cancelled()', with: { path: 'services/tts/test-results/' } });
  });
});

describe('ci-performance.yml', () => {
  const wf = workflow('ci-performance');
  test('runs nightly at 02:00 UTC and on demand with rate and duration inputs', () => {
    expect(wf.on.schedule).toEqual([{ cron: '0 2 * * *' }]);
    expect(Object.keys(wf.on.workflow_dispatch.inputs)).toEqual(['rate', 'duration']);
  });
  test('the regression job needs the benchmark and saves a baseline only on the default branch', () => {
    const job = wf.jobs['regression-tts'];
    expect(job.needs).toEqual(['benchmark-tts']);
    expect(job.steps.find((s: any) => s.uses?.startsWith('actions/cache/save@')).if).toBe("github.ref == 'refs/heads/main'");
    expect(job.steps.find((s: any) => s.name === 'Check for a regression').env.UPDATE_BASELINE).toBe("${{ github.ref == 'refs/heads/main' }}");
  });
  test('dispatch inputs reach the load test through env only', () => {
    const step = wf.jobs['benchmark-tts'].steps.find((s: any) => s.name === 'Load test');
    expect(step.env).toMatchObject({ RATE: '${{ inputs.rate || 20 }}', DURATION: '${{ inputs.duration || 120 }}' });
    expect(step.run).not.toContain('${{');
  });
});

describe('ci-helm-validate.yml', () => {
  const wf = workflow('ci-helm-validate');
  test('is triggered by chart changes and by the workflow itself', () => {
    expect(wf.on.push.paths).toEqual(['charts/**', '.github/workflows/ci-helm-validate.yml']);
    expect(wf.on.pull_request.paths).toEqual(wf.on.push.paths);
  });
  test('lints, renders and validates every chart with every values file, with a pinned Helm', () => {
    for (const chart of ['tts', 'agent']) {
      const steps = wf.jobs[`lint-${chart}`].steps;
      expect(steps.find((s: any) => s.uses?.startsWith('Azure/setup-helm@')).with).toEqual({ version: 'v4.2.4' });
      const runs = steps.filter((s: any) => s.run?.includes('helm lint --strict')).map((s: any) => s.run);
      expect(runs).toHaveLength(3);
      expect(runs.join('\n')).toMatch(/values-staging\.yaml[\s\S]*values-production\.yaml/);
      for (const run of runs) expect(run).toMatch(/kubeconform -strict -summary/);
    }
  });
  test('the kind job runs only on request, after the lint jobs', () => {
    expect(wf.jobs.kind.if).toBe("((github.event_name == 'workflow_dispatch') && (inputs.kind)) || (contains(github.event.pull_request.labels.*.name, 'kind'))");
    expect(wf.jobs.kind.needs).toEqual(['lint-tts', 'lint-agent']);
    const runs = wf.jobs.kind.steps.map((s: any) => s.run ?? '').join('\n');
    expect(runs).toMatch(/helm install "\$RELEASE" "\$CHART" .* --wait/);
    expect(runs).toMatch(/helm test "\$RELEASE" --logs/);
    // tts is installed before agent, which calls it.
    const names = wf.jobs.kind.steps.map((s: any) => s.name);
    expect(names.indexOf('Install tts and wait until ready')).toBeLessThan(names.indexOf('Install agent and wait until ready'));
  });
});
