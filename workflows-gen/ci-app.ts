import {
  addChangeDetectionJob, addResultsGateJob, cacheRestore, cacheSave, checkout, CHECK_SWIFT_PINS, cliStep, Expression, FETCH_MODELS, github, MODELS_MANIFEST,
  npmInstallSteps, READ_CONTENTS, runnerVariables, runStep, SecureWorkflow, selectXcode, status, stepOutput, testSummaryStep, uploadArtifact, xcodebuildStep,
  CODE_SIGNING_OFF, type Construct, type Platform, type WorkflowJob,
} from '../src';

/** SwiftPM's checkouts under the derived data xcodebuild is given. */
const SWIFTPM_DIR = 'build/DerivedData/SourcePackages';

/** Where fetched models are kept on the macOS runner (restored and saved as one Actions cache entry). */
export const MODELS_CACHE_DIR = '.cache/models';

/** The Actions cache key of the models: a new models.json (new versions) is a new entry. */
export function modelsCacheKey(modelsJson: string): Expression {
  return Expression.raw(`format('models-{0}', hashFiles('${modelsJson}'))`);
}

/**
 * `.github/workflows/ci-app.yml`: the macOS app. Checks that need no Mac (the WhisperKit pin, the
 * models manifest, SwiftLint) run on Linux; the macOS jobs (about 10× the price of Linux) run only
 * when the app's files changed. One `result` job is the required check.
 */
export function ciAppWorkflow(scope: Construct, platform: Platform): SecureWorkflow {
  const app = platform.app;
  const workflow = new SecureWorkflow(scope, 'ci-app', {
    name: 'CI – app',
    description: 'The macOS app: WhisperKit pin, models manifest and SwiftLint on Linux; tests (signing off) and model routing for every model of models.json on macOS, only when the app changed.',
    triggers: { push: { branches: [platform.defaultBranch] }, pullRequest: {} },
  });
  const changes = addChangeDetectionJob(workflow, { runsOn: platform.runners.linux, filters: { app: [app.path, workflow.filePath] } });
  const appChanged = changes.changed('app');
  const linux = { runsOn: platform.runners.linux, permissions: READ_CONTENTS, needs: [changes.job], if: appChanged };

  const pins = workflow.addJob('swift-pins', {
    ...linux,
    name: 'Swift package pins',
    timeoutMinutes: 10,
    steps: [
      ...npmInstallSteps({ nodeVersion: platform.toolchain.node }),
      cliStep(CHECK_SWIFT_PINS, { name: `Pinned to releases: ${app.pinnedPackages.join(', ')}`, args: { resolved: app.packageResolved, require: [...app.pinnedPackages] } }),
    ],
  });

  const matrix = runStep({
    name: 'Validate models.json and print the matrix',
    id: 'manifest',
    outputs: ['matrix'],
    env: { MODELS_JSON: app.modelsJson },
    // One run validates and prints; an invalid manifest fails the step (exit 2) before anything is written.
    run: [
      `matrix="$(npx --no-install ${MODELS_MANIFEST.bin} ${MODELS_MANIFEST.flags.manifest} "$MODELS_JSON" ${MODELS_MANIFEST.flags.matrix})"`,
      'echo "matrix=$matrix" >> "$GITHUB_OUTPUT"',
      'jq -r \'.include[] | "\\(.id) (\\(.provider) \\(.version))"\' <<< "$matrix"',
    ].join('\n'),
  });
  const models = workflow.addJob('models', {
    ...linux,
    name: 'Models manifest',
    timeoutMinutes: 10,
    steps: [...npmInstallSteps({ nodeVersion: platform.toolchain.node }), matrix],
  });
  models.addOutput('matrix', stepOutput(matrix, 'matrix'));

  const lint = workflow.addJob('swiftlint', {
    ...linux,
    name: 'SwiftLint',
    timeoutMinutes: 10,
    // SwiftLint's own Linux image (with SourceKit): the Mac is not needed to lint.
    container: { image: `ghcr.io/realm/swiftlint:${app.swiftlint}` },
    steps: [
      checkout(),
      runStep({ name: `swiftlint ${app.swiftlint} --strict`, workingDirectory: app.path, run: 'swiftlint lint --strict --reporter github-actions-logging' }),
    ],
  });

  const onDefaultBranch = github.ref.eq(`refs/heads/${platform.defaultBranch}`);
  const swiftpmKey = Expression.raw(`format('swiftpm-{0}-{1}', runner.os, hashFiles('${app.packageResolved}'))`);
  const resultBundle = 'build/unit.xcresult';
  const junit = 'build/reports/unit.xml';
  const xcode = { project: app.project, scheme: app.scheme };
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
      cacheRestore({ path: [SWIFTPM_DIR], key: swiftpmKey, restoreKeys: ['swiftpm-'] }, { name: 'Restore SwiftPM packages', id: 'swiftpm-cache', outputs: ['cache-hit'] }),
      cacheRestore({ path: [MODELS_CACHE_DIR], key: modelsCacheKey(app.modelsJson) }, { name: 'Restore models', id: 'models-cache', outputs: ['cache-hit'] }),
      cliStep(FETCH_MODELS, {
        name: 'Fetch and verify the models',
        args: { manifest: app.modelsJson, cacheDir: MODELS_CACHE_DIR, summary: runnerVariables.stepSummary },
      }),
      // Only the default branch saves: its entry is what pull requests restore, and a pull
      // request's own entry would only be reusable by that pull request.
      cacheSave({ path: [MODELS_CACHE_DIR], key: modelsCacheKey(app.modelsJson) }, {
        name: 'Save models',
        if: Expression.raw("steps.models-cache.outputs.cache-hit != 'true'").and(onDefaultBranch),
      }),
      xcodebuildStep({ ...xcode, action: 'build-for-testing', name: 'Build for testing (signing off)' }),
      cacheSave({ path: [SWIFTPM_DIR], key: swiftpmKey }, {
        name: 'Save SwiftPM packages',
        if: Expression.raw("steps.swiftpm-cache.outputs.cache-hit != 'true'").and(onDefaultBranch),
      }),
      xcodebuildStep({ ...xcode, action: 'test-without-building', name: 'Unit tests', onlyTesting: app.testTargets.unit, resultBundle, junitReport: junit }),
      testSummaryStep({ title: 'App unit tests', junitXml: junit }),
      runStep({
        name: 'Route every model of models.json',
        if: status.notCancelled,
        env: {
          MODELS: models.output('matrix'),
          MODELS_DIR: MODELS_CACHE_DIR,
          XCODE_PROJECT: app.project,
          XCODE_SCHEME: app.scheme,
          ROUTING_TESTS: app.testTargets.routing,
        },
        // One job loops over the models: a matrix would pay a macOS runner's start and a full
        // build per model; here the build is shared and each model costs one test run.
        run: [
          'status=0',
          '{ echo "### Model routing"; echo; echo "| model | provider | result |"; echo "| --- | --- | --- |"; } >> "$GITHUB_STEP_SUMMARY"',
          'while IFS=$\'\\t\' read -r id provider; do',
          '  if TEST_RUNNER_MODEL_ID="$id" TEST_RUNNER_MODELS_DIR="$PWD/$MODELS_DIR" xcodebuild test-without-building -project "$XCODE_PROJECT" -scheme "$XCODE_SCHEME" \\',
          `      -destination platform=macOS -derivedDataPath build/DerivedData -only-testing:"$ROUTING_TESTS" -resultBundlePath "build/routing-$id.xcresult" ${CODE_SIGNING_OFF} \\`,
          '      | xcbeautify --renderer github-actions; then',
          '    echo "| $id | $provider | passed |" >> "$GITHUB_STEP_SUMMARY"',
          '  else',
          '    echo "| $id | $provider | **failed** |" >> "$GITHUB_STEP_SUMMARY"',
          '    status=1',
          '  fi',
          'done < <(jq -r \'.include[] | [.id, .provider] | @tsv\' <<< "$MODELS")',
          'exit "$status"',
        ].join('\n'),
        shell: 'bash',
      }),
      uploadArtifact({ name: 'xcresult', path: ['build/*.xcresult'], retentionDays: 7 }, { if: status.failure, name: 'Upload the result bundles' }),
    ],
  });

  const jobs: WorkflowJob[] = [changes.job, pins, models, lint, test];
  addResultsGateJob(workflow, { runsOn: platform.runners.linux, jobs, name: 'CI – app result' });
  return workflow;
}
