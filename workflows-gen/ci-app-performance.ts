import {
  addModelsMatrixJob,
  MODELS_CACHE_DIR,
  modelsCacheKey,
  perModelTestStep,
  SWIFTPM_CACHE_PREFIX,
  SWIFTPM_DIR,
  swiftpmCacheKey,
} from './app-jobs';
import { addHistoryRecordJob } from './performance-history';
import {
  cacheRestore,
  checkout,
  CHECK_PERFORMANCE_REGRESSION,
  cliStep,
  downloadArtifact,
  FETCH_MODELS,
  github,
  npmInstallSteps,
  READ_CONTENTS,
  runnerVariables,
  runStep,
  SecureWorkflow,
  selectXcode,
  status,
  TRANSCRIPTION_METRICS,
  uploadArtifact,
  xcodebuildStep,
  type Construct,
  type Platform,
} from '../src';

/** Timings the performance tests write, one samples file per model. */
const SAMPLES_DIR = 'perf/samples';
/** Metrics v1 per model, what the gate reads. */
const METRICS_DIR = 'perf/current';
const HISTORY_DIR = 'perf/history';
/** Histories the gate updated, laid out as on the history branch: what the record job commits. */
const UPDATED_DIR = 'perf/updated';

/**
 * `.github/workflows/ci-app-performance.yml`: nightly (and on demand) the app's performance tests
 * on macOS, once per model of models.json, each model's timings turned into metrics v1 and gated
 * against its history on the history branch, exactly as the services' load tests are. Only a
 * passing scheduled run of the default branch records.
 */
export function ciAppPerformanceWorkflow(scope: Construct, platform: Platform): SecureWorkflow {
  const app = platform.app;
  const workflow = new SecureWorkflow(scope, 'ci-app-performance', {
    name: 'Performance – app (nightly)',
    description:
      'Nightly (and on demand, and for every app tag before its beta) transcription latency, real-time factor, accuracy and memory of every model of models.json on macOS, gated against the median of the recent passing nightly runs of the default branch.',
    // workflow_call: app-release.yml runs it for a tag's build before the beta channel opens.
    triggers: { schedule: [platform.schedules.performance], workflowDispatch: {}, workflowCall: {} },
    concurrency: { group: `${github.workflow}-${github.ref}`, cancelInProgress: false },
  });
  const records = github.ref.eq(platform.defaultBranchRef).and(github.eventName.eq('schedule'));
  const notTag = github.refType.ne('tag');
  const runnerClass = platform.runners.macos;
  // No npm cache anywhere here: app-release.yml calls this workflow for tags.
  const models = addModelsMatrixJob(workflow, platform, {}, false);

  const benchmark = workflow.addJob('benchmark', {
    name: 'Performance tests per model (macOS)',
    runsOn: runnerClass,
    permissions: READ_CONTENTS,
    timeoutMinutes: 90,
    needs: [models],
    steps: [
      ...npmInstallSteps({ nodeVersion: platform.toolchain.node, cache: false }),
      selectXcode({ version: app.xcode }),
      // Restored only (ci-app saves both caches from the default branch), and never for a tag: an app
      // tag's gate builds from nothing a cache could have poisoned, and downloads the models.
      cacheRestore(
        { path: [SWIFTPM_DIR], key: swiftpmCacheKey(app), restoreKeys: [SWIFTPM_CACHE_PREFIX] },
        { name: 'Restore SwiftPM packages', if: notTag },
      ),
      cacheRestore(
        { path: [MODELS_CACHE_DIR], key: modelsCacheKey(app.modelsJson) },
        { name: 'Restore models', if: notTag },
      ),
      cliStep(FETCH_MODELS, {
        name: 'Fetch and verify the models',
        args: { manifest: app.modelsJson, cacheDir: MODELS_CACHE_DIR, summary: runnerVariables.stepSummary },
      }),
      xcodebuildStep({
        project: app.project,
        scheme: app.scheme,
        action: 'build-for-testing',
        name: 'Build for testing (signing off)',
      }),
      perModelTestStep({
        app,
        models: models.output('matrix'),
        onlyTesting: app.testTargets.performance,
        title: 'Transcription performance',
        resultBundlePrefix: 'performance',
        // The test target writes its timings (transcription samples v1) where METRICS_PATH says.
        testRunnerEnv: { METRICS_PATH: `"$PWD/${SAMPLES_DIR}/$id.json"` },
        afterPass: [
          `npx --no-install ${TRANSCRIPTION_METRICS.bin} ${TRANSCRIPTION_METRICS.flags.samples} "${SAMPLES_DIR}/$id.json" ${TRANSCRIPTION_METRICS.flags.manifest} "$MODELS_JSON"`,
          // With the corpus' reference transcripts, each model's word error rate is measured too.
          ...(app.referenceTranscripts ? [`${TRANSCRIPTION_METRICS.flags.references} "$REFERENCE_TRANSCRIPTS"`] : []),
          `${TRANSCRIPTION_METRICS.flags.runnerClass} "$RUNNER_CLASS" ${TRANSCRIPTION_METRICS.flags.commit} "$GITHUB_SHA" ${TRANSCRIPTION_METRICS.flags.out} "${METRICS_DIR}/$id.json"`,
        ].join(' '),
        env: {
          MODELS_DIR: MODELS_CACHE_DIR,
          MODELS_JSON: app.modelsJson,
          RUNNER_CLASS: runnerClass,
          ...(app.referenceTranscripts ? { REFERENCE_TRANSCRIPTS: app.referenceTranscripts } : {}),
        },
      }),
      uploadArtifact({ name: 'perf-app', path: [METRICS_DIR], ifNoFilesFound: 'error', retentionDays: 30 }),
      uploadArtifact(
        { name: 'perf-app-xcresult', path: ['build/*.xcresult'], retentionDays: 7 },
        { if: status.failure, name: 'Upload the result bundles' },
      ),
    ],
  });

  const flags = CHECK_PERFORMANCE_REGRESSION.flags;
  const regression = workflow.addJob('regression', {
    name: 'Regression gate per model',
    runsOn: platform.runners.linux,
    permissions: READ_CONTENTS,
    timeoutMinutes: 10,
    needs: [models, benchmark],
    steps: [
      ...npmInstallSteps({ nodeVersion: platform.toolchain.node, cache: false }),
      downloadArtifact({ name: 'perf-app', path: METRICS_DIR }),
      checkout(
        { ref: platform.performanceHistoryBranch, path: HISTORY_DIR, fetchDepth: 1 },
        { name: `Check out the history (${platform.performanceHistoryBranch})`, continueOnError: true },
      ),
      runStep({
        name: 'Check every model for a regression',
        shell: 'bash',
        env: { MODELS: models.output('matrix'), UPDATE_HISTORY: records },
        // One history per model and conditions (model version, audio measured, runner): a new
        // model version or corpus starts a new history instead of failing against the old one.
        run: [
          'status=0',
          'while read -r id; do',
          '  current="' + METRICS_DIR + '/$id.json"',
          `  history="$(jq -r '"\\(.scenario)/\\(.conditions.endpoint | sub("^transcribe [^@]+@"; ""))_audio-\\(.conditions.durationSeconds)s_warmup-\\(.conditions.warmupSeconds)s_\\(.conditions.runnerClass).json"' "$current")"`,
          '  args=()',
          `  if [ "$UPDATE_HISTORY" = "true" ]; then args+=(${flags.updateHistory}); fi`,
          `  if npx --no-install ${CHECK_PERFORMANCE_REGRESSION.bin} ${flags.current} "$current" ${flags.history} "${HISTORY_DIR}/$history" ${flags.summary} "$GITHUB_STEP_SUMMARY" "\${args[@]}"; then`,
          '    if [ "$UPDATE_HISTORY" = "true" ]; then',
          `      mkdir -p "${UPDATED_DIR}/$(dirname "$history")"`,
          `      cp "${HISTORY_DIR}/$history" "${UPDATED_DIR}/$history"`,
          '    fi',
          '  else',
          '    status=1',
          '  fi',
          'done < <(jq -r \'.include[].id\' <<< "$MODELS")',
          'exit "$status"',
        ].join('\n'),
      }),
      uploadArtifact(
        { name: 'perf-history-app', path: [UPDATED_DIR], ifNoFilesFound: 'error', retentionDays: 7 },
        { name: 'Upload the updated histories', if: records },
      ),
    ],
  });

  addHistoryRecordJob(workflow, {
    id: 'record',
    name: 'Record the runs in the history',
    runsOn: platform.runners.linux,
    needs: [regression],
    if: records,
    branch: platform.performanceHistoryBranch,
    artifact: 'perf-history-app',
    what: 'the app (every model)',
  });
  return workflow;
}
