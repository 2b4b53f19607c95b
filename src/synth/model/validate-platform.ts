import { cronProblem } from './cron';
import { isolationFindings } from './isolation';
import {
  cooldownProblem,
  IDENTIFIER,
  IMAGE_PLATFORMS,
  MAX_ERROR_RATE_LIMIT_PCT,
  MAX_WATCH_MINUTES,
  KUBERNETES_MINIMUM,
  LOG_LEVELS,
  MAX_REPLICAS,
  MIN_REPLICAS,
  SUPPORTED_NODE_MAJORS,
  timeOfDayProblem,
  WEEKDAYS,
} from './limits';
import {
  branchNameProblem,
  dnsLabelProblem,
  dnsSubdomainProblem,
  gatewayHostnameProblem,
  httpPathProblem,
  imageNameProblem,
  labelKeyProblem,
  labelValueProblem,
  portProblem,
  quantityProblem,
  repoPathProblem,
} from './names';
import { namingFindings } from './naming';
import type {
  AppReleaseDefinition,
  DeployDefinition,
  PlatformDefinition,
  ResourceDefinition,
  ServiceDefinition,
} from './platform-definition';
import type { Finding } from '../../common/errors';
import { findCycle } from '../../common/graph';
import { THRESHOLD_KEYS, thresholdProblem, type ThresholdKey } from '../../common/regression-thresholds';

/** Collects findings against field paths such as `services[1].port`. */
class FieldChecker {
  public readonly findings: Finding[] = [];

  check<T>(location: string, value: T, problem: (value: T) => string | undefined): void {
    const message = problem(value);
    if (message) this.findings.push({ location, message });
  }

  fail(location: string, message: string): void {
    this.findings.push({ location, message });
  }
}

const nonEmpty = (value: string) => (value.trim() === '' ? 'must not be empty' : undefined);
const ownerProblem = (value: string) =>
  /^@[A-Za-z0-9-]+(\/[A-Za-z0-9_.-]+)?$/.test(value) ? undefined : `"${value}" must be @user or @org/team`;
const versionProblem = (value: string) =>
  /^\d+(\.\d+){0,2}$/.test(value) ? undefined : `"${value}" must be a version such as 3.11 or 0.9.5`;

function checkService(c: FieldChecker, at: string, service: ServiceDefinition, known: ReadonlySet<string>): void {
  c.check(`${at}.name`, service.name, dnsLabelProblem);
  c.check(`${at}.path`, service.path, repoPathProblem);
  c.check(`${at}.port`, service.port, portProblem);
  c.check(`${at}.healthPath`, service.healthPath, httpPathProblem);
  if (service.synthesisPath !== undefined) c.check(`${at}.synthesisPath`, service.synthesisPath, httpPathProblem);
  if (service.imageName !== undefined) c.check(`${at}.imageName`, service.imageName, imageNameProblem);
  if (service.pythonVersion !== undefined) c.check(`${at}.pythonVersion`, service.pythonVersion, versionProblem);
  checkResources(c, `${at}.resources`, service.resources);
  for (const key of Object.keys(service.settings ?? {})) {
    if (!/^[A-Z_][A-Z0-9_]*$/.test(key)) {
      c.fail(`${at}.settings.${key}`, 'must be an environment variable name (A–Z, 0–9, _)');
    }
    if (key === 'LOG_LEVEL') c.fail(`${at}.settings.${key}`, 'LOG_LEVEL is a chart value (logLevel), not a setting');
    const value = service.settings![key]!;
    // The value reaches the compose file (where $ interpolates), the chart's values and the workflows' YAML verbatim.
    if (typeof value !== 'string' || /[\r\n\0]/.test(value) || value.includes('$')) {
      c.fail(
        `${at}.settings.${key}`,
        `${JSON.stringify(value)} must be one line of text without "$" (Compose would interpolate it, and \${{ }} would reach a workflow)`,
      );
    }
  }
  if (service.performance) {
    const perf = service.performance;
    if (service.synthesisPath === undefined) {
      c.fail(`${at}.performance`, 'a load test needs synthesisPath (the endpoint it sends to)');
    }
    c.check(`${at}.performance.rate`, perf.rate, (v) =>
      v > 0 && v <= 10000 ? undefined : `must be from 0 (exclusive) to 10000 requests/s, got ${v}`,
    );
    c.check(`${at}.performance.durationSeconds`, perf.durationSeconds, (v) =>
      Number.isInteger(v) && v >= 10 && v <= 1800 ? undefined : `must be an integer from 10 to 1800 seconds, got ${v}`,
    );
    if (perf.warmupSeconds !== undefined) {
      c.check(`${at}.performance.warmupSeconds`, perf.warmupSeconds, (v) =>
        Number.isInteger(v) && v >= 0 && v <= 600 ? undefined : `must be an integer from 0 to 600 seconds, got ${v}`,
      );
    }
    for (const [key, value] of Object.entries(perf.thresholds ?? {})) {
      if (!(THRESHOLD_KEYS as string[]).includes(key)) {
        c.fail(`${at}.performance.thresholds.${key}`, `is not a threshold; known: ${THRESHOLD_KEYS.join(', ')}`);
      } else {
        c.check(`${at}.performance.thresholds.${key}`, value, (v) => thresholdProblem(key as ThresholdKey, v));
      }
    }
  }
  if (service.build) {
    const b = service.build;
    if (b.context !== undefined) c.check(`${at}.build.context`, b.context, repoPathProblem);
    if (b.dockerfile !== undefined) c.check(`${at}.build.dockerfile`, b.dockerfile, repoPathProblem);
    if (b.platforms !== undefined) {
      if (b.platforms.length === 0) c.fail(`${at}.build.platforms`, 'must name at least one platform');
      const seenPlatforms = new Set<string>();
      b.platforms.forEach((p, i) => {
        if (!(p in IMAGE_PLATFORMS)) {
          c.fail(
            `${at}.build.platforms[${i}]`,
            `"${p}" has no native runner; supported: ${Object.keys(IMAGE_PLATFORMS).join(', ')}`,
          );
        }
        if (seenPlatforms.has(p)) c.fail(`${at}.build.platforms[${i}]`, `duplicate platform "${p}"`);
        seenPlatforms.add(p);
      });
    }
  }
  for (const [i, callee] of (service.calls ?? []).entries()) {
    if (!known.has(callee)) {
      c.fail(`${at}.calls[${i}]`, `unknown service "${callee}"; known: ${[...known].sort().join(', ')}`);
    }
    if (callee === service.name) c.fail(`${at}.calls[${i}]`, `a service cannot call itself ("${callee}")`);
  }
}

const urlProblem = (v: string) =>
  /^https?:\/\/[A-Za-z0-9.-]+(:\d+)?(\/[^\s]*)?$/.test(v) && !v.endsWith('/')
    ? undefined
    : `"${v}" must be an http(s) base URL without a trailing slash`;

function checkDeploy(c: FieldChecker, at: string, d: DeployDefinition, services: ReadonlySet<string>): void {
  c.check(`${at}.on`, d.on, (v) =>
    v === 'default-branch' || v === 'release-tag'
      ? undefined
      : `must be "default-branch" or "release-tag", got ${JSON.stringify(v)}`,
  );
  c.check(`${at}.namespace`, d.namespace, dnsLabelProblem);
  if (d.githubEnvironment !== undefined) {
    c.check(`${at}.githubEnvironment`, d.githubEnvironment, (v) =>
      /^[A-Za-z0-9._-]{1,255}$/.test(v)
        ? undefined
        : `"${v}" must be a GitHub environment name (letters, digits, . _ -)`,
    );
  }
  const auth = d.clusterAuth;
  if (auth.kind === 'aws-oidc') {
    c.check(`${at}.clusterAuth.region`, auth.region, (v) =>
      /^[a-z]{2}(-[a-z]+)+-\d$/.test(v) ? undefined : `"${v}" is not an AWS region such as eu-west-1`,
    );
    c.check(`${at}.clusterAuth.cluster`, auth.cluster, (v) =>
      /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/.test(v) ? undefined : `"${v}" is not an EKS cluster name`,
    );
    if (auth.roleArnVariable !== undefined) {
      c.check(`${at}.clusterAuth.roleArnVariable`, auth.roleArnVariable, (v) =>
        /^[A-Z_][A-Z0-9_]*$/.test(v) ? undefined : `"${v}" must be a variable name (A–Z, 0–9, _)`,
      );
    }
  } else if (auth.kind === 'kubeconfig') {
    if (auth.secret !== undefined) {
      c.check(`${at}.clusterAuth.secret`, auth.secret, (v) =>
        /^[A-Z_][A-Z0-9_]*$/.test(v) && !v.startsWith('GITHUB_')
          ? undefined
          : `"${v}" must be a secret name (A–Z, 0–9, _, not GITHUB_*)`,
      );
    }
  } else {
    c.fail(
      `${at}.clusterAuth.kind`,
      `must be "aws-oidc" or "kubeconfig", got ${JSON.stringify((auth as { kind: unknown }).kind)}`,
    );
  }
  for (const [name, url] of Object.entries(d.urls ?? {})) {
    if (!services.has(name)) {
      c.fail(`${at}.urls.${name}`, `is not a service of the model (${[...services].join(', ')})`);
    }
    c.check(`${at}.urls.${name}`, url, urlProblem);
  }
  if (d.rollout) {
    if (d.rollout.length === 0) c.fail(`${at}.rollout`, 'needs at least one stage (the last one at 100 %)');
    d.rollout.forEach((stage, j) => {
      const prev = j > 0 ? d.rollout![j - 1]!.percent : 0;
      if (!(Number.isInteger(stage.percent) && stage.percent > prev && stage.percent <= 100)) {
        c.fail(
          `${at}.rollout[${j}].percent`,
          `must be an integer above the previous stage's ${prev} and at most 100, got ${stage.percent}`,
        );
      }
      if (!(
        Number.isInteger(stage.watchMinutes) &&
        stage.watchMinutes >= 1 &&
        stage.watchMinutes <= MAX_WATCH_MINUTES
      )) {
        c.fail(
          `${at}.rollout[${j}].watchMinutes`,
          `must be an integer from 1 to ${MAX_WATCH_MINUTES}, got ${stage.watchMinutes}`,
        );
      }
    });
    const last = d.rollout[d.rollout.length - 1];
    if (last && last.percent !== 100) {
      c.fail(
        `${at}.rollout[${d.rollout.length - 1}].percent`,
        `the last stage promotes the release to 100 %, got ${last.percent}`,
      );
    }
  }
  if (d.gateway) {
    if (d.gateway.parentRefs.length === 0) c.fail(`${at}.gateway.parentRefs`, 'must name at least one Gateway');
    // The chart's values schema enforces the same patterns (NAME_PATTERNS): what passes here installs.
    d.gateway.parentRefs.forEach((r, j) => {
      c.check(`${at}.gateway.parentRefs[${j}].name`, r.name, dnsSubdomainProblem);
      if (r.namespace !== undefined) c.check(`${at}.gateway.parentRefs[${j}].namespace`, r.namespace, dnsLabelProblem);
      if (r.sectionName !== undefined) {
        c.check(`${at}.gateway.parentRefs[${j}].sectionName`, r.sectionName, dnsSubdomainProblem);
      }
    });
    (d.gateway.hostnames ?? []).forEach((h, j) => c.check(`${at}.gateway.hostnames[${j}]`, h, gatewayHostnameProblem));
    d.gateway.services.forEach((name, j) => {
      if (!services.has(name)) {
        c.fail(`${at}.gateway.services[${j}]`, `unknown service "${name}"; known: ${[...services].join(', ')}`);
      }
    });
  }
  if (d.maxErrorRatePct !== undefined) {
    c.check(`${at}.maxErrorRatePct`, d.maxErrorRatePct, (v) =>
      Number.isFinite(v) && v >= 0 && v <= MAX_ERROR_RATE_LIMIT_PCT
        ? undefined
        : `must be a percentage from 0 to ${MAX_ERROR_RATE_LIMIT_PCT} (above it the gate passes a canary failing one request in ten), got ${v}`,
    );
  }
  const a = d.canaryAnalysis;
  if (a?.maxP95IncreasePct !== undefined) {
    c.check(`${at}.canaryAnalysis.maxP95IncreasePct`, a.maxP95IncreasePct, (v) =>
      Number.isFinite(v) && v >= 1 && v <= 1000 ? undefined : `must be a percentage from 1 to 1000, got ${v}`,
    );
  }
  if (a?.minRequests !== undefined) {
    c.check(`${at}.canaryAnalysis.minRequests`, a.minRequests, (v) =>
      Number.isInteger(v) && v >= 1 && v <= 1_000_000 ? undefined : `must be an integer from 1 to 1000000, got ${v}`,
    );
  }
}

function checkAppRelease(c: FieldChecker, at: string, r: AppReleaseDefinition): void {
  c.check(`${at}.tags`, r.tags, (v) =>
    /^[A-Za-z0-9._/-]+\*$/.test(v) ? undefined : `"${v}" must be a tag prefix ending in *, e.g. app-v*`,
  );
  c.check(`${at}.productName`, r.productName, (v) =>
    /^[A-Za-z0-9 ._-]+\.app$/.test(v) ? undefined : `"${v}" must be a bundle name ending in .app`,
  );
  c.check(`${at}.feedUrl`, r.feedUrl, (v) =>
    v.startsWith('https://') ? urlProblem(v) : `"${v}" must be https (Sparkle refuses an insecure feed)`,
  );
  // A feed branch equal to another pushed branch is an isolation finding (isolation.ts).
  if (r.feedBranch !== undefined) c.check(`${at}.feedBranch`, r.feedBranch, branchNameProblem);
  if (r.phasedRolloutIntervalHours !== undefined) {
    c.check(`${at}.phasedRolloutIntervalHours`, r.phasedRolloutIntervalHours, (v) =>
      Number.isInteger(v) && v >= 1 && v <= 168 ? undefined : `must be an integer from 1 to 168 hours, got ${v}`,
    );
  }
  if (r.health?.minCrashFreeSessionsPct !== undefined) {
    c.check(`${at}.health.minCrashFreeSessionsPct`, r.health.minCrashFreeSessionsPct, (v) =>
      typeof v === 'number' && v >= 0 && v <= 100 ? undefined : `must be a percentage from 0 to 100, got ${v}`,
    );
  }
  if (r.health?.minSessions !== undefined) {
    c.check(`${at}.health.minSessions`, r.health.minSessions, (v) =>
      Number.isInteger(v) && v >= 1 ? undefined : `must be a whole number of sessions ≥ 1, got ${v}`,
    );
  }
  for (const [step, name] of Object.entries(r.environments ?? {})) {
    c.check(`${at}.environments.${step}`, name, (v) =>
      IDENTIFIER.test(v) ? undefined : `"${v}" must be a GitHub environment name`,
    );
  }
}

/** Validates a platform definition and returns every finding (empty when valid). */
export function validatePlatform(def: PlatformDefinition): Finding[] {
  const c = new FieldChecker();
  c.check('repository', def.repository, (v) =>
    /^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/.test(v) ? undefined : `"${v}" must be owner/name`,
  );
  c.check('defaultBranch', def.defaultBranch, branchNameProblem);
  c.check('version', def.version, (v) =>
    /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(v) ? undefined : `"${v}" must be a semantic version such as 1.2.3`,
  );
  const envNames = new Set<string>();
  def.environments.forEach((env, i) => {
    c.check(`environments[${i}].name`, env.name, dnsLabelProblem);
    if (envNames.has(env.name)) c.fail(`environments[${i}].name`, `duplicate environment "${env.name}"`);
    envNames.add(env.name);
    if (env.logLevel !== undefined && !(LOG_LEVELS as readonly string[]).includes(env.logLevel)) {
      c.fail(`environments[${i}].logLevel`, `must be one of ${LOG_LEVELS.join(', ')}, got "${env.logLevel}"`);
    }
    if (env.autoscaling) {
      const a = env.autoscaling;
      if (!(
        Number.isInteger(a.minReplicas) &&
        a.minReplicas >= MIN_REPLICAS &&
        Number.isInteger(a.maxReplicas) &&
        a.maxReplicas >= a.minReplicas &&
        a.maxReplicas <= MAX_REPLICAS
      )) {
        c.fail(
          `environments[${i}].autoscaling`,
          `needs integers ${MIN_REPLICAS} ≤ minReplicas ≤ maxReplicas ≤ ${MAX_REPLICAS}, got ${a.minReplicas}–${a.maxReplicas}`,
        );
      }
    }
    for (const [name, r] of Object.entries(env.resources ?? {})) {
      if (!def.services.some((s) => s.name === name)) {
        c.fail(
          `environments[${i}].resources.${name}`,
          `is not a service of the model (${def.services.map((s) => s.name).join(', ')})`,
        );
      } else {
        checkResources(c, `environments[${i}].resources.${name}`, r);
      }
    }
    if (env.replicas !== undefined && !(Number.isInteger(env.replicas) && env.replicas >= MIN_REPLICAS)) {
      c.fail(
        `environments[${i}].replicas`,
        `must be an integer ≥ ${MIN_REPLICAS} (a PodDisruptionBudget needs a spare pod), got ${env.replicas}`,
      );
    }
    if (env.deploy) checkDeploy(c, `environments[${i}].deploy`, env.deploy, new Set(def.services.map((s) => s.name)));
    if (env.metrics) {
      c.check(`environments[${i}].metrics.prometheusNamespace`, env.metrics.prometheusNamespace, dnsLabelProblem);
      for (const [key, value] of Object.entries(env.metrics.serviceMonitorLabels ?? {})) {
        c.check(`environments[${i}].metrics.serviceMonitorLabels.${key}`, key, labelKeyProblem);
        c.check(`environments[${i}].metrics.serviceMonitorLabels.${key}`, value, labelValueProblem);
      }
    }
  });
  const githubEnvironments = new Map<string, string>();
  def.environments.forEach((env, i) => {
    const name = env.deploy && (env.deploy.githubEnvironment ?? env.name);
    if (!name) return;
    if (githubEnvironments.has(name)) {
      c.fail(
        `environments[${i}].deploy.githubEnvironment`,
        `"${name}" is already the GitHub environment of ${githubEnvironments.get(name)}: each environment needs its own protection rules and credentials`,
      );
    }
    githubEnvironments.set(name, env.name);
  });
  c.check('registry.host', def.registry.host, (v) =>
    /^[a-z0-9.-]+(:\d+)?$/.test(v) ? undefined : `"${v}" is not a registry host such as ghcr.io`,
  );
  c.check('registry.namespace', def.registry.namespace, imageNameProblem);
  for (const key of ['linux', 'linuxArm', 'macos'] as const) c.check(`runners.${key}`, def.runners[key], nonEmpty);
  c.check('toolchain.python', def.toolchain.python, versionProblem);
  c.check('toolchain.uv', def.toolchain.uv, versionProblem);
  c.check('toolchain.node', def.toolchain.node, (v) =>
    (SUPPORTED_NODE_MAJORS as readonly string[]).includes(v)
      ? undefined
      : `"${v}" is not a supported Node.js LTS major; use one of ${SUPPORTED_NODE_MAJORS.join(', ')}`,
  );
  for (const key of ['helm', 'kubeconform', 'kind', 'trivy', 'cosign', 'slsaVerifier'] as const) {
    c.check(`toolchain.${key}`, def.toolchain[key], (v) =>
      /^v\d+\.\d+\.\d+$/.test(v) ? undefined : `"${v}" must be a pinned vX.Y.Z`,
    );
  }
  c.check('toolchain.pipAudit', def.toolchain.pipAudit, (v) =>
    /^\d+\.\d+\.\d+$/.test(v) ? undefined : `"${v}" must be an exact version X.Y.Z`,
  );
  c.check('toolchain.kubernetes', def.toolchain.kubernetes, (v) =>
    /^\d+\.\d+\.\d+$/.test(v) && minorOf(v) >= minorOf(KUBERNETES_MINIMUM)
      ? undefined
      : `"${v}" must be X.Y.Z, at least the charts' minimum ${KUBERNETES_MINIMUM}`,
  );
  c.check('toolchain.kubeconformSha256', def.toolchain.kubeconformSha256, (v) =>
    /^[0-9a-f]{64}$/.test(v) ? undefined : `"${v}" must be 64 lowercase hex digits (the archive's SHA-256)`,
  );
  c.check('toolchain.kindNodeDigest', def.toolchain.kindNodeDigest, (v) =>
    /^sha256:[0-9a-f]{64}$/.test(v)
      ? undefined
      : `"${v}" must be sha256:<64 hex digits>, the digest of kindest/node:v${def.toolchain.kubernetes}`,
  );
  if (def.chartVersion !== undefined) {
    c.check('chartVersion', def.chartVersion, (v) =>
      /^\d+\.\d+\.\d+$/.test(v) ? undefined : `"${v}" must be a SemVer X.Y.Z`,
    );
  }
  for (const key of ['performance', 'dependencyScan', 'imageScan'] as const) {
    c.check(`schedules.${key}`, def.schedules[key], cronProblem);
  }
  if (def.schedules.cacheCleanup !== undefined) {
    c.check('schedules.cacheCleanup', def.schedules.cacheCleanup, cronProblem);
  }
  c.check('dependencyUpdates.day', def.dependencyUpdates.day, (v) =>
    (WEEKDAYS as readonly string[]).includes(v) ? undefined : `must be one of ${WEEKDAYS.join(', ')}, got "${v}"`,
  );
  c.check('dependencyUpdates.time', def.dependencyUpdates.time, timeOfDayProblem);
  c.check('dependencyUpdates.cooldownDays', def.dependencyUpdates.cooldownDays, cooldownProblem);
  if (def.performanceHistoryBranch !== undefined) {
    c.check('performanceHistoryBranch', def.performanceHistoryBranch, branchNameProblem);
  }
  if (def.releaseTags !== undefined) {
    // A glob GitHub's filter accepts and that cannot match a branch-like ref by accident.
    c.check('releaseTags', def.releaseTags, (v) =>
      /^[A-Za-z0-9][A-Za-z0-9.*_-]*$/.test(v) ? undefined : `"${v}" must be a tag glob such as v*.*.*`,
    );
  }
  for (const key of ['platform', 'services', 'app'] as const) {
    if (def.owners[key].length === 0) c.fail(`owners.${key}`, 'must name at least one owner');
    def.owners[key].forEach((o, i) => c.check(`owners.${key}[${i}]`, o, ownerProblem));
  }

  if (def.services.length === 0) c.fail('services', 'must declare at least one service');
  const names = new Set(def.services.map((s) => s.name));
  const seen = new Map<string, number>();
  const ports = new Map<number, string>();
  for (const [i, service] of def.services.entries()) {
    const at = `services[${i}]`;
    if (seen.has(service.name)) {
      c.fail(`${at}.name`, `duplicate service "${service.name}" (also services[${seen.get(service.name)}])`);
    }
    seen.set(service.name, i);
    checkService(c, at, service, names);
  }
  const images = new Map<string, string>();
  for (const [i, service] of def.services.entries()) {
    const image = service.imageName ?? service.name;
    if (images.has(image)) {
      c.fail(`services[${i}].imageName`, `image "${image}" is already used by service "${images.get(image)}"`);
    }
    images.set(image, service.name);
    if (ports.has(service.port) && ports.get(service.port) !== service.name) {
      // Distinct ports let the smoke test run every service on one host.
      c.fail(`services[${i}].port`, `port ${service.port} is already used by service "${ports.get(service.port)}"`);
    }
    ports.set(service.port, service.name);
  }
  const cycle = callCycle(def.services);
  if (cycle) {
    c.fail('services', `calls form a cycle: ${cycle.join(' → ')}; no service could start or be installed first`);
  }

  const app = def.app;
  c.check('app.name', app.name, dnsLabelProblem);
  c.check('app.path', app.path, repoPathProblem);
  c.check('app.scheme', app.scheme, nonEmpty);
  c.check('app.modelsJson', app.modelsJson, repoPathProblem);
  c.check('app.packageResolved', app.packageResolved, repoPathProblem);
  if (app.referenceTranscripts !== undefined) {
    c.check('app.referenceTranscripts', app.referenceTranscripts, repoPathProblem);
  }
  if (app.minLineCoveragePct !== undefined) {
    c.check('app.minLineCoveragePct', app.minLineCoveragePct, (v) =>
      typeof v === 'number' && v >= 0 && v <= 100 ? undefined : `must be a percentage from 0 to 100, got ${v}`,
    );
  }
  app.pinnedPackages.forEach((p, i) => c.check(`app.pinnedPackages[${i}]`, p, nonEmpty));
  c.check('app.packageManifest', app.packageManifest, (v) =>
    v === 'xcodeproj' || v === 'swiftpm' ? undefined : `must be "xcodeproj" or "swiftpm", got ${JSON.stringify(v)}`,
  );
  c.check(
    'app.project',
    app.project,
    (v) =>
      repoPathProblem(v) ??
      (/\.(xcodeproj|xcworkspace)$/.test(v) ? undefined : `"${v}" must name a .xcodeproj or .xcworkspace`),
  );
  c.check('app.xcode', app.xcode, (v) =>
    /^\d+\.\d+(\.\d+)?$/.test(v) ? undefined : `"${v}" must be an Xcode version such as 16.4`,
  );
  if (app.release) checkAppRelease(c, 'app.release', app.release);
  c.check('app.swiftlint', app.swiftlint, (v) =>
    /^\d+\.\d+\.\d+$/.test(v) ? undefined : `"${v}" must be an exact version X.Y.Z`,
  );
  for (const key of ['unit', 'routing', 'performance'] as const) {
    c.check(`app.testTargets.${key}`, app.testTargets[key], (v) =>
      /^[A-Za-z_][A-Za-z0-9_]*(\/[A-Za-z_][A-Za-z0-9_]*)*$/.test(v)
        ? undefined
        : `"${v}" must be a test target (or Target/Class)`,
    );
  }
  c.findings.push(...namingFindings(def), ...isolationFindings(def));
  return c.findings;
}

/** A cycle in the services' calls, as the names along it (first = last), or undefined. */
function callCycle(services: readonly ServiceDefinition[]): string[] | undefined {
  // Self-calls and unknown callees have findings of their own.
  const calls = new Map(services.map((s) => [s.name, (s.calls ?? []).filter((c) => c !== s.name)]));
  return findCycle(calls.keys(), (name) => (calls.get(name) ?? []).filter((c) => calls.has(c)));
}

/**
 * Service names in dependency order: every service after the services it calls, otherwise in
 * the order of the definition. Call it only on a validated definition (no cycle).
 */
export function callOrder(services: readonly ServiceDefinition[]): string[] {
  const order: string[] = [];
  const placed = new Set<string>();
  const place = (s: ServiceDefinition): void => {
    if (placed.has(s.name)) return;
    placed.add(s.name);
    for (const callee of s.calls ?? []) {
      const next = services.find((x) => x.name === callee);
      if (next) place(next);
    }
    order.push(s.name);
  };
  services.forEach(place);
  return order;
}

function checkResources(c: FieldChecker, at: string, r: ResourceDefinition): void {
  c.check(`${at}.cpuRequest`, r.cpuRequest, quantityProblem);
  c.check(`${at}.memoryRequest`, r.memoryRequest, quantityProblem);
  c.check(`${at}.memoryLimit`, r.memoryLimit, quantityProblem);
  if (r.cpuLimit !== undefined) c.check(`${at}.cpuLimit`, r.cpuLimit, quantityProblem);
}

/** `1.32.0` → 132 (for comparing minors). */
function minorOf(version: string): number {
  const [major, minor] = version.split('.').map(Number);
  return major! * 100 + minor!;
}
