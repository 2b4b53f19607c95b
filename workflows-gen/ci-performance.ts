import { addHistoryRecordJob } from './performance-history';
import {
  serviceJobId,
  CHECK_PERFORMANCE_REGRESSION,
  checkout,
  cliStep,
  ComposeFile,
  composeStackSteps,
  downloadArtifact,
  Expression,
  github,
  LOAD_TEST,
  localImageBuild,
  npmInstallSteps,
  performanceArtifacts,
  performanceHistoryFile,
  serviceLoadScenario,
  READ_CONTENTS,
  runnerVariables,
  SecureWorkflow,
  SMOKE_TEST,
  uploadArtifact,
  type Construct,
  type Platform,
  type Service,
} from '../src';

/** A service and every service it calls, directly or not, in start order. */
function withCallees(platform: Platform, service: Service): Service[] {
  const needed = new Set<string>();
  const visit = (s: Service): void => {
    if (needed.has(s.name)) return;
    needed.add(s.name);
    s.calls.forEach((c) => visit(platform.service(c)));
  };
  visit(service);
  return platform.services.filter((s) => needed.has(s.name));
}

/**
 * `.github/workflows/ci-performance.yml`: nightly open-model load test of each service that
 * declares one, gated against the history of passing nightly runs of the default branch. The
 * history lives on its own branch (not the Actions cache, which evicts): only a passing scheduled
 * run of the default branch appends to it, in a job that runs no package code.
 */
export function ciPerformanceWorkflow(
  scope: Construct,
  platform: Platform,
  compose: ComposeFile,
): SecureWorkflow | undefined {
  const services = platform.services.filter((s) => s.performance && s.synthesisPath);
  if (services.length === 0) return undefined;
  const workflow = new SecureWorkflow(scope, 'ci-performance', {
    name: 'Performance – nightly',
    description:
      'Nightly (and on demand) load test of each service with a performance budget, gated against the median of the recent passing nightly runs of the default branch.',
    triggers: {
      schedule: [platform.schedules.performance],
      workflowDispatch: {
        inputs: {
          rate: {
            description:
              "Arrivals per second (default: the model's rate; another rate cannot be compared with the history and fails the gate)",
            type: 'number',
            required: false,
          },
          duration: {
            description: "Seconds of measured load (default: the model's duration; likewise)",
            type: 'number',
            required: false,
          },
        },
      },
    },
    // Runs queue instead of overlapping (they would share the runner's CPU, and two could append
    // to the history at once); never cancelled.
    concurrency: { group: `${github.workflow}-${github.ref}`, cancelInProgress: false },
  });
  // Only the nightly run of the default branch measures the model's scenario unchanged: a
  // dispatch may pass other inputs, so it is compared but never recorded.
  const records = github.ref.eq(platform.defaultBranchRef).and(github.eventName.eq('schedule'));
  const historyBranch = platform.performanceHistoryBranch;

  for (const service of services) {
    const perf = service.performance!;
    const scenario = serviceLoadScenario(service.name);
    const artifacts = performanceArtifacts(service.name);
    const runnerClass = platform.runners.linux;
    const historyName = performanceHistoryFile(scenario, perf, runnerClass);
    const metricsDir = 'perf/current';
    const metricsFile = `${metricsDir}/${service.name}.json`;
    const historyDir = 'perf/history';
    const historyFile = `${historyDir}/${historyName}`;
    // The image runs from the generated compose file, as in the smoke test: with the settings,
    // user and read-only root filesystem it has in production.
    const builds = withCallees(platform, service).map((s) => ({
      service: s,
      build: localImageBuild({ name: s.name, context: s.build.context, dockerfile: s.build.dockerfile }),
    }));
    const image = builds.find((b) => b.service === service)!.build;
    const stack = composeStackSteps({
      file: compose.filePath,
      projectName: compose.projectName,
      env: Object.fromEntries(builds.map((b) => [ComposeFile.imageVariable(b.service), b.build.reference])),
      services: [service.name],
      logsArtifact: artifacts.composeLogs,
    });
    const baseUrl = compose.baseUrlOf(service);

    const benchmark = workflow.addJob(serviceJobId('benchmark', service.name), {
      name: `Load test (${service.name})`,
      runsOn: runnerClass,
      permissions: READ_CONTENTS,
      timeoutMinutes: 30,
      steps: [
        ...npmInstallSteps({ nodeVersion: platform.toolchain.node }),
        ...builds.map((b) => b.build.step),
        stack.up,
        cliStep(SMOKE_TEST, {
          name: `Wait until ${service.name} is healthy`,
          args: { baseUrl, healthPath: service.healthPath, synthesisPath: service.synthesisPath!, retries: 30 },
        }),
        cliStep(LOAD_TEST, {
          name: 'Load test',
          args: {
            baseUrl,
            path: service.synthesisPath!,
            // Dispatch inputs arrive through env; a scheduled run has none and uses the model's values.
            rate: Expression.raw(`${workflow.input('rate').body} || ${perf.rate}`),
            duration: Expression.raw(`${workflow.input('duration').body} || ${perf.durationSeconds}`),
            warmup: perf.warmupSeconds,
            runnerClass,
            imageDigest: image.imageId,
            scenario,
            out: metricsFile,
          },
        }),
        ...stack.logsOnFailure,
        stack.down,
        uploadArtifact({ name: artifacts.metrics, path: [metricsFile], ifNoFilesFound: 'error', retentionDays: 30 }),
      ],
    });

    const regression = workflow.addJob(serviceJobId('regression', service.name), {
      name: `Regression gate (${service.name})`,
      runsOn: platform.runners.linux,
      permissions: READ_CONTENTS,
      timeoutMinutes: 10,
      needs: [benchmark],
      steps: [
        ...npmInstallSteps({ nodeVersion: platform.toolchain.node }),
        downloadArtifact({ name: artifacts.metrics, path: metricsDir }),
        // A missing branch (the very first night) is not an error here: the gate then says loudly
        // that nothing was compared.
        checkout(
          { ref: historyBranch, path: historyDir, fetchDepth: 1 },
          { name: `Check out the history (${historyBranch})`, continueOnError: true },
        ),
        cliStep(CHECK_PERFORMANCE_REGRESSION, {
          name: 'Check for a regression',
          args: {
            current: metricsFile,
            history: historyFile,
            ...perf.thresholds,
            summary: runnerVariables.stepSummary,
            updateHistory: records,
          },
        }),
        uploadArtifact(
          { name: artifacts.history, path: [historyFile], ifNoFilesFound: 'error', retentionDays: 7 },
          { name: 'Upload the updated history', if: records },
        ),
      ],
    });

    addHistoryRecordJob(workflow, {
      id: `record-${service.name}`,
      name: `Record the run in the history (${service.name})`,
      runsOn: platform.runners.linux,
      needs: [regression],
      if: records,
      branch: historyBranch,
      artifact: artifacts.history,
      // The artifact holds the one history file, without its folder.
      folder: scenario,
      what: scenario,
    });
  }
  return workflow;
}
