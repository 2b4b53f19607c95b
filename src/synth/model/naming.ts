import { CANARY_RELEASE_SUFFIX, IMAGE_PLATFORMS, IMAGES_PER_JOB, type ImageJobKind } from './limits';
import type { PlatformDefinition } from './platform-definition';
import type { Finding } from '../../common/errors';
import { APP_SCENARIO_PREFIX, serviceLoadScenario } from '../../common/performance-scenarios';

/**
 * The naming table: every name the pipelines and charts derive from a model name (a service or an
 * environment), declared once. The charts, the workflows and the runbook read these functions, and
 * {@link namingFindings} checks that no two model entries derive one name, so a rollout's
 * `helm uninstall` of its canary can never reach another service's release.
 */

/** Longest Helm release name (Helm refuses longer: the name goes into labels with a suffix). */
export const HELM_RELEASE_NAME_MAX = 53;

/** Longest Kubernetes object name that is also a DNS label (Services, label values). */
export const KUBERNETES_LABEL_MAX = 63;

/** A Helm release and the name its objects get (Deployment, Service, ConfigMap, ServiceAccount...). */
export interface ReleaseNames {
  readonly release: string;
  /** Its Deployment and Service name. */
  readonly fullname: string;
}

/** The fullname a release of `chart` gets without overrides (`_helpers.tpl`'s `nameFor`). */
export function nameFor(release: string, chart: string): string {
  return (release.includes(chart) ? release : `${release}-${chart}`).slice(0, KUBERNETES_LABEL_MAX).replace(/-+$/, '');
}

/** The stable and canary Helm releases of a service and the names their objects get. */
export function releasesOf(service: string): { readonly stable: ReleaseNames; readonly canary: ReleaseNames } {
  const canary = `${service}${CANARY_RELEASE_SUFFIX}`;
  return {
    stable: { release: service, fullname: nameFor(service, service) },
    canary: { release: canary, fullname: nameFor(canary, service) },
  };
}

/** The helm test pod of a release. */
export function testPodName(fullname: string): string {
  return `${fullname}-test-connection`;
}

/** A rollout stage's job under a prefix: the last stage (100 %) promotes, the others are canaries. */
export function rolloutStageJobId(prefix: string, stage: { readonly percent: number }): string {
  return `${prefix}-${stage.percent === 100 ? 'promote' : `canary-${stage.percent}`}`;
}

/**
 * A service's file on the performance-history branch: one history per scenario and conditions, so a
 * change of the model's rate, duration, warm-up or runner starts a new history instead of failing
 * every night against the old one.
 */
export function performanceHistoryFile(
  scenario: string,
  perf: { readonly rate: number; readonly durationSeconds: number; readonly warmupSeconds: number },
  runnerClass: string,
): string {
  return `${scenario}/rate-${perf.rate}_duration-${perf.durationSeconds}_warmup-${perf.warmupSeconds}_${runnerClass}.json`;
}

/**
 * The artifact a service's first rollout stage in an environment uploads for the later stages (its
 * stable and canary revisions before the rollout). Both environments' deploy workflows run inside
 * one ci-build-push run, so the name must be unique across environments: see {@link namingFindings}.
 */
export function rolloutRecordArtifact(environment: string, service: string): string {
  return `rollout-record-${environment}-${service}`;
}

/** What a service's rollout jobs in an environment start with (also its load-test scenario prefix). */
export function rolloutJobPrefix(environment: string, service: string): string {
  return `${environment}-${service}`;
}

/** What a per-service job does; its id is `<kind>-<service>` in the workflow that holds it. */
export type ServiceJobKind = 'lint' | 'test' | 'audit' | 'benchmark' | 'regression' | 'chart-lint' | 'slsa';

/** A per-service job id, e.g. `test-tts` in ci-test.yml; the chart lint of ci-helm-validate is `lint-<service>` there. */
export function serviceJobId(kind: ServiceJobKind, service: string): string {
  return `${kind === 'chart-lint' ? 'lint' : kind}-${service}`;
}

/** An image's pull-request build job id (ci-build.yml) and its build cache scope, for one architecture. */
export function imageBuildNames(
  service: string,
  arch: string,
): { readonly pullRequestJob: string; readonly cacheScope: string } {
  return {
    pullRequestJob: `pr-build-${service}-${arch}`,
    cacheScope: `${service}-${arch}`,
  };
}

/**
 * The images of one image job: consecutive runs of at most {@link IMAGES_PER_JOB}[kind] items, in
 * the model's order, numbered from 1 (so a platform that grows adds groups at the end).
 */
export function imageJobGroups<T>(items: readonly T[], kind: ImageJobKind): { index: number; members: T[] }[] {
  const size = IMAGES_PER_JOB[kind];
  const groups: { index: number; members: T[] }[] = [];
  for (let i = 0; i < items.length; i += size) {
    groups.push({ index: groups.length + 1, members: items.slice(i, i + size) });
  }
  return groups;
}

/**
 * The id of an image job of a group: `build-1-amd64`, `publish-1` (ci-build-push.yml), `scan-1`
 * (ci-security-images.yml). Those workflows hold no per-service job an id could meet.
 */
export function imageGroupJobId(kind: ImageJobKind, index: number, arch?: string): string {
  return [kind, index, ...(arch ? [arch] : [])].join('-');
}

/** The test report artifact of a service (ci-test.yml). */
export function testResultsArtifact(service: string): string {
  return `test-results-${service}`;
}

/** The artifacts one service's nightly load test writes in ci-performance.yml (one run holds every service's). */
export function performanceArtifacts(service: string): {
  readonly metrics: string;
  readonly history: string;
  readonly composeLogs: string;
} {
  return { metrics: `perf-${service}`, history: `perf-history-${service}`, composeLogs: `compose-logs-${service}` };
}

/** The concurrency group of every deploy and rollback of an environment: one at a time, never cancelled. */
export function deployConcurrencyGroup(environment: string): string {
  return `deploy-${environment}`;
}

/**
 * Derived names that two model entries would share, each finding naming both fields: Helm
 * releases and the objects they name in one namespace, the rollout records of one run, the nightly
 * load test's artifacts, and releases Helm would refuse as too long.
 */
export function namingFindings(def: PlatformDefinition): Finding[] {
  const findings: Finding[] = [];
  const scopes = new Map<NameScope, Map<string, { field: string; what: string }>>();
  const claim = (scope: NameScope, name: string, field: string, what: string) => {
    const names = scopes.get(scope) ?? new Map<string, { field: string; what: string }>();
    scopes.set(scope, names);
    const owner = names.get(name);
    if (owner && owner.field !== field) {
      findings.push({
        location: field,
        message: `its ${what} "${name}" is already the ${owner.what} of ${owner.field}: ${consequence(scope)}; choose another name`,
      });
    } else if (!owner) {
      names.set(name, { field, what });
    }
  };

  def.services.forEach((service, i) => {
    const field = `services[${i}].name`;
    const { stable, canary } = releasesOf(service.name);
    for (const [what, r] of [
      ['release', stable],
      ['canary release', canary],
    ] as const) {
      if (r.release.length > HELM_RELEASE_NAME_MAX) {
        findings.push({
          location: field,
          message: `its ${what} "${r.release}" is ${r.release.length} characters; Helm refuses release names over ${HELM_RELEASE_NAME_MAX}`,
        });
      }
      claim('release', r.release, field, `Helm ${what}`);
      claim('object', r.fullname, field, `${what}'s Deployment and Service`);
      claim('object', testPodName(r.fullname), field, `${what}'s helm test pod`);
    }
  });

  def.services.forEach((service, i) => {
    const field = `services[${i}].name`;
    for (const [workflow, kinds] of Object.entries(SERVICE_JOBS)) {
      for (const kind of kinds) claim(`job ${workflow}`, serviceJobId(kind, service.name), field, `${workflow} job`);
    }
    for (const { arch } of Object.values(IMAGE_PLATFORMS)) {
      const build = imageBuildNames(service.name, arch);
      claim('job ci-build', build.pullRequestJob, field, 'ci-build job');
      claim('cache', build.cacheScope, field, 'image build cache scope');
    }
    claim('artifact ci-test', testResultsArtifact(service.name), field, 'ci-test artifact');
  });

  def.services.forEach((service, i) => {
    if (!service.performance) return;
    for (const [what, name] of Object.entries(performanceArtifacts(service.name))) {
      claim('nightly artifact', name, `services[${i}].name`, `ci-performance ${what} artifact`);
    }
    // The app's histories sit beside the services' on the history branch, named by model at run time.
    const scenario = serviceLoadScenario(service.name);
    if (scenario.startsWith(APP_SCENARIO_PREFIX)) {
      findings.push({
        location: `services[${i}].name`,
        message: `its load-test history "${scenario}" starts like the app's transcription histories ("${APP_SCENARIO_PREFIX}<model>"): a model could share its history; choose another name`,
      });
    }
  });

  // Rollout job ids need no claim: each environment's jobs sit in a workflow of its own, and within
  // one the service names (unique) tell them apart. The rollout records share ci-build-push's run.
  def.environments.forEach((env, i) => {
    if (!env.deploy) return;
    def.services.forEach((service, j) => {
      claim(
        'artifact ci-build-push',
        rolloutRecordArtifact(env.name, service.name),
        `environments[${i}].name and services[${j}].name`,
        'rollout record artifact',
      );
    });
  });
  return findings;
}

/** The per-service jobs of each workflow. */
const SERVICE_JOBS: Readonly<Record<string, readonly ServiceJobKind[]>> = {
  'ci-test': ['lint', 'test'],
  'ci-security-deps': ['audit'],
  'ci-release': ['slsa'],
  'ci-performance': ['benchmark', 'regression'],
  'ci-helm-validate': ['chart-lint'],
};

/** Where a derived name must be unique: Helm releases and objects of a namespace, a workflow's jobs or a run's artifacts, build caches. */
type NameScope = 'release' | 'object' | 'cache' | 'nightly artifact' | `job ${string}` | `artifact ${string}`;

function consequence(scope: NameScope): string {
  if (scope.startsWith('job ')) return `${scope.slice(4)}.yml cannot hold two jobs of one id`;
  if (scope.startsWith('artifact ')) return 'one run cannot upload two artifacts of one name';
  switch (scope) {
    case 'cache':
      return 'two images would share one build cache';
    case 'release':
      return "one rollout would upgrade and uninstall the other's release";
    case 'object':
      return 'both releases would own one Kubernetes object';
    default:
      return 'one nightly run cannot upload two artifacts of one name';
  }
}
