import { THRESHOLD_FLAGS } from './regression-thresholds';

/**
 * The flags of each helper CLI, defined once: the CLI builds its parser from them and the
 * workflow definitions build their steps from them (`cliStep`), so a renamed flag cannot leave a
 * workflow calling a flag that no longer exists.
 */
export interface CliContract<F extends string, S extends F = never> {
  /** The bin name in package.json. */
  readonly bin: string;
  readonly flags: Readonly<Record<F, `--${string}`>>;
  /** The flags that take no value (switches). */
  readonly switches: readonly S[];
  /** The subcommand, for a bin with several (`pipelines plan`). @default - none */
  readonly subcommand?: string;
}

function contract<F extends string, S extends F = never>(
  bin: string,
  flags: Record<F, `--${string}`>,
  switches: readonly S[] = [],
  subcommand?: string,
): CliContract<F, S> {
  return { bin, flags, switches, ...(subcommand ? { subcommand } : {}) };
}

export const CHECK_PERFORMANCE_REGRESSION = contract(
  'check-performance-regression',
  {
    current: '--current',
    history: '--history',
    window: '--window',
    thresholds: '--thresholds',
    ...THRESHOLD_FLAGS,
    updateHistory: '--update-history',
    acrossConditions: '--across-conditions',
    summary: '--summary',
  },
  ['updateHistory', 'acrossConditions'],
);

export const GENERATE_BUILD_METADATA = contract('generate-build-metadata', {
  out: '--out',
  matrix: '--matrix',
  labels: '--labels',
});

export const SMOKE_TEST = contract('smoke-test', {
  baseUrl: '--base-url',
  healthPath: '--health-path',
  synthesisPath: '--synthesis-path',
  text: '--text',
  timeout: '--timeout-ms',
  retries: '--retries',
});

export const LOAD_TEST = contract('load-test', {
  baseUrl: '--base-url',
  path: '--path',
  method: '--method',
  text: '--text',
  rate: '--rate',
  duration: '--duration',
  warmup: '--warmup',
  runnerClass: '--runner-class',
  imageDigest: '--image-digest',
  expectContentType: '--expect-content-type',
  scenario: '--scenario',
  maxInFlight: '--max-in-flight',
  timeout: '--timeout-ms',
  maxErrorRatePct: '--max-error-rate-pct',
  out: '--out',
});

export const CHECK_SWIFT_PINS = contract(
  'check-swift-pins',
  {
    resolved: '--resolved',
    require: '--require',
    reportNewer: '--report-newer',
  },
  ['reportNewer'],
);

export const PIP_AUDIT_SARIF = contract('pip-audit-sarif', {
  input: '--input',
  output: '--output',
  lockfile: '--lockfile',
  osvUrl: '--osv-url',
  failOn: '--fail-on',
  timeout: '--timeout-ms',
  summary: '--summary',
});

export const SWIFT_AUDIT_SARIF = contract('swift-audit-sarif', {
  resolved: '--resolved',
  output: '--output',
  osvUrl: '--osv-url',
  failOn: '--fail-on',
  ignoreVuln: '--ignore-vuln',
  timeout: '--timeout-ms',
  summary: '--summary',
});

export const MODELS_MANIFEST = contract(
  'models-manifest',
  {
    manifest: '--manifest',
    matrix: '--matrix',
  },
  ['matrix'],
);

export const FETCH_MODELS = contract('fetch-models', {
  manifest: '--manifest',
  cacheDir: '--cache-dir',
  model: '--model',
  baseUrl: '--base-url',
  attempts: '--attempts',
  timeout: '--timeout-ms',
  summary: '--summary',
});

export const TRANSCRIPTION_METRICS = contract('transcription-metrics', {
  samples: '--samples',
  manifest: '--manifest',
  references: '--references',
  runnerClass: '--runner-class',
  warmupClips: '--warmup-clips',
  commit: '--commit',
  out: '--out',
});

/** Every CLI, for package.json bins and the --help check. */
/** `pipelines plan`: what a change does to the generated pipelines (this repository's own CI runs it). */
export const PIPELINES_PLAN = contract(
  'pipelines',
  {
    base: '--base',
    head: '--head',
    format: '--format',
    helm: '--helm',
    defaultBranch: '--default-branch',
    out: '--out',
  },
  [],
  'plan',
);

/** `pipelines what-runs`: which workflows and jobs an event with some changed files starts. */
export const PIPELINES_WHAT_RUNS = contract(
  'pipelines',
  {
    event: '--event',
    ref: '--ref',
    changed: '--changed',
    base: '--base',
    label: '--label',
    format: '--format',
  },
  [],
  'what-runs',
);

/** `update-action-pins`: newest releases of the pinned actions into actions.lock.json (scheduled update workflow). */
export const UPDATE_ACTION_PINS = contract('update-action-pins', {
  lockFile: '--lock-file',
  cooldownDays: '--cooldown-days',
  apiUrl: '--api-url',
  summary: '--summary',
  deadlineSeconds: '--deadline-seconds',
});

const APPCAST_BIN = 'sparkle-appcast';

export const APPCAST_ADD = contract(
  APPCAST_BIN,
  {
    feed: '--feed',
    title: '--title',
    version: '--version',
    shortVersion: '--short-version',
    url: '--url',
    archive: '--archive',
    channel: '--channel',
    edKeyEnv: '--ed-key-env',
    releaseNotes: '--release-notes',
  },
  [],
  'add',
);

export const APPCAST_PHASE = contract(
  APPCAST_BIN,
  { feed: '--feed', version: '--version', intervalHours: '--interval-hours' },
  [],
  'phase',
);

export const APPCAST_EVERYONE = contract(APPCAST_BIN, { feed: '--feed', version: '--version' }, [], 'everyone');

export const APPCAST_WITHDRAW = contract(APPCAST_BIN, { feed: '--feed', version: '--version' }, [], 'withdraw');

/** `app-health`: the crash-free sessions of an app build, from the app's health endpoint, against a stage's limits. */
export const APP_HEALTH = contract('app-health', {
  url: '--url',
  version: '--version',
  minCrashFreePct: '--min-crash-free-pct',
  minSessions: '--min-sessions',
  tokenEnv: '--token-env',
  summary: '--summary',
});

/** `coverage-report`: line coverage from xccov's JSON report, as a summary table, against a floor. */
export const COVERAGE_REPORT = contract('coverage-report', {
  report: '--report',
  title: '--title',
  minLinePct: '--min-line-pct',
  summary: '--summary',
});

/** `canary-analysis`: a watch window judged on Prometheus: the new release's error rate and p95 against the stable one's. */
export const CANARY_ANALYSIS = contract('canary-analysis', {
  prometheusUrl: '--prometheus-url',
  tokenEnv: '--token-env',
  namespace: '--namespace',
  service: '--service',
  track: '--track',
  baselineUntil: '--baseline-until',
  excludeHandler: '--exclude-handler',
  window: '--window',
  interval: '--interval',
  maxErrorRatePct: '--max-error-rate-pct',
  maxP95IncreasePct: '--max-p95-increase-pct',
  latencySlackMs: '--latency-slack-ms',
  minRequests: '--min-requests',
  out: '--out',
  summary: '--summary',
});

export const ALL_CLIS = [
  CHECK_PERFORMANCE_REGRESSION,
  GENERATE_BUILD_METADATA,
  SMOKE_TEST,
  LOAD_TEST,
  CHECK_SWIFT_PINS,
  PIP_AUDIT_SARIF,
  SWIFT_AUDIT_SARIF,
  MODELS_MANIFEST,
  FETCH_MODELS,
  TRANSCRIPTION_METRICS,
  PIPELINES_PLAN,
  PIPELINES_WHAT_RUNS,
  UPDATE_ACTION_PINS,
  APPCAST_ADD,
  APPCAST_PHASE,
  APPCAST_EVERYONE,
  APPCAST_WITHDRAW,
  APP_HEALTH,
  COVERAGE_REPORT,
  CANARY_ANALYSIS,
] as const;
