import {
  CACHE_FAMILIES,
  Expression,
  MODELS_MANIFEST,
  npmInstallSteps,
  READ_CONTENTS,
  runStep,
  stepOutput,
  XCBEAUTIFY,
  xcodebuildInvocation,
  type AppDefinition,
  type JobStep,
  type Platform,
  type SecureJob,
  type SecureJobProps,
  type SecureWorkflow,
  type StepOptions,
} from '../src';

/** SwiftPM's checkouts under the derived data xcodebuild is given. */
export const SWIFTPM_DIR = 'build/DerivedData/SourcePackages';

/** Where fetched models are kept on the macOS runner (restored and saved as one Actions cache entry). */
export const MODELS_CACHE_DIR = '.cache/models';

/** Prefix of the models' Actions cache keys; the cache-cleanup workflow matches on it. */
export const MODELS_CACHE_PREFIX = CACHE_FAMILIES.models.keyPrefixes[0];

/** Prefix of SwiftPM's Actions cache keys (also the restore key: any older Package.resolved's entry). */
export const SWIFTPM_CACHE_PREFIX = CACHE_FAMILIES.swiftpm.keyPrefixes[0];

/** The Actions cache key of the models: a new models.json (new versions) is a new entry. */
export function modelsCacheKey(modelsJson: string): Expression {
  return Expression.raw(`format('${MODELS_CACHE_PREFIX}{0}', hashFiles('${modelsJson}'))`);
}

/** The Actions cache key of SwiftPM's checkouts, by Package.resolved. */
export function swiftpmCacheKey(app: AppDefinition): Expression {
  return Expression.raw(`format('${SWIFTPM_CACHE_PREFIX}{0}-{1}', runner.os, hashFiles('${app.packageResolved}'))`);
}

/**
 * A Linux job that validates models.json and outputs its models as a matrix (`matrix`): the one
 * source of the model list every per-model step reads, never a hard-coded list. `npmCache` false for
 * a workflow that also runs for tags (no cache on a release path).
 */
export function addModelsMatrixJob(
  workflow: SecureWorkflow,
  platform: Platform,
  props: Partial<SecureJobProps> = {},
  npmCache = true,
): SecureJob {
  const step = runStep({
    name: 'Validate models.json and print the matrix',
    id: 'manifest',
    outputs: ['matrix'],
    env: { MODELS_JSON: platform.app.modelsJson },
    // One run validates and prints; an invalid manifest fails the step (exit 2) before anything is written.
    run: [
      `matrix="$(npx --no-install ${MODELS_MANIFEST.bin} ${MODELS_MANIFEST.flags.manifest} "$MODELS_JSON" ${MODELS_MANIFEST.flags.matrix})"`,
      'echo "matrix=$matrix" >> "$GITHUB_OUTPUT"',
      'jq -r \'.include[] | "\\(.id) (\\(.provider) \\(.version))"\' <<< "$matrix"',
    ].join('\n'),
  });
  const job = workflow.addJob('models', {
    name: 'Models manifest',
    runsOn: platform.runners.linux,
    permissions: READ_CONTENTS,
    timeoutMinutes: 10,
    ...props,
    steps: [...npmInstallSteps({ nodeVersion: platform.toolchain.node, cache: npmCache }), step],
  });
  job.addOutput('matrix', stepOutput(step, 'matrix'));
  return job;
}

/** Props of {@link perModelTestStep}. */
export interface PerModelTestStepProps extends Partial<StepOptions> {
  readonly app: AppDefinition;
  /** The matrix JSON (`{"include": [{id, provider, version}]}`), e.g. the models job's output. */
  readonly models: Expression;
  /** The test target run once per model. */
  readonly onlyTesting: string;
  /** Heading of the summary table. */
  readonly title: string;
  /** Result bundles are written to `build/<prefix>-<model id>.xcresult`. */
  readonly resultBundlePrefix: string;
  /**
   * Extra `TEST_RUNNER_<NAME>` variables per model, as shell words that may use `$id`
   * (xcodebuild passes `TEST_RUNNER_X` to the tests as `X`).
   * @default - only MODEL_ID and MODELS_DIR
   */
  readonly testRunnerEnv?: Readonly<Record<string, string>>;
  /**
   * Shell run after a model's tests passed, with `$id` set; its failure fails that model.
   * @default - none
   */
  readonly afterPass?: string;
  /** Record line coverage in each model's result bundle (the build-for-testing must be instrumented too). @default false */
  readonly codeCoverage?: boolean;
  /** Env the step needs besides the xcodebuild arguments. @default - none */
  readonly env?: Record<string, string | Expression>;
}

/**
 * One step that runs a test target once per model of the matrix, in one job: a matrix of macOS
 * jobs would pay a runner's start and a full build per model; here the build is shared and each
 * model costs one test run. Every model runs even after one failed; each result is a row of the
 * job summary, and the step fails if any model did.
 */
export function perModelTestStep(props: PerModelTestStepProps): JobStep {
  const {
    app,
    models,
    onlyTesting,
    title,
    resultBundlePrefix,
    testRunnerEnv,
    afterPass,
    codeCoverage,
    env,
    ...options
  } = props;
  const invocation = xcodebuildInvocation({
    action: 'test-without-building',
    project: app.project,
    scheme: app.scheme,
    onlyTesting,
    codeCoverage,
    resultBundle: `build/${resultBundlePrefix}-MODEL.xcresult`,
  });
  // The result bundle is named per model inside the loop, so it is not a fixed env value.
  const { RESULT_BUNDLE: _perModel, ...xcodeEnv } = invocation.env;
  const runnerVars = Object.entries({ MODEL_ID: '"$id"', MODELS_DIR: '"$PWD/$MODELS_DIR"', ...testRunnerEnv })
    .map(([k, v]) => `TEST_RUNNER_${k}=${v}`)
    .join(' ');
  const command = invocation.command;
  const passed = afterPass
    ? `{ ${runnerVars} ${command} | ${XCBEAUTIFY}; } && { ${afterPass}; }`
    : `${runnerVars} ${command} | ${XCBEAUTIFY}`;
  return runStep({
    ...options,
    name: options.name ?? title,
    shell: 'bash',
    env: { ...env, ...xcodeEnv, MODELS: models },
    run: [
      // shell: bash runs with -e and pipefail: a model's failing tests fail its `if`, not the step.
      'status=0',
      `{ echo "### ${title}"; echo; echo "| model | provider | version | result |"; echo "| --- | --- | --- | --- |"; } >> "$GITHUB_STEP_SUMMARY"`,
      "while IFS=$'\\t' read -r id provider version; do",
      `  RESULT_BUNDLE="build/${resultBundlePrefix}-$id.xcresult"`,
      `  if ${passed.split('\n').join('\n    ')}; then`,
      '    echo "| $id | $provider | $version | passed |" >> "$GITHUB_STEP_SUMMARY"',
      '  else',
      '    echo "| $id | $provider | $version | **failed** |" >> "$GITHUB_STEP_SUMMARY"',
      '    status=1',
      '  fi',
      'done < <(jq -r \'.include[] | [.id, .provider, .version] | @tsv\' <<< "$MODELS")',
      'exit "$status"',
    ].join('\n'),
  });
}
