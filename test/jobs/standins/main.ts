import { appendFileSync } from 'node:fs';
import { ditto, plutil, security, spctl, sudo, swiftlint, xcbeautify, xcodebuild, xcrun } from './apple';
import { HANDED_OVER, ToolError, type ToolResult } from './args';
import { aws, helm, kubectl } from './cluster';
import { gh } from './github';
import { cosign, docker, go, kind, slsaVerifier } from './registry';
import { curl, npm, npx, uv, uvx } from './toolchain';

/** Every stand-in tool, by the name the workflows call it. */
export const STANDINS: Record<string, (args: string[]) => ToolResult | Promise<ToolResult>> = {
  helm,
  kubectl,
  aws,
  gh,
  docker,
  cosign,
  go,
  kind,
  'slsa-verifier': slsaVerifier,
  xcodebuild,
  xcbeautify,
  security,
  plutil,
  ditto,
  xcrun,
  spctl,
  sudo,
  swiftlint,
  uv,
  uvx,
  npm,
  npx,
  curl,
};

/** Entry point of the bundled stand-ins: `node standins.cjs <tool> args…`; records every call (with its own CPU time, for profiling the suite). */
async function main(): Promise<void> {
  const [tool, ...args] = process.argv.slice(2);
  const impl = STANDINS[tool];
  let exit: ToolResult;
  try {
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

if (require.main === module || process.env.STANDIN_MAIN === '1') void main();
