import {
  addHelmRollout,
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

/**
 * `.github/workflows/cd-deploy-<environment>.yml`, one per deployment: called by ci-build-push after
 * the images are built, smoke-tested, scanned and signed, with the digests. First every digest's
 * cosign signature is verified against ci-provenance.yml at this run's ref and commit; only the
 * verified digests are deployed. Then, per rollout group (see {@link rolloutGroups}) after the groups
 * of the services it calls (tts before the agent that calls it), the environment's rollout stages:
 * canaries, watch windows, promotion, each stage rolling itself back on failure. A workflow per
 * environment, not one with an environment input: a call then holds (and GitHub counts) only its own
 * environment's jobs. Concurrency (one deploy per environment, never cancelled) is on the calling job.
 */
export function cdDeployWorkflow(scope: Construct, platform: Platform, deployment: Deployment): SecureWorkflow {
  const workflow = new SecureWorkflow(scope, cdDeployWorkflowId(deployment), {
    name: `Deploy to ${deployment.environment}`,
    description: `Called by ci-build-push: verifies each image digest's cosign signature, then rolls the services out to ${deployment.environment} by digest through its stages (canary, watch with smoke tests and an error-rate and latency gate on Prometheus or synthetic traffic, promotion), each stage rolling back on failure.`,
    triggers: {
      workflowCall: {
        inputs: Object.fromEntries(
          platform.services.map((s) => [
            digestInput(s),
            { description: `Digest of the ${s.name} image, sha256:…`, type: 'string' as const, required: true },
          ]),
        ),
      },
    },
    concurrency: false,
  });

  const verify = workflow.addJob('verify', {
    name: 'Verify the image signatures',
    runsOn: platform.runners.linux,
    permissions: { contents: 'read', packages: 'read' },
    timeoutMinutes: 10,
    steps: [
      registryLogin({ registry: platform.registry.host }),
      installCosign({ version: platform.toolchain.cosign }),
      // Signed by ci-provenance.yml in this very run: its ref and commit are this run's.
      ...platform.services.map((s) =>
        verifyImageSignatureStep({
          name: `Verify the signature of ${s.name}`,
          image: s.imageRepository,
          digest: workflow.input(digestInput(s)),
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
  for (const s of platform.services) verify.addOutput(`${s.name}-digest`, workflow.input(digestInput(s)));

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
