import {
  addImageDeliveries,
  deployConcurrencyGroup,
  cliStep,
  GENERATE_BUILD_METADATA,
  github,
  guards,
  npmInstallSteps,
  READ_CONTENTS,
  releaseNotesStep,
  runStep,
  stepOutput,
  SecureWorkflow,
  uploadArtifact,
  type Construct,
  type Platform,
} from '../src';
import {
  BUILD_METADATA_ARTIFACT,
  BUILD_METADATA_FILE,
  digestInput,
  imageBuildMatrix,
  isDefaultBranchRef,
  isReleaseRef,
} from './delivery';

/** The workflows ci-build-push calls once the images are published. */
export interface DeliveryWorkflows {
  readonly smokeTest: SecureWorkflow;
  readonly imageScan: SecureWorkflow;
  readonly provenance: SecureWorkflow;
  /** cd-deploy-<environment>.yml of each environment the model deploys, by environment name. */
  readonly deploy: ReadonlyMap<string, SecureWorkflow>;
}

/**
 * `.github/workflows/ci-build-push.yml`: every service image for every platform, each platform on
 * its native runner, pushed by digest and joined into one tagged manifest list per service; then
 * the smoke test, the image scan and (for release tags) provenance and signing, all by digest.
 * For pushes and tags only: pull requests build in ci-build.yml. The jobs keep their pull-request
 * guards, so a pull_request trigger added here by mistake still pushes nothing.
 */
export function ciBuildPushWorkflow(scope: Construct, platform: Platform, called: DeliveryWorkflows): SecureWorkflow {
  const workflow = new SecureWorkflow(scope, 'ci-build-push', {
    name: 'Build and push images',
    description:
      'Builds each service image per platform on native runners (no QEMU), pushes by digest, publishes a tagged multi-platform manifest list, then runs the smoke test, the image scan and, for release tags, provenance and signing.',
    // Pull requests build in ci-build.yml: a run here holds only the jobs of a push or a tag.
    triggers: {
      push: { branches: [platform.defaultBranch], tags: [platform.releaseTags] },
    },
    // Runs of one ref queue (a newer pending run replaces an older pending one; a running one is never
    // cancelled): runs in parallel could let an older run that finished last move the branch's tag back.
    concurrency: { group: `${github.workflow}-${github.ref}`, cancelInProgress: false },
  });
  // Once per run, not per image: the commit time for reproducible builds and the build metadata
  // (labels for every image, and an artifact).
  const metadataFile = BUILD_METADATA_FILE;
  const labelsFile = 'build-labels.txt';
  const epoch = runStep({
    name: 'Commit time (SOURCE_DATE_EPOCH)',
    id: 'epoch',
    outputs: ['source-date-epoch'],
    run: 'echo "source-date-epoch=$(git log -1 --format=%ct)" >> "$GITHUB_OUTPUT"',
  });
  const labelsOut = runStep({
    name: 'Labels for the images',
    id: 'labels',
    outputs: ['labels'],
    env: { LABELS_FILE: labelsFile },
    run: [
      'delimiter="labels_$(openssl rand -hex 16)"',
      '{ echo "labels<<$delimiter"; cat "$LABELS_FILE"; echo "$delimiter"; } >> "$GITHUB_OUTPUT"',
    ].join('\n'),
  });
  const prepare = workflow.addJob('build-metadata', {
    name: 'Build metadata',
    runsOn: platform.runners.linux,
    permissions: READ_CONTENTS,
    timeoutMinutes: 10,
    if: guards.notPullRequest,
    steps: [
      // No npm cache: this workflow runs for release tags.
      ...npmInstallSteps({ nodeVersion: platform.toolchain.node, cache: false }),
      epoch,
      cliStep(GENERATE_BUILD_METADATA, {
        name: 'Generate build metadata',
        env: { SOURCE_DATE_EPOCH: stepOutput(epoch, 'source-date-epoch') },
        args: { out: metadataFile, labels: labelsFile, matrix: JSON.stringify(imageBuildMatrix(platform)) },
      }),
      labelsOut,
      uploadArtifact({
        name: BUILD_METADATA_ARTIFACT,
        path: [metadataFile, labelsFile],
        ifNoFilesFound: 'error',
        retentionDays: 90,
      }),
    ],
  });
  prepare.addOutput('source-date-epoch', stepOutput(epoch, 'source-date-epoch'));
  prepare.addOutput('labels', stepOutput(labelsOut, 'labels'));

  const delivery = addImageDeliveries(workflow, {
    images: platform.services.map((service) => ({
      name: service.name,
      repository: service.imageRepository,
      context: service.build.context,
      dockerfile: service.build.dockerfile,
      targets: service.build.targets,
    })),
    registry: platform.registry.host,
    publishRunner: platform.runners.linux,
    tagRules: [
      'type=semver,pattern={{version}}',
      'type=semver,pattern={{major}}.{{minor}}',
      `type=ref,event=branch,enable={{is_default_branch}}`,
      'type=sha,format=long',
    ],
    labels: prepare.output('labels'),
    sourceDateEpoch: prepare.output('source-date-epoch'),
    needs: [prepare],
  });

  const published = delivery.publishJobs;
  const digests = Object.fromEntries(
    platform.services.map((service) => [digestInput(service), delivery.digest(service.name)]),
  );
  const smoke = workflow.addCallJob('smoke-test', {
    name: 'Smoke test',
    needs: published,
    if: guards.notPullRequest,
    workflow: called.smokeTest,
    with: digests,
  });
  const scan = workflow.addCallJob('scan-images', {
    name: 'Image scan',
    needs: published,
    if: guards.notPullRequest,
    workflow: called.imageScan,
    with: digests,
  });
  // Signed on the default branch too (staging verifies before it deploys); SLSA provenance for tags only.
  // One call for every image: one signing job and one verify job hold every image's steps (ci-provenance.ts).
  const provenance = workflow.addCallJob('provenance', {
    name: 'Provenance and signatures',
    needs: published,
    if: guards.notPullRequest,
    workflow: called.provenance,
    with: { ...digests, build_metadata_artifact: BUILD_METADATA_ARTIFACT },
  });

  // A release tag's GitHub release, once every gate passed: the pull requests merged since the
  // previous release tag (GitHub's generated notes) and the digests the release shipped. Never
  // "latest": that stays the app's, which people download (app-release.yml sets it).
  const notesFile = 'release-notes.md';
  const shipped = platform.services.map((service, i) => ({
    service,
    image: `IMAGE_${i + 1}`,
    digest: `DIGEST_${i + 1}`,
    value: delivery.digest(service.name),
  }));
  workflow.addJob('github-release', {
    name: 'GitHub release with notes',
    runsOn: platform.runners.linux,
    permissions: { contents: 'write' },
    timeoutMinutes: 10,
    needs: [...published, smoke, scan, provenance],
    if: guards.notPullRequest.and(isReleaseRef(platform)),
    steps: [
      releaseNotesStep({
        tag: github.refName,
        tagPrefix: platform.releaseTagPrefix,
        out: notesFile,
        env: { GH_TOKEN: github.token },
      }),
      runStep({
        name: 'Create the release',
        env: {
          TAG: github.refName,
          NOTES: notesFile,
          GH_TOKEN: github.token,
          GH_REPO: github.repository,
          ...Object.fromEntries(
            shipped.flatMap((s) => [
              [s.image, s.service.imageRepository],
              [s.digest, s.value],
            ]),
          ),
        },
        run: [
          '{',
          '  echo; echo "## Images"; echo; echo "| Image | Digest |"; echo "| --- | --- |"',
          ...shipped.map((s) => `  printf '| %s | %s |\\n' "$${s.image}" "$${s.digest}"`),
          '} >> "$NOTES"',
          'gh release create "$TAG" --verify-tag --latest=false --title "$TAG" --notes-file "$NOTES"',
        ].join('\n'),
      }),
    ],
  });

  // Deploys only what passed every gate above, by digest; one deploy per environment at a time,
  // queued and never cancelled (a cancelled rollout would strand a canary).
  for (const deployment of platform.deployments) {
    const ref = deployment.on === 'release-tag' ? guards.isTag : isDefaultBranchRef(platform);
    workflow.addCallJob(`deploy-${deployment.environment}`, {
      name: `Deploy to ${deployment.environment}`,
      needs: [...published, smoke, scan, provenance],
      if: guards.notPullRequest.and(ref),
      concurrency: { group: deployConcurrencyGroup(deployment.environment), cancelInProgress: false },
      workflow: called.deploy.get(deployment.environment)!,
      with: digests,
    });
  }

  return workflow;
}
