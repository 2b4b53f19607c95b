import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import * as path from 'node:path';
import { ToolError } from './args';

/**
 * Starts one e2e stand-in service (test/e2e/services/<name>/server.py) on a loopback port. Its
 * contract (health and synthesis paths) comes from `STANDIN_SERVICE_CONTRACT`, which the harness
 * derives from the platform model; `extraEnv` adds what the caller knows (Compose's environment).
 */
export function startService(
  name: string,
  port: number,
  o: { unhealthy?: boolean; extraEnv?: Record<string, string>; detached?: boolean } = {},
): ChildProcess {
  const server = path.join(process.env.STANDIN_SERVICES!, name, 'server.py');
  if (!existsSync(server)) throw new ToolError(`no stand-in service for ${name}`);
  const contract = contractOf(name);
  // A callee nobody started answers nothing: the discard port refuses, as a missing peer would.
  const callees = Object.fromEntries(calleesOf(name).map((c) => [calleeUrlVar(c), 'http://127.0.0.1:9']));
  const env = {
    PATH: process.env.PATH!,
    ...callees,
    ...o.extraEnv,
    ...contract,
    SERVICE_PORT: String(port),
    STANDIN_FAULT: o.unhealthy ? 'unhealthy' : '',
  };
  const child = spawn('python3', [server], {
    env,
    stdio: o.detached ? 'ignore' : ['ignore', 'inherit', 'inherit'],
    detached: o.detached ?? false,
  });
  if (o.detached) child.unref();
  return child;
}

/**
 * Starts a service with the callees a cluster would give it: `calleeHealth(callee)` says whether that
 * callee runs (undefined: no live release, so its URL refuses) and whether it is broken. Returns every
 * process started, the service first.
 */
export async function startWithCallees(
  name: string,
  port: number,
  unhealthy: boolean,
  calleeHealth: (callee: string) => { unhealthy: boolean } | undefined,
  detached = false,
): Promise<ChildProcess[]> {
  const started: ChildProcess[] = [];
  const extraEnv: Record<string, string> = {};
  for (const callee of calleesOf(name)) {
    const state = calleeHealth(callee);
    if (!state) continue;
    const calleePort = await freePort();
    const child = startService(callee, calleePort, { unhealthy: state.unhealthy, detached });
    started.push(child);
    await listening(callee, child, calleePort);
    extraEnv[calleeUrlVar(callee)] = `http://127.0.0.1:${calleePort}`;
  }
  const service = startService(name, port, { unhealthy, extraEnv, detached });
  await listening(name, service, port);
  return [service, ...started];
}

/**
 * Waits until the service this process started listens on its port: a server that exited (its
 * port taken) or never listened is the stand-in's failure, never a silent "ready" for whatever else
 * answers there. Generous, as the workflows wait 30 s for a port-forward.
 */
async function listening(name: string, child: ChildProcess, port: number, timeoutMs = 30_000): Promise<void> {
  const up = await waitForPort(port, timeoutMs, () => child.exitCode !== null || child.signalCode !== null);
  if (child.exitCode !== null || child.signalCode !== null) {
    throw new ToolError(
      `stand-in ${name} exited before listening on 127.0.0.1:${port} (${child.exitCode ?? child.signalCode})`,
    );
  }
  if (!up) throw new ToolError(`stand-in ${name} did not listen on 127.0.0.1:${port} within ${timeoutMs / 1000} s`);
}

/** The services this one calls, read from its contract (`<CALLEE>_HEALTH_PATH`). */
export function calleesOf(name: string): string[] {
  return Object.keys(contractOf(name))
    .filter((k) => k.endsWith('_HEALTH_PATH') && k !== 'HEALTH_PATH')
    .map((k) =>
      k
        .replace(/_HEALTH_PATH$/, '')
        .toLowerCase()
        .replace(/_/g, '-'),
    );
}

/** The variable a caller reads a callee's base URL from (`TTS_URL`), as the charts and compose file set it. */
export function calleeUrlVar(callee: string): string {
  return `${callee.toUpperCase().replace(/-/g, '_')}_URL`;
}

/** Binds `port` on the loopback (0: any free one) and lets it go again: the port bound, or undefined when it is taken. */
export async function probePort(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => {
      const bound = (server.address() as { port: number }).port;
      server.close(() => resolve(bound));
    });
  });
}

/** A loopback port nothing listens on now. */
export async function freePort(): Promise<number> {
  const port = await probePort(0);
  if (port === undefined) throw new Error('no free port on the loopback');
  return port;
}

export function contractOf(name: string): Record<string, string> {
  const all = JSON.parse(process.env.STANDIN_SERVICE_CONTRACT ?? '{}') as Record<string, Record<string, string>>;
  const contract = all[name];
  if (!contract) throw new ToolError(`no service contract for ${name} (STANDIN_SERVICE_CONTRACT)`);
  return contract;
}

/** Resolves true once something accepts connections on the loopback port; false after `timeoutMs` or once `gaveUp()`. */
async function waitForPort(port: number, timeoutMs = 10_000, gaveUp: () => boolean = () => false): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !gaveUp()) {
    const open = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (open) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

/** Resolves true once the service's health path answers 2xx, as a readiness or Compose health check would. */
export async function waitHealthy(name: string, port: number, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  const url = `http://127.0.0.1:${port}${contractOf(name).HEALTH_PATH}`;
  while (Date.now() < deadline) {
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    ) {
      return true;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}
