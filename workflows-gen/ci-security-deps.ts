import {
  serviceJobId,
  addChangeDetectionJob,
  addResultsGateJob,
  cliStep,
  dependencyReview,
  Expression,
  github,
  guards,
  npmInstallSteps,
  PIP_AUDIT_SARIF,
  READ_CONTENTS,
  runnerVariables,
  SWIFT_AUDIT_SARIF,
  runStep,
  SecureWorkflow,
  setupUv,
  status,
  uploadSarif,
  type Construct,
  type Platform,
  type WorkflowJob,
} from '../src';

/**
 * `.github/workflows/ci-security-deps.yml`: pip-audit over each service's locked dependencies
 * (exported from uv.lock with hashes), and the app's Swift packages (Package.resolved) against OSV's
 * SwiftURL ecosystem, each rated through OSV and uploaded to code scanning as SARIF; fails on high or
 * critical. Pull requests also get GitHub's dependency review.
 */
/** The change filter of the app's Swift packages. */
const APP_FILTER = 'app';

export function ciSecurityDepsWorkflow(scope: Construct, platform: Platform): SecureWorkflow {
  const workflow = new SecureWorkflow(scope, 'ci-security-deps', {
    name: 'Security – dependencies',
    description:
      "pip-audit of each service's locked dependencies and an OSV check of the app's Swift packages, with SARIF in code scanning (fails on high or critical), weekly and on changes; dependency review on pull requests.",
    triggers: {
      push: { branches: [platform.defaultBranch] },
      pullRequest: {},
      schedule: [platform.schedules.dependencyScan],
    },
  });
  // A scheduled run has no base to compare with, so it audits every service (new advisories
  // appear for unchanged locks); pushes and pull requests audit what they changed.
  const changes = addChangeDetectionJob(workflow, {
    runsOn: platform.runners.linux,
    filters: {
      ...Object.fromEntries(
        platform.services.map((s) => [s.name, [`${s.path}/uv.lock`, `${s.path}/pyproject.toml`, workflow.filePath]]),
      ),
      [APP_FILTER]: [platform.app.packageResolved, workflow.filePath],
    },
  });
  // The token of a fork's pull request cannot write code-scanning results: do not try.
  const canUploadSarif = github.eventName
    .ne('pull_request')
    .or(Expression.raw('github.event.pull_request.head.repo.full_name == github.repository'));
  const jobs: WorkflowJob[] = [changes.job];
  for (const service of platform.services) {
    const requirements = 'requirements.txt';
    const report = 'pip-audit.json';
    const sarif = 'pip-audit.sarif';
    jobs.push(
      workflow.addJob(serviceJobId('audit', service.name), {
        name: `pip-audit (${service.name})`,
        runsOn: platform.runners.linux,
        permissions: { contents: 'read', securityEvents: 'write' },
        timeoutMinutes: 15,
        needs: [changes.job],
        if: changes.changed(service.name),
        steps: [
          ...npmInstallSteps({ nodeVersion: platform.toolchain.node }),
          setupUv({ version: platform.toolchain.uv, pythonVersion: service.pythonVersion }),
          runStep({
            name: 'Export the locked dependencies (with hashes)',
            workingDirectory: service.path,
            env: { REQUIREMENTS: requirements },
            run: 'uv export --frozen --format requirements-txt --no-emit-project --all-extras --output-file "$REQUIREMENTS"',
          }),
          runStep({
            name: `pip-audit ${platform.toolchain.pipAudit}`,
            workingDirectory: service.path,
            env: { PIP_AUDIT_VERSION: platform.toolchain.pipAudit, REQUIREMENTS: requirements, REPORT: report },
            // pip-audit exits 1 when it finds vulnerabilities: the converter decides on severity.
            // --disable-pip with --require-hashes audits the exact hashed versions without installing them.
            run: [
              'status=0',
              'uvx --from "pip-audit==$PIP_AUDIT_VERSION" pip-audit --requirement "$REQUIREMENTS" --require-hashes --disable-pip \\',
              '  --format json --output "$REPORT" --progress-spinner off || status=$?',
              'if [ "$status" -gt 1 ]; then echo "::error::pip-audit failed (exit $status)"; exit "$status"; fi',
            ].join('\n'),
          }),
          cliStep(PIP_AUDIT_SARIF, {
            name: 'Rate through OSV and write SARIF (fails on high or critical)',
            args: {
              input: `${service.path}/${report}`,
              output: `${service.path}/${sarif}`,
              lockfile: `${service.path}/uv.lock`,
              failOn: 'high',
              summary: runnerVariables.stepSummary,
            },
          }),
          uploadSarif(
            { sarifFile: `${service.path}/${sarif}`, category: `pip-audit/${service.name}` },
            {
              // Also after the gate failed, so the findings are visible; not when nothing was written.
              if: status.notCancelled
                .and(Expression.raw(`hashFiles('${service.path}/${sarif}') != ''`))
                .and(canUploadSarif),
            },
          ),
        ],
      }),
    );
  }
  // Dependabot cannot watch an Xcode project's packages, and GitHub's dependency graph reads no
  // Package.resolved inside an .xcodeproj: this job is what checks WhisperKit and the rest for advisories.
  const swiftSarif = 'swift-audit.sarif';
  jobs.push(
    workflow.addJob('audit-app', {
      name: 'Swift packages (OSV)',
      runsOn: platform.runners.linux,
      permissions: { contents: 'read', securityEvents: 'write' },
      timeoutMinutes: 10,
      needs: [changes.job],
      if: changes.changed(APP_FILTER),
      steps: [
        ...npmInstallSteps({ nodeVersion: platform.toolchain.node }),
        cliStep(SWIFT_AUDIT_SARIF, {
          name: 'Check Package.resolved against OSV and write SARIF (fails on high or critical)',
          args: {
            resolved: platform.app.packageResolved,
            output: swiftSarif,
            failOn: 'high',
            summary: runnerVariables.stepSummary,
          },
        }),
        uploadSarif(
          { sarifFile: swiftSarif, category: `swift-packages/${platform.app.name}` },
          {
            if: status.notCancelled.and(Expression.raw(`hashFiles('${swiftSarif}') != ''`)).and(canUploadSarif),
          },
        ),
      ],
    }),
  );
  jobs.push(
    workflow.addJob('dependency-review', {
      name: 'Dependency review',
      runsOn: platform.runners.linux,
      permissions: READ_CONTENTS,
      timeoutMinutes: 10,
      if: guards.pullRequestOnly,
      steps: [dependencyReview({ failOnSeverity: 'high' })],
    }),
  );
  addResultsGateJob(workflow, { runsOn: platform.runners.linux, jobs, name: 'Security – dependencies result' });
  return workflow;
}
