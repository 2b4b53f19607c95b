import { Construct } from 'constructs';
import { CONTAINER_USER_ID, DEFAULT_LOG_LEVEL, PROBE_DEFAULTS } from '../model/limits';
import { urlSettingOf, type Platform } from '../model/platform';
import { markGeneratedFile, type IGeneratedFile, type RenderedFile } from '../output/generated-file';

/** Props of {@link ServiceContractDoc}. */
export interface ServiceContractDocProps {
  readonly platform: Platform;
  /** @default 'docs/service-contract.md' */
  readonly filePath?: string;
}

/**
 * `docs/service-contract.md`: what every service image must do for the pipelines, charts and
 * compose file to work — ports, paths, what healthy means, the synthesis answer, the runtime
 * limits — from the platform model, written once. The smoke test, the stand-in services of the
 * end-to-end suite and the README point here.
 */
export class ServiceContractDoc extends Construct implements IGeneratedFile {
  public readonly filePath: string;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: ServiceContractDocProps,
  ) {
    super(scope, id);
    this.filePath = props.filePath ?? 'docs/service-contract.md';
    markGeneratedFile(this);
  }

  public render(): RenderedFile {
    const { platform } = this.props;
    const r = PROBE_DEFAULTS.readiness;
    const code = (s: string) => `\`${s}\``;
    const out = [
      '# Service contract',
      '',
      'Generated from the platform model (`workflows-gen/platform.ts`); regenerate with `npx projen`. What each',
      'service image must do so that the smoke and load tests, the compose file and the Helm charts work with it.',
      "The end-to-end suite's stand-in services (`test/e2e/services/`) implement exactly this.",
      '',
      '| service | port | health | synthesis | settings (environment) | calls |',
      '| --- | --- | --- | --- | --- | --- |',
      ...platform.services.map(
        (s) =>
          `| ${s.name} | ${s.port} | ${code(`GET ${s.healthPath}`)} | ${s.synthesisPath ? code(`POST ${s.synthesisPath}`) : '—'} | ${[
            'LOG_LEVEL',
            ...Object.keys(platform.settingsOf(s)),
          ]
            .map(code)
            .join(', ')} | ${s.calls.map((c) => `${c} at ${code(urlSettingOf(c))}`).join(', ') || '—'} |`,
      ),
      '',
      '## Every service',
      '',
      `- Listens on its port on all interfaces, over plain HTTP. Ports are ≥ 1024 (the process is not root).`,
      `- Runs as UID and GID ${CONTAINER_USER_ID} (numeric ${code('USER')} in the Dockerfile: Kubernetes' ${code('runAsNonRoot')} can only check a number),`,
      `  with a read-only root filesystem, every capability dropped and no privilege escalation. Only ${code('/tmp')} is writable`,
      `  (a tmpfs in compose, an emptyDir in the chart): caches, models and scratch files go there or to a mounted volume.`,
      `- **Healthy** means: ${code('GET <health path>')} answers HTTP 200 within ${r.timeoutSeconds} s (the readiness probe's timeout; the compose`,
      `  health check runs ${code('python3')} with the standard library inside the image, so the image needs ${code('python3')} on its PATH and no curl).`,
      `  It answers 503 while the service cannot serve (model not loaded, a called service unreachable); the`,
      `  startup probe allows ${PROBE_DEFAULTS.startup.failureThreshold} × ${PROBE_DEFAULTS.startup.periodSeconds} s for loading.`,
      `- Reads its settings from the environment only; ${code('LOG_LEVEL')} (default ${code(DEFAULT_LOG_LEVEL)}) sets the log level. Secrets come`,
      `  from the environment too (the chart's ${code('extraEnvFrom')}), never from the settings.`,
      '- Logs to stdout/stderr, one line per event.',
      "- A called service is reached at the URL in its `<NAME>_URL` setting: the compose service name, or the called release's",
      '  Service in the chart (`dependencies.<name>` in the values).',
      '- On SIGTERM it finishes the requests in flight and exits; the chart sends SIGTERM after the pre-stop pause, and in',
      '  compose an init process (`init: true`) is PID 1 and passes the signal on (a server as PID 1 has no default handler).',
      '',
      '## Synthesis',
      '',
      ...platform.services
        .filter((s) => s.synthesisPath)
        .flatMap((s) => [
          `${code(`POST ${s.synthesisPath}`)} on ${s.name}, with ${code('Content-Type: application/json')} and ${code('Accept: audio/wav')}, body`,
          `${code('{"text": "<text>"}')}: answers 200 with ${code('Content-Type: audio/wav')} (or ${code('audio/wave')}, ${code('audio/x-wav')}) and a RIFF/WAVE`,
          `file with a ${code('fmt ')} chunk (PCM) and a non-empty ${code('data')} chunk. Bad input answers 4xx with a JSON error. This is`,
          `what ${code('smoke-test --synthesis-path')} checks and what ${code('load-test')} counts as a success (a 2xx with an ${code('audio/')} type).`,
          '',
        ]),
    ];
    return {
      filePath: this.filePath,
      format: 'markdown',
      text: `${out.join('\n')}`,
      reviewed: true,
      constructPath: this.node.path,
    };
  }
}
