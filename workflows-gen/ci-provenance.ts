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
  type ActionPins,
  type Construct,
  type ExternalWorkflow,
  type Platform,
} from '../src';
import {
  BUILD_METADATA_FILE,
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
 * `.github/workflows/ci-provenance.yml`: for a release tag only, three independent statements about
 * one image digest — SLSA level 3 provenance from the slsa-github-generator, GitHub's build
 * provenance attestation (pushed to the registry), and a cosign keyless signature — and a job
 * that verifies all three against the exact identities that made them. Called by ci-build-push
 * once per service; every job is also guarded by the tag itself.
 */
export function ciProvenanceWorkflow(scope: Construct, platform: Platform, pins: ActionPins): SecureWorkflow {
  const fileName = PROVENANCE_FILE;
  const workflow = new SecureWorkflow(scope, 'ci-provenance', {
    name: 'Provenance – release images',
    description:
      'For release tags: SLSA L3 provenance (slsa-github-generator), a GitHub build-provenance attestation and a cosign keyless signature of an image digest, then verification of all three; on the default branch the attestation and signature only (what a staging deploy verifies).',
    fileName,
    triggers: {
      workflowCall: {
        inputs: {
          image: { description: 'Image repository without tag, e.g. ghcr.io/org/tts', type: 'string', required: true },
          digest: { description: 'Image digest, sha256:…', type: 'string', required: true },
          build_metadata_artifact: {
            description: "Name of this run's artifact holding build-metadata.json, attested beside the image",
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
  const image = workflow.input('image');
  const digest = workflow.input('digest');
  const subject = { IMAGE: image, DIGEST: digest };
  const checkDigest = runStep({
    name: 'Check the subject is a digest',
    env: subject,
    run:
      `${digestCheckLine('DIGEST')}\n` +
      '[[ "$IMAGE" != *@* && "${IMAGE##*/}" != *:* ]] || { echo "::error::image must be a repository without tag or digest: $IMAGE"; exit 1; }',
  });

  const slsa = workflow.addCallJob('slsa', {
    name: 'SLSA L3 provenance',
    if: isRelease,
    workflow: SLSA_CONTAINER_GENERATOR,
    with: { image: image, digest: digest, 'registry-username': github.actor },
    secrets: { 'registry-password': Expression.raw('secrets.GITHUB_TOKEN') },
  });

  const metadataDir = 'build-metadata';
  const metadataFile = `${metadataDir}/${BUILD_METADATA_FILE}`;
  const sign = workflow.addJob('attest-and-sign', {
    name: 'Attest build provenance and sign (cosign keyless)',
    runsOn: platform.runners.linux,
    permissions: { contents: 'read', packages: 'write', idToken: 'write', attestations: 'write' },
    timeoutMinutes: 10,
    if: isSigned,
    steps: [
      checkDigest,
      registryLogin({ registry: platform.registry.host }),
      attestBuildProvenance({ subjectName: image, subjectDigest: digest }),
      installCosign({ version: platform.toolchain.cosign }),
      // By digest, never by tag: the signature covers exactly the bytes that were built.
      runStep({ name: 'Sign the image by digest', env: subject, run: 'cosign sign --yes "$IMAGE@$DIGEST"' }),
      downloadArtifact(
        { name: workflow.input('build_metadata_artifact').toString(), path: metadataDir },
        { name: 'Download the build metadata' },
      ),
      // The document must describe this commit and list this image before it is signed as its metadata.
      runStep({
        name: 'Check the build metadata describes this image',
        env: { IMAGE: image, METADATA: metadataFile },
        run: [
          'jq -e --arg sha "$GITHUB_SHA" --arg image "$IMAGE" \'.commit == $sha and any(.matrix.include[]; .image == $image)\' "$METADATA" > /dev/null \\',
          '  || { echo "::error::$METADATA is not this commit\'s build of $IMAGE"; exit 1; }',
        ].join('\n'),
      }),
      attestImageStep({
        name: 'Attest the build metadata',
        image,
        digest,
        predicateType: BUILD_METADATA_PREDICATE_TYPE,
        predicate: metadataFile,
      }),
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
  workflow.addJob('verify', {
    name: 'Verify provenance, attestation and signature',
    runsOn: platform.runners.linux,
    permissions: { contents: 'read', packages: 'read', attestations: 'read' },
    timeoutMinutes: 10,
    needs: [slsa, sign],
    if: isRelease,
    steps: [
      checkDigest,
      registryLogin({ registry: platform.registry.host }),
      installCosign({ version: platform.toolchain.cosign }),
      runStep({
        name: `Install slsa-verifier ${platform.toolchain.slsaVerifier}`,
        // go install checks the module against the Go checksum database: pinned by version and checksum.
        env: { SLSA_VERIFIER_VERSION: platform.toolchain.slsaVerifier },
        run: 'go install "github.com/slsa-framework/slsa-verifier/v2/cli/slsa-verifier@$SLSA_VERIFIER_VERSION"\necho "$(go env GOPATH)/bin" >> "$GITHUB_PATH"',
      }),
      verifyImageSignatureStep({
        name: 'Verify the cosign signature',
        image,
        digest,
        identity: { exact: signerIdentityAtRef },
        issuer: GITHUB_OIDC_ISSUER,
        repository: platform.repository,
        sameCommit: true,
      }),
      verifyImageAttestationStep({
        name: 'Verify the build metadata attestation',
        image,
        digest,
        predicateType: BUILD_METADATA_PREDICATE_TYPE,
        identity: signerIdentityAtRef,
        issuer: GITHUB_OIDC_ISSUER,
        repository: platform.repository,
        predicateCommit: true,
      }),
      runStep({
        name: 'Verify the GitHub build-provenance attestation',
        env: { ...subject, GH_TOKEN: github.token, REPOSITORY: platform.repository, SIGNER_WORKFLOW: signerWorkflow },
        run: [
          'gh attestation verify "oci://$IMAGE@$DIGEST" \\',
          '  --repo "$REPOSITORY" \\',
          '  --signer-workflow "$SIGNER_WORKFLOW" \\',
          '  --source-ref "$GITHUB_REF" \\',
          '  --deny-self-hosted-runners',
        ].join('\n'),
      }),
      runStep({
        name: 'Verify the SLSA provenance',
        env: { ...subject, SOURCE_URI: `github.com/${platform.repository}`, BUILDER_ID: slsaBuilder },
        run: [
          'slsa-verifier verify-image "$IMAGE@$DIGEST" \\',
          '  --source-uri "$SOURCE_URI" \\',
          '  --source-tag "$GITHUB_REF_NAME" \\',
          '  --builder-id "$BUILDER_ID"',
        ].join('\n'),
      }),
    ],
  });
  return workflow;
}
