import {
  attestImageStep,
  BUILD_METADATA_PREDICATE_TYPE,
  digestCheckLine,
  downloadArtifact,
  installCosign,
  attestBuildProvenance,
  registryLogin,
  runStep,
  SecureWorkflow,
  type Construct,
  type ImageRef,
  type JobStep,
  type Platform,
} from '../src';
import {
  BUILD_METADATA_FILE,
  digestInput,
  isDefaultBranchRef,
  isReleaseRef,
  PROVENANCE_FILE,
  signingMinutes,
} from './delivery';

/** An image digest ci-provenance.yml attests and signs, and ci-release.yml verifies. */
export interface ImageSubject extends ImageRef {
  /** The service the image is of, for step names. */
  readonly service: string;
}

/** The step that refuses anything but a repository and a `sha256:` digest before a statement names them. */
export function checkSubjectStep(s: ImageSubject, name = `Check the subject is a digest (${s.service})`): JobStep {
  return runStep({
    name,
    env: { IMAGE: s.image, DIGEST: s.digest },
    run:
      `${digestCheckLine('DIGEST')}\n` +
      '[[ "$IMAGE" != *@* && "${IMAGE##*/}" != *:* ]] || { echo "::error::image must be a repository without tag or digest: $IMAGE"; exit 1; }',
  });
}

/**
 * `.github/workflows/ci-provenance.yml`: two statements about each service image's digest — GitHub's
 * build provenance attestation (pushed to the registry) and a cosign keyless signature — and the build
 * metadata attested beside them. Called once by ci-build-push (the default branch: what a staging
 * deploy verifies) and by ci-release (release tags, which add SLSA provenance and verify all three)
 * with every digest: one job signs them all, so a run's job count does not grow with the services.
 * The signatures name this file (the job_workflow_ref), which the verifiers require.
 */
export function ciProvenanceWorkflow(scope: Construct, platform: Platform): SecureWorkflow {
  const workflow = new SecureWorkflow(scope, 'ci-provenance', {
    name: 'Provenance – attest and sign images',
    description:
      "A GitHub build-provenance attestation, a cosign keyless signature and the build metadata's attestation of each service image's digest, for the default branch and release tags (what a deploy verifies).",
    fileName: PROVENANCE_FILE,
    triggers: {
      workflowCall: {
        inputs: {
          ...Object.fromEntries(
            platform.services.map((s) => [
              digestInput(s),
              { description: `Digest (sha256:…) of the ${s.name} image`, type: 'string', required: true },
            ]),
          ),
          build_metadata_artifact: {
            description: "Name of this run's artifact holding build-metadata.json, attested beside the images",
            type: 'string',
            required: true,
          },
        },
      },
    },
    concurrency: false,
  });
  const subjects: ImageSubject[] = platform.services.map((service) => ({
    service: service.name,
    image: service.imageRepository,
    digest: workflow.input(digestInput(service)),
  }));
  const metadataDir = 'build-metadata';
  const metadataFile = `${metadataDir}/${BUILD_METADATA_FILE}`;
  const signSteps = (s: ImageSubject): JobStep[] => [
    checkSubjectStep(s),
    attestBuildProvenance(
      { subjectName: s.image, subjectDigest: s.digest },
      { name: `Attest build provenance (${s.service})` },
    ),
    // By digest, never by tag: the signature covers exactly the bytes that were built.
    runStep({
      name: `Sign ${s.service} by digest`,
      env: { IMAGE: s.image, DIGEST: s.digest },
      run: 'cosign sign --yes "$IMAGE@$DIGEST"',
    }),
    // The document must describe this commit and list this image before it is signed as its metadata.
    runStep({
      name: `Check the build metadata describes ${s.service}`,
      env: { IMAGE: s.image, METADATA: metadataFile },
      run: [
        'jq -e --arg sha "$GITHUB_SHA" --arg image "$IMAGE" \'.commit == $sha and any(.matrix.include[]; .image == $image)\' "$METADATA" > /dev/null \\',
        '  || { echo "::error::$METADATA is not this commit\'s build of $IMAGE"; exit 1; }',
      ].join('\n'),
    }),
    attestImageStep({
      name: `Attest the build metadata (${s.service})`,
      image: s.image,
      digest: s.digest,
      predicateType: BUILD_METADATA_PREDICATE_TYPE,
      predicate: metadataFile,
    }),
  ];
  workflow.addJob('attest-and-sign', {
    name: 'Attest build provenance and sign (cosign keyless)',
    runsOn: platform.runners.linux,
    permissions: { contents: 'read', packages: 'write', idToken: 'write', attestations: 'write' },
    timeoutMinutes: signingMinutes(subjects.length),
    // Release tags and the default branch: staging verifies the default branch's signatures before it deploys.
    if: isReleaseRef(platform).or(isDefaultBranchRef(platform)),
    steps: [
      registryLogin({ registry: platform.registry.host }),
      installCosign({ version: platform.toolchain.cosign }),
      downloadArtifact(
        { name: workflow.input('build_metadata_artifact').toString(), path: metadataDir },
        { name: 'Download the build metadata' },
      ),
      ...subjects.flatMap(signSteps),
    ],
  });
  return workflow;
}
