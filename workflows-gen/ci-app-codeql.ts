import {
  addChangeDetectionJob,
  addResultsGateJob,
  checkout,
  codeqlAnalyze,
  codeqlInit,
  SecureWorkflow,
  selectXcode,
  xcodebuildStep,
  type Construct,
  type Platform,
} from '../src';

/**
 * `.github/workflows/ci-app-codeql.yml`: CodeQL for the app's Swift on macOS (built with signing
 * off), on pushes to the default branch, weekly, and on pull requests that touch the app; results
 * go to code scanning.
 */
export function ciAppCodeqlWorkflow(scope: Construct, platform: Platform): SecureWorkflow {
  const app = platform.app;
  const workflow = new SecureWorkflow(scope, 'ci-app-codeql', {
    name: 'Security – app (CodeQL)',
    description:
      'CodeQL analysis of the Swift app on macOS (signing off), for pushes, weekly, and pull requests that touch the app.',
    triggers: {
      push: { branches: [platform.defaultBranch] },
      pullRequest: {},
      schedule: [platform.schedules.dependencyScan],
    },
  });
  // A scheduled run has no base: every filter counts as changed, so the weekly analysis always runs.
  const changes = addChangeDetectionJob(workflow, {
    runsOn: platform.runners.linux,
    filters: { app: [app.path, workflow.filePath] },
  });
  const analyze = workflow.addJob('analyze', {
    name: 'CodeQL (Swift)',
    runsOn: platform.runners.macos,
    permissions: { contents: 'read', securityEvents: 'write' },
    timeoutMinutes: 60,
    needs: [changes.job],
    if: changes.changed('app'),
    steps: [
      checkout(),
      selectXcode({ version: app.xcode }),
      codeqlInit({ languages: 'swift', buildMode: 'manual' }),
      xcodebuildStep({
        action: 'build',
        project: app.project,
        scheme: app.scheme,
        name: 'Build for CodeQL (signing off)',
      }),
      codeqlAnalyze({ category: '/language:swift' }),
    ],
  });
  addResultsGateJob(workflow, {
    runsOn: platform.runners.linux,
    jobs: [changes.job, analyze],
    name: 'Security – app (CodeQL) result',
  });
  return workflow;
}
