import {
  addModelsMatrixJob,
  MODELS_CACHE_DIR,
  modelsCacheKey,
  perModelTestStep,
  SWIFTPM_CACHE_PREFIX,
  SWIFTPM_DIR,
  swiftpmCacheKey,
} from './app-jobs';
import {
  addChangeDetectionJob,
  addResultsGateJob,
  cacheRestore,
  cacheSave,
  checkout,
  CHECK_SWIFT_PINS,
  cliStep,
  COVERAGE_REPORT,
  Expression,
  FETCH_MODELS,
  github,
  npmInstallSteps,
  READ_CONTENTS,
  runnerVariables,
  runStep,
  stepOutput,
  SecureWorkflow,
  selectXcode,
  status,
  testSummaryStep,
  uploadArtifact,
  xcodebuildStep,
  type Construct,
  type JobStep,
  type Platform,
  type WorkflowJob,
} from '../src';

/**
 * `.github/workflows/ci-app.yml`: the macOS app. Checks that need no Mac (the WhisperKit pin, the
 * models manifest, SwiftLint) run on Linux; the macOS jobs (about 10× the price of Linux) run only
 * when the app's files changed. One `result` job is the required check.
 */
export function ciAppWorkflow(scope: Construct, platform: Platform): SecureWorkflow {
  const app = platform.app;
  const workflow = new SecureWorkflow(scope, 'ci-app', {
    name: 'CI – app',
    description:
      'The macOS app: WhisperKit pin, models manifest and SwiftLint on Linux; tests (signing off) and model routing for every model of models.json on macOS, only when the app changed.',
    triggers: { push: { branches: [platform.defaultBranch] }, pullRequest: {} },
  });
  const changes = addChangeDetectionJob(workflow, {
    runsOn: platform.runners.linux,
    filters: { app: [app.path, workflow.filePath] },
  });
  const appChanged = changes.changed('app');
  const linux = { runsOn: platform.runners.linux, permissions: READ_CONTENTS, needs: [changes.job], if: appChanged };

  const pins = workflow.addJob('swift-pins', {
    ...linux,
    name: 'Swift package pins',
    timeoutMinutes: 10,
    steps: [
      ...npmInstallSteps({ nodeVersion: platform.toolchain.node }),
      // Where Dependabot may not see the pins (an Xcode project), newer releases are warnings here.
      cliStep(CHECK_SWIFT_PINS, {
        name: `Pinned to releases: ${app.pinnedPackages.join(', ')}`,
        args: {
          resolved: app.packageResolved,
          require: [...app.pinnedPackages],
          reportNewer: platform.swiftPinsNeedReleaseCheck,
        },
      }),
    ],
  });

  const models = addModelsMatrixJob(workflow, platform, { needs: [changes.job], if: appChanged });

  const lint = workflow.addJob('swiftlint', {
    ...linux,
    name: 'SwiftLint',
    timeoutMinutes: 10,
    // SwiftLint's own Linux image (with SourceKit): the Mac is not needed to lint.
    container: { image: `ghcr.io/realm/swiftlint:${app.swiftlint}` },
    steps: [
      checkout(),
      runStep({
        name: `swiftlint ${app.swiftlint} --strict`,
        workingDirectory: app.path,
        run: 'swiftlint lint --strict --reporter github-actions-logging',
      }),
    ],
  });

  const onDefaultBranch = github.ref.eq(platform.defaultBranchRef);
  const swiftpmKey = swiftpmCacheKey(app);
  const resultBundle = 'build/unit.xcresult';
  const junit = 'build/reports/unit.xml';
  const xcode = { project: app.project, scheme: app.scheme };
  const swiftpmRestore = cacheRestore(
    { path: [SWIFTPM_DIR], key: swiftpmKey, restoreKeys: [SWIFTPM_CACHE_PREFIX] },
    { name: 'Restore SwiftPM packages', id: 'swiftpm-cache', outputs: ['cache-hit'] },
  );
  const modelsRestore = cacheRestore(
    { path: [MODELS_CACHE_DIR], key: modelsCacheKey(app.modelsJson) },
    { name: 'Restore models', id: 'models-cache', outputs: ['cache-hit'] },
  );
  const test = workflow.addJob('test', {
    name: 'Test and route every model (macOS)',
    runsOn: platform.runners.macos,
    permissions: READ_CONTENTS,
    timeoutMinutes: 60,
    needs: [changes.job, models],
    if: appChanged,
    steps: [
      ...npmInstallSteps({ nodeVersion: platform.toolchain.node }),
      selectXcode({ version: app.xcode }),
      swiftpmRestore,
      modelsRestore,
      cliStep(FETCH_MODELS, {
        name: 'Fetch and verify the models',
        args: { manifest: app.modelsJson, cacheDir: MODELS_CACHE_DIR, summary: runnerVariables.stepSummary },
      }),
      // Only the default branch saves: its entry is what pull requests restore, and a pull
      // request's own entry would only be reusable by that pull request.
      cacheSave(
        { path: [MODELS_CACHE_DIR], key: modelsCacheKey(app.modelsJson) },
        {
          name: 'Save models',
          if: stepOutput(modelsRestore, 'cache-hit').ne('true').and(onDefaultBranch),
        },
      ),
      xcodebuildStep({
        ...xcode,
        action: 'build-for-testing',
        name: 'Build for testing (signing off, coverage instrumented)',
        codeCoverage: true,
      }),
      cacheSave(
        { path: [SWIFTPM_DIR], key: swiftpmKey },
        {
          name: 'Save SwiftPM packages',
          if: stepOutput(swiftpmRestore, 'cache-hit').ne('true').and(onDefaultBranch),
        },
      ),
      xcodebuildStep({
        ...xcode,
        action: 'test-without-building',
        name: 'Unit tests',
        onlyTesting: app.testTargets.unit,
        resultBundle,
        junitReport: junit,
        codeCoverage: true,
      }),
      testSummaryStep({ title: 'App unit tests', junitXml: junit }),
      coverageStep({
        name: 'Line coverage of the unit tests',
        title: 'unit tests',
        bundles: [resultBundle],
        report: 'build/coverage-unit.json',
        minLinePct: app.minLineCoveragePct,
      }),
      perModelTestStep({
        codeCoverage: true,
        app,
        models: models.output('matrix'),
        onlyTesting: app.testTargets.routing,
        title: 'Model routing',
        resultBundlePrefix: 'routing',
        name: 'Route every model of models.json',
        if: status.notCancelled,
        env: { MODELS_DIR: MODELS_CACHE_DIR },
      }),
      // Reported, not gated: which code the routing tests reach, every model's run merged.
      coverageStep({
        name: 'Line coverage of the routing tests',
        title: 'routing tests, every model',
        bundles: ['build/routing-*.xcresult'],
        report: 'build/coverage-routing.json',
        if: status.notCancelled,
      }),
      uploadArtifact(
        { name: 'xcresult', path: ['build/*.xcresult'], retentionDays: 7 },
        { if: status.failure, name: 'Upload the result bundles' },
      ),
    ],
  });

  const jobs: WorkflowJob[] = [changes.job, pins, models, lint, test];
  addResultsGateJob(workflow, { runsOn: platform.runners.linux, jobs, name: 'CI – app result' });
  return workflow;
}

/**
 * Line coverage of one or more result bundles: merged by Apple's xcresulttool when several,
 * reported by Apple's xccov as JSON, then summarised and held to the floor by `coverage-report`.
 */
function coverageStep(p: {
  name: string;
  title: string;
  bundles: string[];
  report: string;
  minLinePct?: number;
  if?: Expression;
}): JobStep {
  const merged = p.report.replace(/\.json$/, '.xcresult');
  return cliStep(COVERAGE_REPORT, {
    name: p.name,
    ...(p.if ? { if: p.if } : {}),
    env: { MERGED_BUNDLE: merged },
    before: [
      `bundles=(${p.bundles.join(' ')})`,
      'if [ "${#bundles[@]}" -gt 1 ]; then xcrun xcresulttool merge "${bundles[@]}" --output-path "$MERGED_BUNDLE"; else MERGED_BUNDLE="${bundles[0]}"; fi',
      // REPORT is the --report argument cliStep passes through env.
      'xcrun xccov view --report --json "$MERGED_BUNDLE" > "$REPORT"',
    ].join('\n'),
    args: { report: p.report, title: p.title, minLinePct: p.minLinePct, summary: runnerVariables.stepSummary },
  });
}
