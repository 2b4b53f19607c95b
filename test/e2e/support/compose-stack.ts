import { spawnSync } from 'node:child_process';
import type { CommandResult, DockerEngine } from './docker-engine';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** How to run a compose file against an engine: its path, project and the variables it reads. */
export interface ComposeStackProps {
  /** Absolute path of the compose file (the generated one, unchanged). */
  readonly file: string;
  /**
   * A compose file merged over it (`COMPOSE_FILE=a:b`, as both Compose v1 and v2 read it), e.g. the
   * test stack's health-check timings. @default - none
   */
  readonly overrideFile?: string;
  readonly projectName: string;
  /** The variables the file reads (image references). */
  readonly env: Readonly<Record<string, string>>;
  readonly services: readonly string[];
}

/** Why a stack did not come up: one line per service that failed. */
export class StackFailure extends Error {}

/** One container's state, as `docker inspect` reports it. */
interface ContainerState {
  readonly status: string;
  readonly exitCode: number;
  readonly health?: string;
  readonly lastCheck?: string;
}

/**
 * A compose stack on the suite's engine. GitHub's runners have Compose v2, where the workflows run
 * `docker compose up --wait`; Debian ships Compose v1 (1.29), which has no `--wait`, so with v1 the
 * stack is started detached and every container's state and health are polled here. Either way a
 * failure names each service that is not healthy and why (exit code and last log line, or the
 * health check's last output).
 */
export class ComposeStack {
  private readonly v2: boolean;

  constructor(
    private readonly engine: DockerEngine,
    private readonly props: ComposeStackProps,
  ) {
    this.v2 = engine.docker(['compose', 'version']).status === 0;
  }

  private compose(args: readonly string[], timeoutMs = 300_000): CommandResult {
    const env = {
      ...process.env,
      ...this.engine.env,
      ...this.props.env,
      COMPOSE_FILE: [this.props.file, ...(this.props.overrideFile ? [this.props.overrideFile] : [])].join(':'),
      COMPOSE_PROJECT_NAME: this.props.projectName,
    };
    const [cmd, pre] = this.v2 ? [this.engine.client, ['compose']] : ['docker-compose', []];
    const r = spawnSync(cmd, [...pre, ...args], { encoding: 'utf8', timeout: timeoutMs, env });
    return {
      status: r.status ?? -1,
      stdout: r.stdout ?? '',
      stderr: `${r.stderr ?? ''}${r.error ? r.error.message : ''}`,
    };
  }

  /** Starts the stack and waits until every service is healthy; throws {@link StackFailure} otherwise. */
  public async up(waitSeconds: number): Promise<void> {
    const started = this.v2
      ? this.compose(['up', '--detach', '--wait', '--wait-timeout', String(waitSeconds)], (waitSeconds + 60) * 1000)
      : this.compose(['up', '--detach'], (waitSeconds + 60) * 1000);
    const deadline = Date.now() + waitSeconds * 1000;
    for (;;) {
      const states = this.props.services.map((s) => [s, this.state(s)] as const);
      const failed = states.filter(
        ([, st]) => !st || st.status === 'exited' || st.status === 'dead' || st.health === 'unhealthy',
      );
      if (failed.length > 0) throw new StackFailure(failed.map(([s, st]) => this.why(s, st)).join('\n'));
      if (states.every(([, st]) => st?.status === 'running' && (st.health === undefined || st.health === 'healthy'))) {
        return;
      }
      if (started.status !== 0 && states.every(([, st]) => st?.status !== 'created')) {
        // Compose gave up (e.g. a dependency never became healthy) and nothing is still starting.
        throw new StackFailure(
          `compose up failed (${started.status}): ${started.stderr.trim().split('\n').slice(-3).join(' / ')}`,
        );
      }
      if (Date.now() > deadline) {
        throw new StackFailure(
          states
            .filter(([, st]) => st?.health !== 'healthy')
            .map(
              ([s, st]) =>
                `${s}: not healthy after ${waitSeconds} s (${st?.status ?? 'no container'}, health ${st?.health ?? 'none'})`,
            )
            .join('\n'),
        );
      }
      await sleep(1000);
    }
  }

  private containerOf(service: string): string | undefined {
    const r = this.compose(['ps', '--quiet', ...(this.v2 ? ['--all'] : []), service]);
    return r.stdout.trim().split('\n').find(Boolean);
  }

  private state(service: string): ContainerState | undefined {
    const id = this.containerOf(service);
    if (!id) return undefined;
    const r = this.engine.docker(['inspect', '--format', '{{json .State}}', id]);
    if (r.status !== 0) return undefined;
    const s = JSON.parse(r.stdout);
    const log: { Output: string }[] = s.Health?.Log ?? [];
    return { status: s.Status, exitCode: s.ExitCode, health: s.Health?.Status, lastCheck: log.at(-1)?.Output.trim() };
  }

  /** One line: which service and why. */
  private why(service: string, st: ContainerState | undefined): string {
    if (!st) return `${service}: no container was created`;
    if (st.status === 'exited' || st.status === 'dead') {
      const logs = this.compose(['logs', '--no-color', service]).stdout.trim().split('\n').filter(Boolean);
      return `${service}: exited with code ${st.exitCode}; last log line: ${logs.at(-1)?.replace(/^\S+\s+\|\s*/, '') ?? '(none)'}`;
    }
    const check = (st.lastCheck ?? '').split('\n').filter(Boolean).at(-1) ?? '(no output)';
    return `${service}: unhealthy; the health check's last output: ${check}`;
  }

  /** `docker compose logs` of every service, for a failure report. */
  public logs(): string {
    const r = this.compose(['logs', '--no-color', '--timestamps']);
    return `${r.stdout}${r.stderr}`;
  }

  /** Stops and removes the stack (containers, network, volumes). */
  public down(): void {
    this.compose(['down', '--volumes', '--remove-orphans']);
  }
}
