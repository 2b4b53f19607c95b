/**
 * Facts several layers check (the model, the kits, the policy rules, the chart schema), declared
 * once. Each says why it is what it is.
 */

/** Dependabot's schedule days. */
export const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/**
 * Attempts at pushing to a branch another writer may move (the app feed, the performance history)
 * before a job gives up: each refused push starts again from the branch's new head.
 */
export const BRANCH_PUSH_ATTEMPTS = 3;

/** Log levels the services accept (Python's logging names). */
export const LOG_LEVELS = ['debug', 'info', 'warning', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Fewest replicas of a service: a PodDisruptionBudget needs a spare pod to let a node drain. */
export const MIN_REPLICAS = 2;

/** Most replicas an environment may scale a service to. */
export const MAX_REPLICAS = 100;

/**
 * Days a new release must age before Dependabot proposes it. At least 3: most malicious
 * releases are found and pulled within days (security-standards.md).
 */
export const COOLDOWN_DAYS = { min: 3, max: 90 } as const;

/**
 * Images one job handles, by kind of image job: the builds of one architecture and the manifest
 * lists with their SBOMs (ci-build-push.yml), the Trivy scans (ci-security-images.yml). A job per
 * image passes GitHub's 256 jobs per run at about 20 services; a job per group keeps a run of 60
 * inside it, and repeats its set-up (checkout, Buildx, registry login, Trivy's database) once per group
 * instead of once per image. Builds take minutes each, so their groups are the smallest: a group's
 * images build one after another.
 */
export const IMAGES_PER_JOB = { build: 3, publish: 8, scan: 8 } as const;
export type ImageJobKind = keyof typeof IMAGES_PER_JOB;

/** The pattern of a GitHub Actions identifier (job ids, input names, step ids), unanchored. */
export const IDENTIFIER_PATTERN = '[A-Za-z_][A-Za-z0-9_-]*';

/** A whole GitHub Actions identifier. */
export const IDENTIFIER = new RegExp(`^${IDENTIFIER_PATTERN}$`);

/** `hh:mm` on a 24-hour clock. */
export function timeOfDayProblem(value: string): string | undefined {
  return /^([01]\d|2[0-3]):[0-5]\d$/.test(value) ? undefined : `"${value}" must be hh:mm (24 h)`;
}

/** Why a cooldown is not allowed, or undefined. */
export function cooldownProblem(days: unknown): string | undefined {
  return typeof days === 'number' && Number.isInteger(days) && days >= COOLDOWN_DAYS.min && days <= COOLDOWN_DAYS.max
    ? undefined
    : `must be an integer from ${COOLDOWN_DAYS.min} to ${COOLDOWN_DAYS.max} days, got ${JSON.stringify(days)}`;
}

/**
 * Node.js majors the generated workflows may set up: the LTS lines still supported (Node 20
 * reached end of life on 2026-04-30, Node 22 ends on 2027-04-30, Node 24 on 2028-04-30).
 */
export const SUPPORTED_NODE_MAJORS = ['22', '24'] as const;

/**
 * The image platforms the delivery builds, each on its native GitHub-hosted runner: emulating
 * arm64 with QEMU on an amd64 runner is about 7× slower (pipeline-performance.md). `runner` names
 * the field of `runners` that gives the label; `arch` is the short name used in job ids and cache scopes.
 */
export const IMAGE_PLATFORMS = {
  'linux/amd64': { arch: 'amd64', runner: 'linux' },
  'linux/arm64': { arch: 'arm64', runner: 'linuxArm' },
} as const;
export type ImagePlatform = keyof typeof IMAGE_PLATFORMS;

/** Platforms built when a service names none: both, so the images run on x86 and Graviton/Ampere nodes. */
export const DEFAULT_IMAGE_PLATFORMS: readonly ImagePlatform[] = ['linux/amd64', 'linux/arm64'];

/** The glob of release tags (semantic versions with a `v`), used by `on.push.tags`. */
export const DEFAULT_RELEASE_TAG_GLOB = 'v*.*.*';

/**
 * The numeric user and group the service containers run as, in every runtime (chart, compose):
 * non-root, above the range distributions give system users, and numeric so it needs no
 * `/etc/passwd` entry in the image.
 */
export const CONTAINER_USER_ID = 10001;

/** Log level of a service unless an environment sets another. */
export const DEFAULT_LOG_LEVEL: LogLevel = 'info';

/** When stale Actions caches are deleted unless the model says otherwise: daily, 03:30 UTC. */
export const DEFAULT_CACHE_CLEANUP_SCHEDULE = '30 3 * * *';

/** How a probe is timed (the kubelet's fields). */
export interface ProbeTiming {
  readonly periodSeconds: number;
  readonly timeoutSeconds: number;
  readonly failureThreshold: number;
}

/**
 * The charts' probe defaults. Readiness answers "send me traffic" and may flap briefly; liveness
 * answers "restart me" and must not fire on a CPU-saturated service answering late, so it waits
 * longer and gives up later; startup covers model loading (up to 24 × 5 s = 2 min).
 */
export const PROBE_DEFAULTS: {
  readonly readiness: ProbeTiming;
  readonly liveness: ProbeTiming;
  readonly startup: ProbeTiming;
} = {
  readiness: { periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 },
  liveness: { periodSeconds: 15, timeoutSeconds: 10, failureThreshold: 6 },
  startup: { periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 24 },
};

/**
 * Seconds a terminating pod keeps serving before SIGTERM: endpoints and kube-proxy need a few
 * seconds to stop sending it requests, so in-flight and late-routed calls are not cut.
 */
export const DEFAULT_PRE_STOP_SECONDS = 10;

/** Grace period: the pre-stop pause plus time to finish the longest request. */
export const DEFAULT_TERMINATION_GRACE_SECONDS = 45;

/**
 * The oldest Kubernetes minor the charts support (their Chart.yaml kubeVersion); the version the
 * manifests are validated against (`toolchain.kubernetes`) must not be older.
 */
export const KUBERNETES_MINIMUM = '1.30';

/**
 * JSON schemas of the custom resources the charts render (ServiceMonitor, HTTPRoute), for
 * kubeconform: the community CRDs catalog at a fixed commit (its files change on main), in
 * kubeconform's schema-location template.
 */
export const CRD_SCHEMA_LOCATION =
  'https://raw.githubusercontent.com/datreeio/CRDs-catalog/7b1e26ef9deea49293714d204c1a2270aab1178f/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json';

/** Where the services expose Prometheus metrics (on their HTTP port). */
export const DEFAULT_METRICS_PATH = '/metrics';

/**
 * Pod label naming the release whose Service sends traffic to the pod: a stable release's own
 * name, or for a replica-ratio canary the stable release it joins. Services and callers' egress
 * rules select by it, so a canary's pods take their share without overlapping Deployment selectors.
 */
export const SERVES_LABEL = 'voice-platform/serves';

export { TRACK_LABEL } from '../../common/canary-metrics';

/** Name suffix of a service's canary release: `tts` → `tts-canary`. */
export const CANARY_RELEASE_SUFFIX = '-canary';

/** The rollout stages when an environment names none: 10 %, 50 %, then 100 %, each watched 10 minutes. */
export const DEFAULT_ROLLOUT: readonly { readonly percent: number; readonly watchMinutes: number }[] = [
  { percent: 10, watchMinutes: 10 },
  { percent: 50, watchMinutes: 10 },
  { percent: 100, watchMinutes: 10 },
];

/** Highest error rate (%) of a watch window's synthetic traffic. */
export const DEFAULT_MAX_ERROR_RATE_PCT = 1;
/**
 * Highest error-rate limit a watch may have: above it the gate passes a canary that fails one
 * request in ten, which is a broken release, not noise.
 */
export const MAX_ERROR_RATE_LIMIT_PCT = 10;

/**
 * The Prometheus endpoint (HTTP API) a deploy environment's watch windows read real traffic from,
 * and the optional bearer token it takes: variables and secrets of the GitHub environment. Unset:
 * the watch sends synthetic traffic through a port-forward instead.
 */
export const PROMETHEUS_SETTINGS = { urlVariable: 'PROMETHEUS_URL', tokenSecret: 'PROMETHEUS_TOKEN' } as const;

/**
 * Defaults of a canary analysis on Prometheus: the canary's p95 latency may exceed the stable
 * release's by this share, and a window needs this many of the canary's requests to be judged (at the
 * default 1 % error-rate limit, one failed request in a hundred).
 */
export const DEFAULT_CANARY_ANALYSIS = { maxP95IncreasePct: 25, minRequests: 100 } as const;

/** Seconds between two checks of a watch window on Prometheus (two scrapes at the charts' 30 s interval). */
export const CANARY_CHECK_INTERVAL_SECONDS = 60;

/** Requests per second of a watch window's synthetic traffic: enough to see errors, not load. */
export const WATCH_RATE_RPS = 2;

/** Longest watch of one stage: a job must finish within GitHub's limits with room for installs. */
export const MAX_WATCH_MINUTES = 120;

/** Branch the nightly performance history is kept on. */
export const DEFAULT_PERFORMANCE_HISTORY_BRANCH = 'perf-history';

/** Branch holding the app's `appcast.xml`. */
export const DEFAULT_FEED_BRANCH = 'appcast';

/** The GitHub environment's secret holding a kubeconfig, when the model names none. */
export const DEFAULT_KUBECONFIG_SECRET = 'KUBECONFIG';

/** Default GitHub environments of the app's release steps. */
export const DEFAULT_APP_RELEASE_ENVIRONMENTS = {
  beta: 'app-beta',
  phased: 'app-phased',
  everyone: 'app-everyone',
} as const;

/** Secrets and the variable of the app's release, named once (the workflow reads them, the runbook lists them). */
export const APP_RELEASE_SECRETS = {
  certificateP12: 'DEVELOPER_ID_CERTIFICATE_P12',
  certificatePassword: 'DEVELOPER_ID_CERTIFICATE_PASSWORD',
  notaryAppleId: 'NOTARY_APPLE_ID',
  notaryPassword: 'NOTARY_APP_PASSWORD',
  sparkleKey: 'SPARKLE_ED_PRIVATE_KEY',
} as const;

/** The secret holding the token that pushes the action-pin branch and opens its pull request (update-actions.yml). */
export const ACTIONS_UPDATE_TOKEN = 'ACTIONS_UPDATE_TOKEN';

/** The Apple team id's variable (not a secret: every signature names it). */
export const APPLE_TEAM_VARIABLE = 'APPLE_TEAM_ID';

/**
 * The app's health endpoint (app health v1) the phased and everyone stages read a build's
 * crash-free sessions from, and the optional bearer token it takes. Unset: the stages say so and go on.
 */
export const APP_HEALTH_SETTINGS = { urlVariable: 'APP_HEALTH_URL', tokenSecret: 'APP_HEALTH_TOKEN' } as const;

/** Defaults of a release's health limits: crash-free sessions in percent, sessions needed to judge. */
export const DEFAULT_APP_HEALTH_LIMITS = { minCrashFreeSessionsPct: 99.5, minSessions: 500 } as const;
