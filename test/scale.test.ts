import * as YAML from 'yaml';
import { buildPipelines } from '../workflows-gen';
import { PLATFORM } from '../workflows-gen/platform';
import { platformWithServices } from './fixtures/platforms';
import { actionlintFindings, stopActionlint } from './support/actionlint';
import { workflowParserErrors } from './support/workflow-parser';

describe("a growing platform meets GitHub's limits in synthesis, not on GitHub", () => {
  // Today's ceiling is 22 services: a ci-build-push.yml run passes 256 jobs at 23 (11 jobs a service: two
  // builds, a merge, the SLSA generator's three, a scan, four rollout stages; provenance signs and verifies
  // every image in one job each). Each environment's cd-deploy deploys a rollout group as one matrix.
  test('22 services fit; at 23 every rule but the limits passes, and the limits name the workflow and limit', () => {
    expect(buildPipelines({ definition: platformWithServices(22) }).check().findings).toEqual([]);
    const { files, findings } = buildPipelines({ definition: platformWithServices(23) }).check();
    expect(files.filter((f) => f.filePath.startsWith('charts/') && f.filePath.endsWith('/Chart.yaml'))).toHaveLength(
      23,
    );
    expect(findings.map((f) => `${f.code} ${f.location}`)).toEqual(['pipelines:github-limits ci-build-push']);
    // ci-build-push's own jobs and those of the workflows it calls (provenance, scans, deploy) count toward one run.
    expect(findings[0]!.message).toMatch(
      /^\.github\/workflows\/ci-build-push\.yml: jobs in one run: \d+ jobs, over GitHub's limit of 256 jobs/,
    );
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
