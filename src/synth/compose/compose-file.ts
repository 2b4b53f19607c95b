import { Construct } from 'constructs';
import { CONTAINER_USER_ID, DEFAULT_LOG_LEVEL } from '../model/limits';
import type { Platform, Service } from '../model/platform';
import { markGeneratedFile, type IGeneratedFile, type RenderedFile } from '../output/generated-file';
import { toYaml } from '../output/yaml';

/** Props of {@link ComposeFile}. */
export interface ComposeFileProps {
  readonly platform: Platform;
  /**
   * Path from the repository root.
   * @default 'deploy/compose.yaml'
   */
  readonly filePath?: string;
  /**
   * Address the services' ports are published on.
   * @default '127.0.0.1' (never every interface of the runner)
   */
  readonly publishAddress?: string;
}

/**
 * Health-check timing. Failures in the start period do not count, then `retries` in a row make the
 * service unhealthy: a service that never answers is reported after 20 s + 15 × 2 s = 50 s, and one
 * that answers is healthy within 2 s of it (a 5 s interval made every `up` wait up to 5 s per
 * service in dependency order, and a broken one 70 s).
 */
const HEALTH = { interval: '2s', timeout: '3s', retries: 15, startPeriod: '20s' } as const;

/** A Kubernetes memory quantity as a compose byte value (`512Mi` → `512m`), or undefined when it has no exact form. */
function composeBytes(quantity: string): string | undefined {
  const m = /^(\d+)(Ki|Mi|Gi)$/.exec(quantity);
  return m ? `${m[1]}${m[2]![0]!.toLowerCase()}` : undefined;
}

/**
 * `deploy/compose.yaml`: the services as one stack for the smoke test, the nightly load test and
 * local runs, from the same model as the charts: the image from a variable (a digest in CI; the
 * release version when unset),
 * the ports published on loopback only, the chart's settings, and the chart's security context —
 * non-root numeric user, read-only root filesystem with a tmpfs at /tmp, every capability
 * dropped, no privilege escalation. Health checks run Python's standard library inside the
 * image, because slim Python images have neither curl nor wget.
 */
export class ComposeFile extends Construct implements IGeneratedFile {
  /** The variable that names a service's image, e.g. `TTS_IMAGE`. */
  public static imageVariable(service: Pick<Service, 'name'>): string {
    return `${service.name.toUpperCase().replace(/-/g, '_')}_IMAGE`;
  }

  public readonly filePath: string;
  private readonly props: ComposeFileProps;

  constructor(scope: Construct, id: string, props: ComposeFileProps) {
    super(scope, id);
    this.props = props;
    this.filePath = props.filePath ?? 'deploy/compose.yaml';
    markGeneratedFile(this);
  }

  /**
   * The Compose project name, from the repository name. Steps pass it as `COMPOSE_PROJECT_NAME`:
   * the file has no top-level `name:`, so that Compose v1 (Debian's 1.29) runs it as v2 does.
   */
  public get projectName(): string {
    return this.props.platform.repository
      .split('/')[1]!
      .toLowerCase()
      .replace(/[^a-z0-9_-]/g, '-');
  }

  /** The compose document, as it is written. */
  public get document(): Record<string, unknown> {
    const platform = this.props.platform;
    return {
      services: Object.fromEntries(platform.services.map((s) => [s.name, this.service(s)])),
    };
  }

  /** `http://127.0.0.1:<port>`: where a service answers on the host. */
  public baseUrlOf(service: Service): string {
    return `http://${this.props.publishAddress ?? '127.0.0.1'}:${service.port}`;
  }

  public render(): RenderedFile {
    return {
      filePath: this.filePath,
      format: 'yaml',
      text: toYaml(this.document),
      reviewed: true,
      constructPath: this.node.path,
    };
  }

  private service(s: Service): Record<string, unknown> {
    const variable = ComposeFile.imageVariable(s);
    const probe = `import urllib.request; urllib.request.urlopen('http://127.0.0.1:${s.port}${s.healthPath}', timeout=2)`;
    const memory = composeBytes(s.resources.memoryLimit);
    return {
      // CI sets the variable to an image by digest; without it, the release the chart deploys by default.
      image: `\${${variable}:-${s.imageRepository}:${this.props.platform.version}}`,
      user: `${CONTAINER_USER_ID}:${CONTAINER_USER_ID}`,
      // An init process as PID 1 forwards SIGTERM and reaps children: a server as PID 1 gets no default
      // signal handlers, so `compose down` waited its 10 s grace period and then killed it.
      init: true,
      read_only: true,
      tmpfs: ['/tmp'],
      cap_drop: ['ALL'],
      security_opt: ['no-new-privileges:true'],
      ...(memory ? { mem_limit: memory } : {}),
      ports: [`${this.props.publishAddress ?? '127.0.0.1'}:${s.port}:${s.port}`],
      environment: { LOG_LEVEL: DEFAULT_LOG_LEVEL, ...this.props.platform.settingsOf(s) },
      healthcheck: {
        // python3, not python: Debian's and many minimal images have only python3 (python:3.11-slim has both).
        test: ['CMD', 'python3', '-c', probe],
        interval: HEALTH.interval,
        timeout: HEALTH.timeout,
        retries: HEALTH.retries,
        start_period: HEALTH.startPeriod,
      },
      ...(s.calls.length > 0
        ? { depends_on: Object.fromEntries(s.calls.map((c) => [c, { condition: 'service_healthy' }])) }
        : {}),
    };
  }
}
