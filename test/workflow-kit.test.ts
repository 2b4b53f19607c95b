import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import * as YAML from 'yaml';
import {
  ActionPins,
  checkout,
  Expression,
  github,
  PipelineApp,
  READ_CONTENTS,
  runStep,
  SecureWorkflow,
  type SecureJob,
  setupNode,
  defaultRules,
  actionStep,
  addHelmRollout,
  addImageBuildCheck,
  eachImageStep,
  type RolloutTarget,
} from '../src';

const pins = ActionPins.fromFile(path.join(__dirname, '..', 'actions.lock.json'));

function app(): PipelineApp {
  return new PipelineApp({ pins, rules: defaultRules({ pins, requiredEcosystems: [] }) });
}

function prWorkflow(scope: PipelineApp, id = 'wf'): SecureWorkflow {
  return new SecureWorkflow(scope, id, {
    name: 'WF',
    description: 'd',
    triggers: { pullRequest: {}, push: { branches: ['main'] } },
  });
}

function rendered(a: PipelineApp): Record<string, any> {
  const file = a.synth().find((f) => f.filePath.endsWith('wf.yml'))!;
  return YAML.parse(file.text);
}

describe('SecureWorkflow defaults', () => {
  const a = app();
  const wf = prWorkflow(a);
  wf.addJob('build', {
    runsOn: 'ubuntu-24.04',
    permissions: READ_CONTENTS,
    steps: [checkout(), runStep({ name: 'Hi', run: 'echo hi' })],
  });
  const data = rendered(a);

  test('grants nothing at the top and exactly what the job asks', () => {
    expect(data.permissions).toEqual({});
    expect(data.jobs.build.permissions).toEqual({ contents: 'read' });
  });

  test('gives every job a timeout of 15 minutes unless set', () => {
    expect(data.jobs.build['timeout-minutes']).toBe(15);
  });

  test('cancels superseded pull-request runs but never runs on the default branch', () => {
    expect(data.concurrency).toEqual({
      group: '${{ github.workflow }}-${{ github.event.pull_request.number || github.ref }}',
      'cancel-in-progress': "${{ github.event_name == 'pull_request' }}",
    });
  });

  test('checks out without persisting credentials, pinned by SHA with the version as a comment', () => {
    expect(data.jobs.build.steps[0]).toEqual({
      name: 'Check out',
      uses: pins.resolve('actions/checkout').uses,
      with: { 'persist-credentials': false },
    });
    const text = a.synth().find((f) => f.filePath.endsWith('wf.yml'))!.text;
    expect(text).toContain('uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1');
  });

  test('setup-node caches only when asked', () => {
    const b = app();
    prWorkflow(b).addJob('n', {
      runsOn: 'ubuntu-24.04',
      permissions: READ_CONTENTS,
      steps: [setupNode({ nodeVersion: '20' })],
    });
    expect(rendered(b).jobs.n.steps[0].with).toEqual({ 'node-version': '20', 'package-manager-cache': false });
  });

  test('a workflow without a pull_request trigger gets no concurrency group by default', () => {
    const b = app();
    new SecureWorkflow(b, 'wf', { name: 'n', description: 'd', triggers: { schedule: ['0 2 * * *'] } }).addJob('a', {
      runsOn: 'ubuntu-24.04',
      permissions: {},
      steps: [runStep({ name: 'a', run: 'true' })],
    });
    expect(rendered(b).concurrency).toBeUndefined();
  });

  test('values reach scripts through env', () => {
    const b = app();
    prWorkflow(b).addJob('a', {
      runsOn: 'ubuntu-24.04',
      permissions: {},
      steps: [runStep({ name: 'Use', env: { HEAD_SHA: github.sha }, run: 'echo "$HEAD_SHA"' })],
    });
    expect(rendered(b).jobs.a.steps[0]).toEqual({
      name: 'Use',
      env: { HEAD_SHA: '${{ github.sha }}' },
      run: 'echo "$HEAD_SHA"\n',
    });
  });
});

describe('errors name the construct path and the field', () => {
  test('fails when timeoutMinutes is out of range', () => {
    expect(() =>
      prWorkflow(app()).addJob('build', { runsOn: 'ubuntu-24.04', permissions: {}, timeoutMinutes: 0 }),
    ).toThrow('[wf/build] timeoutMinutes must be an integer from 1 to 360, got 0 (omit it for the default of 15)');
  });

  test('fails on a strategy with nothing to expand', () => {
    const wf = prWorkflow(app());
    let n = 0;
    const job = (strategy: object) => () =>
      wf.addJob(`m${++n}`, {
        runsOn: 'ubuntu-24.04',
        permissions: READ_CONTENTS,
        strategy: strategy as never,
        steps: [runStep({ name: 'x', run: 'true' })],
      });
    for (const bad of [{}, { include: [] }, { matrix: { os: [] } }, { matrix: { os: [] }, include: [{ os: 'a' }] }]) {
      expect(job(bad)).toThrow('strategy needs a matrix list or include entries, and no list may be empty');
    }
    expect(job({ include: [{ service: 'a' }] })).not.toThrow();
    expect(job({ matrix: { os: ['a'] } })).not.toThrow();
  });

  test('fails on a service container image without a pinned tag', () => {
    expect(() =>
      prWorkflow(app()).addJob('db', {
        runsOn: 'ubuntu-24.04',
        permissions: {},
        services: { pg: { image: 'postgres:latest' } },
      }),
    ).toThrow('[wf/db] service containers: image "postgres:latest" needs a tag other than latest, or a digest');
    expect(() =>
      prWorkflow(app()).addJob('db', {
        runsOn: 'ubuntu-24.04',
        permissions: {},
        services: { pg: { image: `postgres@sha256:${'a'.repeat(64)}` } },
      }),
    ).not.toThrow();
  });

  test('fails on a duplicate job id', () => {
    const wf = prWorkflow(app());
    wf.addJob('build', { runsOn: 'ubuntu-24.04', permissions: {} });
    expect(() => wf.addJob('build', { runsOn: 'ubuntu-24.04', permissions: {} })).toThrow(
      '[wf] duplicate job id "build"',
    );
  });

  test('fails on an invalid job id', () => {
    expect(() => prWorkflow(app()).addJob('1st job', { runsOn: 'ubuntu-24.04', permissions: {} })).toThrow(
      /\[wf\/1st job\] job id "1st job" must start with a letter/,
    );
  });

  test('fails on a bad cron in a trigger', () => {
    expect(
      () => new SecureWorkflow(app(), 'nightly', { name: 'n', description: 'd', triggers: { schedule: ['0 2 * *'] } }),
    ).toThrow(
      '[nightly] triggers.schedule[0]: must have 5 fields (minute hour day-of-month month day-of-week), got 4 in "0 2 * *"',
    );
  });

  // Guards a past defect: synthesis crashed with a TypeError.
  test('fails naming the job when needs holds something that is not a job', () => {
    const a = app();
    const missing = [undefined] as unknown as SecureJob[];
    expect(() =>
      prWorkflow(a).addJob('y', {
        runsOn: 'ubuntu-24.04',
        permissions: {},
        needs: missing,
        steps: [runStep({ name: 'y', run: 'true' })],
      }),
    ).toThrow('[wf/y] needs[0] is not a job (got undefined): pass the job object addJob returned');
  });

  test('fails on a dispatch example that names an input the workflow does not declare', () => {
    expect(
      () =>
        new SecureWorkflow(app(), 'rollback', {
          name: 'n',
          description: 'd',
          triggers: {
            workflowDispatch: {
              inputs: { revision: { description: 'r', type: 'string', required: false, default: '' } },
            },
          },
          dispatchExamples: [{ label: 'to a revision', inputs: { revison: '<number>' } }],
        }),
    ).toThrow('[rollback] dispatchExamples[0] (to a revision): no workflow_dispatch input "revison"');
  });

  test('fails at synthesis when a job needs a job of another workflow', () => {
    const a = app();
    const other = prWorkflow(a, 'other').addJob('x', {
      runsOn: 'ubuntu-24.04',
      permissions: {},
      steps: [runStep({ name: 'x', run: 'true' })],
    });
    prWorkflow(a).addJob('y', {
      runsOn: 'ubuntu-24.04',
      permissions: {},
      needs: [other],
      steps: [runStep({ name: 'y', run: 'true' })],
    });
    expect(() => a.synth()).toThrow(/\[wf\/y\] needs "other\/x", which belongs to another workflow/);
  });

  test('fails at synthesis when an expression reads needs.<job> the job does not need', () => {
    const a = app();
    const wf = prWorkflow(a);
    wf.addJob('a', { runsOn: 'ubuntu-24.04', permissions: {}, steps: [runStep({ name: 'a', run: 'true' })] });
    wf.addJob('b', {
      runsOn: 'ubuntu-24.04',
      permissions: {},
      if: Expression.raw("needs.a.outputs.x == 'true'"),
      steps: [runStep({ name: 'b', run: 'true' })],
    });
    expect(() => a.synth()).toThrow(/\[wf\/b\] reads needs\.a\.\* but does not list "a" in needs/);
  });

  test('fails at synthesis on a cycle in needs', () => {
    const a = app();
    const wf = prWorkflow(a);
    const needs: any[] = [];
    const x = wf.addJob('x', {
      runsOn: 'ubuntu-24.04',
      permissions: {},
      needs,
      steps: [runStep({ name: 'x', run: 'true' })],
    });
    const y = wf.addJob('y', {
      runsOn: 'ubuntu-24.04',
      permissions: {},
      needs: [x],
      steps: [runStep({ name: 'y', run: 'true' })],
    });
    (x.needs as any[]).push(y);
    expect(() => a.synth()).toThrow(/\[wf\] needs form a cycle: x → y → x/);
  });

  test('fails at synthesis on a job without steps and on duplicate step ids', () => {
    const a = app();
    const wf = prWorkflow(a);
    wf.addJob('empty', { runsOn: 'ubuntu-24.04', permissions: {} });
    wf.addJob('dup', {
      runsOn: 'ubuntu-24.04',
      permissions: {},
      steps: [runStep({ name: 'a', id: 's', run: 'true' }), runStep({ name: 'b', id: 's', run: 'true' })],
    });
    expect(() => a.synth()).toThrow(
      /\[wf\/empty\] a job needs at least one step[\s\S]*\[wf\/dup\] steps\[1\] \("b"\): step id "s" is already used by steps\[0\]/,
    );
  });

  test('fails at synthesis on an action missing from the lock, listing the pinned ones', () => {
    const a = app();
    prWorkflow(a).addJob('a', {
      runsOn: 'ubuntu-24.04',
      permissions: {},
      steps: [actionStep({ name: 'Mystery', action: 'someone/mystery-action' })],
    });
    expect(() => a.synth()).toThrow(
      /\[wf\/a\] steps\[0\] \("Mystery"\): action "someone\/mystery-action" is not in actions\.lock\.json; pinned actions: .*actions\/checkout/,
    );
  });

  test('the override escape hatch is still checked by the policy', () => {
    const a = app();
    const wf = prWorkflow(a);
    wf.addJob('a', { runsOn: 'ubuntu-24.04', permissions: {}, steps: [checkout()] });
    wf.addOverride('jobs.a.steps.0.uses', 'actions/checkout@v4');
    expect(() => a.synth()).toThrow(
      /\[wf\/a\] pipelines:pinned-actions: steps\[0\] \("Check out"\): "actions\/checkout@v4" is not pinned/,
    );
  });
});

describe('eachImageStep', () => {
  const one = runStep({
    name: 'Check',
    env: { IMAGE: 'ghcr.io/o/tts', DIGEST: Expression.raw('needs.p.outputs.tts'), MODE: 'strict' },
    run: 'echo "checked $IMAGE@$DIGEST ($MODE)"\n[ "$DIGEST" != sha256:bad ] || { echo "bad: $IMAGE"; exit 1; }\n',
  });
  const images = [
    { image: 'ghcr.io/o/tts', digest: Expression.raw('needs.p.outputs.tts') },
    { image: 'ghcr.io/o/agent', digest: Expression.raw('needs.p.outputs.agent') },
  ];

  test("runs the one-image script for each image, in order, on one line of env; the step's other env stays", () => {
    const step = eachImageStep({ name: 'Check every image', step: one, images });
    expect(step.props.env).toEqual({
      SUBJECTS: 'ghcr.io/o/tts@${{ needs.p.outputs.tts }} ghcr.io/o/agent@${{ needs.p.outputs.agent }}',
      MODE: 'strict',
    });
    // Real bash, as GitHub runs a step (bash -e), with the values GitHub would substitute.
    const run = (subjects: string) =>
      spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', (step.props as { run: string }).run], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH, SUBJECTS: subjects, MODE: 'strict' },
      });
    const ok = run('ghcr.io/o/tts@sha256:1 ghcr.io/o/agent@sha256:2');
    expect([ok.status, ok.stdout]).toEqual([
      0,
      'checked ghcr.io/o/tts@sha256:1 (strict)\nchecked ghcr.io/o/agent@sha256:2 (strict)\n',
    ]);
    // The first failure ends the step: the next image is not checked.
    const failed = run('ghcr.io/o/tts@sha256:bad ghcr.io/o/agent@sha256:2');
    expect([failed.status, failed.stdout]).toEqual([
      1,
      'checked ghcr.io/o/tts@sha256:bad (strict)\nbad: ghcr.io/o/tts\n',
    ]);
  });

  test('refuses an action step, a step that does not read IMAGE and DIGEST, and no images', () => {
    expect(() => eachImageStep({ name: 'x', step: checkout(), images })).toThrow('"Check out" is not a run step');
    expect(() => eachImageStep({ name: 'x', step: runStep({ name: 'Plain', run: 'true' }), images })).toThrow(
      '"Plain" does not read IMAGE and DIGEST from its env',
    );
    expect(() => eachImageStep({ name: 'x', step: one, images: [] })).toThrow('"x" has no images');
  });
});

describe('addImageBuildCheck', () => {
  test('one build-only job per target on its runner: contents read, no registry, no push, the condition given', () => {
    const a = app();
    const wf = prWorkflow(a);
    const gate = wf.addJob('changes', {
      name: 'c',
      runsOn: 'ubuntu-24.04',
      permissions: {},
      steps: [runStep({ name: 'x', run: 'true' })],
    });
    const jobs = addImageBuildCheck(wf, {
      name: 'tts',
      repository: 'ghcr.io/org/tts',
      context: 'services/tts',
      dockerfile: 'services/tts/Dockerfile',
      targets: [
        { arch: 'amd64', platform: 'linux/amd64', runner: 'ubuntu-24.04' },
        { arch: 'arm64', platform: 'linux/arm64', runner: 'ubuntu-24.04-arm' },
      ],
      if: Expression.raw("needs.changes.outputs.tts == 'true'"),
      needs: [gate],
    });
    expect(jobs.map((j) => j.jobId)).toEqual(['pr-build-tts-amd64', 'pr-build-tts-arm64']);
    const out = rendered(a).jobs;
    expect(out['pr-build-tts-arm64']).toMatchObject({
      'runs-on': 'ubuntu-24.04-arm',
      permissions: { contents: 'read' },
      needs: ['changes'],
      if: "needs.changes.outputs.tts == 'true'",
    });
    const text = JSON.stringify(out['pr-build-tts-amd64']);
    expect(text).not.toMatch(/docker\/login-action|push=true|cache-to/);
    expect(text).toContain('type=gha,scope=');
  });
});

describe('addHelmRollout', () => {
  const target = (name: string, extra: Partial<RolloutTarget> = {}): RolloutTarget => ({
    serviceName: name,
    chart: `charts/${name}`,
    valuesFile: `charts/${name}/values-production.yaml`,
    stable: { release: name, fullname: name },
    canary: { release: `${name}-canary`, fullname: `${name}-canary` },
    port: 8000,
    digest: Expression.raw(`inputs.${name}_digest`),
    healthPath: '/health',
    watchScenario: `production-${name}-watch`,
    ...extra,
  });
  const rollout = (targets: RolloutTarget[], scope = app()) =>
    addHelmRollout(prWorkflow(scope), {
      idPrefix: 'production-a',
      environmentName: 'production',
      targets,
      runsOn: 'ubuntu-24.04',
      environment: 'production',
      access: { kind: 'kubeconfig', secret: 'KUBECONFIG' },
      helmVersion: 'v4.1.4',
      nodeVersion: '24',
      namespace: 'voice',
      stages: [
        { percent: 10, watchMinutes: 1 },
        { percent: 100, watchMinutes: 1 },
      ],
      canaryMode: 'replicas',
      watchRate: 2,
      maxErrorRatePct: 1,
    });

  test('deploys several services as one matrix per stage, with no matrix for one service', () => {
    const two = app();
    rollout([target('a'), target('b', { port: 9000 })], two);
    const jobs = rendered(two).jobs;
    expect(Object.keys(jobs)).toEqual(['production-a-canary-10', 'production-a-promote']);
    expect(jobs['production-a-promote'].strategy.matrix.include).toEqual([
      expect.objectContaining({ service: 'a', port: 8000, digest: '${{ inputs.a_digest }}' }),
      expect.objectContaining({ service: 'b', port: 9000, digest: '${{ inputs.b_digest }}' }),
    ]);
    expect(jobs['production-a-promote'].steps.find((s: any) => s.id === 'record').name).toBe(
      'Read the recorded stable release (the rollback target)',
    );
    const single = app();
    rollout([target('a')], single);
    const alone = rendered(single).jobs['production-a-canary-10'];
    expect(alone.strategy).toBeUndefined();
    expect(alone.name).toBe('a → production: canary 10 %');
  });

  test('a later stage without its record still removes the canary once the cluster is reachable; the first stage has nothing to remove', () => {
    const scope = app();
    rollout([target('a'), target('b', { port: 9000 })], scope);
    const jobs = rendered(scope).jobs;
    const removal = (job: string) =>
      jobs[job].steps.find((s: any) => s.name === 'Remove the canary (the rollout record could not be read)');
    expect(removal('production-a-canary-10')).toBeUndefined();
    const later = removal('production-a-promote');
    expect(later.if).toBe(
      "(((failure()) || (cancelled())) && (steps.record.outcome != 'success')) && (steps.cluster-access.outcome == 'success')",
    );
    expect(later.env).toEqual({
      NAMESPACE: 'voice',
      STABLE_RELEASE: '${{ matrix.stable-release }}',
      CANARY_RELEASE: '${{ matrix.canary-release }}',
      STAGE: 'promotion',
    });
    // A replica-ratio canary leaves no trace on the stable release: removing the canary release is all.
    expect(later.run).toMatch(
      /^helm uninstall "\$CANARY_RELEASE" --namespace "\$NAMESPACE" --ignore-not-found --wait$/m,
    );
    expect(later.run).not.toContain('helm upgrade');
    expect(later.run.trim()).toMatch(/\nexit 1$/);
  });

  test('refuses services whose steps differ, naming them', () => {
    expect(() => rollout([target('a', { synthesisPath: '/v1/synthesize' }), target('b')])).toThrow(
      'addHelmRollout production-a: targets must all have a synthesis path or none (a have one, b not); deploy them in separate rollouts',
    );
    expect(() => rollout([])).toThrow('addHelmRollout production-a: targets must not be empty');
  });
});

describe('ActionPins', () => {
  test('rejects a lock entry with a short SHA or a bad version, naming it', () => {
    expect(() =>
      ActionPins.fromJson({ actions: { 'actions/checkout': { version: 'v7.0.1', sha: 'abc123' } } }, 'lock.json'),
    ).toThrow('lock.json: actions["actions/checkout"].sha must be a full 40-hex commit SHA, got "abc123"');
    expect(() =>
      ActionPins.fromJson({ actions: { 'actions/checkout': { version: 'v7', sha: 'a'.repeat(40) } } }, 'lock.json'),
    ).toThrow('lock.json: actions["actions/checkout"].version must be vX.Y.Z, got "v7"');
  });

  test('resolves sub-actions through their repository and the SLSA generator by tag', () => {
    expect(pins.resolve('actions/cache/restore').uses).toBe(
      'actions/cache/restore@27d5ce7f107fe9357f9df03efb73ab90386fccae',
    );
    expect(
      pins.resolve('slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml').uses,
    ).toBe('slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@v2.1.0');
  });
});
