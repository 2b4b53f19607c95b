import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/** What a docker command printed. */
export interface CommandResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * overlay2 where the kernel has overlayfs (a container's root is a mount, not a copy of every layer:
 * the suite ran about 35 s faster), else vfs, which works anywhere.
 */
function defaultStorageDriver(): string {
  try {
    return /\boverlay$/m.test(readFileSync('/proc/filesystems', 'utf8')) ? 'overlay2' : 'vfs';
  } catch {
    return 'vfs';
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The client: Debian's (20.10, BuildKit built in) where it is installed, else the one on PATH. */
function dockerClient(): string {
  if (process.env.E2E_DOCKER_CLIENT) return process.env.E2E_DOCKER_CLIENT;
  return existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker';
}

/**
 * A Docker Engine for the end-to-end suite: the daemon named by `E2E_DOCKER_HOST` (a machine where
 * Docker already runs; never stopped by the suite), or a daemon of its own — own socket, data root,
 * exec root and pid file in a fresh temporary folder, no default bridge (it must not touch the
 * machine's docker0) — started as root and stopped, with its folder removed, by {@link stop}.
 */
export class DockerEngine {
  public static async start(): Promise<DockerEngine> {
    const external = process.env.E2E_DOCKER_HOST;
    if (external) {
      const engine = new DockerEngine(external);
      const v = engine.docker(['version', '--format', '{{.Server.Version}}']);
      if (v.status !== 0) {
        throw new Error(`E2E_DOCKER_HOST=${external}: no Docker Engine answers there: ${v.stderr.trim()}`);
      }
      return engine;
    }
    if (process.getuid?.() !== 0) {
      throw new Error(
        'the end-to-end suite starts its own Docker daemon, which needs root; or set E2E_DOCKER_HOST to a running daemon (e.g. unix:///var/run/docker.sock)',
      );
    }
    if (spawnSync('dockerd', ['--version']).status !== 0) {
      throw new Error(
        "dockerd is not installed (Debian: apt-get install docker.io docker-compose mmdebstrap); see the README's end-to-end section",
      );
    }
    const dir = mkdtempSync(path.join(tmpdir(), 'voice-e2e-'));
    const socket = path.join(dir, 'docker.sock');
    const log = path.join(dir, 'dockerd.log');
    const daemon = spawn(
      'sh',
      [
        '-c',
        'exec dockerd "$@" > "$LOG" 2>&1',
        'dockerd',
        '--host',
        `unix://${socket}`,
        '--data-root',
        path.join(dir, 'data'),
        '--exec-root',
        path.join(dir, 'exec'),
        '--pidfile',
        path.join(dir, 'docker.pid'),
        '--storage-driver',
        process.env.E2E_STORAGE_DRIVER || defaultStorageDriver(),
        '--bridge',
        'none',
      ],
      { env: { ...process.env, LOG: log }, stdio: 'ignore', detached: false },
    );
    const engine = new DockerEngine(`unix://${socket}`, { dir, pid: daemon.pid!, log });
    const deadline = Date.now() + 60_000;
    while (engine.docker(['version', '--format', '{{.Server.Version}}']).status !== 0) {
      if (daemon.exitCode !== null || Date.now() > deadline) {
        const tail = existsSync(log) ? readFileSync(log, 'utf8').split('\n').slice(-15).join('\n') : '';
        await engine.stop();
        throw new Error(`dockerd did not start within 60 s:\n${tail}`);
      }
      await sleep(250);
    }
    return engine;
  }

  public readonly client = dockerClient();

  private constructor(
    public readonly host: string,
    private readonly own?: { dir: string; pid: number; log: string },
  ) {}

  /** The environment that points docker and Compose at this engine. */
  public get env(): Record<string, string> {
    return { DOCKER_HOST: this.host, DOCKER_BUILDKIT: '1', COMPOSE_DOCKER_CLI_BUILD: '1' };
  }

  /** Runs the docker client against this engine. */
  public docker(
    args: readonly string[],
    o: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {},
  ): CommandResult {
    return result(
      spawnSync(this.client, args, {
        cwd: o.cwd,
        encoding: 'utf8',
        timeout: o.timeoutMs ?? 600_000,
        env: { ...process.env, ...this.env, ...o.env },
      }),
    );
  }

  /** Stops a daemon the suite started (by its pid) and removes its folder; leaves an external one alone. */
  public async stop(): Promise<void> {
    if (!this.own) return;
    const alive = () => {
      try {
        process.kill(this.own!.pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    if (alive()) process.kill(this.own.pid, 'SIGTERM');
    for (let i = 0; i < 120 && alive(); i++) await sleep(250);
    if (alive()) process.kill(this.own.pid, 'SIGKILL');
    // The daemon unmounts its containers' roots (overlay2) as it stops; vfs layers are plain folders.
    rmSync(this.own.dir, { recursive: true, force: true });
  }
}

function result(r: SpawnSyncReturns<string>): CommandResult {
  return {
    status: r.status ?? -1,
    stdout: r.stdout ?? '',
    stderr: `${r.stderr ?? ''}${r.error ? r.error.message : ''}`,
  };
}
