import {
  clusterAccessPermissions,
  currentRevisionLines,
  HELM_TIMEOUT,
  HELM_WHEN_FREE_FUNCTION,
  portForwardScript,
  PORT_FORWARD_URL,
  clusterAccessSteps,
  HelmChart,
  installCosign,
  npmInstallSteps,
  registryLogin,
  runStep,
  stepOutput,
  SecureWorkflow,
  setupHelm,
  releasesOf,
  SMOKE_TEST,
  cliStep,
  status,
  verifyImageSignatureStep,
  type Construct,
  type Platform,
} from '../src';
import { GITHUB_OIDC_ISSUER, signerIdentity } from './delivery';

/** A regular expression matching a literal string. */
function literalPattern(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** The refs whose ci-provenance.yml runs may have signed an image an environment accepts. */
function acceptedSignerPattern(platform: Platform, onReleaseTags: boolean): string {
  const tags = `${literalPattern(platform.releaseTagRefPrefix)}.+`;
  return `^${literalPattern(signerIdentity(platform))}@(${onReleaseTags ? tags : `${literalPattern(platform.defaultBranchRef)}|${tags}`})$`;
}

/**
 * `.github/workflows/cd-rollback.yml`: on demand, one service of one environment back to an
 * earlier Helm revision or to a given digest. The target digest (the revision's, or the one
 * given) must carry a signature of ci-provenance.yml from a ref the environment accepts (release
 * tags for production) before anything changes; any canary is removed; then `helm test` and the
 * smoke test, and on failure the release returns to where it was. It joins no concurrency group:
 * a rollback is needed most while a release is parked at an approval gate, and a group would queue
 * it behind that release (and let the next release replace it while pending). It is dispatched at
 * the default branch, which the environments admit for that (Platform.environmentRefRules).
 */
export function cdRollbackWorkflow(scope: Construct, platform: Platform): SecureWorkflow | undefined {
  if (platform.deployments.length === 0) return undefined;
  const workflow = new SecureWorkflow(scope, 'cd-rollback', {
    name: 'Roll back a deployment',
    description:
      'On demand: one service of one environment back to a previous Helm revision or to a signed digest, verified with cosign first, then helm test and the smoke test; restores the release on failure.',
    triggers: {
      workflowDispatch: {
        inputs: {
          environment: {
            description: 'Environment',
            type: 'choice',
            options: platform.deployments.map((d) => d.environment),
            required: true,
          },
          service: {
            description: 'Service',
            type: 'choice',
            options: platform.services.map((s) => s.name),
            required: true,
          },
          revision: {
            description: 'Helm revision to return to (see helm history); or leave empty and give a digest',
            type: 'string',
            required: false,
            default: '',
          },
          digest: {
            description: 'Image digest (sha256:…) to deploy instead of a revision',
            type: 'string',
            required: false,
            default: '',
          },
        },
      },
    },
    // A revision or a digest, never both: the defaults alone name neither.
    dispatchExamples: [
      { label: 'to a Helm revision', inputs: { revision: '<number>' } },
      { label: 'to a signed digest', inputs: { digest: '<sha256:…>' } },
    ],
    // Starts at once, never queued behind a parked release, never replaced or cancelled by one.
    concurrency: false,
  });
  const inputs = {
    SERVICE: workflow.input('service'),
    REVISION: workflow.input('revision'),
    TARGET_DIGEST: workflow.input('digest'),
  };

  for (const deployment of platform.deployments) {
    const serviceCase = (field: (s: (typeof platform.services)[number]) => string) =>
      `case "$SERVICE" in\n${platform.services.map((s) => `  ${s.name}) ${field(s)} ;;`).join('\n')}\n  *) echo "::error::unknown service: $SERVICE"; exit 1 ;;\nesac`;
    const resolve = runStep({
      name: "Resolve the target (a revision's digest, or the digest given)",
      id: 'target',
      outputs: ['digest', 'image'],
      env: { ...inputs, NAMESPACE: deployment.namespace },
      run: [
        serviceCase((s) => `image=${s.imageRepository}`),
        'if [[ -n "$REVISION" && -n "$TARGET_DIGEST" ]]; then echo "::error::give a revision or a digest, not both"; exit 1; fi',
        'if [[ -n "$REVISION" ]]; then',
        '  [[ "$REVISION" =~ ^[1-9][0-9]*$ ]] || { echo "::error::revision must be a Helm revision number, got: $REVISION"; exit 1; }',
        '  digest="$(helm get values "$SERVICE" --namespace "$NAMESPACE" --revision "$REVISION" --all -o json | jq -r \'.image.digest // ""\')"',
        '  [[ -n "$digest" ]] || { echo "::error::revision $REVISION of $SERVICE ran no image digest; roll back to a digest instead"; exit 1; }',
        'elif [[ -n "$TARGET_DIGEST" ]]; then digest="$TARGET_DIGEST"',
        'else echo "::error::give a revision or a digest"; exit 1',
        'fi',
        '{ echo "digest=$digest"; echo "image=$image"; } >> "$GITHUB_OUTPUT"',
      ].join('\n'),
    });
    const out = (name: string) => stepOutput(resolve, name);
    const release = { NAMESPACE: deployment.namespace, SERVICE: inputs.SERVICE };
    const before = runStep({
      name: 'Record where the release is now',
      id: 'before',
      outputs: ['revision'],
      env: release,
      run: [...currentRevisionLines('revision', '$SERVICE'), 'echo "revision=$revision" >> "$GITHUB_OUTPUT"'].join(
        '\n',
      ),
    });
    workflow.addJob(`rollback-${deployment.environment}`, {
      name: `Roll back in ${deployment.environment}`,
      runsOn: platform.runners.linux,
      environment: deployment.githubEnvironment,
      permissions: { contents: 'read', packages: 'read', ...clusterAccessPermissions(deployment.clusterAuth) },
      timeoutMinutes: 30,
      if: workflow.input('environment').eq(deployment.environment),
      steps: [
        ...npmInstallSteps({ nodeVersion: platform.toolchain.node, cache: false }),
        setupHelm({ version: platform.toolchain.helm }),
        installCosign({ version: platform.toolchain.cosign }),
        registryLogin({ registry: platform.registry.host }),
        ...clusterAccessSteps(deployment.clusterAuth),
        resolve,
        // Whichever release tag (or, outside production, the default branch) signed it: a rollback goes to an older build.
        verifyImageSignatureStep({
          name: "Verify the target's signature",
          image: out('image'),
          digest: out('digest'),
          identity: { regexp: acceptedSignerPattern(platform, deployment.on === 'release-tag') },
          issuer: GITHUB_OIDC_ISSUER,
          repository: platform.repository,
        }),
        before,
        runStep({
          name: 'Roll back',
          env: {
            ...release,
            REVISION: inputs.REVISION,
            DIGEST: out('digest'),
            VALUES_FILE_NAME: HelmChart.valuesFileOf(deployment.environment),
          },
          run: [
            ...platform.services.map(
              (s) => `[[ "$SERVICE" != ${s.name} ]] || canary=${releasesOf(s.name).canary.release}`,
            ),
            HELM_WHEN_FREE_FUNCTION,
            'helm_when_free helm uninstall "$canary" --namespace "$NAMESPACE" --ignore-not-found --wait',
            'if [[ -n "$REVISION" ]]; then',
            `  helm_when_free helm rollback "$SERVICE" "$REVISION" --namespace "$NAMESPACE" --wait --timeout ${HELM_TIMEOUT}`,
            'else',
            '  helm_when_free helm upgrade --install "$SERVICE" "charts/$SERVICE" --namespace "$NAMESPACE" --values "charts/$SERVICE/$VALUES_FILE_NAME" \\',
            `    --set image.digest="$DIGEST" --atomic --wait --timeout ${HELM_TIMEOUT}`,
            'fi',
            'echo "$SERVICE in $NAMESPACE now runs $DIGEST" | tee -a "$GITHUB_STEP_SUMMARY"',
          ].join('\n'),
        }),
        runStep({
          name: 'helm test',
          env: release,
          run: 'helm test "$SERVICE" --namespace "$NAMESPACE" --logs --timeout 5m',
        }),
        ...platform.services.map((s) =>
          cliStep(SMOKE_TEST, {
            name: `Smoke-test ${s.name} (port-forward to its Service)`,
            if: inputs.SERVICE.eq(s.name),
            env: {
              NAMESPACE: deployment.namespace,
              PORT: s.port,
              TARGET: `service/${releasesOf(s.name).stable.fullname}`,
            },
            before: portForwardScript('"$TARGET"'),
            args: { baseUrl: PORT_FORWARD_URL, healthPath: s.healthPath, synthesisPath: s.synthesisPath },
          }),
        ),
        runStep({
          name: 'Restore the release (the rollback failed)',
          if: status.failure,
          env: { ...release, BEFORE: stepOutput(before, 'revision') },
          run: [
            '[[ -n "$BEFORE" ]] || { echo "::error::the rollback failed before anything changed"; exit 1; }',
            ...currentRevisionLines('current', '$SERVICE'),
            HELM_WHEN_FREE_FUNCTION,
            `[[ "$current" == "$BEFORE" ]] || helm_when_free helm rollback "$SERVICE" "$BEFORE" --namespace "$NAMESPACE" --wait --timeout ${HELM_TIMEOUT}`,
            'echo "::error::the rollback failed; $SERVICE is back at revision $BEFORE"',
            'exit 1',
          ].join('\n'),
        }),
      ],
    });
  }
  return workflow;
}
