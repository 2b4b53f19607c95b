import {
  attestImageStep,
  BUILD_METADATA_PREDICATE_TYPE,
  digestCheckLine,
  downloadArtifact,
  Expression,
  github,
  verifyImageAttestationStep,
  verifyImageSignatureStep,
  installCosign,
  attestBuildProvenance,
  registryLogin,
  runStep,
  SecureWorkflow,
  serviceJobId,
  type JobStep,
  type ActionPins,
  type Construct,
  type ExternalWorkflow,
  type Platform,
} from '../src';
import {
  BUILD_METADATA_FILE,
  digestInput,
  GITHUB_OIDC_ISSUER,
  GITHUB_SERVER,
  isDefaultBranchRef,
  isReleaseRef,
  PROVENANCE_FILE,
} from './delivery';

/**
 * The SLSA generator's container workflow. The lock pins it by tag (the generator verifies its own
 * ref: the one accepted tag pin).
 * @see https://github.com/slsa-framework/slsa-github-generator/blob/v2.1.0/.github/workflows/generator_container_slsa3.yml
 */
const SLSA_CONTAINER_GENERATOR: ExternalWorkflow = {
  workflow: 'slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml',
  inputs: [
    'image',
    'digest',
    'registry-username',
    'compile-generator',
    'private-repository',
    'continue-on-error',
    'gcp-workload-identity-provider',
    'gcp-service-account',
    'provenance-registry-username',
    'provenance-repository',
  ],
  secrets: [
    'registry-username',
    'registry-password',
    'image',
    'provenance-registry-username',
    'provenance-registry-password',
  ],
  // From the generator's documentation: read the workflow run, sign with OIDC, push the attestation.
  permissions: { actions: 'read', idToken: 'write', packages: 'write' },
};

/**
 * `.github/workflows/ci-provenance.yml`: for a release tag, three independent statements about each
 * service image's digest — SLSA level 3 provenance from the slsa-github-generator, GitHub's build
 * provenance attestation (pushed to the registry), and a cosign keyless signature — and a job that
 * verifies all three against the exact identities that made them. Called once by ci-build-push with
 * every image's digest: the generator is one job set per image (it takes one subject), while signing
 * and verifying are one job each for all images, so a run's job count grows by the generator's
 * three jobs per service and no more. Every job is also guarded by the ref itself.
 */
export function ciProvenanceWorkflow(scope: Construct, platform: Platform, pins: ActionPins): SecureWorkflow {
  const fileName = PROVENANCE_FILE;
  const workflow = new SecureWorkflow(scope, 'ci-provenance', {
    name: 'Provenance – release images',
    description:
      "For release tags: SLSA L3 provenance (slsa-github-generator), a GitHub build-provenance attestation and a cosign keyless signature of each service image's digest, then verification of all three; on the default branch the attestation and signature only (what a staging deploy verifies).",
    fileName,
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
  const isRelease = isReleaseRef(platform);
  // The default branch's images are signed too: staging verifies them before it deploys.
  const isSigned = isRelease.or(isDefaultBranchRef(platform));
  const subjects = platform.services.map((service) => ({
    service: service.name,
    image: service.imageRepository,
    digest: workflow.input(digestInput(service)),
  }));
  type Subject = (typeof subjects)[number];
  // Ten minutes sufficed for one image; each more adds its registry round trips.
  const timeoutMinutes = 10 + 2 * subjects.length;
  const checkDigest = (s: Subject) =>
    runStep({
      name: `Check the subject is a digest (${s.service})`,
      env: { IMAGE: s.image, DIGEST: s.digest },
      run:
        `${digestCheckLine('DIGEST')}\n` +
        '[[ "$IMAGE" != *@* && "${IMAGE##*/}" != *:* ]] || { echo "::error::image must be a repository without tag or digest: $IMAGE"; exit 1; }',
    });

  // The generator takes one subject per call: one call job per image.
  const slsa = subjects.map((s) =>
    workflow.addCallJob(serviceJobId('slsa', s.service), {
      name: `SLSA L3 provenance (${s.service})`,
      if: isRelease,
      workflow: SLSA_CONTAINER_GENERATOR,
      with: { image: s.image, digest: s.digest, 'registry-username': github.actor },
      secrets: { 'registry-password': Expression.raw('secrets.GITHUB_TOKEN') },
    }),
  );

  const metadataDir = 'build-metadata';
  const metadataFile = `${metadataDir}/${BUILD_METADATA_FILE}`;
  const signSteps = (s: Subject): JobStep[] => [
    checkDigest(s),
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
  const sign = workflow.addJob('attest-and-sign', {
    name: 'Attest build provenance and sign (cosign keyless)',
    runsOn: platform.runners.linux,
    permissions: { contents: 'read', packages: 'write', idToken: 'write', attestations: 'write' },
    timeoutMinutes,
    if: isSigned,
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

  // The signing jobs run inside this reusable workflow, so their certificates name this file at
  // the caller's ref (the job_workflow_ref), not ci-build-push.yml.
  const signerWorkflow = `${platform.repository}/.github/workflows/${fileName}`;
  const signerIdentityAtRef = Expression.raw(
    `format('{0}/{1}@{2}', ${Expression.literal(GITHUB_SERVER)}, ${Expression.literal(signerWorkflow)}, github.ref)`,
  );
  // The builder id the provenance names: the generator's workflow at its tag.
  const slsaBuilder = `${GITHUB_SERVER}/${pins.resolve(SLSA_CONTAINER_GENERATOR.workflow).uses.replace('@', '@refs/tags/')}`;
  const verifySteps = (s: Subject): JobStep[] => [
    checkDigest(s),
    verifyImageSignatureStep({
      name: `Verify the cosign signature (${s.service})`,
      image: s.image,
      digest: s.digest,
      identity: { exact: signerIdentityAtRef },
      issuer: GITHUB_OIDC_ISSUER,
      repository: platform.repository,
      sameCommit: true,
      // The runbook prints this step for any image: the step's name says which one it checks here.
      label: '',
    }),
    verifyImageAttestationStep({
      name: `Verify the build metadata attestation (${s.service})`,
      image: s.image,
      digest: s.digest,
      predicateType: BUILD_METADATA_PREDICATE_TYPE,
      identity: signerIdentityAtRef,
      issuer: GITHUB_OIDC_ISSUER,
      repository: platform.repository,
      predicateCommit: true,
    }),
    runStep({
      name: `Verify the GitHub build-provenance attestation (${s.service})`,
      env: {
        IMAGE: s.image,
        DIGEST: s.digest,
        GH_TOKEN: github.token,
        REPOSITORY: platform.repository,
        SIGNER_WORKFLOW: signerWorkflow,
      },
      run: [
        'gh attestation verify "oci://$IMAGE@$DIGEST" \\',
        '  --repo "$REPOSITORY" \\',
        '  --signer-workflow "$SIGNER_WORKFLOW" \\',
        '  --source-ref "$GITHUB_REF" \\',
        '  --deny-self-hosted-runners',
      ].join('\n'),
    }),
    runStep({
      name: `Verify the SLSA provenance (${s.service})`,
      env: {
        IMAGE: s.image,
        DIGEST: s.digest,
        SOURCE_URI: `github.com/${platform.repository}`,
        BUILDER_ID: slsaBuilder,
      },
      run: [
        'slsa-verifier verify-image "$IMAGE@$DIGEST" \\',
        '  --source-uri "$SOURCE_URI" \\',
        '  --source-tag "$GITHUB_REF_NAME" \\',
        '  --builder-id "$BUILDER_ID"',
      ].join('\n'),
    }),
  ];
  workflow.addJob('verify', {
    name: 'Verify provenance, attestations and signatures',
    runsOn: platform.runners.linux,
    permissions: { contents: 'read', packages: 'read', attestations: 'read' },
    timeoutMinutes,
    needs: [...slsa, sign],
    if: isRelease,
    steps: [
      registryLogin({ registry: platform.registry.host }),
      installCosign({ version: platform.toolchain.cosign }),
      runStep({
        name: `Install slsa-verifier ${platform.toolchain.slsaVerifier}`,
        // go install checks the module against the Go checksum database: pinned by version and checksum.
        env: { SLSA_VERIFIER_VERSION: platform.toolchain.slsaVerifier },
        run: 'go install "github.com/slsa-framework/slsa-verifier/v2/cli/slsa-verifier@$SLSA_VERIFIER_VERSION"\necho "$(go env GOPATH)/bin" >> "$GITHUB_PATH"',
      }),
      ...subjects.flatMap(verifySteps),
    ],
  });
  return workflow;
}
