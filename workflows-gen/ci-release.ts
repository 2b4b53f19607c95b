import {
  BUILD_METADATA_PREDICATE_TYPE,
  Expression,
  github,
  guards,
  installCosign,
  registryLogin,
  releaseNotesStep,
  runStep,
  SecureWorkflow,
  serviceJobId,
  eachImageStep,
  verifyImageAttestationStep,
  verifyImageSignatureStep,
  type ActionPins,
  type Construct,
  type ExternalWorkflow,
  type JobStep,
  type Platform,
} from '../src';
import { checkSubjectStep, type ImageSubject } from './ci-provenance';
import { GITHUB_OIDC_ISSUER, GITHUB_SERVER, isReleaseRef, PROVENANCE_FILE, signingMinutes } from './delivery';
import { addImagePipeline, type DeliveryWorkflows } from './image-pipeline';

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
 * `.github/workflows/ci-release.yml`: for a release tag, the images built, published, smoke-tested,
 * scanned, attested and signed as on the default branch (see {@link addImagePipeline}); then SLSA level 3
 * provenance of each digest from the slsa-github-generator (one call per image: it takes one subject), a
 * job that verifies the signatures, attestations and provenance against the exact identities that made
 * them, the GitHub release, and the deploy of each environment that follows release tags — dispatched
 * as a run of its own (`cd-deploy-<environment>.yml` at this tag, with the verified digests), so the
 * rollout's jobs count toward their own run's 256, not this one's.
 */
export function ciReleaseWorkflow(
  scope: Construct,
  platform: Platform,
  pins: ActionPins,
  called: DeliveryWorkflows,
): SecureWorkflow {
  const workflow = new SecureWorkflow(scope, 'ci-release', {
    name: 'Release images',
    description:
      'For release tags: builds, publishes, smoke-tests, scans, attests and signs each service image by digest, adds SLSA L3 provenance, verifies every statement, creates the GitHub release, then dispatches the production deploy at the tag.',
    triggers: { push: { tags: [platform.releaseTags] } },
    // Runs of one tag queue, never cancelled (a re-pushed tag waits for the run before it).
    concurrency: { group: `${github.workflow}-${github.ref}`, cancelInProgress: false },
  });
  // A release builds from scratch: no layer cache another ref's build could have poisoned.
  const pipeline = addImagePipeline(workflow, platform, called, { layerCache: false });
  const isRelease = isReleaseRef(platform);
  const subjects: ImageSubject[] = platform.services.map((service) => ({
    service: service.name,
    image: service.imageRepository,
    digest: pipeline.digestOf(service.name),
  }));

  // The generator takes one subject per call: one call job per image.
  const slsa = subjects.map((s) =>
    workflow.addCallJob(serviceJobId('slsa', s.service), {
      name: `SLSA L3 provenance (${s.service})`,
      needs: pipeline.published,
      if: isRelease,
      workflow: SLSA_CONTAINER_GENERATOR,
      with: { image: s.image, digest: s.digest, 'registry-username': github.actor },
      secrets: { 'registry-password': Expression.raw('secrets.GITHUB_TOKEN') },
    }),
  );

  const verify = workflow.addJob('verify', {
    name: 'Verify provenance, attestations and signatures',
    runsOn: platform.runners.linux,
    permissions: { contents: 'read', packages: 'read', attestations: 'read' },
    timeoutMinutes: signingMinutes(subjects.length),
    needs: [...pipeline.published, ...slsa, pipeline.provenance],
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
      // Each check runs for every image in one step (eachImageStep): the file grows by a word per image.
      ...releaseVerificationSteps(platform, pins, subjects[0]!).map((step) =>
        eachImageStep({ name: `${step.props.name} (every image)`, step, images: subjects }),
      ),
    ],
  });

  // The GitHub release, once every gate passed: the pull requests merged since the previous release
  // tag (GitHub's generated notes) and the digests the release shipped. Never "latest": that stays
  // the app's, which people download (app-release.yml sets it).
  const notesFile = 'release-notes.md';
  const shipped = subjects.map((s, i) => ({ ...s, imageVar: `IMAGE_${i + 1}`, digestVar: `DIGEST_${i + 1}` }));
  const released = [...pipeline.gates, verify];
  workflow.addJob('github-release', {
    name: 'GitHub release with notes',
    runsOn: platform.runners.linux,
    permissions: { contents: 'write' },
    timeoutMinutes: 10,
    needs: released,
    if: guards.notPullRequest.and(isRelease),
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
              [s.imageVar, s.image],
              [s.digestVar, s.digest],
            ]),
          ),
        },
        run: [
          '{',
          '  echo; echo "## Images"; echo; echo "| Image | Digest |"; echo "| --- | --- |"',
          ...shipped.map((s) => `  printf '| %s | %s |\\n' "$${s.imageVar}" "$${s.digestVar}"`),
          '} >> "$NOTES"',
          'gh release create "$TAG" --verify-tag --latest=false --title "$TAG" --notes-file "$NOTES"',
        ].join('\n'),
      }),
    ],
  });

  // Each release-tag deployment runs as a workflow run of its own, dispatched at this tag (its
  // environment's tag rule holds; a tag does not move) with the digests verified above. Its own
  // concurrency group queues it behind a deploy of the same environment; it verifies the signatures
  // again before anything reaches a cluster.
  for (const deployment of platform.deployments.filter((d) => d.on === 'release-tag')) {
    const target = called.deploy.get(deployment.environment)!;
    const targetFile = target.filePath.split('/').pop()!;
    workflow.addJob(`deploy-${deployment.environment}`, {
      name: `Start the ${deployment.environment} deploy`,
      runsOn: platform.runners.linux,
      // Dispatching a workflow is the actions scope; nothing else.
      permissions: { actions: 'write' },
      timeoutMinutes: 5,
      needs: released,
      if: guards.notPullRequest.and(isRelease),
      steps: [
        runStep({
          name: `Dispatch ${targetFile} at this tag`,
          env: {
            GH_TOKEN: github.token,
            GH_REPO: github.repository,
            WORKFLOW: targetFile,
            // `service=digest` pairs on one line: a multi-line value holding expressions keeps its block's
            // indentation in GitHub's parser. jq makes the JSON object the deploy reads.
            SERVICE_DIGESTS: subjects.map((s) => `${s.service}=${s.digest}`).join(' '),
          },
          run: [
            'digests="$(jq -cn --arg pairs "$SERVICE_DIGESTS" \'$pairs | split(" ") | map(select(length > 0) | capture("^(?<service>[^=]+)=(?<digest>.*)$") | {(.service): .digest}) | add\')"',
            'gh workflow run "$WORKFLOW" --ref "$GITHUB_REF_NAME" -f digests="$digests"',
            'echo "Dispatched $WORKFLOW at $GITHUB_REF_NAME with $digests" >> "$GITHUB_STEP_SUMMARY"',
          ].join('\n'),
        }),
      ],
    });
  }
  return workflow;
}

/**
 * What ci-release's verify job checks for one image of a release, as steps that read `IMAGE` and
 * `DIGEST` from their env: the digest's form, the cosign signature and the build metadata attestation
 * (both by ci-provenance.yml at this run's ref and commit), GitHub's build-provenance attestation and
 * the SLSA provenance. The job runs each for every image; the runbook prints them for a person to run.
 */
export function releaseVerificationSteps(platform: Platform, pins: ActionPins, s: ImageSubject): JobStep[] {
  // The signing job runs inside ci-provenance.yml, so its certificates name that file at this run's
  // ref (the job_workflow_ref), not ci-release.yml.
  const signerWorkflow = `${platform.repository}/.github/workflows/${PROVENANCE_FILE}`;
  const signerIdentityAtRef = Expression.raw(
    `format('{0}/{1}@{2}', ${Expression.literal(GITHUB_SERVER)}, ${Expression.literal(signerWorkflow)}, github.ref)`,
  );
  // The builder id the provenance names: the generator's workflow at its tag.
  const slsaBuilder = `${GITHUB_SERVER}/${pins.resolve(SLSA_CONTAINER_GENERATOR.workflow).uses.replace('@', '@refs/tags/')}`;
  return [
    checkSubjectStep(s, 'Check the subject is a digest'),
    verifyImageSignatureStep({
      name: 'Verify the cosign signature',
      image: s.image,
      digest: s.digest,
      identity: { exact: signerIdentityAtRef },
      issuer: GITHUB_OIDC_ISSUER,
      repository: platform.repository,
      sameCommit: true,
      // For any image: the loop and the runbook set IMAGE.
      label: '',
    }),
    verifyImageAttestationStep({
      name: 'Verify the build metadata attestation',
      image: s.image,
      digest: s.digest,
      predicateType: BUILD_METADATA_PREDICATE_TYPE,
      identity: signerIdentityAtRef,
      issuer: GITHUB_OIDC_ISSUER,
      repository: platform.repository,
      predicateCommit: true,
    }),
    runStep({
      name: 'Verify the GitHub build-provenance attestation',
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
      name: 'Verify the SLSA provenance',
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
}
