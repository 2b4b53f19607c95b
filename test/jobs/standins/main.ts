import { appendFileSync } from 'node:fs';
import { ToolError } from './args';
import { ditto, plutil, security, spctl, sudo, swiftlint, xcbeautify, xcodebuild, xcrun } from './apple';
import { aws, helm, kubectl } from './cluster';
import { gh } from './github';
import { cosign, docker, go, kind, slsaVerifier } from './registry';
import { curl, npm, npx, uv, uvx } from './toolchain';

/** Every stand-in tool, by the name the workflows call it. */
export const STANDINS: Record<string, (args: string[]) => number | Promise<number>> = {
  helm, kubectl, aws, gh, docker, cosign, go, kind, 'slsa-verifier': slsaVerifier, xcodebuild, xcbeautify, security,
  plutil, ditto, xcrun, spctl, sudo, swiftlint, uv, uvx, npm, npx, curl,
};

/** Entry point of the bundled stand-ins: `node standins.cjs <tool> args…`; records every call (with its own CPU time, for profiling the suite). */
async function main(): Promise<void> {
  const [tool, ...args] = process.argv.slice(2);
  const impl = STANDINS[tool];
  let exit: number;
  try {
    if (!impl) throw new ToolError(`${tool}: command not found`, 127);
    exit = await impl(args);
  } catch (e) {
    if (!(e instanceof ToolError)) throw e;
    process.stderr.write(`${e.message}\n`);
    exit = e.code;
  }
  if (process.env.STANDIN_CALLS) appendFileSync(process.env.STANDIN_CALLS, `${JSON.stringify({ tool, args, cwd: process.cwd(), job: process.env.STANDIN_JOB, exit, cpu: process.cpuUsage(), uptime: process.uptime() })}\n`);
  process.exit(exit);
}

if (require.main === module || process.env.STANDIN_MAIN === '1') void main();
