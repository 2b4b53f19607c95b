import * as net from 'node:net';
import { ToolError } from './args';
import { recordCall } from './calls';

/**
 * The warm stand-in server: one node process that runs the calls of the synchronous stand-ins
 * for the whole job-runner suite, instead of a node start (0.1 s of CPU on these machines) per
 * call. A call keeps what it would see as its own process: its arguments, working directory and
 * environment, its standard output and error, its exit code. The tools served run to the end
 * without waiting on a timer or a child they leave behind (a tool that does, or that reads its
 * standard input, keeps a process of its own: see {@link SERVED_TOOLS}).
 *
 * The wire protocol is what a bash client can speak over `/dev/tcp` without a helper process:
 * request, NUL-separated fields: token, tool, cwd, argument count, arguments, variable count,
 * `NAME=value` variables; answer: a line `code stdout-bytes stderr-bytes`, then those bytes.
 */

/**
 * The stand-ins the server runs: synchronous, no standard input, no process of their own left
 * running, no `process.exit`. Not served: docker and kubectl (they start services and
 * port-forwards that outlive the call), npx (it hands its process over to a program), curl (it
 * waits on the real curl), xcbeautify (it reads its standard input).
 */
export const SERVED_TOOLS: readonly string[] = [
  'helm',
  'aws',
  'gh',
  'cosign',
  'go',
  'kind',
  'slsa-verifier',
  'xcodebuild',
  'security',
  'plutil',
  'ditto',
  'xcrun',
  'spctl',
  'sudo',
  'swiftlint',
  'uv',
  'uvx',
  'npm',
];

/** The environment variables that tell a client where the server is. */
export const SERVER_ENV = { address: 'STANDIN_SERVER_PORT', token: 'STANDIN_SERVER_TOKEN' } as const;

type SyncTool = (args: string[]) => unknown;

/** Splits a request at its NULs once all its fields have arrived; undefined while some are missing. */
export function parseRequest(
  buf: Buffer,
): { token: string; tool: string; cwd: string; args: string[]; env: Record<string, string> } | undefined {
  const fields: string[] = [];
  let start = 0;
  for (let i = 0; i < buf.length; i++) {
    if (buf[i] === 0) {
      fields.push(buf.subarray(start, i).toString('utf8'));
      start = i + 1;
    }
  }
  if (fields.length < 5) return undefined;
  const argc = Number(fields[3]);
  if (fields.length < 4 + argc + 1) return undefined;
  const envc = Number(fields[4 + argc]);
  if (fields.length < 5 + argc + envc) return undefined;
  const env: Record<string, string> = {};
  for (const entry of fields.slice(5 + argc, 5 + argc + envc)) {
    const eq = entry.indexOf('=');
    env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return { token: fields[0], tool: fields[1], cwd: fields[2], args: fields.slice(4, 4 + argc), env };
}

class ExitCalled extends Error {
  constructor(readonly code: number) {
    super(`process.exit(${code})`);
  }
}

/**
 * Runs one call as its own process would: in its directory, with exactly its environment, its
 * output captured. Synchronous from start to end, so calls never interleave.
 */
export function runCall(
  impl: SyncTool,
  tool: string,
  cwd: string,
  args: string[],
  env: Record<string, string>,
): { code: number; stdout: Buffer; stderr: Buffer } {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const capture =
    (into: Buffer[]) =>
    (chunk: string | Uint8Array, ...rest: unknown[]) => {
      into.push(Buffer.from(typeof chunk === 'string' ? chunk : chunk));
      const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      cb?.();
      return true;
    };
  const saved = {
    out: process.stdout.write,
    err: process.stderr.write,
    exit: process.exit,
    cwd: process.cwd(),
    env: { ...process.env },
  };
  const setEnv = (to: Record<string, string | undefined>) => {
    for (const k of Object.keys(process.env)) delete process.env[k];
    Object.assign(process.env, to);
  };
  setEnv(env);
  process.stdout.write = capture(out) as typeof process.stdout.write;
  process.stderr.write = capture(err) as typeof process.stderr.write;
  process.exit = ((code?: number) => {
    throw new ExitCalled(code ?? 0);
  }) as typeof process.exit;
  let code: number;
  try {
    process.chdir(cwd);
    const result = impl(args);
    if (typeof result !== 'number') throw new Error(`stand-in ${tool} is not synchronous: it may not be served`);
    code = result;
  } catch (e) {
    if (e instanceof ToolError) {
      err.push(Buffer.from(`${e.message}\n`));
      code = e.code;
    } else if (e instanceof ExitCalled) {
      code = e.code;
    } else {
      // As node prints an uncaught error and exits 1.
      err.push(Buffer.from(`${(e as Error).stack ?? String(e)}\n`));
      code = 1;
    }
  } finally {
    process.stdout.write = saved.out;
    process.stderr.write = saved.err;
    process.exit = saved.exit;
    process.chdir(saved.cwd);
    setEnv(saved.env);
  }
  return { code, stdout: Buffer.concat(out), stderr: Buffer.concat(err) };
}

/**
 * Serves calls on 127.0.0.1 until the parent goes away. The tools are loaded before the port is
 * reported, so no call pays for a module load. Each call is recorded in the calls file its
 * environment names, as a process call is, with the CPU it took.
 */
export async function serve(
  load: (tool: string) => Promise<((args: string[]) => unknown) | undefined>,
  token: string,
): Promise<net.Server> {
  const impls = new Map<string, SyncTool>();
  for (const tool of SERVED_TOOLS) {
    const impl = await load(tool);
    if (!impl) throw new Error(`stand-in server: no stand-in ${tool}`);
    impls.set(tool, impl);
  }
  const server = net.createServer((socket) => {
    let buf = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const req = parseRequest(buf);
      if (!req) return;
      socket.removeAllListeners('data');
      const impl = impls.get(req.tool);
      if (req.token !== token || !impl) {
        const why = req.token !== token ? 'wrong token' : `${req.tool} is not served`;
        const msg = Buffer.from(`stand-in server: ${why}\n`);
        socket.end(Buffer.concat([Buffer.from(`70 0 ${msg.length}\n`), msg]));
        return;
      }
      const before = process.cpuUsage();
      const started = process.hrtime.bigint();
      const r = runCall(impl, req.tool, req.cwd, req.args, req.env);
      recordCall(req.env, {
        tool: req.tool,
        args: req.args,
        cwd: req.cwd,
        exit: r.code,
        cpu: process.cpuUsage(before),
        uptime: Number(process.hrtime.bigint() - started) / 1e9,
        served: true,
      });
      socket.end(Buffer.concat([Buffer.from(`${r.code} ${r.stdout.length} ${r.stderr.length}\n`), r.stdout, r.stderr]));
    });
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/** The bash client for a served tool: it talks to the server when one runs, else starts its own node. */
export function clientShim(tool: string, nodeCommand: string): string {
  const { address, token } = SERVER_ENV;
  return `#!/bin/bash
# Stand-in ${tool}: the call runs in the warm stand-in server (test/jobs/standins/server.ts) when one
# listens, else in a node process of its own.
if [ -n "\${${address}:-}" ] && { exec 3<>"/dev/tcp/127.0.0.1/\${${address}}"; } 2>/dev/null; then
  names=($(compgen -e))
  {
    printf '%s\\0' "\${${token}:-}" ${tool} "$PWD" "$#" "$@" "\${#names[@]}"
    for n in "\${names[@]}"; do printf '%s=%s\\0' "$n" "\${!n}"; done
  } >&3
  if ! read -r code outlen errlen <&3; then
    echo "${tool}: the stand-in server closed the connection without an answer" >&2
    exit 70
  fi
  if [ "$outlen" -gt 0 ]; then head -c "$outlen" <&3; fi
  if [ "$errlen" -gt 0 ]; then head -c "$errlen" <&3 >&2; fi
  exit "$code"
fi
${nodeCommand}
`;
}
