import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ConcurrencyGroups, Reviews } from './concurrency';
import type { Json } from './expressions';
import { startOsvFixture, type OsvAnswer, type OsvFixture } from '../../support/osv-fixture';
import type { CallRecord } from '../standins/calls';
import { signalProcess } from '../standins/process-identity';
import { startPrometheus, type WorkloadSource } from '../standins/prometheus';
import { composeStateName, EMPTY_STACK, type Compose } from '../standins/registry';
import { SERVER_ENV } from '../standins/server';

/** A deployment protection rule set: which branches and tags may use a GitHub environment. */
export interface EnvironmentRules {
  readonly branches: readonly string[];
  readonly tags: readonly string[];
  /** Secrets and variables of the environment. */
  readonly secrets?: Readonly<Record<string, string>>;
  readonly vars?: Readonly<Record<string, string>>;
}

/** One job's result in one scenario: the row of test-reports/jobs.json. */
export interface JobReport {
  readonly workflow: string;
  readonly job: string;
  readonly scenario: string;
  readonly conclusion: 'success' | 'failure' | 'skipped' | 'cancelled';
  /** Why it failed, when it did (the failing step or the refusal). Not part of the report file. */
  readonly reason?: string;
  /** The last lines of a failed job's log, printed when the failure was not expected. Not part of the report file. */
  readonly logTail?: string;
  /** Wall-clock time of the job (a called workflow's includes its jobs'). Not part of the report file. */
  readonly seconds: number;
}

/** A recorded call of a stand-in tool, as the stand-ins write it. */
export type ToolCall = CallRecord;

export interface WorldProps {
  /** The repository tree the remote starts from (this repository's committed files plus the fixture monorepo). */
  readonly seed: (dir: string) => void;
  readonly defaultBranch: string;
  readonly repository: string;
  readonly environments: Readonly<Record<string, EnvironmentRules>>;
  readonly secrets: Readonly<Record<string, string>>;
  readonly vars: Readonly<Record<string, string>>;
  /** The folder whose node_modules and lib/ an `npm ci` of the workspace links (this checkout, built). */
  readonly packageRoot: string;
  /** Hosts of the model's public URLs; the stand-in ingress answers them on 127.0.0.1. */
  /** Public host → `namespace/service` it reaches (the stand-in ingress serves it on loopback). */
  readonly publicHosts?: Readonly<Record<string, string>>;
}

/**
 * Files read at a commit, by `sha:path`: a commit names its content, so the answer is the same in
 * every world (they share the seed commit).
 */
const filesAtCommits = new Map<string, string>();

/** Seeded bare remotes built in this process, by seed function and default branch. */
const seededRemotes = new WeakMap<WorldProps['seed'], Map<string, string>>();

/**
 * The bare remote a world starts from: the seed's tree as one commit on the default branch, packed
 * as GitHub's are (each checkout's fetch then reuses the packed objects instead of compressing ~400
 * loose ones again: 0.39 → 0.15 CPU-s a checkout), serving any reachable commit by SHA as GitHub does
 * (actions/checkout fetches the event's commit so). Built once per seed: the seed and the commit's
 * author and dates are the same for every world, and building it took 0.8 s of synchronous git
 * in the process every scenario shares.
 */
function seededRemote(props: WorldProps): string {
  const bySeed = seededRemotes.get(props.seed) ?? new Map<string, string>();
  seededRemotes.set(props.seed, bySeed);
  const built = bySeed.get(props.defaultBranch);
  if (built) return built;
  const dir = mkdtempSync(path.join(tmpdir(), 'voice-jobs-seed-'));
  const seed = path.join(dir, 'seed');
  const remote = path.join(dir, 'origin.git');
  mkdirSync(seed);
  props.seed(seed);
  const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, stdio: 'pipe', env: gitEnv() });
  git(seed, 'init', '-q', '-b', props.defaultBranch);
  git(seed, 'add', '-A');
  git(seed, 'commit', '-q', '-m', 'seed');
  git(dir, 'clone', '-q', '--bare', seed, remote);
  rmSync(seed, { recursive: true, force: true });
  git(remote, 'repack', '-adq');
  git(remote, 'config', 'uploadpack.allowAnySHA1InWant', 'true');
  bySeed.set(props.defaultBranch, remote);
  return remote;
}

/**
 * Everything jobs share on GitHub, and nothing more: the git remote, artifacts per run, caches,
 * the environments' rules, secrets and variables, and the outside world the stand-ins keep
 * (cluster, registry, GitHub API state). Each job gets a fresh workspace and RUNNER_TEMP.
 */
export class World {
  readonly dir: string;
  readonly remote: string;
  readonly stateDir: string;
  readonly callsFile: string;
  readonly reports: JobReport[] = [];
  readonly summaries = new Map<string, string>();
  /** The repository's variables (`vars`): the props', plus what a scenario's setup sets. */
  readonly vars: Record<string, string>;
  private readonly artifacts = new Map<string, Map<string, string>>();
  private readonly caches = new Map<string, { dir: string; ref: string }>();
  private runCounter = 1000;
  private jobCounter = 0;
  private oidc?: http.Server;
  oidcUrl = '';
  private api?: http.Server;
  /** The stand-in GitHub REST API (each job's GITHUB_API_URL). */
  apiUrl = '';
  readonly oidcAudiences: string[] = [];
  private osv?: OsvFixture;
  private prometheus?: Awaited<ReturnType<typeof startPrometheus>>;
  /** The stand-in OSV API (the `--osv-url` the npx stand-in gives the vulnerability CLIs). */
  osvUrl = '';
  /** OSV's records by ID, as the scenario defines them (an unknown ID is a 404). */
  readonly osvRecords: Record<string, OsvAnswer> = {};
  /** What OSV's batch query finds: IDs by `ecosystem:name@version` (and by commit). */
  readonly osvAdvisories: { byPackage: Record<string, string[]>; byCommit: Record<string, string[]> } = {
    byPackage: {},
    byCommit: {},
  };
  /** The SARIF files jobs uploaded to code scanning. */
  readonly sarifUploads: { readonly job: string; readonly category: string; readonly results: number }[] = [];

  private readonly runNumbers = new Map<string, number>();
  /** Faults that act once per scenario and have acted. */
  readonly spentFaults = new Set<string>();
  /** GitHub's concurrency groups across every run of the scenario. */
  readonly concurrency = new ConcurrencyGroups();
  /** Reviews of the environments the scenario holds (any other review is approved at once). */
  reviews = new Reviews([]);
  /** How to cancel each run while it waits (a newer run with cancel-in-progress in its group). */
  readonly cancellers = new Map<number, ((why: string) => void)[]>();
  private readonly blocked = new Set<number>();
  private readonly blockWatchers = new Map<number, (() => void)[]>();

  /** Routes of the stand-in GitHub API: path (optionally with its query) → JSON answer. */
  readonly apiRoutes: Record<string, Json> = {};

  /**
   * The stand-in model host (Hugging Face's `<repository>/resolve/<revision>/<file>`, under
   * {@link MODEL_HOST_PREFIX} of the API server): path → bytes. fetch-models is pointed at it.
   */
  readonly modelFiles: Record<string, Buffer> = {};

  constructor(readonly props: WorldProps) {
    this.vars = { ...props.vars };
    this.dir = mkdtempSync(path.join(tmpdir(), 'voice-jobs-'));
    this.remote = path.join(this.dir, 'origin.git');
    this.stateDir = path.join(this.dir, 'state');
    this.callsFile = path.join(this.stateDir, 'calls.jsonl');
    mkdirSync(this.stateDir, { recursive: true });
    writeFileSync(this.callsFile, '');
    // Every world of a run starts from the same seed commit: built once, copied here.
    cpSync(seededRemote(props), this.remote, { recursive: true });
  }

  /** Starts the OIDC token endpoint jobs with `id-token: write` call (on 127.0.0.1). */
  async start(): Promise<void> {
    // Read at request time: a scenario's setup may add advisories after the world started.
    this.osv = await startOsvFixture(this.osvRecords, this.osvAdvisories);
    this.osvUrl = this.osv.url;
    this.oidc = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (req.headers.authorization !== 'bearer oidc-request-token') {
        res.writeHead(401).end('{"message":"bad request token"}');
        return;
      }
      this.oidcAudiences.push(url.searchParams.get('audience') ?? '');
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ value: 'eyJhbGciOiJSUzI1NiJ9.stand-in-oidc-token.sig' }));
    });
    await new Promise<void>((resolve) => this.oidc!.listen(0, '127.0.0.1', resolve));
    this.oidcUrl = `http://127.0.0.1:${(this.oidc.address() as AddressInfo).port}/token?api-version=2.0`;
    // GitHub's REST API as far as the scenario defines it (GITHUB_API_URL of every job): a GET of a
    // path (with its query) answers the scenario's JSON, anything else 404 as the API would.
    this.api = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const file = req.method === 'GET' ? this.modelFiles[url.pathname] : undefined;
      if (file) {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': file.length }).end(file);
        return;
      }
      const body =
        req.method === 'GET'
          ? (this.apiRoutes[`${url.pathname}${url.search}`] ?? this.apiRoutes[url.pathname])
          : undefined;
      res
        .writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json' })
        .end(JSON.stringify(body ?? { message: 'Not Found' }));
    });
    await new Promise<void>((resolve) => this.api!.listen(0, '127.0.0.1', resolve));
    this.apiUrl = `http://127.0.0.1:${(this.api.address() as AddressInfo).port}`;
  }

  /**
   * Starts the stand-in Prometheus over `workloads` (the series a scrape would find at a moment) and
   * returns its URL; every query it answered is in `prometheusQueries`.
   */
  async servePrometheus(workloads: WorkloadSource): Promise<string> {
    this.prometheus ??= await startPrometheus(workloads);
    return this.prometheus.url;
  }

  get prometheusQueries(): readonly string[] {
    return this.prometheus?.queries ?? [];
  }

  /** The model host's base URL (fetch-models' `--base-url`). */
  get modelHostUrl(): string {
    return `${this.apiUrl}${MODEL_HOST_PREFIX}`;
  }

  /**
   * The ports on the host's loopback every job machine reaches (see machine-networks): this world's
   * servers and the warm stand-in server. A server started after a machine opened is not among them.
   */
  hostPorts(): number[] {
    const urls = [this.oidcUrl, this.apiUrl, this.osvUrl, this.prometheus?.url ?? ''].filter((u) => u !== '');
    const warm = process.env[SERVER_ENV.address];
    return [...urls.map((u) => Number(new URL(u).port)), ...(warm ? [Number(warm)] : [])];
  }

  async stop(keep = false): Promise<void> {
    await new Promise<void>((resolve) => (this.oidc ? this.oidc.close(() => resolve()) : resolve()));
    await new Promise<void>((resolve) => (this.api ? this.api.close(() => resolve()) : resolve()));
    await this.osv?.close();
    await this.prometheus?.stop();
    if (!keep) rmSync(this.dir, { recursive: true, force: true });
  }

  /**
   * A job's machine goes away when the job ends: containers it started and never stopped (a failed
   * step before `docker compose down`) stop with it (and with them the job's network namespace).
   */
  endJobMachine(machine: string): void {
    const name = composeStateName(machine);
    const compose = this.state<Compose>(name, EMPTY_STACK);
    for (const proc of compose.procs) signalProcess(proc, 'SIGTERM');
    if (compose.procs.length > 0) this.setState(name, EMPTY_STACK);
  }

  /** Marks run `runId` as waiting (for its group or a reviewer) until `p` settles, so the scenario can go on. */
  async waitFor<T>(runId: number, p: Promise<T>): Promise<T> {
    this.blocked.add(runId);
    for (const notify of this.blockWatchers.get(runId) ?? []) notify();
    this.blockWatchers.delete(runId);
    try {
      return await p;
    } finally {
      this.blocked.delete(runId);
    }
  }

  isWaiting(runId: number): boolean {
    return this.blocked.has(runId);
  }

  /** Resolves when run `runId` next starts to wait. */
  untilWaiting(runId: number): Promise<void> {
    if (this.blocked.has(runId)) return Promise.resolve();
    return new Promise((resolve) => this.blockWatchers.set(runId, [...(this.blockWatchers.get(runId) ?? []), resolve]));
  }

  /** GitHub numbers runs per workflow, from 1, in each repository. */
  nextRunNumber(workflowFile: string): number {
    const n = (this.runNumbers.get(workflowFile) ?? 0) + 1;
    this.runNumbers.set(workflowFile, n);
    return n;
  }

  nextRunId(): number {
    return ++this.runCounter;
  }

  /** A fresh folder for one job: workspace, RUNNER_TEMP, tool cache. */
  jobDir(label: string): string {
    const dir = path.join(this.dir, 'jobs', `${++this.jobCounter}-${label.replace(/[^\w.-]+/g, '_').slice(0, 60)}`);
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  // ---- the git remote

  /** The commit a ref of the remote points to. */
  revParse(ref: string): string {
    return execFileSync('git', ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], {
      cwd: this.remote,
      env: gitEnv(),
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .toString()
      .trim();
  }

  refExists(ref: string): boolean {
    try {
      this.revParse(ref);
      return true;
    } catch {
      return false;
    }
  }

  /** A file at a revision of the remote (a commit's files are read once a run, whichever world asks). */
  show(rev: string, file: string): string {
    const immutable = /^[0-9a-f]{40}$/.test(rev) ? `${rev}:${file}` : undefined;
    const known = immutable ? filesAtCommits.get(immutable) : undefined;
    if (known !== undefined) return known;
    const text = execFileSync('git', ['show', `${rev}:${file}`], {
      cwd: this.remote,
      env: gitEnv(),
      maxBuffer: 64 * 1024 * 1024,
    }).toString();
    if (immutable) filesAtCommits.set(immutable, text);
    return text;
  }

  /** The files of one commit on a branch and its commit count, for assertions about pushes. */
  branchLog(branch: string): string[] {
    if (!this.refExists(`refs/heads/${branch}`)) return [];
    return execFileSync('git', ['log', '--format=%s', `refs/heads/${branch}`], { cwd: this.remote, env: gitEnv() })
      .toString()
      .trim()
      .split('\n');
  }

  filesChangedBy(rev: string): string[] {
    return execFileSync('git', ['show', '--format=', '--name-only', rev], { cwd: this.remote, env: gitEnv() })
      .toString()
      .trim()
      .split('\n')
      .filter(Boolean);
  }

  /**
   * Commits a change on top of a branch of the remote (a scenario's pull request or push), returning
   * the commit before and after.
   */
  commit(
    branch: string,
    from: string,
    files: Record<string, string>,
    message: string,
  ): { before: string; after: string } {
    const work = mkdtempSync(path.join(this.dir, 'edit-'));
    const git = (...args: string[]) =>
      execFileSync('git', args, { cwd: work, stdio: 'pipe', env: gitEnv() }).toString().trim();
    execFileSync('git', ['clone', '-q', '--branch', from, this.remote, work], { stdio: 'pipe', env: gitEnv() });
    const before = git('rev-parse', 'HEAD');
    git('checkout', '-q', '-B', branch);
    for (const [file, content] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(work, file)), { recursive: true });
      writeFileSync(path.join(work, file), content);
    }
    git('add', '-A');
    git('commit', '-q', '-m', message);
    const after = git('rev-parse', 'HEAD');
    git('push', '-q', '-f', 'origin', `HEAD:refs/heads/${branch}`);
    rmSync(work, { recursive: true, force: true });
    return { before, after };
  }

  tag(name: string, rev: string): void {
    execFileSync('git', ['tag', '-f', name, rev], { cwd: this.remote, env: gitEnv() });
  }

  /** Creates a branch of the remote from a tree of files (an orphan branch such as `appcast`). */
  orphanBranch(branch: string, files: Record<string, string>): void {
    const work = mkdtempSync(path.join(this.dir, 'orphan-'));
    const git = (...args: string[]) => execFileSync('git', args, { cwd: work, stdio: 'pipe', env: gitEnv() });
    git('init', '-q', '-b', branch);
    for (const [file, content] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(work, file)), { recursive: true });
      writeFileSync(path.join(work, file), content);
    }
    git('add', '-A');
    git('commit', '-q', '-m', `${branch}: start`);
    git('push', '-q', this.remote, `HEAD:refs/heads/${branch}`);
    rmSync(work, { recursive: true, force: true });
  }

  // ---- artifacts and caches

  uploadArtifact(runId: number, name: string, fromDir: string, overwrite: boolean): void {
    const store = this.artifacts.get(String(runId)) ?? new Map<string, string>();
    this.artifacts.set(String(runId), store);
    if (store.has(name) && !overwrite) throw new Error(`an artifact named ${name} already exists in this run`);
    const dir = path.join(this.dir, 'artifacts', String(runId), name);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    cpSync(fromDir, dir, { recursive: true });
    store.set(name, dir);
  }

  artifact(runId: number, name: string): string | undefined {
    return this.artifacts.get(String(runId))?.get(name);
  }

  artifactNames(runId: number): string[] {
    return [...(this.artifacts.get(String(runId))?.keys() ?? [])];
  }

  /** A cache entry visible from `ref`: its own or the default branch's (GitHub's cache scopes). */
  restoreCache(keys: string[], ref: string): { key: string; dir: string } | undefined {
    const visible = [ref, `refs/heads/${this.props.defaultBranch}`];
    for (const [i, key] of keys.entries()) {
      for (const [k, entry] of this.caches) {
        if (!visible.includes(entry.ref)) continue;
        if (i === 0 ? k === key : k.startsWith(key)) return { key: k, dir: entry.dir };
      }
    }
    return undefined;
  }

  saveCache(key: string, ref: string, fromDirs: { from: string; rel: string }[]): boolean {
    if (this.caches.has(key)) return false; // caches are immutable: GitHub refuses a second save of a key
    const dir = path.join(this.dir, 'caches', String(this.caches.size));
    for (const { from, rel } of fromDirs) cpSync(from, path.join(dir, rel), { recursive: true });
    this.caches.set(key, { dir, ref });
    return true;
  }

  cacheKeys(): string[] {
    return [...this.caches.keys()];
  }

  // ---- stand-in calls

  calls(tool?: string): ToolCall[] {
    const text = existsSync(this.callsFile) ? readFileSync(this.callsFile, 'utf8') : '';
    return text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as ToolCall)
      .filter((c) => !tool || c.tool === tool);
  }

  /** Reads a stand-in's state file (cluster, registry, GitHub). */
  state<T extends Json>(name: string, fallback: T): T {
    const file = path.join(this.stateDir, `${name}.json`);
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : fallback;
  }

  setState(name: string, value: Json): void {
    writeFileSync(path.join(this.stateDir, `${name}.json`), JSON.stringify(value, null, 2));
  }
}

/** git with a fixed identity and no user configuration, so runs are the same on every machine. */
/** Where the API server serves the stand-in model host's files. */
export const MODEL_HOST_PREFIX = '/model-host';

export function gitEnv(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME ?? '/root',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_AUTHOR_NAME: 'Scenario',
    GIT_AUTHOR_EMAIL: 'scenario@example.invalid',
    GIT_COMMITTER_NAME: 'Scenario',
    GIT_COMMITTER_EMAIL: 'scenario@example.invalid',
    GIT_AUTHOR_DATE: '2026-12-01T00:00:00Z',
    GIT_COMMITTER_DATE: '2026-12-01T00:00:00Z',
  };
}
