import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { runMain } from 'node:module';
import * as path from 'node:path';
import { HANDED_OVER, need, parseArgs, ToolError, type ToolResult } from './args';
import { liveReleaseOfChart, serveRelease, type Cluster } from './cluster';
import { freePort } from './services';
import { fault, load } from './state';
import {
  ALL_CLIS,
  CANARY_ANALYSIS,
  FETCH_MODELS,
  LOAD_TEST,
  SWIFT_AUDIT_SARIF,
} from '../../../src/common/cli-contracts';

const out = (s: string) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);

/** Writes to the file an output flag names, else to standard output (the call's own, also when served). */
const writeOutput = (file: string | undefined, text: string) =>
  file ? writeFileSync(file, text) : process.stdout.write(text);

/** uv: sync needs pyproject.toml and a uv.lock that matches it; run starts a tool of the synced environment; export writes hashed requirements. */
export function uv(args: string[]): number {
  const [cmd, ...rest] = args;
  if (!existsSync('pyproject.toml')) {
    throw new ToolError(`error: No \`pyproject.toml\` found in current directory or any parent directory`, 2);
  }
  if (cmd === 'sync') {
    parseArgs('uv sync', rest, { bools: ['--locked', '--frozen', '--all-extras'] });
    if (!existsSync('uv.lock')) {
      throw new ToolError(
        'error: Unable to find lockfile at `uv.lock`. To create a lockfile, run `uv lock` or `uv sync`.',
        2,
      );
    }
    mkdirSync('.venv', { recursive: true });
    writeFileSync('.venv/synced', 'ok');
    return 0;
  }
  if (cmd === 'run') {
    const [flag, tool, ...toolArgs] = rest;
    if (flag !== '--no-sync') throw new ToolError(`uv run: the workflows pass --no-sync, got ${flag}`, 2);
    if (!existsSync('.venv/synced')) {
      throw new ToolError(
        `error: Failed to spawn: \`${tool}\`: No such file or directory (the environment was not synced)`,
        2,
      );
    }
    if (fault(`${tool}:fail`)) {
      out(`${tool}: 1 error`);
      return 1;
    }
    if (tool === 'pytest') {
      for (const a of toolArgs) {
        const junit = /^--junitxml=(.+)$/.exec(a)?.[1];
        const cov = /^--cov-report=xml:(.+)$/.exec(a)?.[1];
        if (junit) {
          mkdirSync(path.dirname(junit), { recursive: true });
          writeFileSync(
            junit,
            '<testsuites><testsuite name="pytest" tests="3" failures="0" errors="0" skipped="0" time="0.2"/></testsuites>',
          );
        }
        if (cov) {
          mkdirSync(path.dirname(cov), { recursive: true });
          writeFileSync(cov, '<coverage line-rate="0.91"/>');
        }
      }
      out('3 passed in 0.20s');
      return 0;
    }
    if (!['ruff', 'mypy'].includes(tool)) throw new ToolError(`error: Failed to spawn: \`${tool}\``, 2);
    out(tool === 'mypy' ? 'Success: no issues found' : 'All checks passed!');
    return 0;
  }
  if (cmd === 'export') {
    const p = parseArgs('uv export', rest, {
      values: ['--format', '--output-file', '-o'],
      bools: ['--frozen', '--no-emit-project', '--all-extras', '--no-dev'],
    });
    if (p.flags['--format'] !== 'requirements-txt') {
      throw new ToolError(`uv export: unsupported format ${p.flags['--format']}`, 2);
    }
    if (!existsSync('uv.lock')) throw new ToolError('error: Unable to find lockfile at `uv.lock`', 2);
    const packages = [...readFileSync('uv.lock', 'utf8').matchAll(/name = "([^"]+)"\nversion = "([^"]+)"/g)].map(
      (m) => `${m[1]}==${m[2]} \\\n    --hash=sha256:${'0'.repeat(64)}`,
    );
    writeOutput(p.flags['--output-file'] ?? p.flags['-o'], `${packages.join('\n')}\n`);
    return 0;
  }
  throw new ToolError(`error: unrecognized subcommand '${cmd}'`, 2);
}

/** uvx --from pip-audit==X pip-audit: a pinned pip-audit over hashed requirements writes its JSON report. */
export function uvx(args: string[]): number {
  const p = parseArgs('uvx', args, {
    values: ['--from', '--requirement', '-r', '--format', '-f', '--output', '-o', '--progress-spinner'],
    bools: ['--require-hashes', '--disable-pip', '--strict'],
    positionals: 1,
  });
  if (!/^pip-audit==\d+\.\d+\.\d+$/.test(need(p, 'uvx', '--from'))) {
    throw new ToolError(`uvx: pip-audit must be pinned, got ${p.flags['--from']}`, 2);
  }
  const req = p.flags['--requirement'] ?? p.flags['-r'];
  if (!req || !existsSync(req)) throw new ToolError(`pip-audit: ${req}: no such file`, 2);
  if (p.bools.has('--require-hashes') && /==[^\n]*\n(?!\s+--hash)/.test(readFileSync(req, 'utf8'))) {
    throw new ToolError('pip-audit: requirement without --hash in --require-hashes mode', 2);
  }
  const deps = [...readFileSync(req, 'utf8').matchAll(/^([\w.-]+)==([\w.]+)/gm)].map((m) => ({
    name: m[1],
    version: m[2],
    vulns: [],
  }));
  writeOutput(p.flags['--output'] ?? p.flags['-o'], JSON.stringify({ dependencies: deps, fixes: [] }));
  return 0;
}

/**
 * npm ci: needs package.json and package-lock.json; links the node_modules this package's own
 * `npm ci` installed and the lib/ its `prepare` compiled (a real install per job would take half a minute).
 */
export function npm(args: string[]): number {
  if (args[0] !== 'ci' || args.length > 1) {
    throw new ToolError(`npm: the workflows run \`npm ci\` only, got npm ${args.join(' ')}`);
  }
  if (!existsSync('package.json') || !existsSync('package-lock.json')) {
    throw new ToolError('npm error The `npm ci` command can only install with an existing package-lock.json', 1);
  }
  const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { name?: string };
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { name?: string };
  if (lock.name !== pkg.name) {
    throw new ToolError(
      'npm error `npm ci` can only install packages when your package.json and package-lock.json are in sync',
      1,
    );
  }
  const root = process.env.STANDIN_PACKAGE_ROOT!;
  for (const d of ['node_modules', 'lib']) {
    if (!existsSync(path.join(root, d))) {
      throw new ToolError(`npm ci stand-in: ${root}/${d} is missing (run npm ci in the package first)`);
    }
  }
  // node_modules is a real folder (git ignores it as one) of links to the installed packages.
  mkdirSync('node_modules', { recursive: true });
  for (const entry of readdirSync(path.join(root, 'node_modules'))) {
    if (!existsSync(path.join('node_modules', entry))) {
      symlinkSync(path.join(root, 'node_modules', entry), path.join('node_modules', entry));
    }
  }
  if (!existsSync('lib') || !lstatSync('lib').isSymbolicLink()) symlinkSync(path.join(root, 'lib'), 'lib');
  out("added 479 packages (linked from the package's own install)");
  return 0;
}

/** This package's bins that read OSV (their contract has `--osv-url`); the runner has no outside network. */
const OSV_URL_FLAG = SWIFT_AUDIT_SARIF.flags.osvUrl;
const OSV_CLIENTS: readonly string[] = ALL_CLIS.filter((cli) => 'osvUrl' in cli.flags).map((cli) => cli.bin);

/**
 * Longest load window and warm-up the job runner lets `load-test` run (the workflows ask for
 * minutes): long enough for a few requests at the workflows' lowest rate, so an error-rate gate still
 * sees a broken service; the warm-up path still runs.
 */
export const LOAD_TEST_CEILING_SECONDS = { '--duration': 1, '--warmup': 1 } as const;

/**
 * The same for `canary-analysis`: a window of two checks a second apart (the stand-in Prometheus's
 * steady traffic gives a canary pod enough requests in two seconds to be judged).
 */
export const CANARY_ANALYSIS_CEILING_SECONDS = {
  [CANARY_ANALYSIS.flags.window]: 2,
  [CANARY_ANALYSIS.flags.interval]: 1,
} as const;

/** Time-bound flags capped, by bin. */
const CEILINGS: Record<string, Readonly<Record<string, number>>> = {
  [LOAD_TEST.bin]: LOAD_TEST_CEILING_SECONDS,
  [CANARY_ANALYSIS.bin]: CANARY_ANALYSIS_CEILING_SECONDS,
};

/**
 * npx --no-install <bin>: this package's bins run from the linked lib/, other bins from
 * node_modules/.bin, nothing is downloaded. Four documented changes to what the real npx would run:
 * load-test's --duration and --warmup and canary-analysis's --window and --interval are capped (a 10-minute watch in a second or two), the model's public URLs are
 * served by the stand-in ingress on 127.0.0.1, the vulnerability CLIs ask the world's stand-in OSV API
 * (`--osv-url`), whose advisories the scenario sets, and fetch-models downloads from the world's stand-in
 * model host (`--base-url`), which serves the fixture model. This package's bins load in this process as its main
 * module, as `node <bin>` would run them (one node start per call instead of two: the suite makes about a hundred).
 */
export async function npx(args: string[]): Promise<ToolResult> {
  const noInstall = args[0] === '--no-install';
  const [bin, ...rest] = noInstall ? args.slice(1) : args;
  let root = process.cwd();
  while (!existsSync(path.join(root, 'package.json')) && root !== '/') root = path.dirname(root);
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { bin?: Record<string, string> };
  const ownBin = pkg.bin?.[bin] && path.join(root, pkg.bin[bin]);
  if (ownBin && !existsSync(ownBin)) {
    throw new ToolError(`npm error could not determine executable to run (${pkg.bin![bin]} missing: was npm ci run?)`);
  }
  const dependencyBin = path.join(root, 'node_modules', '.bin', bin);
  if (!ownBin && !existsSync(dependencyBin)) {
    throw new ToolError(`npm error npx canceled due to missing packages and no YES option: ["${bin}"]`);
  }
  const finalArgs = [...rest];
  for (const [flag, ceiling] of Object.entries(CEILINGS[bin] ?? {})) {
    const i = finalArgs.indexOf(flag);
    if (i >= 0 && Number(finalArgs[i + 1]) > ceiling) finalArgs[i + 1] = String(ceiling);
  }
  if (OSV_CLIENTS.includes(bin) && process.env.STANDIN_OSV_URL && !finalArgs.includes(OSV_URL_FLAG)) {
    finalArgs.push(OSV_URL_FLAG, process.env.STANDIN_OSV_URL);
  }
  // fetch-models downloads from the world's stand-in model host, as from huggingface.co.
  if (
    bin === FETCH_MODELS.bin &&
    process.env.STANDIN_MODEL_HOST_URL &&
    !finalArgs.includes(FETCH_MODELS.flags.baseUrl)
  ) {
    finalArgs.push(FETCH_MODELS.flags.baseUrl, process.env.STANDIN_MODEL_HOST_URL);
  }
  const ingress = JSON.parse(process.env.STANDIN_INGRESS ?? '{}') as Record<string, string>;
  let served: Awaited<ReturnType<typeof startIngress>> | undefined;
  for (let i = 0; i < finalArgs.length; i++) {
    const url = finalArgs[i];
    if (/^https:\/\//.test(url)) {
      const host = new URL(url).host;
      if (!ingress[host]) continue;
      served = await startIngress(ingress[host]);
      finalArgs[i] = url.replace(`https://${host}`, `http://127.0.0.1:${served.port}`);
    }
  }
  if (ownBin) {
    // The ingress lives as long as the bin does: it must not keep the process alive once the bin is done.
    served?.unref();
    process.on('exit', () => served?.stop());
    process.argv = [process.execPath, ownBin, ...finalArgs];
    runMain();
    return HANDED_OVER;
  }
  try {
    const child = spawn(dependencyBin, finalArgs, { stdio: 'inherit' });
    return await new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
  } finally {
    served?.stop();
  }
}

/** curl: loopback only (the OIDC token endpoint, local services); any other host fails as on a runner without network. */
export function curl(args: string[]): number {
  const urls = args.filter((a) => /^https?:\/\//.test(a));
  const remote = urls.find((u) => !/^https?:\/\/(127\.0\.0\.1|localhost)[:/]/.test(u));
  if (remote) {
    process.stderr.write(
      `curl: (6) Could not resolve host: ${new URL(remote).host} (the job runner has no outside network)\n`,
    );
    return 6;
  }
  const r = spawnSync('/usr/bin/curl', args, { stdio: 'inherit' });
  return r.status ?? 1;
}

/**
 * The stand-in ingress for a public URL (`namespace/service`): the service's stand-in on a loopback
 * port, with the callees its live release reaches in that namespace, each unhealthy when its live
 * release runs a digest the scenario broke. Without a live release the URL refuses.
 */
async function startIngress(target: string): Promise<{ port: number; stop: () => void; unref: () => void }> {
  const [namespace, service] = target.split('/');
  const cluster = load<Cluster>('cluster', { releases: {}, changes: [] });
  const live = liveReleaseOfChart(cluster, namespace, service);
  const port = await freePort();
  if (!live) return { port, stop: () => undefined, unref: () => undefined };
  const children = await serveRelease(cluster, namespace, live, port, true);
  return {
    port,
    // ChildProcess.kill signals only a child that has not exited: its pid may already be another process's.
    stop: () => {
      for (const c of children) c.kill();
    },
    unref: () => {
      for (const c of children) c.unref();
    },
  };
}
