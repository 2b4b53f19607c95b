import * as YAML from 'yaml';
import { IMAGES_PER_JOB } from '../src';
import { buildPipelines } from '../workflows-gen';
import { PLATFORM } from '../workflows-gen/platform';
import { platformWithServices } from './fixtures/platforms';
import { actionlintFindings, stopActionlint } from './support/actionlint';
import { workflowParserErrors } from './support/workflow-parser';

describe("a growing platform meets GitHub's limits in synthesis, not on GitHub", () => {
  // Today's ceiling is 63 services: a ci-release.yml run passes 256 jobs at 64. A release adds the SLSA
  // generator's three jobs per service (it takes one image per call); builds, manifest lists and scans take
  // images in groups (IMAGES_PER_JOB), signing and verifying are one job each for every image, and the
  // production rollout runs as a dispatched run of its own.
  describe('60 services, the goal, and the ceiling', () => {
    const at63 = buildPipelines({ definition: platformWithServices(63) }).check();

    test('63 services synthesize with no finding; the largest runs and files stay inside the limits', async () => {
      expect(at63.findings).toEqual([]);
      expect(
        at63.files.filter((f) => f.filePath.startsWith('charts/') && f.filePath.endsWith('/Chart.yaml')),
      ).toHaveLength(63);
      // GitHub's own parser takes the largest workflows as they are.
      for (const file of ['ci-release.yml', 'ci-build-push.yml', 'cd-deploy-production.yml']) {
        const text = at63.files.find((f) => f.filePath === `.github/workflows/${file}`)!.text;
        expect({ file, errors: await workflowParserErrors(file, text) }).toEqual({ file, errors: [] });
      }
    });

    test('at 64 every rule but the limits passes, and the limit names the release workflow', () => {
      const { findings } = buildPipelines({ definition: platformWithServices(64) }).check();
      expect(findings.map((f) => `${f.code} ${f.location}`)).toEqual(['pipelines:github-limits ci-release']);
      // ci-release's own jobs and those of the workflows it calls (signing, scans, smoke test) count toward one run.
      expect(findings[0]!.message).toMatch(
        /^\.github\/workflows\/ci-release\.yml: jobs in one run: 258 jobs, over GitHub's limit of 256 jobs/,
      );
    });
  });

  test('image jobs take the images in groups of IMAGES_PER_JOB, in the model order, each image with its own steps', () => {
    const { files } = buildPipelines({ definition: platformWithServices(9) }).check();
    const jobsOf = (file: string) =>
      YAML.parse(files.find((f) => f.filePath === `.github/workflows/${file}`)!.text).jobs as Record<string, any>;
    const buildPush = jobsOf('ci-build-push.yml');
    const names = platformWithServices(9).services.map((s) => s.name);
    const groups = (size: number) =>
      Array.from({ length: Math.ceil(names.length / size) }, (_, i) => names.slice(i * size, (i + 1) * size));
    const imagesOf = (job: any, idPrefix: string) =>
      job.steps.filter((s: any) => String(s.id).startsWith(idPrefix)).map((s: any) => s.id.slice(idPrefix.length));
    groups(IMAGES_PER_JOB.build).forEach((members, i) => {
      for (const arch of ['amd64', 'arm64']) {
        expect(imagesOf(buildPush[`build-${i + 1}-${arch}`], 'build-')).toEqual(members);
      }
    });
    const publish = groups(IMAGES_PER_JOB.publish);
    publish.forEach((members, i) => {
      const job = buildPush[`publish-${i + 1}`];
      expect(imagesOf(job, 'manifest-')).toEqual(members);
      // A publish job waits for the build jobs of its own images only.
      const buildGroups = new Set(members.map((m) => Math.floor(names.indexOf(m) / IMAGES_PER_JOB.build) + 1));
      expect(job.needs).toEqual([...buildGroups].flatMap((g) => ['amd64', 'arm64'].map((a) => `build-${g}-${a}`)));
    });
    expect(Object.keys(buildPush).filter((id) => id.startsWith('publish-'))).toHaveLength(publish.length);
    const scans = jobsOf('ci-security-images.yml');
    groups(IMAGES_PER_JOB.scan).forEach((members, i) => {
      expect(imagesOf(scans[`scan-${i + 1}`], 'image-')).toEqual(members);
    });
  });

  describe('cd-deploy-production.yml deploys the services of a dependency wave with the same steps as one matrix', () => {
    afterAll(stopActionlint);
    const { files } = buildPipelines({ definition: platformWithServices(6) }).check();
    const text = files.find((f) => f.filePath === '.github/workflows/cd-deploy-production.yml')!.text;
    const jobs = YAML.parse(text).jobs as Record<string, any>;

    test('one job per group and stage; a group waits for the groups of the services it calls', () => {
      // tts and the agent keep their own shapes; svc-01 and svc-03 call nothing, svc-02 and svc-04 call them.
      expect(Object.keys(jobs).filter((id) => id !== 'verify')).toEqual(
        ['tts', 'svc-01', 'agent', 'svc-02'].flatMap((s) =>
          ['canary-10', 'canary-50', 'promote'].map((stage) => `production-${s}-${stage}`),
        ),
      );
      expect(jobs['production-svc-02-canary-10'].needs).toEqual(['verify', 'production-svc-01-promote']);
      expect(jobs['production-svc-02-canary-50'].needs).toEqual([
        'production-svc-02-canary-10',
        'verify',
        'production-svc-01-promote',
      ]);
    });

    test("each entry carries the values that differ, the digest from verify's outputs; shared values stay literal", () => {
      const { strategy, name } = jobs['production-svc-01-canary-50'];
      expect(name).toBe('${{ matrix.service }} → production: canary 50 %');
      expect(strategy['fail-fast']).toBe(true);
      expect(strategy.matrix.include).toEqual([
        expect.objectContaining({
          service: 'svc-01',
          port: 9001,
          digest: '${{ needs.verify.outputs.svc-01-digest }}',
          'stable-release': 'svc-01',
          'canary-release': 'svc-01-canary',
        }),
        expect.objectContaining({ service: 'svc-03', port: 9003, digest: '${{ needs.verify.outputs.svc-03-digest }}' }),
      ]);
      expect(strategy.matrix.include[0]).not.toHaveProperty('health-path');
      // Each service's record goes from the first stage to the later ones under its own name.
      const download = jobs['production-svc-01-canary-50'].steps.find(
        (s: any) => s.name === 'Download the rollout record',
      );
      expect(download.with.name).toBe('rollout-record-production-${{ matrix.service }}');
    });

    test("GitHub's parser and actionlint accept it", async () => {
      expect(await workflowParserErrors('cd-deploy-production.yml', text)).toEqual([]);
      expect(await actionlintFindings('.github/workflows/cd-deploy-production.yml', text)).toEqual([]);
    });
  });

  test('the fixture grows the real platform: its own services first, unique names, ports and paths', () => {
    const own = PLATFORM.services.map((s) => s.name);
    const services = platformWithServices(own.length + 3).services;
    expect(services.map((s) => s.name)).toEqual([...own, 'svc-01', 'svc-02', 'svc-03']);
    expect(new Set(services.map((s) => s.port)).size).toBe(own.length + 3);
    expect(services.find((s) => s.name === 'svc-02')!.calls).toEqual(['svc-01']);
    expect(() => platformWithServices(own.length - 1)).toThrow(
      `count must be an integer ≥ ${own.length}, got ${own.length - 1}`,
    );
  });
});
