import * as YAML from 'yaml';
import { CODE_SIGNING_OFF, Platform, topLevelConjuncts, type PlatformDefinition } from '../src';
import { buildPipelines } from '../workflows-gen';
import { PLATFORM } from '../workflows-gen/platform';
import { generatedPaths, synthProject } from './support/project';

const files = synthProject();
const workflows = generatedPaths(files).filter((f) => f.startsWith('.github/workflows/'));
const parse = (file: string) => YAML.parse(files[file]!) as { jobs: Record<string, any> };
const platform = Platform.fromDefinition(PLATFORM);

/** Whether a job can run when only the given change-detection filters are true. */
function canRun(job: any, changed: readonly string[]): boolean {
  return topLevelConjuncts(job.if ?? '').every((c) => {
    const m = /^needs\.changes\.outputs\.([\w-]+) == 'true'$/.exec(c);
    return m ? changed.includes(m[1]!) : true;
  });
}

describe('app pipelines', () => {
  test('no macOS job can run for a change outside the app; the nightly one runs on no change at all', () => {
    const macJobs: string[] = [];
    for (const file of workflows) {
      const data = YAML.parse(files[file]!) as { on: Record<string, unknown>; jobs: Record<string, any> };
      const push = data.on.push as { branches?: unknown; tags?: string[] } | undefined;
      // The release builds for the app's tags only; every other trigger on pushes and PRs waits for the app filter.
      const releaseOnly = push !== undefined && push.branches === undefined && !('pull_request' in data.on);
      if (releaseOnly && file.endsWith('/ci-release.yml')) {
        // The services' release: the service tags only, and no macOS job at all.
        expect(push!.tags).toEqual([PLATFORM.releaseTags ?? 'v*.*.*']);
        expect(Object.values(data.jobs).filter((j) => String(j['runs-on']).startsWith('macos'))).toEqual([]);
        continue;
      }
      if (releaseOnly) {
        expect([file, push!.tags]).toEqual([file, [PLATFORM.app.release!.tags]]);
        for (const [id, job] of Object.entries(data.jobs)) {
          if (String(job['runs-on']).startsWith('macos')) macJobs.push(`${file}#${id}`);
        }
        continue;
      }
      const onChange = 'pull_request' in data.on || 'push' in data.on;
      for (const [id, job] of Object.entries(data.jobs)) {
        if (!String(job['runs-on']).startsWith('macos')) continue;
        macJobs.push(`${file}#${id}`);
        if (onChange) {
          // Every macOS job of a workflow that changes trigger waits for the app filter.
          expect([file, id, topLevelConjuncts(job.if ?? '')]).toEqual([
            file,
            id,
            expect.arrayContaining(["needs.changes.outputs.app == 'true'"]),
          ]);
          for (const service of platform.services) expect(canRun(job, [service.name])).toBe(false);
          expect(canRun(job, ['app'])).toBe(true);
        } else {
          expect([file, Object.keys(data.on).sort()]).toEqual([
            file,
            ['schedule', 'workflow_call', 'workflow_dispatch'],
          ]);
          // Its one caller is the app's release, for app tags only (no change trigger reaches it).
          const callers = Object.entries(files)
            .filter(([f, text]) => f.startsWith('.github/workflows/') && text!.includes(`uses: ./${file}`))
            .map(([f]) => f);
          expect(callers).toEqual(['.github/workflows/app-release.yml']);
        }
      }
    }
    expect(macJobs.sort()).toEqual([
      '.github/workflows/app-release.yml#build',
      '.github/workflows/ci-app-codeql.yml#analyze',
      '.github/workflows/ci-app-performance.yml#benchmark',
      '.github/workflows/ci-app.yml#test',
    ]);
  });

  test('every xcodebuild invocation has code signing off, except the release that signs with Developer ID', () => {
    let count = 0;
    for (const file of workflows.filter((f) => f !== '.github/workflows/app-release.yml')) {
      for (const job of Object.values(parse(file).jobs)) {
        for (const step of job.steps ?? []) {
          for (const invocation of String(step.run ?? '')
            .split(/(?=xcodebuild )/)
            .filter((part) => part.startsWith('xcodebuild ') && !part.startsWith('xcodebuild -version'))) {
            count++;
            const command = invocation.split(/\|/)[0]!;
            expect([file, step.name, command.includes(CODE_SIGNING_OFF)]).toEqual([file, step.name, true]);
          }
        }
      }
    }
    expect(count).toBeGreaterThanOrEqual(6); // ci-app: build, unit, routing loop; CodeQL build; performance: build, loop
  });

  test('the routing runs every model from the matrix the CLI prints from models.json, not a list in the workflow', () => {
    const app = parse('.github/workflows/ci-app.yml');
    const manifest = app.jobs.models.steps.find((s: any) => s.id === 'manifest');
    expect(manifest.env.MODELS_JSON).toBe(PLATFORM.app.modelsJson);
    expect(manifest.run).toContain('models-manifest --manifest "$MODELS_JSON" --matrix');
    const routing = app.jobs.test.steps.find((s: any) => s.name === 'Route every model of models.json');
    expect(routing.env.MODELS).toBe('${{ needs.models.outputs.matrix }}');
    expect(routing.run).toContain('jq -r \'.include[] | [.id, .provider, .version] | @tsv\' <<< "$MODELS"');
    expect(routing.run).toContain('TEST_RUNNER_MODEL_ID="$id"');
  });

  test('the performance tests run per model of the matrix and are gated per model on Linux; only a passing nightly run of main records', () => {
    const perf = parse('.github/workflows/ci-app-performance.yml');
    const loop = perf.jobs.benchmark.steps.find((s: any) => s.name === 'Transcription performance');
    expect(loop.env.MODELS).toBe('${{ needs.models.outputs.matrix }}');
    expect(loop.env.ONLY_TESTING).toBe(PLATFORM.app.testTargets.performance);
    expect(loop.run).toContain('TEST_RUNNER_METRICS_PATH="$PWD/perf/samples/$id.json"');
    expect(loop.run).toMatch(
      /&& \{ npx --no-install transcription-metrics --samples "perf\/samples\/\$id\.json" --manifest "\$MODELS_JSON" --references "\$REFERENCE_TRANSCRIPTS" --runner-class "\$RUNNER_CLASS"/,
    );
    // The corpus' reference transcripts the model names: every model's word error rate is measured against them.
    expect(loop.env.REFERENCE_TRANSCRIPTS).toBe(platform.app.referenceTranscripts);
    expect(loop.env.RUNNER_CLASS).toBe(PLATFORM.runners.macos);
    const gate = perf.jobs.regression;
    expect(gate['runs-on']).toBe(PLATFORM.runners.linux);
    expect(gate.steps.map((s: any) => s.run ?? '').join('\n')).toContain(
      'npx --no-install check-performance-regression --current "$current"',
    );
    const records = "(github.ref == 'refs/heads/main') && (github.event_name == 'schedule')";
    expect(perf.jobs.record).toMatchObject({ if: records, needs: ['regression'], permissions: { contents: 'write' } });
    // The job that can push runs git only: no npm, no package code.
    expect(perf.jobs.record.steps.map((s: any) => s.run ?? '').join('\n')).not.toMatch(/npm|npx|node /);
    expect(perf.jobs.regression.steps.at(-1)).toMatchObject({ if: records, with: { path: 'perf/updated' } });
  });

  test('the model cache key includes the hash of models.json', () => {
    const test = parse('.github/workflows/ci-app.yml').jobs.test;
    const keys = test.steps.filter((s: any) => String(s.with?.path) === '.cache/models').map((s: any) => s.with.key);
    expect(keys).toHaveLength(2); // restore and save
    for (const key of keys) expect(key).toBe(`\${{ format('models-{0}', hashFiles('${PLATFORM.app.modelsJson}')) }}`);
  });

  test('SwiftLint and the pin check run on Linux, SwiftLint in its own pinned image', () => {
    const app = parse('.github/workflows/ci-app.yml');
    expect(app.jobs.swiftlint.container.image).toBe(`ghcr.io/realm/swiftlint:${PLATFORM.app.swiftlint}`);
    expect(app.jobs.swiftlint['runs-on']).toBe(PLATFORM.runners.linux);
    expect(app.jobs['swift-pins']['runs-on']).toBe(PLATFORM.runners.linux);
    expect(app.jobs['swift-pins'].steps.at(-1).run).toContain('check-swift-pins');
  });

  test('the app model names its bad fields', () => {
    const def: PlatformDefinition = {
      ...PLATFORM,
      app: {
        ...PLATFORM.app,
        project: 'apps/X/Package.swift',
        xcode: 'latest',
        testTargets: { ...PLATFORM.app.testTargets, routing: 'has space' },
      },
    };
    expect(() => Platform.fromDefinition(def)).toThrow(
      /\[app\.project\] "apps\/X\/Package\.swift" must name a \.xcodeproj or \.xcworkspace[\s\S]*\[app\.xcode\][\s\S]*\[app\.testTargets\.routing\]/,
    );
  });
});

describe('Swift package updates', () => {
  const ecosystems = (packageManifest: 'xcodeproj' | 'swiftpm') => {
    const synthesized = Object.fromEntries(
      buildPipelines({ definition: { ...PLATFORM, app: { ...PLATFORM.app, packageManifest } } })
        .synth()
        .map((f) => [f.filePath, f.text]),
    );
    const config = YAML.parse(synthesized['.github/dependabot.yml']!) as {
      updates: { 'package-ecosystem': string; directories: string[] }[];
    };
    return { config, ciApp: synthesized['.github/workflows/ci-app.yml']! };
  };

  test('an Xcode project gets no Dependabot swift entry; CI reports newer releases instead', () => {
    const { config, ciApp } = ecosystems('xcodeproj');
    expect(config.updates.map((u) => u['package-ecosystem'])).not.toContain('swift');
    expect(ciApp).toContain('--report-newer');
  });

  test('a Package.swift app gets the swift entry for its folder, and CI leaves newer releases to Dependabot', () => {
    const { config, ciApp } = ecosystems('swiftpm');
    expect(config.updates.find((u) => u['package-ecosystem'] === 'swift')?.directories).toEqual([
      `/${PLATFORM.app.path}`,
    ]);
    expect(ciApp).not.toContain('--report-newer');
  });
});
