import type { ImagePlatform, LogLevel, Weekday } from './limits';
import type { RegressionThresholds } from '../../common/regression-thresholds';

/**
 * The platform model: plain, readonly data that describes the voice platform once.
 * Every workflow, chart, Dependabot entry and doc reads names, ports, paths and schedules
 * from here. `Platform.fromDefinition()` validates it and resolves defaults.
 */

/** CPU and memory of one container, in Kubernetes quantities. */
export interface ResourceDefinition {
  /** e.g. `250m`. */
  readonly cpuRequest: string;
  /** e.g. `256Mi`. */
  readonly memoryRequest: string;
  /**
   * CPU limit. Unset by default: CPU limits throttle latency-sensitive services.
   * @default - no CPU limit
   */
  readonly cpuLimit?: string;
  /** e.g. `512Mi`. Required: a memory limit keeps one pod from starving the node. */
  readonly memoryLimit: string;
}

/** A Python container service (tts, agent). */
export interface ServiceDefinition {
  /** Kubernetes-style name (DNS-1123 label), used for jobs, images and charts. */
  readonly name: string;
  /** Folder of the service in the monorepo, e.g. `services/tts`. */
  readonly path: string;
  /** The HTTP port the container listens on: 1024–65535 (the container runs as non-root). */
  readonly port: number;
  /** Health endpoint, e.g. `/health`. */
  readonly healthPath: string;
  /**
   * The text-to-speech endpoint, for services that synthesize audio.
   * @default - the service does not synthesize audio
   */
  readonly synthesisPath?: string;
  /**
   * Image name under the registry namespace.
   * @default - the service name
   */
  readonly imageName?: string;
  /**
   * Python version of the service.
   * @default - `toolchain.python`
   */
  readonly pythonVersion?: string;
  /** Container resources. */
  readonly resources: ResourceDefinition;
  /**
   * Other services this one calls (network egress, start order).
   * @default []
   */
  readonly calls?: readonly string[];
  /**
   * Plain settings (environment variables) of the service, deployed in its ConfigMap (and the
   * compose file): one line each, without `$`.
   * @default {}
   */
  readonly settings?: Readonly<Record<string, string>>;
  /**
   * Nightly load test of the synthesis endpoint (needs `synthesisPath`).
   * @default - no performance test
   */
  readonly performance?: PerformanceDefinition;
  /**
   * How the image is built.
   * @default - context `path`, its `Dockerfile`, for linux/amd64 and linux/arm64
   */
  readonly build?: BuildDefinition;
}

/** How a service's image is built. */
export interface BuildDefinition {
  /**
   * Build context, from the repository root.
   * @default - the service's `path`
   */
  readonly context?: string;
  /**
   * Dockerfile, from the repository root.
   * @default - `<context>/Dockerfile`
   */
  readonly dockerfile?: string;
  /**
   * Platforms to build, each on its native runner (`IMAGE_PLATFORMS`).
   * @default ['linux/amd64', 'linux/arm64']
   */
  readonly platforms?: readonly ImagePlatform[];
}

/** A service's nightly load test. */
export interface PerformanceDefinition {
  /** Arrivals per second (open model). */
  readonly rate: number;
  /** Seconds of measured load. */
  readonly durationSeconds: number;
  /**
   * Seconds of load sent before the measured window and left out of every figure.
   * @default 10
   */
  readonly warmupSeconds?: number;
  /**
   * Regression limits; unset fields keep the gate's defaults.
   * @default - the defaults of check-performance-regression
   */
  readonly thresholds?: Partial<RegressionThresholds>;
}

/** The macOS Swift app. */
export interface AppDefinition {
  /** Short name (DNS-1123 label), used for job ids. */
  readonly name: string;
  /** Folder of the Xcode project / Swift package, e.g. `apps/VoiceTranscriber`. */
  readonly path: string;
  /** Xcode scheme that builds and tests the app. */
  readonly scheme: string;
  /** Path of models.json (the provider/model routing table), from the repo root. */
  readonly modelsJson: string;
  /** Path of Package.resolved, from the repo root. */
  readonly packageResolved: string;
  /**
   * Reference transcripts of the performance corpus (reference transcripts v1: what each clip
   * says), from the repo root. With them the nightly performance run measures each model's word
   * error rate from the transcripts the performance test writes, and gates it against the model's
   * history (`werIncreasePts`).
   * @default - accuracy is not measured
   */
  readonly referenceTranscripts?: string;
  /** Swift packages that must be pinned to a released version, e.g. `WhisperKit`. */
  readonly pinnedPackages: readonly string[];
  /**
   * How the app declares its packages: `xcodeproj` (package references in project.pbxproj, which
   * Dependabot's swift support cannot read reliably) or `swiftpm` (a Package.swift in `path`).
   */
  readonly packageManifest: 'xcodeproj' | 'swiftpm';
  /** The `-project` (or `-workspace`) xcodebuild builds, from the repo root, e.g. `apps/X/X.xcodeproj`. */
  readonly project: string;
  /** Xcode version on the macOS runner, e.g. `16.4` (selected from /Applications/Xcode_<v>.app). */
  readonly xcode: string;
  /** SwiftLint version (its Linux container image tag), e.g. `0.59.1`. */
  readonly swiftlint: string;
  /** Test targets, passed to `-only-testing:`. */
  readonly testTargets: {
    /** Unit tests. */
    readonly unit: string;
    /** Provider/model routing tests, run once per model of models.json (the model id in `TEST_RUNNER_MODEL_ID`). */
    readonly routing: string;
    /** Performance tests; they write metrics v1 JSON to `TEST_RUNNER_METRICS_PATH`. */
    readonly performance: string;
  };
  /**
   * Lowest line coverage of the app's own code (test bundles left out) its unit tests may reach, in
   * percent: below it ci-app's test job fails. The routing tests' coverage is reported beside it.
   * @default - coverage is reported, no floor
   */
  readonly minLineCoveragePct?: number;
  /**
   * Releases of the signed, notarized app through Sparkle (app-release.yml).
   * @default - the app is not released by the pipelines
   */
  readonly release?: AppReleaseDefinition;
}

/** How the app is released: a tag, a beta channel, a phased rollout, then everyone. */
export interface AppReleaseDefinition {
  /**
   * Glob of the app's release tags, e.g. `app-v*` (the version is what follows the prefix). It must
   * not match a tag the services' `releaseTags` match: that tag would deploy the services to production.
   */
  readonly tags: string;
  /** Name of the built `.app` bundle, e.g. `VoiceTranscriber.app`. */
  readonly productName: string;
  /** Public URL of the Sparkle appcast the app reads (`SUFeedURL`), published from `feedBranch`. */
  readonly feedUrl: string;
  /** Branch holding `appcast.xml` (served by GitHub Pages or a CDN); not the default or the performance history branch. @default 'appcast' */
  readonly feedBranch?: string;
  /** Hours between Sparkle's phased-rollout groups (7 groups, about 14 % each). @default 24 */
  readonly phasedRolloutIntervalHours?: number;
  /**
   * GitHub environments of each step: three of their own, none a service deploy's (one approval
   * would release both, and the app's jobs would hold the deploy's secrets).
   * @default { beta: 'app-beta', phased: 'app-phased', everyone: 'app-everyone' }
   */
  readonly environments?: { readonly beta: string; readonly phased: string; readonly everyone: string };
  /**
   * What the phased and everyone stages require of the build's crash-free sessions, read from the
   * endpoint in the `APP_HEALTH_URL` variable (app health v1; docs/MONITORING.md). Without that
   * variable the stages say so in their summary and go on.
   * @default { minCrashFreeSessionsPct: 99.5, minSessions: 500 }
   */
  readonly health?: { readonly minCrashFreeSessionsPct?: number; readonly minSessions?: number };
}

/** The container registry. */
export interface RegistryDefinition {
  /** e.g. `ghcr.io`. */
  readonly host: string;
  /** The owner/organisation the images live under, e.g. `voice-platform`. */
  readonly namespace: string;
}

/** Runner labels. */
export interface RunnersDefinition {
  /** Linux x64 runner for most jobs, e.g. `ubuntu-24.04`. */
  readonly linux: string;
  /** Native Linux arm64 runner, e.g. `ubuntu-24.04-arm`. */
  readonly linuxArm: string;
  /** macOS runner for the Swift app, e.g. `macos-15`. */
  readonly macos: string;
}

/** Cron schedules (GitHub's 5-field POSIX cron, UTC). */
export interface SchedulesDefinition {
  /** Nightly performance run, e.g. `0 2 * * *`. */
  readonly performance: string;
  /** Weekly dependency scan, e.g. `0 9 * * 1`. */
  readonly dependencyScan: string;
  /** Weekly scan of the images on the default branch (new CVEs appear after a build), e.g. `0 10 * * 1`. */
  readonly imageScan: string;
  /**
   * Deletion of Actions caches nobody can use any more (models of an older models.json, closed
   * pull requests), so they stop crowding the repository's 10 GB out.
   * @default DEFAULT_CACHE_CLEANUP_SCHEDULE (daily, 03:30 UTC)
   */
  readonly cacheCleanup?: string;
}

/** Dependabot cadence. */
export interface DependencyUpdatesDefinition {
  /** Day of the weekly run. */
  readonly day: Weekday;
  /** `hh:mm`, UTC. */
  readonly time: string;
  /** Days a new release must age before Dependabot proposes it (`COOLDOWN_DAYS`). */
  readonly cooldownDays: number;
}

/** Tool versions the pipelines pin. */
export interface ToolchainDefinition {
  /** Python version of the services, e.g. `3.11`. */
  readonly python: string;
  /** uv version installed by setup-uv, e.g. `0.9.5`. */
  readonly uv: string;
  /** Node.js major of this repository's own CI, e.g. `20`. */
  readonly node: string;
  /** Helm version for chart validation, e.g. `v4.2.4`. */
  readonly helm: string;
  /** kubeconform release, e.g. `v0.8.0` (its linux-amd64 archive is installed and checked against `kubeconformSha256`). */
  readonly kubeconform: string;
  /** SHA-256 of that release's `kubeconform-linux-amd64.tar.gz`. */
  readonly kubeconformSha256: string;
  /** kind version for the optional cluster test, e.g. `v0.31.0`. */
  readonly kind: string;
  /**
   * Newest Kubernetes version the charts support, e.g. `1.32.11`: kubeconform validates against it
   * (and the charts' minimum), and the kind cluster runs it.
   */
  readonly kubernetes: string;
  /** Digest of `kindest/node:v<kubernetes>` built for `kind` (from kind's release notes), e.g. `sha256:…`. */
  readonly kindNodeDigest: string;
  /** Trivy version the image scan runs (trivy-action's input; its own default moves), e.g. `v0.70.0`. */
  readonly trivy: string;
  /** cosign version cosign-installer installs, e.g. `v3.0.6`. */
  readonly cosign: string;
  /** slsa-verifier version (installed with `go install`, verified by the Go checksum database), e.g. `v2.7.1`. */
  readonly slsaVerifier: string;
  /** pip-audit version, run with `uvx` at this exact version, e.g. `2.10.0`. */
  readonly pipAudit: string;
}

/** Who owns what: GitHub users or teams (`@org/team`), used for CODEOWNERS. */
export interface OwnersDefinition {
  /** Owners of the pipelines, charts and this repository. */
  readonly platform: readonly string[];
  /** Owners of the services. */
  readonly services: readonly string[];
  /** Owners of the Swift app. */
  readonly app: readonly string[];
}

/** A deployment environment; its values file overrides the chart defaults for every service. */
export interface EnvironmentDefinition {
  /** e.g. `staging`; the values file is `values-<name>.yaml`. */
  readonly name: string;
  /** @default 'info' */
  readonly logLevel?: LogLevel;
  /**
   * Autoscaling bounds; `false` runs a fixed `replicas` count instead.
   * @default - the chart defaults (2–5 replicas)
   */
  readonly autoscaling?: { readonly minReplicas: number; readonly maxReplicas: number } | false;
  /** Replicas when autoscaling is off (≥ `MIN_REPLICAS`). @default MIN_REPLICAS */
  readonly replicas?: number;
  /**
   * Resources of a service in this environment, by service name.
   * @default - the service's own `resources`
   */
  readonly resources?: Readonly<Record<string, ResourceDefinition>>;
  /**
   * How releases reach this environment (cd-deploy-<environment>.yml).
   * @default - the pipelines do not deploy it
   */
  readonly deploy?: DeployDefinition;
  /**
   * Scraping by a Prometheus Operator in this environment: the services' metrics on, a
   * ServiceMonitor per release, and their NetworkPolicies open to the Prometheus pods on the
   * service port. The canary analysis (PROMETHEUS_SETTINGS) reads these series.
   * @default - not scraped
   */
  readonly metrics?: MetricsDefinition;
}

/** The Prometheus that scrapes an environment's services. */
export interface MetricsDefinition {
  /** Namespace of the Prometheus pods (the only pods the services' NetworkPolicies admit for scrapes). */
  readonly prometheusNamespace: string;
  /** Labels the Prometheus instance selects ServiceMonitors by (`serviceMonitorSelector`). @default {} */
  readonly serviceMonitorLabels?: Readonly<Record<string, string>>;
}

/** What starts a deploy: every successful build of the default branch, or a release tag. */
export type DeployTrigger = 'default-branch' | 'release-tag';

/**
 * How the deploy job reaches the cluster. Prefer `aws-oidc`: no long-lived credential is stored;
 * the job trades its GitHub OIDC token (subject `repo:<owner>/<repo>:environment:<env>`) for a
 * role session, so only jobs of that GitHub environment can assume the role.
 */
export type ClusterAuthDefinition =
  | {
      readonly kind: 'aws-oidc';
      /** e.g. `eu-west-1`. */
      readonly region: string;
      /** EKS cluster name. */
      readonly cluster: string;
      /** The environment variable (`vars.*` of the GitHub environment) holding the role ARN. @default 'DEPLOY_ROLE_ARN' */
      readonly roleArnVariable?: string;
    }
  | {
      readonly kind: 'kubeconfig';
      /** The GitHub environment's secret holding a kubeconfig (a namespaced, short-lived token). @default 'KUBECONFIG' */
      readonly secret?: string;
    };

/** One traffic stage of a rollout. */
export interface RolloutStageDefinition {
  /** Share of the traffic on the new release, 1–100; the last stage is 100 (promotion). */
  readonly percent: number;
  /**
   * Minutes the stage is watched (smoke test, then synthetic traffic with an error-rate gate) before
   * the next: 1 to MAX_WATCH_MINUTES (120). At WATCH_RATE_RPS (2/s) the shortest watch sends 120
   * requests, so with the error-rate limit at most MAX_ERROR_RATE_LIMIT_PCT (10 %) a canary
   * failing more than one request in ten fails the gate.
   */
  readonly watchMinutes: number;
}

/** A Gateway the environment's entry services are exposed through (their canaries are then weighted HTTPRoute backends). */
export interface GatewayDefinition {
  /** The Gateway (listener) the services' HTTPRoutes attach to. */
  readonly parentRefs: readonly { readonly name: string; readonly namespace?: string; readonly sectionName?: string }[];
  /** Services exposed through it (each gets an HTTPRoute in this environment's values). */
  readonly services: readonly string[];
  /** Hostnames of the routes. @default [] (every hostname of the listener) */
  readonly hostnames?: readonly string[];
}

/** How one environment is deployed. */
export interface DeployDefinition {
  /** When it is deployed. */
  readonly on: DeployTrigger;
  /** GitHub environment whose protection rules, secrets and variables the deploy jobs use. @default - the environment's name */
  readonly githubEnvironment?: string;
  /** Kubernetes namespace of the releases. */
  readonly namespace: string;
  /**
   * How the deploy reaches its cluster: an EKS cluster no other environment deploys to, so a
   * default-branch build can never change production's releases (a kubeconfig is a secret of this
   * environment's own GitHub environment; keep it to its own cluster too).
   */
  readonly clusterAuth: ClusterAuthDefinition;
  /**
   * Public base URL of a service in this environment, smoke-tested after each stage. A service
   * without one is smoke-tested through `kubectl port-forward` to its Service.
   * @default {}
   */
  readonly urls?: Readonly<Record<string, string>>;
  /** @default DEFAULT_ROLLOUT (10 %, 50 %, 100 %, each watched 10 minutes) */
  readonly rollout?: readonly RolloutStageDefinition[];
  /** @default - no Gateway: every canary is a replica-ratio canary */
  readonly gateway?: GatewayDefinition;
  /**
   * Highest error rate (%) of a watch window — of the canary's real traffic on Prometheus, or of the
   * synthetic traffic — from 0 to MAX_ERROR_RATE_LIMIT_PCT (10). @default DEFAULT_MAX_ERROR_RATE_PCT
   */
  readonly maxErrorRatePct?: number;
  /**
   * Limits of the canary analysis on Prometheus, used when the GitHub environment sets the
   * PROMETHEUS_SETTINGS variable. @default DEFAULT_CANARY_ANALYSIS
   */
  readonly canaryAnalysis?: CanaryAnalysisDefinition;
}

/** What a watch window on Prometheus requires of the new release, against the stable one. */
export interface CanaryAnalysisDefinition {
  /** Highest rise of the p95 latency over the stable release's, in percent (1–1000). @default 25 */
  readonly maxP95IncreasePct?: number;
  /** Requests the new release must answer in the window before it is judged (1–1,000,000). @default 100 */
  readonly minRequests?: number;
}

/** The whole platform. */
export interface PlatformDefinition {
  /** Release version of the services: the charts' appVersion (the default image tag). */
  readonly version: string;
  /**
   * Version of the charts themselves, bumped for a template change without a new app version.
   * @default - the release version
   */
  readonly chartVersion?: string;
  /** Deployment environments, each with a values file per chart. */
  readonly environments: readonly EnvironmentDefinition[];
  /** `owner/name` of the monorepo on GitHub. */
  readonly repository: string;
  /** The default branch. */
  readonly defaultBranch: string;
  /**
   * The branch the nightly performance workflow keeps its history of passing runs on. A branch,
   * not the Actions cache: a cache entry is evicted after 7 days unused or when the repository's
   * 10 GB fill up, and a lost baseline would let that night's regression pass. Not the default
   * branch or the app's feed branch.
   * @default 'perf-history'
   */
  readonly performanceHistoryBranch?: string;
  /**
   * Glob of the release tags that build, sign and publish images (`on.push.tags`); no tag may match
   * both it and the app's release tags.
   * @default 'v*.*.*'
   */
  readonly releaseTags?: string;
  readonly registry: RegistryDefinition;
  readonly runners: RunnersDefinition;
  readonly toolchain: ToolchainDefinition;
  readonly schedules: SchedulesDefinition;
  readonly dependencyUpdates: DependencyUpdatesDefinition;
  readonly owners: OwnersDefinition;
  readonly services: readonly ServiceDefinition[];
  readonly app: AppDefinition;
}
