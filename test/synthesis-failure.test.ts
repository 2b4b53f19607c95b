import { READ_CONTENTS, runStep, SecureWorkflow, checkout, Platform, type PipelineApp } from '../src';
import { buildPipelines } from '../workflows-gen';
import { synthFailure } from './support/project';
import { runSynthesis } from '../projenrc/run-synthesis';
import { TEST_PLATFORM } from './fixtures/platforms';

/** The real pipelines plus one extra workflow, built by `extend`. */
function pipelinesWith(extend: (app: PipelineApp, wf: SecureWorkflow) => void): PipelineApp {
  const app = buildPipelines();
  const wf = new SecureWorkflow(app, 'broken', { name: 'Broken', description: 'd', triggers: { pullRequest: {} } });
  extend(app, wf);
  return app;
}

describe('a broken definition fails synthesis with a clear message and writes nothing', () => {
  test('unpinned action', () => {
    const { error, written } = synthFailure(
      pipelinesWith((_, wf) => {
        wf.addJob('build', { runsOn: 'ubuntu-24.04', permissions: READ_CONTENTS, steps: [checkout()] });
        wf.addOverride('jobs.build.steps.0.uses', 'actions/checkout@main');
      }),
    );
    expect(error.message).toMatch(
      /Synthesis failed; no file was written \(1\):\n {2}- \[broken\/build\] pipelines:pinned-actions: steps\[0\] \("Check out"\): "actions\/checkout@main" is not pinned to a full commit SHA/,
    );
    expect(written).toEqual([]);
  });

  test('${{ github.event.pull_request.title }} in a run: script', () => {
    const { error, written } = synthFailure(
      pipelinesWith((_, wf) => {
        wf.addJob('greet', {
          runsOn: 'ubuntu-24.04',
          permissions: {},
          steps: [runStep({ name: 'Greet', run: 'echo "${{ github.event.pull_request.title }}"' })],
        });
      }),
    );
    expect(error.message).toMatch(
      /\[broken\/greet\] pipelines:no-template-injection: steps\[0\] \("Greet"\): script interpolates \$\{\{ github\.event\.pull_request\.title \}\}; pass it through env:/,
    );
    expect(written).toEqual([]);
  });

  test('bad cron', () => {
    // Construction throws before createProject gets an app: nothing can be written at all.
    expect(() =>
      pipelinesWith(
        (app) =>
          new SecureWorkflow(app, 'nightly', { name: 'n', description: 'd', triggers: { schedule: ['0 2 * * 8'] } }),
      ),
    ).toThrow('[nightly] triggers.schedule[0]: day of week field "8": 8 is outside 0–6 in "0 2 * * 8"');
    expect(() =>
      Platform.fromDefinition({ ...TEST_PLATFORM, schedules: { ...TEST_PLATFORM.schedules, performance: '0 2 * *' } }),
    ).toThrow(/\[schedules\.performance\] must have 5 fields/);
  });

  test('a service that calls an unknown service, and a call cycle, name the fields', () => {
    const [tts, agent] = TEST_PLATFORM.services;
    expect(() =>
      buildPipelines({ definition: { ...TEST_PLATFORM, services: [tts!, { ...agent!, calls: ['ttx'] }] } }),
    ).toThrow(/\[services\[1\]\.calls\[0\]\] unknown service "ttx"; known: agent, tts/);
    expect(() =>
      buildPipelines({ definition: { ...TEST_PLATFORM, services: [{ ...tts!, calls: ['agent'] }, agent!] } }),
    ).toThrow(/\[services\] calls form a cycle: tts → agent → tts/);
  });

  test('services are installed and started after the services they call, whatever the definition order', () => {
    const [tts, agent] = TEST_PLATFORM.services;
    expect(Platform.fromDefinition({ ...TEST_PLATFORM, services: [agent!, tts!] }).services.map((s) => s.name)).toEqual(
      ['tts', 'agent'],
    );
  });

  // Synthesis only transpiles: a missing required prop reaches the constructs at run time.
  test('a job without permissions names its path and the field, not a TypeError', () => {
    expect(() =>
      pipelinesWith((_, wf) =>
        wf.addJob('deploy', { runsOn: 'ubuntu-24.04', steps: [runStep({ name: 'd', run: 'true' })] } as never),
      ),
    ).toThrow(/^\[broken\/deploy\] permissions is required \(grant what the job uses/);
  });

  test('an unknown trigger field is an error, not silently dropped', () => {
    expect(
      () =>
        new SecureWorkflow(buildPipelines(), 'typo', {
          name: 't',
          description: 'd',
          triggers: { push: { branch: ['main'] } } as never,
        }),
    ).toThrow('[typo] triggers.push.branch: unknown field; known: branches, tags, paths');
    expect(
      () =>
        new SecureWorkflow(buildPipelines(), 'typo', {
          name: 't',
          description: 'd',
          triggers: { pullRequestTarget: {} } as never,
        }),
    ).toThrow(/triggers\.pullRequestTarget: unknown field/);
  });

  test('a workflow that reads an input no trigger declares', () => {
    expect(() => pipelinesWith((_, wf) => wf.input('rate'))).toThrow(
      '[broken] reads inputs.rate, which no trigger declares; declared inputs: (none)',
    );
  });

  test('a needs that names a job of another workflow', () => {
    const { error, written } = synthFailure(
      pipelinesWith((app, wf) => {
        const ciTest = app.node.findChild('ci-test') as SecureWorkflow;
        const testTts = ciTest.jobs.find((j) => j.jobId === 'test-tts')!;
        wf.addJob('deploy', {
          runsOn: 'ubuntu-24.04',
          permissions: {},
          needs: [testTts],
          steps: [runStep({ name: 'd', run: 'true' })],
        });
      }),
    );
    expect(error.message).toMatch(/\[broken\/deploy\] needs "ci-test\/test-tts", which belongs to another workflow/);
    expect(written).toEqual([]);
  });
});

describe('the synthesis entry point (.projenrc.ts)', () => {
  test('prints a definition mistake as the clean block and exits 1, with no stack trace', () => {
    let stderr = '';
    const code = runSynthesis(
      () =>
        buildPipelines({
          definition: {
            ...TEST_PLATFORM,
            services: [{ ...TEST_PLATFORM.services[0]!, port: 70000 }, ...TEST_PLATFORM.services.slice(1)],
          },
        }),
      (t) => {
        stderr += t;
      },
    );
    expect(code).toBe(1);
    expect(stderr).toBe(
      'Invalid platform definition (1):\n  - [services[0].port] must be an integer from 1024 to 65535 (the container runs as non-root), got 70000\n',
    );
  });

  test('a bug keeps its trace', () => {
    expect(() =>
      runSynthesis(
        () => {
          throw new TypeError('bug');
        },
        () => undefined,
      ),
    ).toThrow(TypeError);
  });
});
