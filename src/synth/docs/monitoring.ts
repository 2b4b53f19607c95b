import { Construct } from 'constructs';
import { renderedWorkflow, workflowFacts } from './workflow-facts';
import { APP_HEALTH_SCHEMA } from '../../common/app-health';
import {
  LATENCY_QUANTILE,
  latencyQuery,
  METRICS_POD_TARGET_LABELS,
  prometheusLabelName,
  requestsQuery,
  SERVER_ERROR_STATUS,
  SERVICE_METRICS,
  serverErrorsQuery,
} from '../../common/canary-metrics';
import { DEFAULT_THRESHOLDS, THRESHOLD_KEYS, THRESHOLD_SPECS } from '../../common/regression-thresholds';
import {
  APP_HEALTH_SETTINGS,
  CANARY_CHECK_INTERVAL_SECONDS,
  DEFAULT_METRICS_PATH,
  PROMETHEUS_SETTINGS,
} from '../model/limits';
import type { Platform } from '../model/platform';
import { markGeneratedFile, type IGeneratedFile, type RenderedFile } from '../output/generated-file';
import { ALERT_ISSUE_TITLE_PREFIX } from '../workflow/jobs/failure-alert';
import type { SecureWorkflow } from '../workflow/workflow';

/** Props of {@link MonitoringDoc}. */
export interface MonitoringDocProps {
  readonly platform: Platform;
  readonly workflows: readonly SecureWorkflow[];
  /** The workflow that turns scheduled failures into issues. */
  readonly alerts?: SecureWorkflow;
  /** @default 'docs/MONITORING.md' */
  readonly filePath?: string;
}

/**
 * `docs/MONITORING.md` (seed 000, item 4): what each pipeline measures and where it goes, the
 * performance metrics and their gates (from the model and the gate's own threshold table), and
 * how failures alert.
 */
export class MonitoringDoc extends Construct implements IGeneratedFile {
  public readonly filePath: string;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: MonitoringDocProps,
  ) {
    super(scope, id);
    this.filePath = props.filePath ?? 'docs/MONITORING.md';
    markGeneratedFile(this);
  }

  /** The services' metrics contract and how a rollout's watch windows read it. */
  private servicesInProduction(): string[] {
    const { platform } = this.props;
    if (platform.deployments.length === 0) return [];
    const example = {
      namespace: platform.deployments[0]!.namespace,
      service: platform.services[0]!.name,
      track: 'canary' as const,
      excludeHandlers: [platform.services[0]!.healthPath, DEFAULT_METRICS_PATH],
    };
    const scraped = platform.environments
      .filter((e) => e.metrics)
      .map((e) => `\`${e.name}\` (Prometheus in \`${e.metrics!.prometheusNamespace}\`)`);
    return [
      '## The services in a rollout',
      '',
      'Each rollout stage watches the new release for its minutes (docs/ci-cd-runbook.md, "Deploy"). Where the GitHub environment sets',
      `the \`${PROMETHEUS_SETTINGS.urlVariable}\` variable (an https Prometheus HTTP API; \`${PROMETHEUS_SETTINGS.tokenSecret}\` as a bearer token when set), the watch reads`,
      `the real traffic from it with \`canary-analysis\`: every ${CANARY_CHECK_INTERVAL_SECONDS} s, the new release's requests since the window opened — its server-error`,
      `rate, and its p${LATENCY_QUANTILE * 100} latency against the stable release's over the same time (a promotion: against the release it replaced, over the`,
      'window before it started). It stops the stage at the first check past a limit, and at the end of the window when too few requests',
      'reached the new release to judge it (a release widens on evidence, never on silence). Limits per environment:',
      '',
      '| environment | error rate | p95 rise | requests needed |',
      '| --- | --- | --- | --- |',
      ...platform.deployments.map(
        (d) =>
          `| ${d.environment} | ≤ ${d.maxErrorRatePct} % | ≤ +${d.canaryAnalysis.maxP95IncreasePct} % | ${d.canaryAnalysis.minRequests} |`,
      ),
      '',
      'Without the variable the watch sends synthetic requests through a port-forward (`load-test`) and gates on their error rate; the',
      'watch is then also set beside the nightly history of the service, as information only (another rate, another path: it warns, it',
      'never fails the stage).',
      '',
      `**What each service must expose** on its metrics path (\`${DEFAULT_METRICS_PATH}\`, the chart value \`metrics.path\`), as prometheus-fastapi-instrumentator`,
      'does by default:',
      '',
      `- \`${SERVICE_METRICS.requests}\`: a counter of answered requests, labelled \`${SERVICE_METRICS.statusLabel}\` (the code, \`503\`, or its class, \`5xx\`: both match \`${SERVER_ERROR_STATUS}\`) and \`${SERVICE_METRICS.handlerLabel}\` (the route template).`,
      `- \`${SERVICE_METRICS.duration}\`: a histogram of request durations in seconds, labelled \`${SERVICE_METRICS.handlerLabel}\`.`,
      '',
      `The charts' ServiceMonitor copies the pod labels ${METRICS_POD_TARGET_LABELS.map((l) => `\`${l}\``).join(' and ')} onto every series, as`,
      `${METRICS_POD_TARGET_LABELS.map((l) => `\`${prometheusLabelName(l)}\``).join(' and ')}: the track tells a canary's pods from the stable release's, in both canary kinds.`,
      `Scraped environments: ${scraped.length ? scraped.join(', ') : 'none (set `metrics` on an environment in the model)'}. The queries, e.g. for ${example.service}'s canary in \`${example.namespace}\`:`,
      '',
      '```promql',
      requestsQuery(example, 600),
      serverErrorsQuery(example, 600),
      latencyQuery(example, 600),
      '```',
      '',
      'Dashboards and alerts can use the same series. Checked only on GitHub against a real Prometheus; the job runner answers these',
      "queries from a stand-in that parses them with Prometheus's own PromQL grammar.",
      '',
    ];
  }

  public render(): RenderedFile {
    const { platform, workflows, alerts } = this.props;
    const out = [
      '# Monitoring the pipelines',
      '',
      'Generated from the workflow constructs and the platform model; regenerate with `npx projen`.',
      '',
      '## What each workflow leaves behind',
      '',
      'Every job writes its results to its job summary; besides that:',
      '',
      '| workflow | schedule | leaves |',
      '| --- | --- | --- |',
      ...workflows.map((w) => {
        const { data, text } = renderedWorkflow(w);
        const facts = workflowFacts(data, text);
        return `| ${w.workflowName} | ${(w.triggers.schedule ?? []).map((c) => `\`${c}\``).join(', ') || '—'} | ${facts.uploads.join(', ') || 'job summary only'} |`;
      }),
      '',
      '## Performance',
      '',
      '`load-test` (services) and `transcription-metrics` (the app, per model in `models.json`) write **performance metrics v1**:',
      "latency percentiles p50/p95/p99/max/mean in ms (from each request's intended start, so queueing counts), the error rate,",
      'the achieved throughput, the sample count, the conditions of the run (endpoint, rate, duration, warm-up, runner, image',
      'digest) and, for transcription, the real-time factor (processing seconds per second of audio: p50/p95/mean). The first',
      'clip of a transcription run loads the model and is left out of every figure; model loading itself is not gated.',
      '',
      ...(platform.app.referenceTranscripts
        ? [
            `**Accuracy.** With the corpus' reference transcripts (\`${platform.app.referenceTranscripts}\`, reference transcripts v1:`,
            '`{"schemaVersion": 1, "transcripts": {"<clip name>": "<what it says>"}}`), `transcription-metrics --references` records each',
            "model's word error rate (all edits over all reference words of the clips that returned a transcript, warm-up included) in",
            "the metrics' `accuracy`. The app's contract: the performance test writes each clip's `transcript` (what the model returned,",
            'as returned) in its transcription samples; a clip with `ok` and no transcript, or a clip without a reference, fails the run.',
            'Before comparing, both texts are normalised: Unicode NFKC and lower case; punctuation and symbols dropped (apostrophes too:',
            "`don't` → `dont`); numbers compared as written, never spelled out (`20` ≠ `twenty`: the references write each number as the",
            'model should), with a `,` between digits dropped (`1,000` → `1000`) and a `.` between digits kept (`3.5`). The gate compares',
            "the rate with the model's history in absolute points (`werIncreasePts`), like the error rate.",
            '',
          ]
        : []),
      "**Memory.** The performance test measures the test process's physical footprint (`phys_footprint`, what XCTMemoryMetric and",
      "Xcode's memory gauge report) and writes it in its transcription samples as `memory`: `peakFootprintBytes`, the highest",
      'footprint while the model was loaded and transcribed the corpus; then `switchCycles` (at least 2) switches from the model to',
      'the next one of `models.json` (the first after the last; itself when it is the only one) and back, each load releasing the',
      'model before it, and `switchGrowthBytes`, the footprint after the last cycle minus after the first (about 0 when a switch',
      "frees what a load takes). `transcription-metrics` records both in the metrics' `memory`; the gate fails a peak more than",
      '`peakMemoryIncreasePct` above the history and memory kept across switches more than `switchGrowthIncreaseMib` above it.',
      '',
      `The metrics are uploaded as artifacts (30 days) and, after a passing scheduled run of \`${platform.defaultBranch}\`, appended to the`,
      `history on the \`${platform.performanceHistoryBranch}\` branch (one file per scenario and conditions). \`check-performance-regression\``,
      'compares each run with the median of the last runs; a limit is widened only where the history itself is noisier.',
      '',
      '| scenario | rate | duration | warm-up | ' + THRESHOLD_KEYS.map((k) => `\`${k}\``).join(' | ') + ' |',
      `| --- | --- | --- | --- | ${THRESHOLD_KEYS.map(() => '---').join(' | ')} |`,
      ...platform.services
        .filter((s) => s.performance)
        .map(
          (s) =>
            `| ${s.name} synthesize | ${s.performance!.rate}/s | ${s.performance!.durationSeconds} s | ${s.performance!.warmupSeconds} s | ${THRESHOLD_KEYS.map((k) => s.performance!.thresholds[k]).join(' | ')} |`,
        ),
      `| app, per model | sequential | the corpus | first clip | ${THRESHOLD_KEYS.map((k) => DEFAULT_THRESHOLDS[k]).join(' | ')} |`,
      '',
      ...THRESHOLD_KEYS.map((k) => `- \`${k}\` (\`${THRESHOLD_SPECS[k].flag}\`): ${THRESHOLD_SPECS[k].description}.`),
      '',
      ...this.servicesInProduction(),
      '## Failure rates and security findings',
      '',
      "- Provider and model failures: the error rate of each performance run (gated above), and the app workflow's routing tests,",
      '  which run once per model in `models.json` inside one macOS job (built once; every model runs even after one fails). The',
      '  job summary has a row per model (id, provider, version, passed or **failed**), and the job fails if any model failed.',
      '- Dependency and image vulnerabilities, and CodeQL: SARIF uploaded to code scanning (Security tab), with the severities the',
      '  scanners give; scheduled runs re-scan what is on the default branch.',
      '',
      ...this.appInTheField(),
      '## Alerting',
      '',
      alerts
        ? `\`${alerts.filePath}\` follows every scheduled workflow (${(alerts.triggers.workflowRun?.workflows ?? []).map((w) => `"${w}"`).join(', ')}): when a scheduled run of \`${platform.defaultBranch}\` fails it opens one issue titled "${ALERT_ISSUE_TITLE_PREFIX}<workflow>" (or comments on the open one), and closes it when a scheduled run passes again. It is the only job with \`issues: write\`, and it reads only the event's metadata.`
        : 'No alerting workflow is generated.',
      '',
    ];
    return {
      filePath: this.filePath,
      format: 'markdown',
      text: out.join('\n'),
      reviewed: true,
      constructPath: this.node.path,
    };
  }

  /**
   * What the app must report once it runs on people's Macs (seed 000, item 4): the health figures
   * the release stages read, and its runtime signals, as a contract the app implements.
   */
  private appInTheField(): string[] {
    const release = this.props.platform.appRelease;
    return [
      '## The app in the field',
      '',
      ...(release
        ? [
            `**Release health.** Before the phased rollout starts and before the build is offered to everyone, \`app-release.yml\` reads`,
            `the build's crash-free sessions from the https address in the \`${APP_HEALTH_SETTINGS.urlVariable}\` variable (with the`,
            `\`${APP_HEALTH_SETTINGS.tokenSecret}\` secret as a bearer token when set) and stops the stage below ${release.health.minCrashFreeSessionsPct} % crash-free or with`,
            `fewer than ${release.health.minSessions} sessions (the model's \`appRelease.health\`); a build the figures do not list stops it too. With no`,
            "address set the stage says so in its summary and goes on. The app's crash reporting must publish **app health v1**",
            `(\`${APP_HEALTH_SCHEMA.$id}\`, \`APP_HEALTH_SCHEMA\` in this package):`,
            '',
            '```json',
            '{ "schemaVersion": 1, "generatedAt": "2026-12-05T06:00:00Z",',
            '  "builds": [{ "version": "<CFBundleVersion>", "sessions": 1840, "crashFreeSessions": 0.9978 }] }',
            '```',
            '',
            "- `version`: the build's `CFBundleVersion`, as the appcast names it; one entry per build still in use.",
            '- `sessions`: sessions started on that build since it was published. A session starts when the app becomes active and ends',
            '  when it resigns active or quits.',
            '- `crashFreeSessions`: the share of those sessions (0–1) that did not end in a crash: a fatal signal, an uncaught exception,',
            "  or a watchdog or memory-pressure kill while in use (MetricKit's `MXCrashDiagnostic` and `MXAppExitMetric` count them).",
            '',
          ]
        : []),
      '**Runtime signals.** What the app records for each transcription and model change (os_signpost intervals and MetricKit',
      'payloads on the Mac, aggregated by its telemetry), so that a provider or model that degrades in the field is seen as the',
      'nightly gate sees it in CI:',
      '',
      '| signal | recorded as | fields | alert when |',
      '| --- | --- | --- | --- |',
      '| provider performance | signpost interval `transcribe` per transcription | model id and version, provider, audio seconds, processing seconds (real-time factor), words | p95 real-time factor of a model version rises more than `rtfIncreasePct` over its previous version |',
      '| model loading | signpost interval `model-load` per load | model id and version, source (cache or download), seconds, peak footprint, outcome | a load fails, or p95 load time doubles, for a model version |',
      '| model download and verification | event `model-fetch` | model id, bytes, outcome (`ok`, `network`, `checksum`) | any `checksum` outcome (the `models.json` digest no longer matches what is served) |',
      '| failure rates | event `transcription-failed` | model id and version, provider, error domain and code | failed transcriptions of a model version above `maxErrorRate` of its transcriptions in a day |',
      '| provider switching | event `model-switch` | from and to model ids, seconds, footprint before and after | footprint kept after switches grows by more than `switchGrowthIncreaseMib` across a session |',
      "| crashes | MetricKit crash and exit diagnostics | build, model id in use, exception type | the build's crash-free sessions fall below the release limit above |",
      '',
      "The alert limits are the nightly gate's thresholds (table above), so CI and the field judge a model by the same numbers. Where",
      "the alerts go (the team's paging or chat) is the telemetry service's configuration, outside these pipelines.",
      '',
    ];
  }
}
