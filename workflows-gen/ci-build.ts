import {
  addChangeDetectionJob,
  addImageBuildCheck,
  addResultsGateJob,
  SecureWorkflow,
  type Construct,
  type Platform,
} from '../src';

/**
 * `.github/workflows/ci-build.yml`: a pull request's image builds. The services whose files changed
 * are built for every platform, each on its native runner, pushing nothing and holding no write
 * scope; one `result` job is the required check. A workflow of its own, apart from ci-build-push
 * (pushes and tags): a run holds only its own event's jobs, so neither counts the other's skipped
 * jobs toward GitHub's limit of jobs in one run.
 */
export function ciBuildWorkflow(scope: Construct, platform: Platform): SecureWorkflow {
  const workflow = new SecureWorkflow(scope, 'ci-build', {
    name: 'Build images – pull request',
    description:
      'Builds the images of the services a pull request changes, per platform on native runners (no QEMU), without pushing and without any write scope; one result job is the required check.',
    triggers: { pullRequest: {} },
  });
  // Decide what changed first, so unchanged services skip with `if:` (a required check skipped by
  // on.paths would stay pending forever).
  const changes = addChangeDetectionJob(workflow, {
    runsOn: platform.runners.linux,
    filters: Object.fromEntries(
      platform.services.map((s) => [
        s.name,
        [
          s.build.context,
          ...(s.build.dockerfile.startsWith(`${s.build.context}/`) ? [] : [s.build.dockerfile]),
          workflow.filePath,
        ],
      ]),
    ),
  });
  const builds = platform.services.flatMap((service) =>
    addImageBuildCheck(workflow, {
      name: service.name,
      repository: service.imageRepository,
      context: service.build.context,
      dockerfile: service.build.dockerfile,
      targets: service.build.targets,
      if: changes.changed(service.name),
      needs: [changes.job],
    }),
  );
  addResultsGateJob(workflow, {
    runsOn: platform.runners.linux,
    jobs: [changes.job, ...builds],
    name: 'Build images – pull request result',
  });
  return workflow;
}
