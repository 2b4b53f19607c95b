import {
  cacheRestore, cacheSave, CHECK_PERFORMANCE_REGRESSION, commandLine, DEFAULT_THRESHOLDS, downloadArtifact, Expression, github,
  input, LOAD_TEST, localContainerSteps, npmInstallSteps, READ_CONTENTS, runStep, SecureWorkflow, SMOKE_TEST, uploadArtifact,
  type Construct, type Platform,
} from '../src';

/**
 * `.github/workflows/ci-performance.yml`: nightly open-model load test of each service that
 * declares one, then a regression gate against the last baseline from the default branch.
 */
export function ciPerformanceWorkflow(scope: Construct, platform: Platform): SecureWorkflow | undefined {
  const services = platform.services.filter((s) => s.performance && s.synthesisPath);
  if (services.length === 0) return undefined;
  const workflow = new SecureWorkflow(scope, 'ci-performance', {
    name: 'Performance – nightly',
    description: 'Nightly (and on demand) load test of each service with a performance budget, gated against the last baseline of the default branch.',
    triggers: {
      schedule: [platform.definition.schedules.performance],
      workflowDispatch: {
        inputs: {
          rate: { description: 'Arrivals per second (default: the model\'s rate)', type: 'number', required: false },
          duration: { description: 'Seconds of load (default: the model\'s duration)', type: 'number', required: false },
        },
      },
    },
    // Runs queue instead of overlapping (they would share the runner's CPU) and are never cancelled.
    concurrency: { group: `${github.workflow}-${github.ref}`, cancelInProgress: false },
  });
  const isDefaultBranch = github.ref.eq(`refs/heads/${platform.defaultBranch}`);

  for (const service of services) {
    const perf = service.performance!;
    const metricsDir = 'perf/current';
    const metricsFile = `${metricsDir}/${service.name}.json`;
    const baselineFile = `perf/baseline/${service.name}.json`;
    const artifact = `perf-${service.name}`;
    const container = localContainerSteps({ name: service.name, context: service.path, port: service.port });

    const benchmark = workflow.addJob(`benchmark-${service.name}`, {
      name: `Load test (${service.name})`,
      runsOn: platform.runners.linux,
      permissions: READ_CONTENTS,
      timeoutMinutes: 30,
      steps: [
        ...npmInstallSteps({ nodeVersion: platform.toolchain.node }),
        ...container.start,
        runStep({
          name: `Wait until ${service.name} is healthy`,
          env: { BASE_URL: container.baseUrl, HEALTH_PATH: service.healthPath, SYNTHESIS_PATH: service.synthesisPath! },
          run: commandLine(SMOKE_TEST, { baseUrl: '"$BASE_URL"', healthPath: '"$HEALTH_PATH"', synthesisPath: '"$SYNTHESIS_PATH"', retries: '30' }),
        }),
        runStep({
          name: 'Load test',
          env: {
            BASE_URL: container.baseUrl,
            SYNTHESIS_PATH: service.synthesisPath!,
            // Dispatch inputs arrive through env; a scheduled run has none and uses the model's values.
            RATE: Expression.raw(`${input('rate').body} || ${perf.rate}`),
            DURATION: Expression.raw(`${input('duration').body} || ${perf.durationSeconds}`),
            SCENARIO: `${service.name}-synthesize`,
            METRICS_FILE: metricsFile,
          },
          run: commandLine(LOAD_TEST, {
            baseUrl: '"$BASE_URL"', path: '"$SYNTHESIS_PATH"', rate: '"$RATE"', duration: '"$DURATION"', scenario: '"$SCENARIO"', out: '"$METRICS_FILE"',
          }),
        }),
        container.logsOnFailure,
        uploadArtifact({ name: artifact, path: [metricsFile], ifNoFilesFound: 'error', retentionDays: 30 }),
      ],
    });

    const thresholds = { ...DEFAULT_THRESHOLDS, ...perf.thresholds };
    const check = commandLine(CHECK_PERFORMANCE_REGRESSION, {
      current: '"$METRICS_FILE"',
      baseline: '"$BASELINE_FILE"',
      summary: '"$GITHUB_STEP_SUMMARY"',
      p95IncreasePct: String(thresholds.p95IncreasePct),
      p99IncreasePct: String(thresholds.p99IncreasePct),
      maxErrorRate: String(thresholds.maxErrorRate),
      maxErrorRateIncrease: String(thresholds.maxErrorRateIncrease),
      throughputDecreasePct: String(thresholds.throughputDecreasePct),
    });
    const baselineKey = `perf-baseline-${service.name}-`;
    workflow.addJob(`regression-${service.name}`, {
      name: `Regression gate (${service.name})`,
      runsOn: platform.runners.linux,
      permissions: READ_CONTENTS,
      timeoutMinutes: 10,
      needs: [benchmark],
      steps: [
        ...npmInstallSteps({ nodeVersion: platform.toolchain.node }),
        downloadArtifact({ name: artifact, path: metricsDir }),
        // Branch-scoped caches: any branch reads the default branch's baseline; only the default branch writes one.
        cacheRestore({ path: [baselineFile], key: `${baselineKey}${github.runId}`, restoreKeys: [baselineKey] }, { name: 'Restore the last baseline' }),
        runStep({
          name: 'Check for a regression',
          env: { METRICS_FILE: metricsFile, BASELINE_FILE: baselineFile, UPDATE_BASELINE: isDefaultBranch },
          run: [
            '# Only a passing run on the default branch may replace the baseline.',
            'update=()',
            `if [ "$UPDATE_BASELINE" = "true" ]; then update=(${CHECK_PERFORMANCE_REGRESSION.flags.updateBaseline}); fi`,
            `${check} "\${update[@]}"`,
          ].join('\n'),
        }),
        cacheSave({ path: [baselineFile], key: `${baselineKey}${github.runId}` }, { name: 'Save the new baseline', if: isDefaultBranch }),
      ],
    });
  }
  return workflow;
}
