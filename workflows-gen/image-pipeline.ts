import {
  addImageDeliveries,
  cliStep,
  GENERATE_BUILD_METADATA,
  guards,
  npmInstallSteps,
  READ_CONTENTS,
  runStep,
  stepOutput,
  uploadArtifact,
  type Expression,
  type Platform,
  type SecureJob,
  type SecureWorkflow,
  type WorkflowJob,
} from '../src';
import { BUILD_METADATA_ARTIFACT, BUILD_METADATA_FILE, digestInput, imageBuildMatrix } from './delivery';

/** The workflows an image pipeline calls once the images are published. */
export interface ImageGateWorkflows {
  readonly smokeTest: SecureWorkflow;
  readonly imageScan: SecureWorkflow;
  /** ci-provenance.yml: attests and signs every image. */
  readonly provenance: SecureWorkflow;
}

/**
 * The workflows ci-build-push and ci-release start: the gates they call, and each environment's
 * cd-deploy (by environment name), which ci-build-push calls for the default branch's environments
 * and ci-release dispatches for the release tags'.
 */
export interface DeliveryWorkflows extends ImageGateWorkflows {
  readonly deploy: ReadonlyMap<string, SecureWorkflow>;
}

/** What {@link addImagePipeline} added. */
export interface ImagePipeline {
  /** The jobs that publish the manifest lists: a later job reading a digest needs them. */
  readonly published: readonly SecureJob[];
  /** Each service's manifest list digest, by service name. */
  readonly digestOf: (service: string) => Expression;
  /** `<service>_digest` inputs of the called workflows, each the service's digest. */
  readonly digestInputs: Readonly<Record<string, Expression>>;
  /** The call of ci-provenance.yml that attests and signs every digest. */
  readonly provenance: WorkflowJob;
  /** The published jobs and every gate (smoke test, scan, signatures): what a deploy or release waits for. */
  readonly gates: readonly WorkflowJob[];
}

/**
 * The jobs ci-build-push.yml (the default branch) and ci-release.yml (release tags) share: the build
 * metadata, every image built per platform on native runners and pushed by digest, the manifest lists,
 * then the smoke test, the image scan and the attestation and signature of every digest. A workflow per
 * event, not one for both: a run then holds (and GitHub counts toward its 256 jobs) only its own event's
 * jobs — the release's SLSA provenance never sits beside the default branch's staging deploy.
 */
export function addImagePipeline(
  workflow: SecureWorkflow,
  platform: Platform,
  called: ImageGateWorkflows,
  options: { readonly layerCache: boolean },
): ImagePipeline {
  // Once per run, not per image: the commit time for reproducible builds and the build metadata
  // (labels for every image, and an artifact).
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
      // No npm cache: these workflows run for release tags and for the branch every release comes from.
      ...npmInstallSteps({ nodeVersion: platform.toolchain.node, cache: false }),
      epoch,
      cliStep(GENERATE_BUILD_METADATA, {
        name: 'Generate build metadata',
        env: { SOURCE_DATE_EPOCH: stepOutput(epoch, 'source-date-epoch') },
        args: { out: BUILD_METADATA_FILE, labels: labelsFile, matrix: JSON.stringify(imageBuildMatrix(platform)) },
      }),
      labelsOut,
      uploadArtifact({
        name: BUILD_METADATA_ARTIFACT,
        path: [BUILD_METADATA_FILE, labelsFile],
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
    layerCache: options.layerCache,
  });

  const published = delivery.publishJobs;
  const digestInputs = Object.fromEntries(
    platform.services.map((service) => [digestInput(service), delivery.digest(service.name)]),
  );
  const smoke = workflow.addCallJob('smoke-test', {
    name: 'Smoke test',
    needs: published,
    if: guards.notPullRequest,
    workflow: called.smokeTest,
    with: digestInputs,
  });
  const scan = workflow.addCallJob('scan-images', {
    name: 'Image scan',
    needs: published,
    if: guards.notPullRequest,
    workflow: called.imageScan,
    with: digestInputs,
  });
  // One call for every image: one job attests and signs them all (ci-provenance.ts).
  const provenance = workflow.addCallJob('provenance', {
    name: 'Attestations and signatures',
    needs: published,
    if: guards.notPullRequest,
    workflow: called.provenance,
    with: { ...digestInputs, build_metadata_artifact: BUILD_METADATA_ARTIFACT },
  });
  return {
    published,
    digestOf: (service) => delivery.digest(service),
    digestInputs,
    provenance,
    gates: [...published, smoke, scan, provenance],
  };
}
