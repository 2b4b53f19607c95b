import * as path from 'node:path';
import {
  DEFAULT_APP_HEALTH_LIMITS,
  DEFAULT_CANARY_ANALYSIS,
  DEFAULT_APP_RELEASE_ENVIRONMENTS,
  DEFAULT_FEED_BRANCH,
  DEFAULT_KUBECONFIG_SECRET,
  DEFAULT_PERFORMANCE_HISTORY_BRANCH,
  DEFAULT_MAX_ERROR_RATE_PCT,
  DEFAULT_ROLLOUT,
  DEFAULT_CACHE_CLEANUP_SCHEDULE,
  DEFAULT_IMAGE_PLATFORMS,
  DEFAULT_RELEASE_TAG_GLOB,
  IMAGE_PLATFORMS,
  type ImagePlatform,
} from './limits';
import type {
  AppDefinition,
  AppReleaseDefinition,
  ClusterAuthDefinition,
  DependencyUpdatesDefinition,
  DeployTrigger,
  GatewayDefinition,
  RolloutStageDefinition,
  EnvironmentDefinition,
  OwnersDefinition,
  PlatformDefinition,
  RegistryDefinition,
  ResourceDefinition,
  RunnersDefinition,
  SchedulesDefinition,
  ServiceDefinition,
  ToolchainDefinition,
} from './platform-definition';
import { callOrder, validatePlatform } from './validate-platform';
import { choices, FindingsError } from '../../common/errors';
import { DEFAULT_THRESHOLDS, type RegressionThresholds } from '../../common/regression-thresholds';

/** A service's nightly load test, with defaults resolved. */
export interface ServicePerformance {
  readonly rate: number;
  readonly durationSeconds: number;
  readonly warmupSeconds: number;
  /** Every threshold, the model's over the gate's defaults. */
  readonly thresholds: RegressionThresholds;
}

/** One platform of a service's image and the native runner that builds it. */
export interface ImageBuildTarget {
  /** e.g. `linux/arm64`. */
  readonly platform: ImagePlatform;
  /** e.g. `arm64`: job ids and cache scopes. */
  readonly arch: string;
  /** Runner label, e.g. `ubuntu-24.04-arm`. */
  readonly runner: string;
}

/** How a service's image is built, with defaults resolved. */
export interface ServiceBuild {
  readonly context: string;
  readonly dockerfile: string;
  readonly targets: readonly ImageBuildTarget[];
}

/** A service of the validated platform, with defaults resolved. */
export interface Service {
  readonly name: string;
  readonly path: string;
  readonly port: number;
  readonly healthPath: string;
  readonly synthesisPath?: string;
  readonly pythonVersion: string;
  /** Full image repository, e.g. `ghcr.io/voice-platform/tts`. */
  readonly imageRepository: string;
  readonly resources: ResourceDefinition;
  /** Names of the services this one calls. */
  readonly calls: readonly string[];
  /** Plain settings (ConfigMap). */
  readonly settings: Readonly<Record<string, string>>;
  /** The nightly load test, if any. */
  readonly performance?: ServicePerformance;
  /** How the image is built. */
  readonly build: ServiceBuild;
}

/** How the deploy job reaches the cluster, with defaults resolved. */
export type ClusterAuth =
  | { readonly kind: 'aws-oidc'; readonly region: string; readonly cluster: string; readonly roleArnVariable: string }
  | { readonly kind: 'kubeconfig'; readonly secret: string };

/** How one environment is deployed, with defaults resolved. */
export interface Deployment {
  /** The model's environment name (its values files are `values-<environment>.yaml`). */
  readonly environment: string;
  readonly on: DeployTrigger;
  readonly githubEnvironment: string;
  readonly namespace: string;
  readonly clusterAuth: ClusterAuth;
  /** Public base URL by service (services without one are reached through port-forward). */
  readonly urls: Readonly<Record<string, string>>;
  /** Stages in order; the last is 100 %. */
  readonly rollout: readonly RolloutStageDefinition[];
  readonly gateway?: GatewayDefinition;
  readonly maxErrorRatePct: number;
  readonly canaryAnalysis: { readonly maxP95IncreasePct: number; readonly minRequests: number };
}

/** How the app is released, with defaults resolved. */
export interface AppRelease {
  readonly tags: string;
  /** The tag prefix before the version, e.g. `app-v`. */
  readonly tagPrefix: string;
  readonly productName: string;
  readonly feedUrl: string;
  readonly feedBranch: string;
  readonly phasedRolloutIntervalHours: number;
  readonly environments: { readonly beta: string; readonly phased: string; readonly everyone: string };
  /** What the phased and everyone stages require of the build's crash-free sessions. */
  readonly health: { readonly minCrashFreeSessionsPct: number; readonly minSessions: number };
}

/** Default of `PerformanceDefinition.warmupSeconds`. */
export const DEFAULT_WARMUP_SECONDS = 10;

/**
 * The validated platform model. Construct it with {@link Platform.fromDefinition}: every
 * field is checked once, and all problems are reported together, each naming its field.
 * Definitions read everything through it, with defaults resolved.
 */
export class Platform {
  /**
   * Validates a definition. Throws a {@link FindingsError} that lists every invalid field.
   */
  public static fromDefinition(definition: PlatformDefinition): Platform {
    const findings = validatePlatform(definition);
    if (findings.length > 0) throw new FindingsError('Invalid platform definition', findings);
    return new Platform(definition);
  }

  /** Release version of the services. */
  public readonly version: string;
  /** Version of the charts (their own, not the app's). */
  public readonly chartVersion: string;
  public readonly repository: string;
  public readonly defaultBranch: string;
  public readonly performanceHistoryBranch: string;
  /** Glob of release tags, e.g. `v*.*.*`. */
  public readonly releaseTags: string;
  public readonly environments: readonly EnvironmentDefinition[];
  public readonly registry: RegistryDefinition;
  public readonly runners: RunnersDefinition;
  public readonly toolchain: ToolchainDefinition;
  public readonly schedules: Required<SchedulesDefinition>;
  public readonly dependencyUpdates: DependencyUpdatesDefinition;
  public readonly owners: OwnersDefinition;
  public readonly app: AppDefinition;
  /** The services, each after the services it calls (the order to start or install them in). */
  public readonly services: readonly Service[];
  /** The environments the pipelines deploy, in the model's order. */
  public readonly deployments: readonly Deployment[];
  /** The app's release process, if the model has one. */
  public readonly appRelease?: AppRelease;

  private constructor(d: PlatformDefinition) {
    this.version = d.version;
    this.chartVersion = d.chartVersion ?? d.version;
    this.repository = d.repository;
    this.defaultBranch = d.defaultBranch;
    this.performanceHistoryBranch = d.performanceHistoryBranch ?? DEFAULT_PERFORMANCE_HISTORY_BRANCH;
    this.releaseTags = d.releaseTags ?? DEFAULT_RELEASE_TAG_GLOB;
    this.environments = d.environments;
    this.registry = d.registry;
    this.runners = d.runners;
    this.toolchain = d.toolchain;
    this.schedules = { cacheCleanup: DEFAULT_CACHE_CLEANUP_SCHEDULE, ...d.schedules };
    this.dependencyUpdates = d.dependencyUpdates;
    this.owners = d.owners;
    this.app = d.app;
    const byName = new Map(d.services.map((s) => [s.name, s]));
    this.services = callOrder(d.services).map((name) => this.resolveService(byName.get(name)!));
    this.deployments = d.environments
      .filter((e) => e.deploy)
      .map((e) => {
        const dep = e.deploy!;
        return {
          environment: e.name,
          on: dep.on,
          githubEnvironment: dep.githubEnvironment ?? e.name,
          namespace: dep.namespace,
          clusterAuth: resolveClusterAuth(dep.clusterAuth),
          urls: dep.urls ?? {},
          rollout: dep.rollout ?? DEFAULT_ROLLOUT,
          gateway: dep.gateway,
          maxErrorRatePct: dep.maxErrorRatePct ?? DEFAULT_MAX_ERROR_RATE_PCT,
          canaryAnalysis: { ...DEFAULT_CANARY_ANALYSIS, ...dep.canaryAnalysis },
        };
      });
    this.appRelease = d.app.release && resolveAppRelease(d.app.release);
  }

  /** `refs/heads/<default branch>`: what `github.ref` is on a push to it. */
  public get defaultBranchRef(): string {
    return `refs/heads/${this.defaultBranch}`;
  }

  /**
   * The deployment branch and tag rules each GitHub environment must have: the refs its jobs run
   * from. Deploys run from their trigger's ref (the default branch or a release tag); rollbacks and
   * withdrawals run from the default branch (the newest rollback code, dispatched at `--ref <default
   * branch>`), so every environment a rollback uses also admits the default branch. The runbook's
   * set-up and the job runner's environment checks read this one table.
   */
  public get environmentRefRules(): Readonly<
    Record<string, { readonly branches: readonly string[]; readonly tags: readonly string[] }>
  > {
    const rules: Record<string, { branches: string[]; tags: string[] }> = {};
    const add = (env: string, branches: string[], tags: string[]) => {
      const r = (rules[env] ??= { branches: [], tags: [] });
      for (const b of branches) if (!r.branches.includes(b)) r.branches.push(b);
      for (const t of tags) if (!r.tags.includes(t)) r.tags.push(t);
    };
    for (const d of this.deployments) {
      // The rollback of every environment runs from the default branch.
      add(d.githubEnvironment, [this.defaultBranch], d.on === 'release-tag' ? [this.releaseTags] : []);
    }
    const r = this.appRelease;
    if (r) {
      add(r.environments.beta, [], [r.tags]);
      add(r.environments.phased, [], [r.tags]);
      // app-rollback.yml withdraws from the feed in this environment, from the default branch.
      add(r.environments.everyone, [this.defaultBranch], [r.tags]);
    }
    return rules;
  }

  /** The fixed start of a release tag, e.g. `v` for `v*.*.*`. */
  public get releaseTagPrefix(): string {
    return this.releaseTags.split('*')[0];
  }

  /** The fixed start of a release tag's ref, e.g. `refs/tags/v` for `v*.*.*`. */
  public get releaseTagRefPrefix(): string {
    return `refs/tags/${this.releaseTagPrefix}`;
  }

  /**
   * The folder Dependabot's `swift` ecosystem reads the app's packages from: Package.swift's
   * folder. (An Xcode project gets no swift entry, see {@link swiftPinsNeedReleaseCheck}.)
   */
  public get swiftDependencyDirectory(): string {
    return this.app.packageManifest === 'swiftpm' ? this.app.path : path.posix.dirname(this.app.project);
  }

  /**
   * Whether CI itself must report releases newer than the app's pins, in place of Dependabot:
   * Dependabot proposes Swift updates for a Package.swift only; for an Xcode project's
   * Package.resolved its support is behind an experiment flag (`enable_swift_xcode_spm`).
   */
  public get swiftPinsNeedReleaseCheck(): boolean {
    return this.app.packageManifest === 'xcodeproj';
  }

  /** Every folder of the monorepo the model names (services, the app), for the checkout check. */
  public get modelPaths(): { readonly field: string; readonly path: string }[] {
    return [
      ...this.services.flatMap((s) => [
        { field: `services.${s.name}.path`, path: s.path },
        { field: `services.${s.name}.build.dockerfile`, path: s.build.dockerfile },
      ]),
      { field: 'app.path', path: this.app.path },
      { field: 'app.modelsJson', path: this.app.modelsJson },
      { field: 'app.packageResolved', path: this.app.packageResolved },
    ];
  }

  /**
   * The environment a service runs with everywhere (chart ConfigMap, compose file): where to reach
   * each service it calls (`<NAME>_URL`, the callee's Service / compose name and port), then its
   * settings.
   */
  public settingsOf(service: Service): Record<string, string> {
    const callees = service.calls.map((name) => this.service(name));
    return {
      ...Object.fromEntries(callees.map((c) => [urlSettingOf(c.name), `http://${c.name}:${c.port}`])),
      ...service.settings,
    };
  }

  /** Looks a service up by name; an unknown name lists the known ones. */
  public service(name: string): Service {
    const found = this.services.find((s) => s.name === name);
    if (!found) {
      throw new Error(`Unknown service "${name}"; the platform defines: ${choices(this.services.map((s) => s.name))}`);
    }
    return found;
  }

  private resolveService(s: ServiceDefinition): Service {
    const { host, namespace } = this.registry;
    const perf = s.performance;
    return {
      name: s.name,
      path: s.path,
      port: s.port,
      healthPath: s.healthPath,
      synthesisPath: s.synthesisPath,
      pythonVersion: s.pythonVersion ?? this.toolchain.python,
      imageRepository: `${host}/${namespace}/${s.imageName ?? s.name}`,
      resources: s.resources,
      calls: s.calls ?? [],
      performance: perf && {
        rate: perf.rate,
        durationSeconds: perf.durationSeconds,
        warmupSeconds: perf.warmupSeconds ?? DEFAULT_WARMUP_SECONDS,
        thresholds: { ...DEFAULT_THRESHOLDS, ...perf.thresholds },
      },
      settings: s.settings ?? {},
      build: this.resolveBuild(s),
    };
  }

  private resolveBuild(s: ServiceDefinition): ServiceBuild {
    const context = s.build?.context ?? s.path;
    return {
      context,
      dockerfile: s.build?.dockerfile ?? `${context}/Dockerfile`,
      targets: (s.build?.platforms ?? DEFAULT_IMAGE_PLATFORMS).map((platform) => {
        const { arch, runner } = IMAGE_PLATFORMS[platform];
        return { platform, arch, runner: this.runners[runner] };
      }),
    };
  }
}

/** The setting that carries a called service's URL, e.g. `TTS_URL` for `tts`. */
export function urlSettingOf(serviceName: string): string {
  return `${serviceName.toUpperCase().replace(/-/g, '_')}_URL`;
}

function resolveClusterAuth(a: ClusterAuthDefinition): ClusterAuth {
  return a.kind === 'aws-oidc'
    ? {
        kind: 'aws-oidc',
        region: a.region,
        cluster: a.cluster,
        roleArnVariable: a.roleArnVariable ?? 'DEPLOY_ROLE_ARN',
      }
    : { kind: 'kubeconfig', secret: a.secret ?? DEFAULT_KUBECONFIG_SECRET };
}

function resolveAppRelease(r: AppReleaseDefinition): AppRelease {
  return {
    tags: r.tags,
    tagPrefix: r.tags.slice(0, -1),
    productName: r.productName,
    feedUrl: r.feedUrl,
    feedBranch: r.feedBranch ?? DEFAULT_FEED_BRANCH,
    phasedRolloutIntervalHours: r.phasedRolloutIntervalHours ?? 24,
    environments: r.environments ?? DEFAULT_APP_RELEASE_ENVIRONMENTS,
    health: { ...DEFAULT_APP_HEALTH_LIMITS, ...r.health },
  };
}
