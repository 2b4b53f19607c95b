import * as path from 'node:path';
import * as YAML from 'yaml';
import {
  ActionPins,
  ComposeFile,
  defaultRules,
  PipelineApp,
  Platform,
  READ_CONTENTS,
  registryLogin,
  runStep,
  SecureWorkflow,
  topLevelConjuncts,
  type PlatformDefinition,
} from '../src';
import { PLATFORM } from '../workflows-gen/platform';
import { TEST_PLATFORM } from './fixtures/platforms';
import { schemaErrors } from './support/json-schema';
import { generatedPaths, synthProject } from './support/project';

const files = synthProject();
const workflow = (name: string) =>
  YAML.parse(files[`.github/workflows/${name}.yml`]!) as { on: Record<string, any>; jobs: Record<string, any> };
const buildPush = workflow('ci-build-push');
const release = workflow('ci-release');
const platform = Platform.fromDefinition(PLATFORM);

/** The facts of an event, for the conditions the generated jobs use. */
interface EventFacts {
  readonly event: 'push' | 'pull_request';
  readonly refType: 'branch' | 'tag';
  /** Services whose files changed (pull requests). */
  readonly changed?: readonly string[];
}

/** Decides one top-level conjunct of a job's `if:`; anything unexpected fails the test. */
function conjunctHolds(conjunct: string, facts: EventFacts): boolean {
  let m: RegExpExecArray | null;
  if ((m = /^github\.event_name (==|!=) '(\w+)'$/.exec(conjunct))) return (facts.event === m[2]) === (m[1] === '==');
  if ((m = /^github\.ref_type (==|!=) '(\w+)'$/.exec(conjunct))) return (facts.refType === m[2]) === (m[1] === '==');
  if ((m = /^needs\.changes\.outputs\.([\w-]+) == 'true'$/.exec(conjunct))) {
    return (facts.changed ?? []).includes(m[1]!);
  }
  // Branch pushes of this workflow are pushes to the default branch (its only branch trigger).
  if ((m = /^github\.ref == 'refs\/heads\/main'$/.exec(conjunct))) {
    return facts.event === 'push' && facts.refType === 'branch';
  }
  // Its tag trigger is the release tags (v*.*.*): every tag it runs for starts with refs/tags/v.
  if (conjunct === "startsWith(github.ref, 'refs/tags/v')") return facts.refType === 'tag';
  if (conjunct === 'always()') return true;
  throw new Error(`no rule for the condition "${conjunct}"`);
}

/** The jobs that run for an event, following `needs` (a job whose needs were skipped is skipped unless it uses always()). */
function jobsThatRun(jobs: Record<string, any>, facts: EventFacts): Set<string> {
  const runs = new Set<string>();
  const decided = new Map<string, boolean>();
  const decide = (id: string): boolean => {
    if (decided.has(id)) return decided.get(id)!;
    const job = jobs[id];
    const needs: string[] = job.needs ?? [];
    const needsOk = needs.map(decide).every(Boolean);
    const conjuncts = topLevelConjuncts(job.if ?? '');
    const runsAlways = conjuncts.includes('always()');
    const result = (needsOk || runsAlways) && conjuncts.every((c) => conjunctHolds(c, facts));
    decided.set(id, result);
    if (result) runs.add(id);
    return result;
  };
  Object.keys(jobs).forEach(decide);
  return runs;
}

describe('ci-build-push and ci-release job graphs', () => {
  test('a release tag runs ci-release: build → publish → {smoke test, image scan, signatures, SLSA} → verify → release and deploy', () => {
    // Each workflow holds one event's jobs: tags start ci-release.yml only, the default branch ci-build-push.yml only.
    expect(release.on).toEqual({ push: { tags: ['v*.*.*'] } });
    expect(buildPush.on).toEqual({ push: { branches: ['main'] } });
    const runs = jobsThatRun(release.jobs, { event: 'push', refType: 'tag' });
    // Two services: one build job per platform and one publish job hold both images; signing is one call,
    // the SLSA generator one call per image.
    expect([...runs].sort()).toEqual(
      [
        'build-1-amd64',
        'build-1-arm64',
        'publish-1',
        'build-metadata',
        'deploy-production',
        'github-release',
        'provenance',
        'scan-images',
        'smoke-test',
        ...platform.services.map((s) => `slsa-${s.name}`),
        'verify',
      ].sort(),
    );
    for (const service of platform.services) {
      for (const target of service.build.targets) {
        const build = release.jobs[`build-1-${target.arch}`];
        expect(build['runs-on']).toBe(target.runner);
        expect(build.needs).toEqual(['build-metadata']);
        // The image's own build step and its digest output, in the group's job.
        const step = build.steps.find((s: any) => s.id === `build-${service.name}`);
        expect(step.with.platforms).toBe(target.platform);
        expect(build.outputs[`${service.name}-digest`]).toBe(`\${{ steps.build-${service.name}.outputs.digest }}`);
      }
      expect(release.jobs[`slsa-${service.name}`].with.digest).toBe(
        `\${{ needs.publish-1.outputs.${service.name}-digest }}`,
      );
    }
    expect(release.jobs['publish-1'].needs).toEqual(['build-1-amd64', 'build-1-arm64']);
    const published = ['publish-1'];
    expect(release.jobs.provenance.needs).toEqual(published);
    // Every image's digest reaches the one signing call.
    expect(Object.keys(release.jobs.provenance.with).sort()).toEqual(
      [...platform.services.map((s) => `${s.name}_digest`), 'build_metadata_artifact'].sort(),
    );
    expect(release.jobs['smoke-test'].needs).toEqual(published);
    expect(release.jobs['scan-images'].needs).toEqual(published);
    expect(release.jobs.verify.needs).toEqual([
      ...published,
      ...platform.services.map((s) => `slsa-${s.name}`),
      'provenance',
    ]);
    // The release and the deploy wait for every gate and the verification.
    for (const id of ['github-release', 'deploy-production']) {
      expect([...release.jobs[id].needs].sort()).toEqual(
        [...published, 'smoke-test', 'scan-images', 'provenance', 'verify'].sort(),
      );
    }
    expect(platform.runners.linuxArm).toBe('ubuntu-24.04-arm');
  });

  test('the production deploy is dispatched at the tag with every verified digest, with the actions scope alone', () => {
    const job = release.jobs['deploy-production'];
    expect(job.permissions).toEqual({ actions: 'write' });
    const [step] = job.steps;
    expect(step.env.WORKFLOW).toBe('cd-deploy-production.yml');
    expect(step.env.SERVICE_DIGESTS).toBe(
      platform.services.map((s) => `${s.name}=\${{ needs.publish-1.outputs.${s.name}-digest }}`).join(' '),
    );
    expect(step.run).toContain('gh workflow run "$WORKFLOW" --ref "$GITHUB_REF_NAME" -f digests="$digests"');
    // The dispatched workflow takes exactly that input, and queues by its environment's group.
    const deploy = workflow('cd-deploy-production');
    expect(Object.keys(deploy.on)).toEqual(['workflow_dispatch']);
    expect(Object.keys(deploy.on.workflow_dispatch.inputs)).toEqual(['digests']);
    expect((deploy as any).concurrency).toEqual({ group: 'deploy-production', 'cancel-in-progress': false });
  });

  test('a push to the default branch publishes, smoke-tests, scans and signs, then deploys to staging only', () => {
    const runs = jobsThatRun(buildPush.jobs, { event: 'push', refType: 'branch' });
    expect(runs.has('smoke-test') && runs.has('scan-images') && runs.has('publish-1') && runs.has('provenance')).toBe(
      true,
    );
    expect([...runs].filter((j) => j.startsWith('deploy-') || j.startsWith('pr-build-'))).toEqual(['deploy-staging']);
    // The deploy waits for every gate: every manifest list, the smoke test, the scan and every signature.
    expect([...buildPush.jobs['deploy-staging'].needs].sort()).toEqual(
      ['publish-1', 'provenance', 'scan-images', 'smoke-test'].sort(),
    );
  });

  test('a pull request touching only services/tts builds tts on both platforms in ci-build.yml, pushes nothing, holds no write scope', () => {
    const pullRequest = workflow('ci-build');
    const runs = jobsThatRun(pullRequest.jobs, { event: 'pull_request', refType: 'branch', changed: ['tts'] });
    expect([...runs].sort()).toEqual(['changes', 'pr-build-tts-amd64', 'pr-build-tts-arm64', 'result']);
    for (const id of Object.keys(pullRequest.jobs)) {
      const perms = Object.values(pullRequest.jobs[id].permissions ?? {});
      expect(perms).not.toContain('write');
      expect(JSON.stringify(pullRequest.jobs[id])).not.toMatch(/push=true|docker\/login-action/);
    }
    // Each workflow holds only its own event's jobs: ci-build-push runs for pushes and tags alone.
    expect(Object.keys(pullRequest.on)).toEqual(['pull_request']);
    expect(Object.keys(buildPush.on)).toEqual(['push']);
    expect(Object.keys(buildPush.jobs).filter((id) => id.startsWith('pr-build-') || id === 'changes')).toEqual([]);
  });
});

describe('delivery guarantees', () => {
  const workflows = generatedPaths(files).filter((f) => f.startsWith('.github/workflows/'));
  const deliveryFiles = ['ci-build-push', 'ci-release', 'ci-smoke-test', 'ci-security-images', 'ci-provenance'];

  test('no workflow uses QEMU or binfmt emulation', () => {
    for (const file of workflows) expect(files[file]).not.toMatch(/setup-qemu-action|binfmt|qemu-user-static/);
  });

  test('on tag-triggered paths no step restores a cache unless it cannot run for a tag', () => {
    const cacheInputs = /^(cache|cache-from|cache-to|enable-cache)$/;
    for (const name of deliveryFiles) {
      for (const [id, job] of Object.entries(workflow(name).jobs)) {
        const jobNeverForTags = topLevelConjuncts(job.if ?? '').some(
          (c) => c === "github.event_name == 'pull_request'",
        );
        for (const step of job.steps ?? []) {
          const caching = Object.entries(step.with ?? {}).filter(
            ([k, v]) => cacheInputs.test(k) && String(v) !== 'false' && k !== 'package-manager-cache',
          );
          const stepNeverForTags = topLevelConjuncts(step.if ?? '').includes("github.ref_type != 'tag'");
          if (caching.length > 0 && !jobNeverForTags && !stepNeverForTags) {
            throw new Error(`${name}#${id} "${step.name}" caches on a tag path: ${JSON.stringify(caching)}`);
          }
          if (String(step.uses).startsWith('docker/setup-buildx-action')) expect(step.with['cache-binary']).toBe(false);
          if (String(step.uses).startsWith('actions/setup-node')) {
            expect(step.with['package-manager-cache']).toBe(false);
          }
        }
      }
    }
  });

  test('every image passed between jobs and workflows is a digest output, checked against sha256:<64 hex>', () => {
    for (const [id, job] of Object.entries(buildPush.jobs).filter(([, j]) => j.uses)) {
      for (const [input, value] of Object.entries(job.with ?? {})) {
        if (input === 'image') {
          expect(value).toMatch(/^ghcr\.io\/[\w-]+\/[\w-]+$/);
        } // a repository, no tag
        else if (input === 'environment') {
          expect(platform.deployments.map((d) => d.environment)).toContain(value);
        } else if (input === 'build_metadata_artifact') {
          expect(buildPush.jobs['build-metadata'].steps.map((s: any) => s.with?.name)).toContain(value);
        } else {
          expect([id, input, value]).toEqual([
            id,
            input,
            expect.stringMatching(/^\$\{\{ needs\.publish-\d+\.outputs\.[\w-]+-digest \}\}$/),
          ]);
        }
      }
    }
    for (const service of platform.services) {
      const publish = buildPush.jobs['publish-1'];
      expect(publish.outputs[`${service.name}-digest`]).toBe(`\${{ steps.manifest-${service.name}.outputs.digest }}`);
      const create = publish.steps.find((s: any) => s.id === `manifest-${service.name}`);
      expect(create.env.IMAGE).toBe(service.imageRepository);
      expect(create.env.DIGESTS).toBe(
        service.build.targets.map((t) => `\${{ needs.build-1-${t.arch}.outputs.${service.name}-digest }}`).join(' '),
      );
      expect(create.run).toContain('[[ "$digest" =~ ^sha256:[0-9a-f]{64}$ ]]');
      expect(create.run).toMatch(/echo "digest=\$digest" >> "\$GITHUB_OUTPUT"/);
    }
    // The smoke test starts the stack from references the resolve step checked.
    const smoke = workflow('ci-smoke-test').jobs.smoke;
    const resolve = smoke.steps.find((s: any) => s.id === 'images');
    expect(resolve.run).toContain('^sha256:[0-9a-f]{64}$');
    const up = smoke.steps.find((s: any) => String(s.run).includes('docker compose up'));
    for (const service of platform.services) {
      expect(up.env[ComposeFile.imageVariable(service)]).toBe(
        `\${{ steps.images.outputs.${ComposeFile.imageVariable(service)} }}`,
      );
    }
  });

  test('release-tag runs use no caches anywhere: the release builds have no cache inputs; the default branch writes them', () => {
    for (const service of platform.services) {
      for (const target of service.build.targets) {
        const job = `build-1-${target.arch}`;
        const tagBuild = release.jobs[job].steps.find((s: any) => s.id === `build-${service.name}`);
        expect(Object.keys(tagBuild.with).filter((k) => k.startsWith('cache'))).toEqual([]);
        const branchBuild = buildPush.jobs[job].steps.find((s: any) => s.id === `build-${service.name}`);
        expect(branchBuild.if).toBe("github.ref_type != 'tag'");
        expect(branchBuild.with['cache-to']).toBe(`type=gha,scope=${service.name}-${target.arch},mode=min`);
      }
    }
  });

  test('signing has id-token only where it signs or attests; the release verifies the exact reusable-workflow identity', () => {
    const provenance = workflow('ci-provenance');
    // One job attests and signs every image, for release tags and the default branch (what staging verifies).
    expect(Object.keys(provenance.jobs)).toEqual(['attest-and-sign']);
    const sign = provenance.jobs['attest-and-sign'];
    expect(sign.if).toBe("(startsWith(github.ref, 'refs/tags/v')) || (github.ref == 'refs/heads/main')");
    expect(sign.permissions['id-token']).toBe('write');
    for (const service of platform.services) {
      for (const name of ['Attest build provenance', 'Sign', 'Attest the build metadata']) {
        const step = sign.steps.find((s: any) => s.name.startsWith(name) && s.name.includes(service.name));
        expect({ name, image: step?.env?.IMAGE ?? step?.with?.['subject-name'] }).toEqual({
          name,
          image: service.imageRepository,
        });
      }
    }
    // The generator takes one subject: one call per image, in the release run, with id-token.
    const slsa = platform.services.map((s) => `slsa-${s.name}`);
    const withIdToken = Object.entries(release.jobs)
      .filter(([, j]) => j.permissions?.['id-token'] === 'write')
      .map(([id]) => id);
    expect(withIdToken.sort()).toEqual(['provenance', ...slsa].sort());
    for (const [i, id] of slsa.entries()) {
      expect(release.jobs[id].uses).toBe(
        'slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@v2.1.0',
      );
      expect(release.jobs[id].with.image).toBe(platform.services[i]!.imageRepository);
      expect(release.jobs[id].if).toBe("startsWith(github.ref, 'refs/tags/v')");
    }
    const verify = release.jobs.verify.steps.find((s: any) => s.name === 'Verify the cosign signature (every image)');
    expect(verify.env.SIGNER_IDENTITY).toBe(
      `\${{ format('{0}/{1}@{2}', 'https://github.com', '${PLATFORM.repository}/.github/workflows/ci-provenance.yml', github.ref) }}`,
    );
    expect(verify.env.OIDC_ISSUER).toBe('https://token.actions.githubusercontent.com');
  });
});

describe('deploy/compose.yaml', () => {
  const compose = YAML.parse(files['deploy/compose.yaml']!);

  test('passes the Compose specification schema', () => {
    expect(schemaErrors('compose-spec.json', compose)).toEqual([]);
  });

  test('the schema rejects an unknown service key and a port of the wrong type', () => {
    const broken = { services: { tts: { image: 'x:1', privileged_mode: true, ports: [{ target: 'eighty' }] } } };
    expect(schemaErrors('compose-spec.json', broken).join('\n')).toMatch(/additional properties[\s\S]*/);
  });

  test('runs on Compose v1 and v2 alike: no top-level name; every step names the project', () => {
    expect(Object.keys(YAML.parse(files['deploy/compose.yaml']!))).toEqual(['services']);
    for (const wf of ['ci-smoke-test', 'ci-performance']) {
      const steps = Object.values(YAML.parse(files[`.github/workflows/${wf}.yml`]!).jobs).flatMap(
        (j: any) => j.steps ?? [],
      );
      const composeSteps = steps.filter((st: any) => /docker compose/.test(st.run ?? ''));
      expect(composeSteps.length).toBeGreaterThan(0);
      for (const st of composeSteps) {
        expect(st.env).toMatchObject({ COMPOSE_FILE: 'deploy/compose.yaml', COMPOSE_PROJECT_NAME: 'voice-platform' });
      }
    }
  });

  test('matches the model: ports on loopback, health checks on the health path, settings, start order', () => {
    for (const service of platform.services) {
      const s = compose.services[service.name];
      expect(s.ports).toEqual([`127.0.0.1:${service.port}:${service.port}`]);
      expect(s.healthcheck.test.join(' ')).toContain(`http://127.0.0.1:${service.port}${service.healthPath}`);
      expect(s.healthcheck.test.slice(0, 2)).toEqual(['CMD', 'python3']); // no curl or wget in slim images; Debian's Python has no `python`
      expect(s.environment).toMatchObject(platform.settingsOf(service));
      expect(s.image).toBe(`\${${ComposeFile.imageVariable(service)}:-${service.imageRepository}:${PLATFORM.version}}`);
      expect(Object.keys(s.depends_on ?? {})).toEqual(service.calls);
    }
    expect(compose.services.agent.environment.TTS_URL).toBe('http://tts:8000');
  });

  test('runs like production: non-root, read-only root filesystem, no capabilities, no privilege escalation', () => {
    for (const s of Object.values<any>(compose.services)) {
      expect(s.user).toBe('10001:10001');
      expect(s.read_only).toBe(true);
      expect(s.tmpfs).toEqual(['/tmp']);
      expect(s.cap_drop).toEqual(['ALL']);
      expect(s.security_opt).toEqual(['no-new-privileges:true']);
      expect(s.privileged).toBeUndefined();
    }
  });

  test('an init process is PID 1: SIGTERM reaches the server, so a stop takes no 10 s grace period', () => {
    for (const s of Object.values<any>(compose.services)) expect(s.init).toBe(true);
  });
});

describe('reusable workflow calls', () => {
  const pins = ActionPins.fromFile(path.join(__dirname, '..', 'actions.lock.json'));
  function callable(app: PipelineApp) {
    const called = new SecureWorkflow(app, 'called', {
      name: 'Called',
      description: 'd',
      triggers: { workflowCall: { inputs: { digest: { description: 'd', type: 'string', required: true } } } },
    });
    called.addJob('push', {
      runsOn: 'ubuntu-24.04',
      permissions: { contents: 'read', packages: 'write' },
      steps: [registryLogin({ registry: 'ghcr.io' }), runStep({ name: 'x', run: 'true' })],
    });
    return called;
  }
  const app = () => new PipelineApp({ pins, rules: defaultRules({ pins, requiredEcosystems: [] }) });
  const caller = (a: PipelineApp) =>
    new SecureWorkflow(a, 'caller', { name: 'Caller', description: 'd', triggers: { push: { branches: ['main'] } } });

  test('default to exactly the permissions the called jobs use', () => {
    const a = app();
    caller(a).addCallJob('call', { workflow: callable(a), with: { digest: 'sha256:x' } });
    const data = YAML.parse(a.synth().find((f) => f.filePath.endsWith('caller.yml'))!.text);
    expect(data.jobs.call).toEqual({
      permissions: { contents: 'read', packages: 'write' },
      uses: './.github/workflows/called.yml',
      with: { digest: 'sha256:x' },
    });
  });

  test('fail synthesis on an unknown input, a missing required input and a grant GitHub would refuse', () => {
    const a = app();
    const called = callable(a);
    const wf = caller(a);
    wf.addCallJob('typo', { workflow: called, with: { digets: 'sha256:x' } });
    wf.addCallJob('short', { workflow: called, with: { digest: 'x' }, permissions: READ_CONTENTS });
    expect(() => a.synth()).toThrow(
      /caller\/typo[^\n]*with\.digets: \.github\/workflows\/called\.yml declares no input "digets"[\s\S]*with\.digest: required by[\s\S]*caller\/short[^\n]*permissions: grant less than the jobs of \.github\/workflows\/called\.yml use \(packages: write\)/,
    );
  });

  test('an external workflow is referenced through the lock and its inputs are checked', () => {
    const a = app();
    caller(a).addCallJob('slsa', {
      workflow: {
        workflow: 'slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml',
        inputs: ['image', 'digest'],
        permissions: { idToken: 'write' },
      },
      with: { image: 'x', digset: 'y' },
    });
    expect(() => a.synth()).toThrow(
      /with\.digset: slsa-framework\/slsa-github-generator\/\.github\/workflows\/generator_container_slsa3\.yml has no input "digset"/,
    );
  });
});

describe('delivery model', () => {
  const invalid = (build: object): string => {
    const def: PlatformDefinition = {
      ...TEST_PLATFORM,
      services: TEST_PLATFORM.services.map((s, i) => (i === 0 ? { ...s, build } : s)) as PlatformDefinition['services'],
    };
    try {
      Platform.fromDefinition(def);
      return '';
    } catch (e) {
      return (e as Error).message;
    }
  };

  test('defaults: context = path, its Dockerfile, amd64 and arm64 on their native runners', () => {
    expect(platform.service('tts').build).toEqual({
      context: 'services/tts',
      dockerfile: 'services/tts/Dockerfile',
      targets: [
        { platform: 'linux/amd64', arch: 'amd64', runner: 'ubuntu-24.04' },
        { platform: 'linux/arm64', arch: 'arm64', runner: 'ubuntu-24.04-arm' },
      ],
    });
    expect(platform.releaseTags).toBe('v*.*.*');
  });

  test('a platform without a native runner, a duplicate and an absolute path name their fields', () => {
    expect(invalid({ platforms: ['linux/s390x'] })).toMatch(
      /\[services\[0\]\.build\.platforms\[0\]\] "linux\/s390x" has no native runner; supported: linux\/amd64, linux\/arm64/,
    );
    expect(invalid({ platforms: ['linux/amd64', 'linux/amd64'] })).toMatch(
      /\[services\[0\]\.build\.platforms\[1\]\] duplicate platform/,
    );
    expect(invalid({ platforms: [] })).toMatch(/\[services\[0\]\.build\.platforms\] must name at least one platform/);
    expect(invalid({ dockerfile: '/etc/Dockerfile' })).toMatch(/\[services\[0\]\.build\.dockerfile\]/);
  });
});
