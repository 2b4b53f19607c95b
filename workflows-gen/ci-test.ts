import {
  serviceJobId,
  testResultsArtifact,
  addChangeDetectionJob,
  addResultsGateJob,
  READ_CONTENTS,
  SecureWorkflow,
  status,
  testSummaryStep,
  uploadArtifact,
  uvProjectSteps,
  runStep,
  type Construct,
  type Platform,
  type SecureJob,
} from '../src';

/** `.github/workflows/ci-test.yml`: lint and test every service, only when its files changed. */
export function ciTestWorkflow(scope: Construct, platform: Platform): SecureWorkflow {
  const workflow = new SecureWorkflow(scope, 'ci-test', {
    name: 'CI – services',
    description: 'Lints (ruff, mypy) and tests (pytest with coverage) each Python service whose files changed.',
    triggers: { push: { branches: [platform.defaultBranch] }, pullRequest: {} },
  });
  const self = workflow.filePath;
  const changes = addChangeDetectionJob(workflow, {
    runsOn: platform.runners.linux,
    filters: Object.fromEntries(platform.services.map((s) => [s.name, [s.path, self]])),
  });

  const jobs: SecureJob[] = [changes.job];
  for (const service of platform.services) {
    const setup = uvProjectSteps({
      path: service.path,
      pythonVersion: service.pythonVersion,
      uvVersion: platform.toolchain.uv,
    });
    const common = {
      runsOn: platform.runners.linux,
      permissions: READ_CONTENTS,
      needs: [changes.job],
      if: changes.changed(service.name),
      workingDirectory: service.path,
    };
    jobs.push(
      workflow.addJob(serviceJobId('lint', service.name), {
        ...common,
        name: `Lint (${service.name})`,
        timeoutMinutes: 10,
        steps: [
          ...setup,
          runStep({ name: 'ruff check', run: 'uv run --no-sync ruff check --output-format=github .' }),
          runStep({ name: 'ruff format', run: 'uv run --no-sync ruff format --check --diff .' }),
          runStep({ name: 'mypy', run: 'uv run --no-sync mypy .' }),
        ],
      }),
    );
    jobs.push(
      workflow.addJob(serviceJobId('test', service.name), {
        ...common,
        name: `Test (${service.name})`,
        timeoutMinutes: 20,
        steps: [
          ...setup,
          runStep({
            name: 'pytest',
            run: 'uv run --no-sync pytest --junitxml=test-results/junit.xml --cov --cov-report=xml:test-results/coverage.xml --cov-report=term',
          }),
          testSummaryStep({
            title: `Tests: ${service.name}`,
            junitXml: 'test-results/junit.xml',
            coverageXml: 'test-results/coverage.xml',
            workingDirectory: service.path,
          }),
          uploadArtifact(
            { name: testResultsArtifact(service.name), path: [`${service.path}/test-results/`] },
            { if: status.notCancelled },
          ),
        ],
      }),
    );
  }
  addResultsGateJob(workflow, { runsOn: platform.runners.linux, jobs, name: 'CI – services result' });
  return workflow;
}
