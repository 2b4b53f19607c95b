import { appendFileSync } from 'node:fs';
import { HANDED_OVER, ToolError, type ToolResult } from './args';

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

type Modules = typeof MODULES;
/** A tool's module and its export there, checked by the compiler: a misspelt export does not compile. */
type StandinEntry = {
  [M in keyof Modules]: { readonly module: M; readonly name: keyof Awaited<ReturnType<Modules[M]>> & string };
}[keyof Modules];

/** Every stand-in tool, by the name the workflows call it: its module, and its export there. */
export const STANDINS: Record<string, StandinEntry> = {
  helm: { module: 'cluster', name: 'helm' },
  kubectl: { module: 'cluster', name: 'kubectl' },
  aws: { module: 'cluster', name: 'aws' },
  gh: { module: 'github', name: 'gh' },
  docker: { module: 'registry', name: 'docker' },
  cosign: { module: 'registry', name: 'cosign' },
  go: { module: 'registry', name: 'go' },
  kind: { module: 'registry', name: 'kind' },
  'slsa-verifier': { module: 'registry', name: 'slsaVerifier' },
  xcodebuild: { module: 'apple', name: 'xcodebuild' },
  xcbeautify: { module: 'apple', name: 'xcbeautify' },
  security: { module: 'apple', name: 'security' },
  plutil: { module: 'apple', name: 'plutil' },
  ditto: { module: 'apple', name: 'ditto' },
  xcrun: { module: 'apple', name: 'xcrun' },
  spctl: { module: 'apple', name: 'spctl' },
  sudo: { module: 'apple', name: 'sudo' },
  swiftlint: { module: 'apple', name: 'swiftlint' },
  uv: { module: 'toolchain', name: 'uv' },
  uvx: { module: 'toolchain', name: 'uvx' },
  npm: { module: 'toolchain', name: 'npm' },
  npx: { module: 'toolchain', name: 'npx' },
  curl: { module: 'toolchain', name: 'curl' },
};

/** The implementation of a stand-in tool, loading its module; undefined for a tool with no stand-in. */
export async function loadStandin(tool: string): Promise<Tool | undefined> {
  const entry = Object.prototype.hasOwnProperty.call(STANDINS, tool) ? STANDINS[tool] : undefined;
  if (!entry) return undefined;
  const impl = ((await MODULES[entry.module]()) as Record<string, unknown>)[entry.name];
  if (typeof impl !== 'function') {
    throw new Error(`stand-in ${tool}: ./${entry.module} exports no function ${entry.name}`);
  }
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
  const record = (code: number) => {
    if (process.env.STANDIN_CALLS) {
      appendFileSync(
        process.env.STANDIN_CALLS,
        `${JSON.stringify({ tool, args, cwd, job: process.env.STANDIN_JOB, exit: code, cpu: process.cpuUsage(), uptime: process.uptime() })}\n`,
      );
    }
  };
  if (exit === HANDED_OVER) {
    // The loaded program ends the process; the call is recorded with its exit code then.
    process.on('exit', record);
    return;
  }
  record(exit);
  process.exit(exit);
}

if (require.main === module || process.env.STANDIN_MAIN === '1') {
  // Not passed on to what the stand-in runs: npx hands its process to a real program (the verify job's
  // unit suite), whose tests load this module and must not start a stand-in.
  delete process.env.STANDIN_MAIN;
  void main();
}
