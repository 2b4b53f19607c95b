import { addFailureAlertJob, SecureWorkflow, type Construct, type Platform } from '../src';

/**
 * `.github/workflows/alerts.yml`: one issue per scheduled workflow that fails on the default
 * branch, closed when it passes again. A separate workflow (workflow_run) so that `issues: write`
 * lives here only: not in the watched workflows, some of which pull requests or callers run.
 */
export function alertsWorkflow(
  scope: Construct,
  platform: Platform,
  watched: readonly SecureWorkflow[],
): SecureWorkflow {
  const workflow = new SecureWorkflow(scope, 'alerts', {
    name: 'Alerts – scheduled runs',
    description: `Opens one issue when a scheduled workflow fails on ${platform.defaultBranch} and closes it when a scheduled run passes again.`,
    triggers: {
      workflowRun: {
        workflows: watched.map((w) => w.workflowName),
        types: ['completed'],
        branches: [platform.defaultBranch],
      },
    },
  });
  addFailureAlertJob(workflow, { runsOn: platform.runners.linux, defaultBranch: platform.defaultBranch });
  return workflow;
}
