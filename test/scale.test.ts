import { buildPipelines } from '../workflows-gen';
import { PLATFORM } from '../workflows-gen/platform';
import { platformWithServices } from './fixtures/platforms';

describe("a growing platform meets GitHub's limits in synthesis, not on GitHub", () => {
  // Today's ceiling is 13 services: cd-deploy.yml passes 500 KB at 14, a ci-build-push.yml run 256 jobs at 16.
  test('16 services: every rule but the limits passes; the limits name each workflow and limit it passes', () => {
    const { files, findings } = buildPipelines({ definition: platformWithServices(16) }).check();
    expect(files.filter((f) => f.filePath.startsWith('charts/') && f.filePath.endsWith('/Chart.yaml'))).toHaveLength(
      16,
    );
    expect(findings.map((f) => `${f.code} ${f.location}`)).toEqual([
      'pipelines:github-limits cd-deploy',
      'pipelines:github-limits ci-build-push',
    ]);
    expect(findings[0]!.message).toMatch(
      /^\.github\/workflows\/cd-deploy\.yml: file size: \d+ bytes, over GitHub's limit of 500000 bytes \(a larger workflow file starts no runs\)/,
    );
    // ci-build-push's own jobs and those of the workflows it calls (provenance, scans, deploy) count toward one run.
    expect(findings[1]!.message).toMatch(
      /^\.github\/workflows\/ci-build-push\.yml: jobs in one run: \d+ jobs, over GitHub's limit of 256 jobs/,
    );
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
