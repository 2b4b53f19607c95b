import * as YAML from 'yaml';
import { imageBuildNames, KUBERNETES_MINIMUM, serviceJobId, testResultsArtifact } from '../src';
import { PLATFORM } from '../workflows-gen/platform';
import { HELM_VERSION } from './support/helm';
import { synthProject } from './support/project';

const files = synthProject();
/** The real platform's services, in call order: the helm jobs lint each chart. */
const serviceNames = PLATFORM.services.map((s) => s.name);
const lintJobs = serviceNames.map((name) => `lint-${name}`);
const workflow = (name: string) => YAML.parse(files[`.github/workflows/${name}.yml`]!);

describe('ci-test.yml', () => {
  const wf = workflow('ci-test');
  test('every service job runs only when the change detection says its files changed', () => {
    for (const service of ['tts', 'agent']) {
      for (const kind of ['lint', 'test']) {
        expect(wf.jobs[`${kind}-${service}`]).toMatchObject({
          needs: ['changes'],
          if: `needs.changes.outputs.${service} == 'true'`,
        });
      }
    }
  });
  test('the result job always runs and needs every other job', () => {
    expect(wf.jobs.result.if).toBe('always()');
    expect(wf.jobs.result.needs.sort()).toEqual(
      Object.keys(wf.jobs)
        .filter((j) => j !== 'result')
        .sort(),
    );
  });
  test('tests write JUnit XML and coverage, and upload them even when tests fail', () => {
    const steps = wf.jobs['test-tts'].steps;
    expect(steps.find((s: any) => s.name === 'pytest').run).toMatch(
      /--junitxml=test-results\/junit\.xml --cov --cov-report=xml:test-results\/coverage\.xml/,
    );
    expect(steps.find((s: any) => s.uses?.startsWith('actions/upload-artifact@'))).toMatchObject({
      if: '!cancelled()',
      with: { path: 'services/tts/test-results/' },
    });
  });
});

describe('ci-performance.yml', () => {
  const wf = workflow('ci-performance');
  test('runs nightly at 02:00 UTC and on demand with rate and duration inputs', () => {
    expect(wf.on.schedule).toEqual([{ cron: '0 2 * * *' }]);
    expect(Object.keys(wf.on.workflow_dispatch.inputs)).toEqual(['rate', 'duration']);
  });
  const scheduledOnMain = "(github.ref == 'refs/heads/main') && (github.event_name == 'schedule')";
  test('the gate reads the history from its branch, never from a cache (caches are evicted)', () => {
    const job = wf.jobs['regression-tts'];
    expect(job.needs).toEqual(['benchmark-tts']);
    expect(JSON.stringify(wf)).not.toContain('actions/cache');
    expect(job.steps.find((s: any) => s.name === 'Check out the history (perf-history)')).toMatchObject({
      'continue-on-error': true,
      with: { ref: 'perf-history', path: 'perf/history' },
    });
    // The history is per scenario and conditions: a model change starts a new one instead of failing forever.
    expect(job.steps.find((s: any) => s.name === 'Check for a regression').env.HISTORY).toBe(
      'perf/history/tts-synthesize/rate-20_duration-120_warmup-10_ubuntu-24.04.json',
    );
  });
  test('only a scheduled run of the default branch appends to the history; a dispatch never does (lock-in)', () => {
    const check = wf.jobs['regression-tts'].steps.find((s: any) => s.name === 'Check for a regression');
    expect(check.env.UPDATE_HISTORY).toBe(`\${{ ${scheduledOnMain} }}`);
    expect(check.run).toMatch(/if \[ "\$UPDATE_HISTORY" = "true" \]; then args\+=\(--update-history\); fi/);
    expect(wf.jobs['record-tts']).toMatchObject({
      needs: ['regression-tts'],
      if: scheduledOnMain,
      permissions: { contents: 'write' },
    });
  });
  test('the job that may push runs git only: no install, no package code', () => {
    const runs = wf.jobs['record-tts'].steps.map((s: any) => s.run ?? '').join('\n');
    expect(runs).not.toMatch(/npm|npx|node /);
    expect(runs).toMatch(/git push origin "HEAD:refs\/heads\/\$HISTORY_BRANCH"/);
  });
  test('the load test records warm-up, runner class and the image under test', () => {
    const step = wf.jobs['benchmark-tts'].steps.find((s: any) => s.name === 'Load test');
    expect(step.env).toMatchObject({
      RATE: '${{ inputs.rate || 20 }}',
      DURATION: '${{ inputs.duration || 120 }}',
      WARMUP: 10,
      ARG_RUNNER_CLASS: 'ubuntu-24.04',
      IMAGE_DIGEST: '${{ steps.build-tts.outputs.image-id }}',
    });
    expect(step.run).not.toContain('${{');
  });
});

describe('ci-helm-validate.yml', () => {
  const wf = workflow('ci-helm-validate');
  test('runs on every pull request and skips by job, so its result job can be a required check', () => {
    expect(wf.on.push.paths).toBeUndefined();
    expect(wf.on.pull_request.paths).toBeUndefined();
    for (const chart of serviceNames) {
      expect(wf.jobs[`lint-${chart}`]).toMatchObject({
        needs: ['changes'],
        if: `needs.changes.outputs.${chart} == 'true'`,
      });
    }
    expect(wf.jobs.changes.steps[1].run).toContain("check tts 'charts/tts' '.github/workflows/ci-helm-validate.yml'");
    expect(wf.jobs.result).toMatchObject({ if: 'always()', needs: ['changes', ...lintJobs, 'kind'] });
  });
  test('lints, renders and validates every chart with every values file, with a pinned Helm', () => {
    for (const chart of serviceNames) {
      const steps = wf.jobs[`lint-${chart}`].steps;
      expect(steps.find((s: any) => s.uses?.startsWith('Azure/setup-helm@')).with).toEqual({ version: HELM_VERSION }); // the Helm the chart tests run (test/support/helm.ts checks the binary prints it);
      const runs = steps.filter((s: any) => s.run?.includes('helm lint --strict')).map((s: any) => s.run);
      expect(runs).toHaveLength(3);
      const valuesFiles = steps.map((s: any) => s.env?.VALUES_FILE).filter(Boolean);
      expect(valuesFiles).toEqual([`charts/${chart}/values-staging.yaml`, `charts/${chart}/values-production.yaml`]);
      for (const run of runs) {
        expect(run).toMatch(
          /for version in \$KUBERNETES_VERSIONS; do\n  kubeconform -strict -summary -kubernetes-version "\$version"/,
        );
      }
      // Both ends of the supported range: the charts' kubeVersion minimum and the newest (kind's).
      expect(steps.find((s: any) => s.env?.VALUES_SET === 'default').env.KUBERNETES_VERSIONS).toBe(
        `${KUBERNETES_MINIMUM}.0 ${PLATFORM.toolchain.kubernetes}`,
      );
    }
  });
  test('kubeconform is the release binary checked against the checksum the model pins, installed once per job', () => {
    const install = wf.jobs['lint-tts'].steps.filter((s: any) => s.name?.startsWith('Install kubeconform'));
    expect(install).toHaveLength(1);
    expect(install[0].env).toEqual({
      KUBECONFORM_VERSION: PLATFORM.toolchain.kubeconform,
      KUBECONFORM_SHA256: PLATFORM.toolchain.kubeconformSha256,
    });
    expect(install[0].run).toContain(
      'echo "$KUBECONFORM_SHA256  $RUNNER_TEMP/kubeconform.tar.gz" | sha256sum --check --strict',
    );
    expect(install[0].run).not.toMatch(/go install|CHECKSUMS/);
  });
  test("the kind cluster runs the model's newest Kubernetes, its node image pinned by digest", () => {
    const create = wf.jobs.kind.steps.find((s: any) => s.uses?.startsWith('helm/kind-action@'));
    expect(create.with.node_image).toBe(
      `kindest/node:v${PLATFORM.toolchain.kubernetes}@${PLATFORM.toolchain.kindNodeDigest}`,
    );
    expect(create.with.node_image).toMatch(/^kindest\/node:v\d+\.\d+\.\d+@sha256:[0-9a-f]{64}$/);
  });
  test('the kind job runs only on request, after the lint jobs', () => {
    expect(wf.jobs.kind.if).toBe(
      "((!cancelled()) && (!contains(needs.*.result, 'failure'))) && (((github.event_name == 'workflow_dispatch') && (inputs.kind)) || (contains(github.event.pull_request.labels.*.name, 'kind')))",
    );
    expect(wf.jobs.kind.needs).toEqual(lintJobs);
    const runs = wf.jobs.kind.steps.map((s: any) => s.run ?? '').join('\n');
    expect(runs).toMatch(/helm install "\$RELEASE" "\$CHART" .* --wait/);
    expect(runs).toMatch(/helm test "\$RELEASE" --namespace "\$NAMESPACE" --logs/);
    // tts is installed before agent, which calls it; under other release names, in two namespaces,
    // with the agent wired to the tts release and tts admitting the agent's namespace.
    const steps = wf.jobs.kind.steps;
    const names = steps.map((s: any) => s.name);
    expect(names.indexOf('Install tts as tts-kind in kind-tts and wait until ready')).toBeLessThan(
      names.indexOf('Install agent as agent-kind in kind-agent and wait until ready'),
    );
    expect(steps.find((s: any) => s.name.startsWith('Install agent')).env).toMatchObject({
      RELEASE: 'agent-kind',
      NAMESPACE: 'kind-agent',
      WIRING: 'dependencies.tts.release=tts-kind,dependencies.tts.namespace=kind-tts',
    });
    expect(steps.find((s: any) => s.name.startsWith('Install tts')).env).toMatchObject({
      WIRING: 'callers.agent.namespace=kind-agent',
    });
  });
});

describe('update-actions.yml', () => {
  const wf = workflow('update-actions');
  const steps = wf.jobs.update.steps;
  test('runs on the default branch only, with a read-only GITHUB_TOKEN and no cache', () => {
    expect(Object.keys(wf.on)).toEqual(['schedule', 'workflow_dispatch']);
    expect(wf.jobs.update).toMatchObject({ if: "github.ref == 'refs/heads/main'", permissions: { contents: 'read' } });
    expect(JSON.stringify(steps)).not.toMatch(/actions\/cache|cache: npm/);
  });
  test('the write token reaches only the step that pushes and opens the pull request, after the pins and the regeneration', () => {
    const names = steps.map((s: any) => s.name);
    expect(names.slice(-3)).toEqual([
      'Update actions.lock.json',
      'Regenerate the workflows',
      'Open or update the pull request',
    ]);
    const withSecret = steps.filter((s: any) => JSON.stringify(s).includes('secrets.'));
    expect(withSecret.map((s: any) => s.name)).toEqual(['Open or update the pull request']);
    expect(withSecret[0].env.GH_TOKEN).toBe('${{ secrets.ACTIONS_UPDATE_TOKEN }}');
    expect(steps.find((s: any) => s.name === 'Update actions.lock.json').run).toContain(
      'npx --no-install update-action-pins',
    );
  });
});

describe('the naming table', () => {
  test('the naming table lists every per-service job id and artifact the generated workflows hold', () => {
    const wf = (f: string) =>
      YAML.parse(files[`.github/workflows/${f}.yml`]!) as {
        jobs: Record<string, { steps?: { with?: { name?: string } }[] }>;
      };
    for (const service of ['tts', 'agent']) {
      expect(Object.keys(wf('ci-test').jobs)).toEqual(
        expect.arrayContaining([serviceJobId('lint', service), serviceJobId('test', service)]),
      );
      expect(Object.keys(wf('ci-release').jobs)).toContain(serviceJobId('slsa', service));
      expect(Object.keys(wf('ci-build').jobs)).toContain(imageBuildNames(service, 'arm64').pullRequestJob);
      expect(Object.keys(wf('ci-helm-validate').jobs)).toContain(serviceJobId('chart-lint', service));
      expect(JSON.stringify(wf('ci-test').jobs)).toContain(`"name":"${testResultsArtifact(service)}"`);
    }
  });
});
