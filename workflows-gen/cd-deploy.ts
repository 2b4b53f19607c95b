import {
  addHelmRollout,
  deployConcurrencyGroup,
  runStep,
  stepOutput,
  CANARY_CHECK_INTERVAL_SECONDS,
  performanceHistoryFile,
  serviceLoadScenario,
  DEFAULT_METRICS_PATH,
  Expression,
  PROMETHEUS_SETTINGS,
  releasesOf,
  rolloutJobPrefix,
  HelmChart,
  installCosign,
  registryLogin,
  secret,
  SecureWorkflow,
  variable,
  verifyImageSignatureStep,
  WATCH_RATE_RPS,
  type Construct,
  type Deployment,
  type Platform,
  type SecureJob,
  type Service,
} from '../src';
import {
  canaryModeOf,
  digestInput,
  GITHUB_OIDC_ISSUER,
  isDefaultBranchRef,
  isReleaseRef,
  signerIdentity,
} from './delivery';

/** The refs a deployment's jobs run from: release tags for a release-tag deployment, else the default branch. */
export function deploymentRefCondition(platform: Platform, deployment: Deployment): Expression {
  return deployment.on === 'release-tag' ? isReleaseRef(platform) : isDefaultBranchRef(platform);
}

/** Services one rollout deploys side by side: the same dependency wave and the same shape of steps. */
interface RolloutGroup {
  readonly services: readonly Service[];
}

/**
 * The services of a deployment in rollout groups, callees' groups first. A service's wave is one more
 * than the highest wave of the services it calls (a service that calls none is in wave 0); the services
 * of a wave whose rollouts have the same steps (canary mode, synthesis path, public URL, nightly history
 * and its thresholds) are one group, deployed as one matrix, so the workflow grows by a matrix entry per
 * service instead of by a job per stage and service.
 */
export function rolloutGroups(platform: Platform, deployment: Deployment): RolloutGroup[] {
  const wave = new Map<string, number>();
  // platform.services lists each service after the services it calls.
  for (const s of platform.services) wave.set(s.name, Math.max(-1, ...s.calls.map((c) => wave.get(c)!)) + 1);
  const groups = new Map<string, Service[]>();
  for (const s of platform.services) {
    const shape = JSON.stringify([
      wave.get(s.name),
      canaryModeOf(deployment, s),
      s.synthesisPath !== undefined,
      deployment.urls[s.name] !== undefined,
      s.performance ? (s.performance.thresholds ?? {}) : null,
    ]);
    groups.set(shape, [...(groups.get(shape) ?? []), s]);
  }
  return [...groups.values()]
    .map((services) => ({ services }))
    .sort((a, b) => wave.get(a.services[0]!.name)! - wave.get(b.services[0]!.name)!);
}

/** The file name of a deployment's workflow, `cd-deploy-<environment>`: one per environment. */
export function cdDeployWorkflowId(deployment: Deployment): string {
  return `cd-deploy-${deployment.environment}`;
}

/** The input of a dispatched deploy: every service's digest, as one JSON object. */
export const DEPLOY_DIGESTS_INPUT = 'digests';

/**
 * `.github/workflows/cd-deploy-<environment>.yml`, one per deployment, after the images are built,
 * smoke-tested, scanned and signed: an environment that follows the default branch is called by
 * ci-build-push with each digest (an input per service); one that follows release tags is dispatched
 * by ci-release at the tag, as a run of its own, with every digest in one JSON input (GitHub allows a
 * dispatch few inputs), and queues by its environment's concurrency group. First every digest's cosign
 * signature is verified against ci-provenance.yml at this run's ref and commit; only the verified
 * digests are deployed. Then, per rollout group (see {@link rolloutGroups}) after the groups of the
 * services it calls (tts before the agent that calls it), the environment's rollout stages: canaries,
 * watch windows, promotion, each stage rolling itself back on failure. A workflow per environment,
 * not one with an environment input: a run then holds (and GitHub counts) only its own environment's
 * jobs.
 */
export function cdDeployWorkflow(scope: Construct, platform: Platform, deployment: Deployment): SecureWorkflow {
  const dispatched = deployment.on === 'release-tag';
  const workflow = new SecureWorkflow(scope, cdDeployWorkflowId(deployment), {
    name: `Deploy to ${deployment.environment}`,
    description: `${dispatched ? 'Dispatched by ci-release at a release tag' : 'Called by ci-build-push for the default branch'}: verifies each image digest's cosign signature, then rolls the services out to ${deployment.environment} by digest through its stages (canary, watch with smoke tests and an error-rate and latency gate on Prometheus or synthetic traffic, promotion), each stage rolling back on failure.`,
    triggers: dispatched
      ? {
          workflowDispatch: {
            inputs: {
              [DEPLOY_DIGESTS_INPUT]: {
                description: `The images to deploy: a JSON object of service name to digest (sha256:…), every service of the platform (${platform.services.map((s) => s.name).join(', ')})`,
                type: 'string' as const,
                required: true,
              },
            },
          },
        }
      : {
          workflowCall: {
            inputs: Object.fromEntries(
              platform.services.map((s) => [
                digestInput(s),
                { description: `Digest of the ${s.name} image, sha256:…`, type: 'string' as const, required: true },
              ]),
            ),
          },
        },
    // A person re-deploys a release at its tag: the rollout's jobs run for release tags only.
    dispatchRef: dispatched ? `${platform.releaseTagPrefix}${platform.version}` : undefined,
    // A dispatched deploy is a run of its own: one per environment at a time, queued, never cancelled
    // (a cancelled rollout would strand a canary). A called one queues by its calling job.
    concurrency: dispatched
      ? { group: deployConcurrencyGroup(deployment.environment), cancelInProgress: false }
      : false,
  });

  // A dispatch's digests arrive as one JSON object: read and check each service's before anything uses it.
  const read = dispatched
    ? runStep({
        name: 'Read the digests',
        id: 'digests',
        outputs: platform.services.map((s) => s.name),
        env: {
          DIGESTS: workflow.input(DEPLOY_DIGESTS_INPUT),
          SERVICES: platform.services.map((s) => s.name).join(' '),
        },
        run: [
          'jq -e \'type == "object"\' <<< "$DIGESTS" > /dev/null \\',
          '  || { echo "::error::digests must be a JSON object of service name to digest, got: $DIGESTS"; exit 1; }',
          'unknown="$(jq -r --arg services "$SERVICES" \'keys - ($services | split(" ")) | join(", ")\' <<< "$DIGESTS")"',
          '[ -z "$unknown" ] || { echo "::error::digests names services this platform does not have: $unknown"; exit 1; }',
          'for service in $SERVICES; do',
          '  digest="$(jq -r --arg service "$service" \'.[$service] // "" | strings\' <<< "$DIGESTS")"',
          '  [[ "$digest" =~ ^sha256:[0-9a-f]{64}$ ]] || { echo "::error::$service: not an image digest: \'$digest\'"; exit 1; }',
          '  echo "$service=$digest" >> "$GITHUB_OUTPUT"',
          'done',
        ].join('\n'),
      })
    : undefined;
  const digestOf = (s: Service) => (read ? stepOutput(read, s.name) : workflow.input(digestInput(s)));

  const verify = workflow.addJob('verify', {
    name: 'Verify the image signatures',
    runsOn: platform.runners.linux,
    permissions: { contents: 'read', packages: 'read' },
    timeoutMinutes: 10,
    steps: [
      ...(read ? [read] : []),
      registryLogin({ registry: platform.registry.host }),
      installCosign({ version: platform.toolchain.cosign }),
      // Signed by ci-provenance.yml for this ref and commit (ci-build-push's or ci-release's run).
      ...platform.services.map((s) =>
        verifyImageSignatureStep({
          name: `Verify the signature of ${s.name}`,
          image: s.imageRepository,
          digest: digestOf(s),
          identity: {
            exact: Expression.raw(`format('{0}@{1}', ${Expression.literal(signerIdentity(platform))}, github.ref)`),
          },
          issuer: GITHUB_OIDC_ISSUER,
          repository: platform.repository,
          sameCommit: true,
        }),
      ),
    ],
  });
  // Later jobs read the digests from here, so nothing unverified can reach a cluster.
  for (const s of platform.services) verify.addOutput(`${s.name}-digest`, digestOf(s));

  // The rollout job of each service, to make the services that call it wait for its promotion.
  const promotionOf = new Map<string, SecureJob>();
  for (const group of rolloutGroups(platform, deployment)) {
    const first = group.services[0]!;
    const rollout = addHelmRollout(workflow, {
      idPrefix: rolloutJobPrefix(deployment.environment, first.name),
      environmentName: deployment.environment,
      targets: group.services.map((service) => {
        const { stable, canary } = releasesOf(service.name);
        return {
          serviceName: service.name,
          chart: `charts/${service.name}`,
          valuesFile: `charts/${service.name}/${HelmChart.valuesFileOf(deployment.environment)}`,
          stable,
          canary,
          port: service.port,
          digest: verify.output(`${service.name}-digest`),
          healthPath: service.healthPath,
          synthesisPath: service.synthesisPath,
          url: deployment.urls[service.name],
          // A synthetic watch beside the service's nightly history (informational: other rate, other path).
          nightlyHistoryFile: service.performance
            ? performanceHistoryFile(serviceLoadScenario(service.name), service.performance, platform.runners.linux)
            : undefined,
          watchScenario: `${rolloutJobPrefix(deployment.environment, service.name)}-watch`,
        };
      }),
      runsOn: platform.runners.linux,
      environment: deployment.githubEnvironment,
      access: deployment.clusterAuth,
      helmVersion: platform.toolchain.helm,
      nodeVersion: platform.toolchain.node,
      namespace: deployment.namespace,
      stages: deployment.rollout,
      canaryMode: canaryModeOf(deployment, first),
      watchRate: WATCH_RATE_RPS,
      maxErrorRatePct: deployment.maxErrorRatePct,
      ...(first.performance
        ? {
            nightlyHistory: {
              branch: platform.performanceHistoryBranch,
              thresholds: first.performance.thresholds,
            },
          }
        : {}),
      // Set in the environment, the watch windows judge the real traffic instead of synthetic requests.
      prometheus: {
        url: variable(PROMETHEUS_SETTINGS.urlVariable),
        token: { env: PROMETHEUS_SETTINGS.tokenSecret, value: secret(PROMETHEUS_SETTINGS.tokenSecret) },
        ...deployment.canaryAnalysis,
        excludeHandlers: [DEFAULT_METRICS_PATH],
        intervalSeconds: CANARY_CHECK_INTERVAL_SECONDS,
      },
      // A service goes after the services it calls are fully promoted.
      needs: [verify, ...new Set(group.services.flatMap((s) => s.calls.map((callee) => promotionOf.get(callee)!)))],
      // A called workflow runs at its caller's ref: the environment's ref rule, checked again here.
      if: deploymentRefCondition(platform, deployment),
    });
    for (const service of group.services) promotionOf.set(service.name, rollout.promotion);
  }
  return workflow;
}

/** The deploy workflow of each environment, by environment name. */
export function cdDeployWorkflows(scope: Construct, platform: Platform): ReadonlyMap<string, SecureWorkflow> {
  return new Map(platform.deployments.map((d) => [d.environment, cdDeployWorkflow(scope, platform, d)]));
}
