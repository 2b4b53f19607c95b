import { CANARY_ANALYSIS, CHECK_PERFORMANCE_REGRESSION, LOAD_TEST, SMOKE_TEST } from '../../../common/cli-contracts';
import type { RegressionThresholds } from '../../../common/regression-thresholds';
import { downloadArtifact, uploadArtifact } from '../actions/artifacts';
import { checkout } from '../actions/checkout';
import { setupHelm } from '../actions/helm';
import { cliStep, runnerVariables } from '../cli-step';
import { Expression, matrix, status, type EnvMap } from '../expressions';
import type { JobStrategy, SecureJob } from '../job';
import type { WorkflowJob } from '../job-base';
import { runStep, stepOutcome, stepOutput, type JobStep } from '../steps';
import type { SecureWorkflow } from '../workflow';
import { clusterAccessPermissions, clusterAccessSteps, type ClusterAccessProps } from './cluster-access';
import { digestCheckLine } from './image-digest';
import { npmInstallSteps } from './node-package';
import { rolloutRecordArtifact, rolloutStageJobId, type ReleaseNames } from '../../model/naming';

/** One traffic stage: the share on the new release and how long it is watched. */
export interface RolloutStage {
  /** 1–100; the last stage is 100 (promotion). */
  readonly percent: number;
  readonly watchMinutes: number;
}

/**
 * How a canary takes its share. `replicas`: its pods join the stable Service, so the share is
 * `canary pods / all pods` (precision: one pod). `gateway`: its own Service is a weighted backend
 * of the stable release's HTTPRoute (precise per request).
 */
export type CanaryMode = 'replicas' | 'gateway';

/**
 * Watch windows judged on Prometheus (the real traffic) instead of synthetic requests: the canary's
 * error rate and p95 against the stable release's over the same time; at promotion, the new stable
 * release against the one it replaced.
 */
export interface PrometheusAnalysisProps {
  /** The Prometheus API's base URL; the analysis runs when it is not empty at run time (e.g. a variable). */
  readonly url: Expression;
  /** The environment variable the bearer token reaches the step in, and its value (e.g. a secret). */
  readonly token: { readonly env: string; readonly value: Expression };
  /** Highest rise of the p95 latency over the baseline's, in percent. */
  readonly maxP95IncreasePct: number;
  /** Requests the new release must answer in a window to be judged. */
  readonly minRequests: number;
  /** Handlers that are not traffic besides each target's health probe (e.g. the metrics scrape). */
  readonly excludeHandlers: readonly string[];
  /** Seconds between two checks of a window. */
  readonly intervalSeconds: number;
}

/**
 * The nightly performance history a synthetic watch is compared with: informational, since the
 * watch (a low rate through a port-forward to the cluster) and the nightly run (the model's rate on a
 * runner) measure under different conditions.
 */
export interface NightlyHistoryProps {
  /** The history branch (e.g. `perf-history`); each target names its file on it. */
  readonly branch: string;
  /** The service's thresholds (the nightly gate's). @default - the threshold table's defaults */
  readonly thresholds?: Partial<RegressionThresholds>;
}

/**
 * One service a rollout job deploys: what differs from service to service. A job deploying several
 * services runs one matrix expansion per service; a value all its services share stays literal.
 */
export interface RolloutTarget {
  /** The service's name (its chart, the pods' `app.kubernetes.io/name`, the matrix's `service`). */
  readonly serviceName: string;
  /** Chart folder, e.g. `charts/tts`. */
  readonly chart: string;
  /** The environment's values file. */
  readonly valuesFile: string;
  readonly stable: ReleaseNames;
  readonly canary: ReleaseNames;
  /** The container port (port-forwards go to it). */
  readonly port: number;
  /** The verified image digest to deploy (never a tag). */
  readonly digest: Expression;
  readonly healthPath: string;
  /** The synthesis endpoint, smoke-tested and watched when set. @default - health only */
  readonly synthesisPath?: string;
  /** Public base URL, smoke-tested after each stage. @default - port-forward only */
  readonly url?: string;
  /** The service's file on the nightly history branch, when `nightlyHistory` is given. @default - none */
  readonly nightlyHistoryFile?: string;
  /** The load-test scenario of a synthetic watch window (its name in the results). */
  readonly watchScenario: string;
}

/** Props of {@link addHelmRollout}. */
export interface HelmRolloutProps {
  /** Job ids are `<idPrefix>-<stage>`, e.g. `production-tts-canary-10`. */
  readonly idPrefix: string;
  /** The environment as job names show it, e.g. `production` in `tts → production: canary 10 %`. */
  readonly environmentName: string;
  /**
   * The services the jobs deploy, side by side (a matrix when there are several). They must agree
   * on the shape of the steps: all with a synthesis path or none, a URL or none, a history file or none.
   */
  readonly targets: readonly RolloutTarget[];
  readonly runsOn: string;
  /** The GitHub environment (protection rules, secrets, variables). */
  readonly environment: string;
  readonly access: ClusterAccessProps;
  readonly helmVersion: string;
  /** Node.js for this package's smoke-test and load-test. */
  readonly nodeVersion: string;
  readonly namespace: string;
  /** In order; the last is 100. */
  readonly stages: readonly RolloutStage[];
  readonly canaryMode: CanaryMode;
  /** Synthetic requests per second of a watch window. */
  readonly watchRate: number;
  /** Highest error rate (%) of a watch window. */
  readonly maxErrorRatePct: number;
  /**
   * Judge the watch windows on Prometheus when its URL is set; each target's health path is left
   * out of the traffic besides `excludeHandlers`. @default - synthetic traffic only
   */
  readonly prometheus?: PrometheusAnalysisProps;
  /** Compare each synthetic watch with the nightly history (informational). @default - not compared */
  readonly nightlyHistory?: NightlyHistoryProps;
  /** @default [] */
  readonly needs?: readonly WorkflowJob[];
  /** Condition of the first stage (later stages follow it). @default - none */
  readonly if?: Expression;
}

/** The jobs of one rollout. */
export interface HelmRollout {
  /** In order; each needs the one before. */
  readonly stages: readonly SecureJob[];
  /** The promotion job (100 %). */
  readonly promotion: SecureJob;
}

/** Local port of the port-forwards (one at a time per step). */
const FORWARD_PORT = 18080;
/** The base URL a step reaches its port-forward at. */
export const PORT_FORWARD_URL = `http://127.0.0.1:${FORWARD_PORT}`;
/** Upper bound of a Helm install or rollback with --wait. */
export const HELM_TIMEOUT = '10m';
/** How often, and how many times, a change retries while another Helm operation holds the release: about HELM_TIMEOUT. */
const HELM_BUSY_RETRY = { seconds: 10, attempts: 60 } as const;

/**
 * A shell function, `helm_when_free helm <args>…`, that runs a Helm command changing a release and,
 * while another operation holds that release (Helm refuses: "another operation … is in progress",
 * e.g. a deploy stage's upgrade), waits and retries for as long as that operation may take. Helm's
 * own lock keeps the two from changing the release at once; this keeps the waiting side from failing.
 */
export const HELM_WHEN_FREE_FUNCTION = [
  'helm_when_free() {',
  '  local attempt out',
  `  for attempt in $(seq 1 ${HELM_BUSY_RETRY.attempts}); do`,
  '    if out="$("$@" 2>&1)"; then printf \'%s\\n\' "$out"; return 0; fi',
  '    printf \'%s\\n\' "$out" >&2',
  '    grep -q "another operation (install/upgrade/rollback) is in progress" <<< "$out" || return 1',
  `    echo "::notice::another Helm operation holds the release; retrying in ${HELM_BUSY_RETRY.seconds} s ($attempt of ${HELM_BUSY_RETRY.attempts})"`,
  `    sleep ${HELM_BUSY_RETRY.seconds}`,
  '  done',
  '  return 1',
  '}',
].join('\n');

/**
 * Script lines that start `kubectl port-forward` to `target` (a quoted shell word such as
 * `"$TARGET"`; `$NAMESPACE` and `$PORT` from env) in the background on {@link PORT_FORWARD_URL},
 * wait until it listens, and stop it when the step ends, waiting until it has exited (a later step's
 * forward binds the same port, which kubectl refuses while it is held). Port-forwards bypass NetworkPolicy, so an
 * internal service is reachable from the runner.
 */
export function portForwardScript(target: string): string {
  return `${FORWARD_FUNCTION}\nforward ${target}`;
}

/** How long a port-forward may take to listen, polled every fifth of a second (it usually takes under one). */
const FORWARD_START = { seconds: 30, pollsPerSecond: 5 } as const;

const FORWARD_FUNCTION = [
  'forward() {',
  // A new, empty log per forward, made before kubectl starts: with one path for every forward of a
  // job, the first poll could read an earlier step's "Forwarding from" before the background shell
  // had emptied the file, and the step send requests before this forward listened.
  '  forward_log="$(mktemp "$RUNNER_TEMP/port-forward.XXXXXX")"',
  `  kubectl port-forward --namespace "$NAMESPACE" "$1" "${FORWARD_PORT}:$PORT" > "$forward_log" 2>&1 &`,
  '  forward_pid=$!',
  // Waits for the forward to exit: the next step's forward binds the same local port.
  '  trap \'kill "$forward_pid" 2> /dev/null && wait "$forward_pid" 2> /dev/null || true\' EXIT',
  `  for _ in $(seq 1 ${FORWARD_START.seconds * FORWARD_START.pollsPerSecond}); do grep -q "Forwarding from" "$forward_log" && return 0; sleep ${1 / FORWARD_START.pollsPerSecond}; done`,
  '  cat "$forward_log"; echo "::error::port-forward to $1 did not start"; return 1',
  '}',
].join('\n');

/**
 * Script lines that set `variable` to a release's current revision (empty when it is not installed).
 * Two commands, not a pipe: an unreachable cluster fails the step (runner shells have no pipefail)
 * instead of reading as "not installed". `release` and `$NAMESPACE` are shell words.
 */
export function currentRevisionLines(variable: string, release: string): string[] {
  return [
    `releases="$(helm list --namespace "$NAMESPACE" --all --filter "^${release}\\$" -o json)"`,
    `${variable}="$(jq -r '.[0].revision // empty' <<< "$releases")"`,
  ];
}

/** `helm upgrade --install` of the canary release at the stage's share. */
function canaryScript(mode: CanaryMode): string {
  return [
    digestCheckLine('DIGEST'),
    'stable="$(kubectl get deployment "$STABLE_FULLNAME" --namespace "$NAMESPACE" -o jsonpath=\'{.spec.replicas}\')"',
    '# ceil(stable × p / (100 − p)) pods take p % of the pods; at least one.',
    'canary=$(( (stable * PERCENT + 99 - PERCENT) / (100 - PERCENT) ))',
    '(( canary >= 1 )) || canary=1',
    'helm upgrade --install "$CANARY_RELEASE" "$CHART" --namespace "$NAMESPACE" --values "$VALUES_FILE" \\',
    '  --set image.digest="$DIGEST" --set canary.enabled=true --set canary.stableRelease="$STABLE_RELEASE" \\',
    `  --set canary.joinStableService=${mode === 'replicas'} --set replicaCount="$canary" \\`,
    `  --atomic --wait --timeout ${HELM_TIMEOUT}`,
    ...(mode === 'replicas'
      ? [
          'share="$(( 100 * canary / (stable + canary) ))"',
          'echo "$CANARY_RELEASE: $canary pod(s) beside $stable stable: ~$share % of the requests (stage: $PERCENT %)" | tee -a "$GITHUB_STEP_SUMMARY"',
        ]
      : [
          '[[ -n "$STABLE_DIGEST" ]] || { echo "::error::$STABLE_RELEASE runs no image digest; deploy it by digest once (cd-rollback) before a weighted canary"; exit 1; }',
          '# The stable release keeps its digest; only its route gains the weighted canary backend.',
          'helm upgrade "$STABLE_RELEASE" "$CHART" --namespace "$NAMESPACE" --values "$VALUES_FILE" \\',
          '  --set image.digest="$STABLE_DIGEST" --set httpRoute.canary.release="$CANARY_RELEASE" --set httpRoute.canary.weight="$PERCENT" \\',
          `  --atomic --wait --timeout ${HELM_TIMEOUT}`,
          'echo "$CANARY_RELEASE: $canary pod(s), $PERCENT % of the route\'s requests" | tee -a "$GITHUB_STEP_SUMMARY"',
        ]),
  ].join('\n');
}

/**
 * Takes an earlier stage's canary away when a later stage cannot read the rollout record: for a
 * Gateway canary the stable release's route first drops its canary backend (the release's own values
 * kept), then the canary release goes. The stable release is not compared with its recorded revision:
 * the job fails and says so.
 */
function canaryRemovalWithoutRecordScript(mode: CanaryMode): string {
  return [
    ...(mode === 'gateway'
      ? [
          ...currentRevisionLines('current', '$STABLE_RELEASE'),
          'if [[ -n "$current" ]]; then',
          '  helm upgrade "$STABLE_RELEASE" "$CHART" --namespace "$NAMESPACE" --reset-then-reuse-values \\',
          `    --set httpRoute.canary.release="" --set httpRoute.canary.weight=0 --atomic --wait --timeout ${HELM_TIMEOUT}`,
          'fi',
        ]
      : []),
    'helm uninstall "$CANARY_RELEASE" --namespace "$NAMESPACE" --ignore-not-found --wait',
    'echo "::error::the $STAGE stage could not read the rollout record: the canary was removed; $STABLE_RELEASE was not checked against its recorded revision (helm history $STABLE_RELEASE)"',
    'echo "**Canary removed**: the $STAGE stage could not read the rollout record; $STABLE_RELEASE was not checked against its recorded revision." >> "$GITHUB_STEP_SUMMARY"',
    'exit 1',
  ].join('\n');
}

/** Matrix keys of the values that differ between a rollout's targets. */
type TargetKey =
  | 'service'
  | 'chart'
  | 'values-file'
  | 'stable-release'
  | 'stable-fullname'
  | 'canary-release'
  | 'canary-fullname'
  | 'port'
  | 'digest'
  | 'health-path'
  | 'synthesis-path'
  | 'url'
  | 'history-file'
  | 'watch-scenario';

type TargetValue = string | number | Expression;

/**
 * The values of a rollout's targets: {@link TargetValues.of} gives a value every target shares as
 * itself, and a value that differs as `matrix.<key>`, remembering it for the jobs' matrix.
 */
class TargetValues {
  private readonly varying = new Map<TargetKey, TargetValue[]>();

  public constructor(private readonly targets: readonly RolloutTarget[]) {}

  public of<T extends TargetValue>(key: TargetKey, pick: (t: RolloutTarget) => T): T | Expression {
    const values = this.targets.map(pick);
    const first = values[0]!;
    if (values.every((v) => String(v) === String(first))) return first;
    this.varying.set(key, values);
    return matrix(key);
  }

  /** The jobs' strategy: one matrix entry per target, when some value differs. */
  public strategy(): JobStrategy | undefined {
    if (this.varying.size === 0) return undefined;
    return {
      // A failed service cancels its neighbours, whose own stages then roll them back.
      failFast: true,
      include: this.targets.map((_, i) =>
        Object.fromEntries([...this.varying].map(([key, values]) => [key, values[i]!])),
      ),
    };
  }
}

/** Where a later stage downloads the rollout's record to. */
const RECORD_DIR = 'rollout-record';
const RECORD_FILE = 'record.txt';

/**
 * Adds a staged rollout of Helm releases, one per target: a job per stage, each needing the one
 * before; several targets run side by side as a matrix of each stage's job. Stages below 100 % run
 * the new digest as a canary release beside the stable one; the last stage promotes the stable
 * release to the digest and removes the canary. Every stage then runs `helm test`, the smoke test
 * (through a port-forward, and at the public URL when there is one) and a watch window with an
 * error-rate gate. The first stage records the stable release (the rollback target) in an artifact
 * per target that every later stage reads, as matrix jobs have no per-expansion outputs. A failed
 * or cancelled stage rolls back in its own job (no further approval needed): the canary is removed
 * and the stable release returned to the recorded revision, and the job fails with the reason.
 * A first install (no stable release yet) skips the canary stages and installs at 100 %.
 */
export function addHelmRollout(workflow: SecureWorkflow, p: HelmRolloutProps): HelmRollout {
  const last = p.stages[p.stages.length - 1];
  if (!last || last.percent !== 100) throw new Error(`addHelmRollout ${p.idPrefix}: the last stage must be 100 %`);
  if (p.targets.length === 0) throw new Error(`addHelmRollout ${p.idPrefix}: targets must not be empty`);
  for (const [field, label] of [
    ['synthesisPath', 'a synthesis path'],
    ['url', 'a URL'],
    ['nightlyHistoryFile', 'a nightly history file'],
  ] as const) {
    const having = p.targets.filter((t) => t[field] !== undefined).map((t) => t.serviceName);
    if (having.length > 0 && having.length < p.targets.length) {
      throw new Error(
        `addHelmRollout ${p.idPrefix}: targets must all have ${label} or none (${having.join(', ')} have one, ` +
          `${p.targets
            .filter((t) => t[field] === undefined)
            .map((t) => t.serviceName)
            .join(', ')} not); deploy them in separate rollouts`,
      );
    }
  }
  if (p.targets.some((t) => t.nightlyHistoryFile !== undefined) !== (p.nightlyHistory !== undefined)) {
    throw new Error(`addHelmRollout ${p.idPrefix}: nightlyHistory and the targets' nightlyHistoryFile go together`);
  }
  const v = new TargetValues(p.targets);
  const one = p.targets[0]!;
  const service = v.of('service', (t) => t.serviceName);
  const healthPath = v.of('health-path', (t) => t.healthPath);
  const synthesisPath = one.synthesisPath === undefined ? undefined : v.of('synthesis-path', (t) => t.synthesisPath!);
  const url = one.url === undefined ? undefined : v.of('url', (t) => t.url!);
  const port = v.of('port', (t) => t.port);
  const digest = v.of('digest', (t) => t.digest);
  const stable = {
    release: v.of('stable-release', (t) => t.stable.release),
    fullname: v.of('stable-fullname', (t) => t.stable.fullname),
  };
  const canary = {
    release: v.of('canary-release', (t) => t.canary.release),
    fullname: v.of('canary-fullname', (t) => t.canary.fullname),
  };
  const recordArtifact = rolloutRecordArtifact(p.environmentName, `${service}`);
  const permissions = { contents: 'read' as const, ...clusterAccessPermissions(p.access) };
  const common: EnvMap = {
    NAMESPACE: p.namespace,
    CHART: v.of('chart', (t) => t.chart),
    VALUES_FILE: v.of('values-file', (t) => t.valuesFile),
    PORT: port,
    STABLE_RELEASE: stable.release,
    STABLE_FULLNAME: stable.fullname,
    CANARY_RELEASE: canary.release,
    CANARY_FULLNAME: canary.fullname,
  };
  const stageSteps = p.stages.map((stage, index) => {
    const promote = stage.percent === 100;
    // Every stage has the record as step `record`: the first reads it from the cluster and keeps it
    // as an artifact, the others download that artifact.
    const record =
      index === 0
        ? runStep({
            name: 'Record the stable release (the rollback target)',
            id: 'record',
            outputs: ['stable-revision', 'stable-digest'],
            env: common,
            run: [
              // Only a release that is not installed reads as a first install.
              ...currentRevisionLines('revision', '$STABLE_RELEASE'),
              'digest=""',
              '[[ -z "$revision" ]] || digest="$(helm get values "$STABLE_RELEASE" --namespace "$NAMESPACE" --all -o json | jq -r \'.image.digest // ""\')"',
              `mkdir -p ${RECORD_DIR}`,
              `printf 'stable-revision=%s\\nstable-digest=%s\\n' "$revision" "$digest" | tee ${RECORD_DIR}/${RECORD_FILE} >> "$GITHUB_OUTPUT"`,
              'echo "$STABLE_RELEASE before the rollout: revision ${revision:-none (first install)}, ${digest:-no digest}" | tee -a "$GITHUB_STEP_SUMMARY"',
            ].join('\n'),
          })
        : runStep({
            name: 'Read the recorded stable release (the rollback target)',
            id: 'record',
            outputs: ['stable-revision', 'stable-digest'],
            run: [
              // Only the two lines the first stage wrote, well-formed, reach the outputs.
              `grep -Eqx 'stable-revision=[0-9]*' ${RECORD_DIR}/${RECORD_FILE} || { echo "::error::${RECORD_DIR}/${RECORD_FILE} holds no stable revision"; exit 1; }`,
              `grep -Eqx 'stable-digest=(sha256:[0-9a-f]{64})?' ${RECORD_DIR}/${RECORD_FILE} || { echo "::error::${RECORD_DIR}/${RECORD_FILE} holds no stable digest"; exit 1; }`,
              `grep -Ex 'stable-(revision=[0-9]*|digest=(sha256:[0-9a-f]{64})?)' ${RECORD_DIR}/${RECORD_FILE} >> "$GITHUB_OUTPUT"`,
            ].join('\n'),
          });
    const recorded = (name: string) => stepOutput(record, name);
    const env: EnvMap = {
      ...common,
      DIGEST: digest,
      STABLE_REVISION: recorded('stable-revision'),
      STABLE_DIGEST: recorded('stable-digest'),
    };
    const access = clusterAccessSteps(p.access);
    const steps: JobStep[] = [
      // No cache in a deploy: nothing another run wrote reaches production.
      ...npmInstallSteps({ nodeVersion: p.nodeVersion, cache: false }),
      setupHelm({ version: p.helmVersion }),
      ...access,
    ];
    if (index > 0) {
      steps.push(downloadArtifact({ name: recordArtifact, path: RECORD_DIR }, { name: 'Download the rollout record' }));
    }
    steps.push(record);
    if (index === 0 && p.stages.length > 1) {
      steps.push(
        uploadArtifact(
          // A re-run of the workflow records again, over the earlier attempt's record.
          {
            name: recordArtifact,
            path: [`${RECORD_DIR}/${RECORD_FILE}`],
            ifNoFilesFound: 'error',
            retentionDays: 7,
            overwrite: true,
          },
          { name: 'Keep the record for the later stages' },
        ),
      );
    }
    const target = promote ? stable : canary;
    // A first install has no stable release to stand beside: its canary stages do nothing.
    const onlyWithCanary = promote ? undefined : recorded('stable-revision').ne('');
    // The promotion's watch compares the new stable release with the old one over the window before this moment.
    const promotionStart =
      promote && p.prometheus
        ? runStep({
            name: 'Note when the promotion starts',
            id: 'promotion-start',
            outputs: ['at'],
            run: 'echo "at=$(date +%s)" >> "$GITHUB_OUTPUT"',
          })
        : undefined;
    if (promotionStart) steps.push(promotionStart);
    if (promote) {
      steps.push(
        runStep({
          name: `Promote ${stable.release} to the new digest (100 %)`,
          env,
          run: [
            digestCheckLine('DIGEST'),
            'helm upgrade --install "$STABLE_RELEASE" "$CHART" --namespace "$NAMESPACE" --values "$VALUES_FILE" \\',
            `  --set image.digest="$DIGEST" --atomic --wait --timeout ${HELM_TIMEOUT}`,
            'helm uninstall "$CANARY_RELEASE" --namespace "$NAMESPACE" --ignore-not-found --wait',
          ].join('\n'),
        }),
      );
    } else {
      steps.push(
        runStep({
          name: `Canary at ${stage.percent} %`,
          if: onlyWithCanary,
          env: { ...env, PERCENT: stage.percent },
          run: canaryScript(p.canaryMode),
        }),
      );
    }
    steps.push(
      runStep({
        name: `helm test ${target.release}`,
        if: onlyWithCanary,
        env,
        run: `helm test "${promote ? '$STABLE_RELEASE' : '$CANARY_RELEASE'}" --namespace "$NAMESPACE" --logs --timeout 5m`,
      }),
      cliStep(SMOKE_TEST, {
        name: `Smoke-test ${target.release} (port-forward to its Service)`,
        if: onlyWithCanary,
        env: { NAMESPACE: p.namespace, PORT: port, TARGET: `service/${target.fullname}` },
        before: portForwardScript('"$TARGET"'),
        args: { baseUrl: PORT_FORWARD_URL, healthPath, synthesisPath },
      }),
    );
    if (url !== undefined) {
      steps.push(
        cliStep(SMOKE_TEST, {
          name: `Smoke-test the public URL (${stage.percent} % on the new digest)`,
          if: onlyWithCanary,
          args: { baseUrl: url, healthPath, synthesisPath },
        }),
      );
    }
    const watchSeconds = stage.watchMinutes * 60;
    const both = (a: Expression | undefined, b: Expression) => (a ? a.and(b) : b);
    const a = p.prometheus;
    if (a) {
      steps.push(
        cliStep(CANARY_ANALYSIS, {
          name: `Watch ${target.release} for ${stage.watchMinutes} min on Prometheus (error rate ≤ ${p.maxErrorRatePct} %, p95 ≤ +${a.maxP95IncreasePct} %)`,
          if: both(onlyWithCanary, a.url.ne('')),
          env: { [a.token.env]: a.token.value },
          args: {
            prometheusUrl: a.url,
            tokenEnv: a.token.env,
            namespace: p.namespace,
            service,
            track: promote ? 'stable' : 'canary',
            ...(promotionStart ? { baselineUntil: stepOutput(promotionStart, 'at') } : {}),
            excludeHandler: [healthPath, ...a.excludeHandlers],
            window: watchSeconds,
            interval: Math.min(a.intervalSeconds, watchSeconds),
            maxErrorRatePct: p.maxErrorRatePct,
            maxP95IncreasePct: a.maxP95IncreasePct,
            minRequests: a.minRequests,
            summary: runnerVariables.stepSummary,
          },
        }),
      );
    }
    // Without Prometheus: synthetic requests through a port-forward.
    const synthetic = a ? both(onlyWithCanary, a.url.eq('')) : onlyWithCanary;
    const watchOut = `watch-${stage.percent}.json`;
    steps.push(
      cliStep(LOAD_TEST, {
        name: `Watch ${target.release} for ${stage.watchMinutes} min (error rate ≤ ${p.maxErrorRatePct} %)`,
        if: synthetic,
        env: { NAMESPACE: p.namespace, PORT: port, TARGET: `service/${target.fullname}` },
        before: portForwardScript('"$TARGET"'),
        args: {
          baseUrl: PORT_FORWARD_URL,
          path: synthesisPath ?? healthPath,
          method: synthesisPath !== undefined ? 'POST' : 'GET',
          rate: p.watchRate,
          duration: watchSeconds,
          scenario: v.of('watch-scenario', (t) => t.watchScenario),
          imageDigest: digest,
          maxErrorRatePct: p.maxErrorRatePct,
          out: watchOut,
        },
      }),
    );
    const h = p.nightlyHistory;
    if (h) {
      const historyDir = 'nightly-history';
      steps.push(
        // The very first deploys run before any nightly run: no branch is no error, the comparison says so.
        checkout(
          { ref: h.branch, path: historyDir, fetchDepth: 1 },
          { name: `Check out the nightly history (${h.branch})`, if: synthetic, continueOnError: true },
        ),
        cliStep(CHECK_PERFORMANCE_REGRESSION, {
          name: `Compare the watch with the nightly history (informational: other conditions)`,
          if: synthetic,
          args: {
            current: watchOut,
            history: `${historyDir}/${v.of('history-file', (t) => t.nightlyHistoryFile!)}`,
            acrossConditions: true,
            ...h.thresholds,
            summary: runnerVariables.stepSummary,
          },
        }),
      );
    }
    steps.push(
      runStep({
        name: 'Roll back this stage',
        // Only once the stable release is recorded (read, in a later stage): before that nothing changed
        // here, and an unknown rollback target must never read as "first install, remove it".
        if: status.failure.or(status.cancelled).and(stepOutcome(record).eq('success')),
        env: { ...env, STAGE: promote ? 'promotion' : `canary at ${stage.percent} %` },
        run: [
          // The stable release first: its route stops sending a share to the canary before the canary goes.
          ...currentRevisionLines('current', '$STABLE_RELEASE'),
          'if [[ -z "$STABLE_REVISION" ]]; then',
          '  helm uninstall "$STABLE_RELEASE" --namespace "$NAMESPACE" --ignore-not-found --wait',
          '  outcome="the first install of $STABLE_RELEASE was removed"',
          'elif [[ "$current" != "$STABLE_REVISION" ]]; then',
          `  helm rollback "$STABLE_RELEASE" "$STABLE_REVISION" --namespace "$NAMESPACE" --wait --timeout ${HELM_TIMEOUT}`,
          '  outcome="$STABLE_RELEASE rolled back to revision $STABLE_REVISION"',
          'else',
          '  outcome="$STABLE_RELEASE untouched at revision $STABLE_REVISION"',
          'fi',
          'helm uninstall "$CANARY_RELEASE" --namespace "$NAMESPACE" --ignore-not-found --wait',
          'echo "::error::the $STAGE stage failed; the canary was removed and $outcome"',
          'echo "**Rolled back**: the $STAGE stage failed; the canary was removed and $outcome." >> "$GITHUB_STEP_SUMMARY"',
          'exit 1',
        ].join('\n'),
      }),
    );
    if (index > 0) {
      steps.push(
        runStep({
          name: 'Remove the canary (the rollout record could not be read)',
          // An earlier stage left its canary serving a share. Without the record this stage cannot check
          // the stable release against its revision, but it can take the canary's share away: the
          // cluster is reachable, so it does.
          if: status.failure
            .or(status.cancelled)
            .and(stepOutcome(record).ne('success'))
            .and(stepOutcome(access[access.length - 1]!).eq('success')),
          env: {
            NAMESPACE: p.namespace,
            ...(p.canaryMode === 'gateway' ? { CHART: common.CHART! } : {}),
            STABLE_RELEASE: stable.release,
            CANARY_RELEASE: canary.release,
            STAGE: promote ? 'promotion' : `canary at ${stage.percent} %`,
          },
          run: canaryRemovalWithoutRecordScript(p.canaryMode),
        }),
      );
    }
    return steps;
  });
  // Every value is known now: the matrix, when there is one, is the same for every stage.
  const strategy = v.strategy();
  const jobs: SecureJob[] = [];
  p.stages.forEach((stage, index) => {
    const promote = stage.percent === 100;
    const previous = jobs[jobs.length - 1];
    jobs.push(
      workflow.addJob(rolloutStageJobId(p.idPrefix, stage), {
        name: `${service} → ${p.environmentName}: ${promote ? 'promote to 100 %' : `canary ${stage.percent} %`}`,
        runsOn: p.runsOn,
        environment: p.environment,
        permissions,
        // Installs and rollbacks (up to 10 min each) around the watch window.
        timeoutMinutes: stage.watchMinutes + 40,
        // Each stage after the one before; all read the given jobs' outputs (the digest).
        needs: [...new Set([...(previous ? [previous] : []), ...(p.needs ?? [])])],
        if: previous ? undefined : p.if,
        ...(strategy ? { strategy } : {}),
        steps: stageSteps[index]!,
      }),
    );
  });
  return { stages: jobs, promotion: jobs[jobs.length - 1]! };
}
