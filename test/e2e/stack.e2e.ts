/**
 * The end-to-end suite: the generated compose file, unchanged, in a real Docker Engine, with images
 * built from the stand-in services' Dockerfiles, and the very steps the generated workflows run
 * against it (read from the workflow files). `npx projen test:e2e`; README, "End-to-end suite".
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { ComposeFile, Platform, type Service } from '../../src';
import { PLATFORM } from '../../workflows-gen/platform';
import { REPO_ROOT } from '../support/project';
import { serviceContractEnv } from '../support/service-contract';
import { BASE_IMAGE, ensureBaseImage } from './support/base-image';
import { ComposeStack, StackFailure } from './support/compose-stack';
import { DockerEngine } from './support/docker-engine';
import { runWorkflowStep, workflowStep } from './support/workflow-steps';

const platform = Platform.fromDefinition(PLATFORM);
const timings: Record<string, number> = {};
let engine: DockerEngine | undefined;

async function timed<T>(label: string, work: () => T | Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await work();
  } finally {
    timings[label] = (timings[label] ?? 0) + (performance.now() - start) / 1000;
  }
}

/** A fault the stand-in tts can be built with, and what the suite must say about it. */
type Fault = 'unhealthy' | 'writes-root' | 'not-wav';

/** Builds a stand-in image; the contract's values (port, paths) come from the model as build arguments. */
function buildStandIn(service: Service, fault?: Fault): string {
  const tag = `voice-e2e/${service.name}:${fault ?? 'ok'}`;
  const args: Record<string, string> = {
    BASE_IMAGE,
    SERVICE_PORT: String(service.port),
    ...serviceContractEnv(platform, service),
    ...(fault ? { STANDIN_FAULT: fault } : {}),
  };
  const r = engine!.docker([
    'build',
    '--quiet',
    '--tag',
    tag,
    ...Object.entries(args).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]),
    path.join(__dirname, 'services', service.name),
  ]);
  if (r.status !== 0) throw new Error(`docker build of the ${service.name} stand-in failed: ${r.stderr.trim()}`);
  return tag;
}

const smokeStart = workflowStep('ci-smoke-test', 'smoke', 'Start the stack and wait until healthy');

/**
 * The health-check timings of the test stack, merged over the generated ones (the check itself is
 * the generated file's). The generated file gives real services a 20 s start period and 15 retries
 * 2 s apart, so a broken one is declared unhealthy after about 50 s (68 s measured under vfs, most
 * of the suite's three minutes of `compose up`); the stand-ins start in a second, so a 1 s interval,
 * no start period and 3 retries tell healthy from unhealthy in a few seconds.
 */
function testStackTimings(): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'voice-e2e-compose-')), 'compose.test-timings.yaml');
  const healthcheck = { interval: '1s', start_period: '0s', retries: 3 };
  writeFileSync(
    file,
    YAML.stringify({ services: Object.fromEntries(platform.services.map((s) => [s.name, { healthcheck }])) }),
  );
  return file;
}

/** Brings the stack up and runs the workflows' steps against it; throws with which service failed and why. */
async function runSuite(
  images: Record<string, string>,
  o: { load: boolean; whileUp?: () => void },
): Promise<{ work: string }> {
  const work = mkdtempSync(path.join(tmpdir(), 'voice-e2e-work-'));
  const stack = new ComposeStack(engine!, {
    // The generated file, unchanged, with the test stack's health-check timings over it; project and
    // wait time as the smoke-test workflow gives them.
    file: path.join(REPO_ROOT, smokeStart.env.COMPOSE_FILE!),
    overrideFile: testStackTimings(),
    projectName: smokeStart.env.COMPOSE_PROJECT_NAME!,
    env: Object.fromEntries(platform.services.map((s) => [ComposeFile.imageVariable(s), images[s.name]!])),
    services: platform.services.map((s) => s.name),
  });
  try {
    await timed('compose up', () => stack.up(Number(smokeStart.env.WAIT_SECONDS)));
    for (const s of platform.services) {
      const step = workflowStep('ci-smoke-test', 'smoke', `Smoke-test ${s.name}`);
      const r = await timed('smoke tests', () => runWorkflowStep(step, { cwd: work }));
      if (r.status !== 0) {
        throw new StackFailure(
          `${s.name}: the smoke test failed (exit ${r.status}): ${r.output.trim().split('\n').at(-1)}`,
        );
      }
    }
    if (o.load) await timed('load test and gate', () => loadAndGate(work, images));
    o.whileUp?.();
    return { work };
  } catch (error) {
    console.error(`docker compose logs:\n${stack.logs()}`);
    throw error;
  } finally {
    await timed('compose down', () => stack.down());
  }
}

/** ci-performance's load test for a few seconds, then its regression gate on the metrics written. */
function loadAndGate(work: string, images: Record<string, string>): void {
  for (const s of platform.services.filter((x) => x.performance)) {
    const digest = engine!.docker(['image', 'inspect', '--format', '{{.Id}}', images[s.name]!]).stdout.trim();
    const load = runWorkflowStep(workflowStep('ci-performance', `benchmark-${s.name}`, 'Load test'), {
      cwd: work,
      values: { RATE: '10', DURATION: '3', IMAGE_DIGEST: digest },
    });
    if (load.status !== 0) {
      throw new StackFailure(
        `${s.name}: the load test failed (exit ${load.status}): ${load.output.trim().split('\n').at(-1)}`,
      );
    }
    const gate = workflowStep('ci-performance', `regression-${s.name}`, 'Check for a regression');
    // First run: no history yet (passes with a warning) and becomes the history; then the same run
    // is compared with that history and must pass.
    for (const update of ['true', 'false']) {
      const r = runWorkflowStep(gate, { cwd: work, values: { UPDATE_HISTORY: update } });
      if (r.status !== 0) {
        throw new StackFailure(`${s.name}: the regression gate failed (exit ${r.status}): ${r.output.trim()}`);
      }
    }
  }
}

const okImages: Record<string, string> = {};

beforeAll(async () => {
  engine = await timed('daemon start', () => DockerEngine.start());
  const base = await timed('base image', () => ensureBaseImage(engine!));
  timings[`base image (${base})`] = timings['base image']!;
  delete timings['base image'];
  await timed('image builds', () => {
    for (const s of platform.services) okImages[s.name] = buildStandIn(s);
  });
}, 900_000);

afterAll(async () => {
  await timed('daemon stop', () => engine?.stop());
  const report = Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(v * 10) / 10]));
  mkdirSync(path.join(REPO_ROOT, 'test-reports'), { recursive: true });
  writeFileSync(path.join(REPO_ROOT, 'test-reports/e2e-timings.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log(
    `end-to-end wall time (s):\n${Object.entries(report)
      .map(([k, v]) => `  ${k.padEnd(28)} ${v}`)
      .join('\n')}`,
  );
}, 120_000);

describe('the generated stack on a real Docker Engine', () => {
  test('comes up healthy as the non-root user on a read-only root, then passes the smoke test, a load test and the regression gate', async () => {
    const containers: any[] = [];
    const { work } = await runSuite(okImages, {
      load: true,
      whileUp: () => {
        const ids = engine!
          .docker([
            'ps',
            '--quiet',
            '--filter',
            `label=com.docker.compose.project=${smokeStart.env.COMPOSE_PROJECT_NAME}`,
          ])
          .stdout.trim()
          .split('\n');
        for (const id of ids) {
          containers.push({
            ...JSON.parse(engine!.docker(['inspect', id]).stdout)[0],
            // Writing outside /tmp fails; /tmp (a tmpfs) is writable.
            writesRoot: engine!.docker(['exec', id, 'python3', '-c', 'open("/app/x", "w")']).stderr,
            writesTmp: engine!.docker(['exec', id, 'python3', '-c', 'open("/tmp/x", "w").write("ok")']).status,
          });
        }
      },
    });
    const metrics = JSON.parse(
      readFileSync(path.join(work, workflowStep('ci-performance', 'benchmark-tts', 'Load test').env.OUT!), 'utf8'),
    );
    expect(metrics.samples).toBeGreaterThanOrEqual(20); // 10/s for 3 s after the warm-up
    expect(metrics.errorRate).toBe(0);
    expect(containers).toHaveLength(platform.services.length);
    for (const c of containers) {
      expect(c.Config.User).toBe('10001:10001');
      expect(c.HostConfig.ReadonlyRootfs).toBe(true);
      expect(c.HostConfig.CapDrop).toEqual(['ALL']);
      expect(c.writesRoot).toMatch(/Read-only file system/);
      expect(c.writesTmp).toBe(0);
    }
  });

  test.each([
    ['unhealthy', /tts: unhealthy; the health check's last output: .*HTTP Error 503/],
    ['writes-root', /tts: exited with code 1; last log line: .*Read-only file system: '\/app\/voices\.cache'/],
    ['not-wav', /tts: the smoke test failed \(exit 1\): .*not a RIFF\/WAVE file/],
  ] as const)('fails, naming the service and the reason, when tts is built %s', async (fault, message) => {
    const images = {
      ...okImages,
      tts: await timed('image builds', () => buildStandIn(platform.service('tts'), fault)),
    };
    await expect(runSuite(images, { load: false })).rejects.toThrow(message);
  });
});
