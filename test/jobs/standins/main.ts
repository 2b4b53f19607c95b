import type { AddressInfo } from 'node:net';
import { HANDED_OVER, ToolError, type ToolResult } from './args';
import { recordCall } from './calls';

type Tool = (args: string[]) => ToolResult | Promise<ToolResult>;

/**
 * The stand-ins' modules, each loaded when one of its tools is called: a call (about a thousand
 * per job-runner run, each its own process) runs only its own module's code and the built-in
 * modules it needs, not every stand-in's (a Helm call never loads the Apple tools).
 */
const MODULES = {
  apple: () => import('./apple'),
  cluster: () => import('./cluster'),
  github: () => import('./github'),
  registry: () => import('./registry'),
  toolchain: () => import('./toolchain'),
};

/**
 * Every stand-in tool, by the name the workflows call it, and its module. The module exports it
 * under the same name in camel case (`slsa-verifier`: `slsaVerifier`).
 */
export const STANDINS: Record<string, keyof typeof MODULES> = {
  helm: 'cluster',
  kubectl: 'cluster',
  aws: 'cluster',
  gh: 'github',
  docker: 'registry',
  cosign: 'registry',
  go: 'registry',
  kind: 'registry',
  'slsa-verifier': 'registry',
  xcodebuild: 'apple',
  xcbeautify: 'apple',
  security: 'apple',
  plutil: 'apple',
  ditto: 'apple',
  xcrun: 'apple',
  spctl: 'apple',
  sudo: 'apple',
  swiftlint: 'apple',
  uv: 'toolchain',
  uvx: 'toolchain',
  npm: 'toolchain',
  npx: 'toolchain',
  curl: 'toolchain',
};

/** The implementation of a stand-in tool, loading its module; undefined for a tool with no stand-in. */
export async function loadStandin(tool: string): Promise<Tool | undefined> {
  const from = Object.prototype.hasOwnProperty.call(STANDINS, tool) ? STANDINS[tool] : undefined;
  if (!from) return undefined;
  const name = tool.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
  const impl = ((await MODULES[from]()) as Record<string, unknown>)[name];
  if (typeof impl !== 'function') throw new Error(`stand-in ${tool}: ./${from} exports no function ${name}`);
  return impl as Tool;
}

/** Entry point of the bundled stand-ins: `node standins.cjs <tool> args…`; records every call (with its own CPU time, for profiling the suite). */
async function main(): Promise<void> {
  const [tool, ...args] = process.argv.slice(2);
  let exit: ToolResult;
  try {
    const impl = await loadStandin(tool);
    if (!impl) throw new ToolError(`${tool}: command not found`, 127);
    exit = await impl(args);
  } catch (e) {
    if (!(e instanceof ToolError)) throw e;
    process.stderr.write(`${e.message}\n`);
    exit = e.code;
  }
  const cwd = process.cwd();
  const record = (code: number) =>
    recordCall(process.env, { tool, args, cwd, exit: code, cpu: process.cpuUsage(), uptime: process.uptime() });
  if (exit === HANDED_OVER) {
    // The loaded program ends the process; the call is recorded with its exit code then.
    process.on('exit', record);
    return;
  }
  record(exit);
  process.exit(exit);
}

/**
 * The warm server (`STANDIN_SERVE=1 node standins.cjs`): it prints its port, then serves until its
 * parent closes its standard input.
 */
async function startServer(): Promise<void> {
  // Loaded here: a call in a process of its own never loads the server.
  const { serve, SERVER_ENV } = await import('./server');
  const token = process.env[SERVER_ENV.token] ?? '';
  delete process.env.STANDIN_SERVE;
  const server = await serve(loadStandin, token);
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
}

if (process.env.STANDIN_SERVE === '1') {
  void startServer();
} else if (require.main === module || process.env.STANDIN_MAIN === '1') {
  // Not passed on to what the stand-in runs: npx hands its process to a real program (the verify job's
  // unit suite), whose tests load this module and must not start a stand-in.
  delete process.env.STANDIN_MAIN;
  void main();
}
