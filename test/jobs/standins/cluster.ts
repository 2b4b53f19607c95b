import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { need, parseArgs, ToolError } from './args';
import { childRefs, stopProcesses } from './process-identity';
import { probePort, startWithCallees } from './services';
import { fault, load, save } from './state';

/** One Helm release revision as the stand-in cluster keeps it. */
export interface Revision {
  revision: number;
  chart: string;
  values: Record<string, unknown>;
  status: 'deployed' | 'superseded' | 'failed' | 'uninstalled';
  replicas: number;
  fullname: string;
}

/** The cluster the deploy jobs talk to: namespaces → releases → revisions. */
export interface Cluster {
  releases: Record<string, Record<string, Revision[]>>;
  /** Commands that changed the cluster, in order: the assertions' view of a rollout. */
  changes: string[];
  /**
   * When each release's live revision changed (unix seconds; null: uninstalled), from the first change
   * the stand-in made to it (an entry at 0 holds what ran before): the stand-in Prometheus reads what
   * ran at a past moment from it. A release never changed has no entries and runs its deployed revision.
   */
  timeline?: LiveChange[];
}

/** A release's live revision from a moment on. */
export interface LiveChange {
  readonly at: number;
  readonly namespace: string;
  readonly release: string;
  readonly live: Revision | null;
}

const liveRevisions = (cluster: Cluster): Map<string, Revision | null> =>
  new Map(
    Object.entries(cluster.releases).flatMap(([namespace, releases]) =>
      Object.entries(releases).map(([release, revs]): [string, Revision | null] => [
        `${namespace}/${release}`,
        revs.filter((r) => r.status === 'deployed').at(-1) ?? null,
      ]),
    ),
  );

/** Saves the cluster, recording in its timeline each release whose live revision the command changed. */
function saveCluster(cluster: Cluster, before: ReadonlyMap<string, Revision | null>): void {
  const after = liveRevisions(cluster);
  const timeline = (cluster.timeline ??= []);
  for (const key of new Set([...before.keys(), ...after.keys()])) {
    const [was, is] = [before.get(key) ?? null, after.get(key) ?? null];
    if (JSON.stringify(was) === JSON.stringify(is)) continue;
    const [namespace, release] = key.split('/') as [string, string];
    if (!timeline.some((e) => e.namespace === namespace && e.release === release)) {
      timeline.push({ at: 0, namespace, release, live: structuredClone(was) });
    }
    timeline.push({ at: Date.now() / 1000, namespace, release, live: structuredClone(is) });
  }
  save('cluster', cluster);
}

/** The live revision of every release at a moment (unix seconds), as `namespace/release` → revision. */
export function liveAt(cluster: Cluster, atSeconds: number): Map<string, Revision> {
  const now = liveRevisions(cluster);
  const timeline = cluster.timeline ?? [];
  const live = new Map<string, Revision>();
  for (const key of new Set([...now.keys(), ...timeline.map((e) => `${e.namespace}/${e.release}`)])) {
    const entries = timeline.filter((e) => `${e.namespace}/${e.release}` === key);
    const then = entries.length ? entries.filter((e) => e.at <= atSeconds).at(-1)?.live : now.get(key);
    if (then) live.set(key, then);
  }
  return live;
}

const EMPTY: Cluster = { releases: {}, changes: [] };
const out = (s: string) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);

function requireCluster(tool: string): string {
  const kubeconfig = process.env.KUBECONFIG || path.join(process.env.HOME!, '.kube', 'config');
  if (!kubeconfig || !existsSync(kubeconfig)) {
    throw new ToolError(`${tool}: Kubernetes cluster unreachable: KUBECONFIG is not set to a kubeconfig file`);
  }
  const cluster = (YAML.parse(readFileSync(kubeconfig, 'utf8')) as { 'current-context'?: string })['current-context'];
  if (!cluster) throw new ToolError(`${tool}: the kubeconfig has no current context`);
  return cluster;
}

/** Sets `a.b.c=v` into an object, as `--set` does (booleans and numbers typed). */
function setPath(target: Record<string, unknown>, assignment: string): void {
  const eq = assignment.indexOf('=');
  if (eq < 1) throw new ToolError(`helm: failed parsing --set data: key "${assignment}" has no value`);
  const keys = assignment.slice(0, eq).split('.');
  const raw = assignment.slice(eq + 1);
  const value = raw === 'true' ? true : raw === 'false' ? false : /^-?\d+$/.test(raw) ? Number(raw) : raw;
  let node = target;
  for (const k of keys.slice(0, -1)) node = (node[k] ??= {}) as Record<string, unknown>;
  node[keys[keys.length - 1]] = value;
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const outObj = { ...a };
  for (const [k, v] of Object.entries(b)) {
    outObj[k] =
      v && typeof v === 'object' && !Array.isArray(v) && outObj[k] && typeof outObj[k] === 'object'
        ? deepMerge(outObj[k] as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return outObj;
}

/** The real Helm; its output goes out through this call's own streams (which the stand-in server captures). */
function realHelm(args: string[]): number {
  const r = spawnSync(process.env.STANDIN_REAL_HELM!, args, { maxBuffer: 32 * 1024 * 1024 });
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  return r.status ?? 1;
}

/**
 * helm: lint, template, package and dependency run the real Helm binary; the commands that need a
 * cluster run against the stand-in cluster, after the real Helm renders the chart with the same
 * values (so a value the chart's schema refuses fails here as on the cluster).
 */
/**
 * Helm's lock on a release: while another operation changes it (status pending-*), Helm refuses a
 * second change. The fault `helm-busy:<release>` stands for a deploy stage's upgrade in progress:
 * the first change of that release is refused, as Helm would, and it is free after.
 */
function refuseWhileBusy(release: string, prefix: string): void {
  if (!fault(`helm-busy:${release}`)) return;
  const refused = load<string[]>('helm-busy', []);
  if (refused.includes(release)) return;
  save('helm-busy', [...refused, release]);
  throw new ToolError(`Error: ${prefix}another operation (install/upgrade/rollback) is in progress`);
}

export function helm(args: string[]): number {
  const [cmd, ...rest] = args;
  if (['lint', 'template', 'package', 'dependency', 'version', 'show'].includes(cmd)) return realHelm(args);
  const cluster = load<Cluster>('cluster', structuredClone(EMPTY));
  const liveBefore = liveRevisions(cluster);
  const ns = (p: { flags: Record<string, string> }) => need(p as never, 'helm', '--namespace');
  const revisionsOf = (namespace: string, release: string) => ((cluster.releases[namespace] ??= {})[release] ??= []);
  const current = (namespace: string, release: string) =>
    cluster.releases[namespace]?.[release]?.filter((r) => r.status === 'deployed').at(-1);
  switch (cmd) {
    case 'list': {
      const p = parseArgs('helm list', rest, {
        values: ['--namespace', '--filter', '-o', '--output'],
        bools: ['--all'],
      });
      requireCluster('helm');
      const namespace = ns(p);
      const filter = p.flags['--filter'] ? new RegExp(p.flags['--filter']) : undefined;
      const rows = Object.entries(cluster.releases[namespace] ?? {}).flatMap(([name, revs]) => {
        const last = revs.at(-1);
        if (!last || (!p.bools.has('--all') && last.status !== 'deployed') || last.status === 'uninstalled') return [];
        if (filter && !filter.test(name)) return [];
        return [{ name, namespace, revision: String(last.revision), status: last.status, chart: last.chart }];
      });
      if ((p.flags['-o'] ?? p.flags['--output']) !== 'json') {
        throw new ToolError('helm list: the stand-in prints -o json only');
      }
      out(JSON.stringify(rows));
      return 0;
    }
    case 'get': {
      const [what, ...more] = rest;
      if (what !== 'values') throw new ToolError(`helm get ${what}: not a command the workflows use`);
      const p = parseArgs('helm get values', more, {
        values: ['--namespace', '-o', '--output', '--revision'],
        bools: ['--all'],
        positionals: 1,
      });
      requireCluster('helm');
      const rev = current(ns(p), p.positionals[0]);
      if (!rev) throw new ToolError(`Error: release: not found`);
      out(JSON.stringify(rev.values));
      return 0;
    }
    case 'upgrade':
    case 'install': {
      const p = parseArgs(`helm ${cmd}`, rest, {
        values: ['--namespace', '--timeout'],
        multi: ['--values', '-f', '--set'],
        bools: [
          '--install',
          '--atomic',
          '--rollback-on-failure',
          '--wait',
          '--create-namespace',
          '--reset-then-reuse-values',
        ],
        positionals: 2,
      });
      const clusterName = requireCluster('helm');
      const [release, chart] = p.positionals;
      const namespace = ns(p);
      refuseWhileBusy(release, 'UPGRADE FAILED: ');
      if (!existsSync(path.join(chart, 'Chart.yaml'))) throw new ToolError(`Error: path "${chart}" not found`);
      const files = [...(p.multi['--values'] ?? []), ...(p.multi['-f'] ?? [])];
      for (const f of files) if (!existsSync(f)) throw new ToolError(`Error: open ${f}: no such file or directory`);
      const existing = current(namespace, release);
      if (cmd === 'upgrade' && !existing && !p.bools.has('--install')) {
        throw new ToolError(`Error: UPGRADE FAILED: "${release}" has no deployed releases`);
      }
      if (cmd === 'install' && existing) {
        throw new ToolError(`Error: INSTALLATION FAILED: cannot re-use a name that is still in use`);
      }
      // --reset-then-reuse-values: the chart's defaults, then the last release's values, then the
      // command line's. The last release's values reach the real Helm as the first values file.
      const reuse = p.bools.has('--reset-then-reuse-values') && existing ? existing.values : undefined;
      if (reuse) {
        const reused = path.join(process.env.RUNNER_TEMP ?? process.cwd(), `helm-reused-values-${process.pid}.json`);
        writeFileSync(reused, JSON.stringify(reuse));
        files.unshift(reused);
      }
      // The real Helm renders the chart with these values: its schema and templates judge them.
      const rendered = spawnSync(
        process.env.STANDIN_REAL_HELM!,
        [
          'template',
          release,
          chart,
          '--namespace',
          namespace,
          ...files.flatMap((f) => ['--values', f]),
          ...(p.multi['--set'] ?? []).flatMap((s) => ['--set', s]),
        ],
        { encoding: 'utf8', maxBuffer: 32 * 1024 * 1024 },
      );
      if (rendered.status !== 0) throw new ToolError(`Error: ${rendered.stderr.trim()}`);
      const docs = YAML.parseAllDocuments(rendered.stdout)
        .map((d) => d.toJS() as { kind?: string; metadata?: { name?: string }; spec?: { replicas?: number } } | null)
        .filter(Boolean);
      const deployment = docs.find((d) => d!.kind === 'Deployment');
      let values: Record<string, unknown> = {};
      for (const f of files) {
        values = deepMerge(values, (YAML.parse(readFileSync(f, 'utf8')) ?? {}) as Record<string, unknown>);
      }
      for (const s of p.multi['--set'] ?? []) setPath(values, s);
      const revisions = revisionsOf(namespace, release);
      const revision: Revision = {
        revision: (revisions.at(-1)?.revision ?? 0) + 1,
        chart: path.basename(chart),
        values,
        status: 'deployed',
        replicas: deployment?.spec?.replicas ?? 1,
        fullname: deployment?.metadata?.name ?? release,
      };
      const digest = (values.image as { digest?: string } | undefined)?.digest;
      const failing =
        fault(`helm-wait:${release}`) ||
        (digest !== undefined && fault(`unhealthy-digest:${digest}`) && p.bools.has('--wait'));
      if (failing) {
        revisions.push({ ...revision, status: 'failed' });
        cluster.changes.push(`${clusterName}/${namespace}: ${cmd} ${release} → revision ${revision.revision} failed`);
        if ((p.bools.has('--atomic') || p.bools.has('--rollback-on-failure')) && existing) {
          revisions.push({ ...existing, revision: revision.revision + 1, status: 'deployed' });
          existing.status = 'superseded';
          cluster.changes.push(
            `${clusterName}/${namespace}: ${release} rolled back to revision ${existing.revision} (atomic)`,
          );
        }
        saveCluster(cluster, liveBefore);
        throw new ToolError(
          `Error: UPGRADE FAILED: context deadline exceeded: resource Deployment/${namespace}/${revision.fullname} not ready`,
        );
      }
      if (existing) existing.status = 'superseded';
      revisions.push(revision);
      cluster.changes.push(
        `${clusterName}/${namespace}: ${cmd} ${release} → revision ${revision.revision}${digest ? ` (image.digest=${digest})` : ''}${(values.image as { tag?: string } | undefined)?.tag ? ` (image.tag=${(values.image as { tag: string }).tag})` : ''}`,
      );
      saveCluster(cluster, liveBefore);
      out(
        `Release "${release}" has been upgraded. Happy Helming!\nNAME: ${release}\nNAMESPACE: ${namespace}\nSTATUS: deployed\nREVISION: ${revision.revision}`,
      );
      return 0;
    }
    case 'rollback': {
      const p = parseArgs('helm rollback', rest, {
        values: ['--namespace', '--timeout'],
        bools: ['--wait', '--cleanup-on-fail'],
        positionals: [1, 2],
      });
      const clusterName = requireCluster('helm');
      const namespace = ns(p);
      const [release, to] = p.positionals;
      refuseWhileBusy(release, '');
      const revisions = cluster.releases[namespace]?.[release];
      if (!revisions?.length) throw new ToolError(`Error: release: not found`);
      const target = to
        ? revisions.find((r) => String(r.revision) === to)
        : revisions.filter((r) => r.status === 'superseded').at(-1);
      if (!target) throw new ToolError(`Error: release has no ${to} version`);
      for (const r of revisions) if (r.status === 'deployed') r.status = 'superseded';
      revisions.push({ ...target, revision: revisions.at(-1)!.revision + 1, status: 'deployed' });
      cluster.changes.push(`${clusterName}/${namespace}: rollback ${release} to revision ${target.revision}`);
      saveCluster(cluster, liveBefore);
      out('Rollback was a success! Happy Helming!');
      return 0;
    }
    case 'uninstall': {
      const p = parseArgs('helm uninstall', rest, {
        values: ['--namespace', '--timeout'],
        bools: ['--ignore-not-found', '--wait'],
        positionals: 1,
      });
      const clusterName = requireCluster('helm');
      const namespace = ns(p);
      const [release] = p.positionals;
      refuseWhileBusy(release, '');
      if (!current(namespace, release)) {
        if (p.bools.has('--ignore-not-found')) return 0;
        throw new ToolError(`Error: uninstall: Release not loaded: ${release}: release: not found`);
      }
      delete cluster.releases[namespace][release];
      cluster.changes.push(`${clusterName}/${namespace}: uninstall ${release}`);
      saveCluster(cluster, liveBefore);
      out(`release "${release}" uninstalled`);
      return 0;
    }
    case 'test': {
      const p = parseArgs('helm test', rest, {
        values: ['--namespace', '--timeout'],
        bools: ['--logs'],
        positionals: 1,
      });
      requireCluster('helm');
      const namespace = ns(p);
      const rev = current(namespace, p.positionals[0]);
      if (!rev) throw new ToolError(`Error: release: not found`);
      const digest = (rev.values.image as { digest?: string } | undefined)?.digest;
      if (fault(`helm-test:${p.positionals[0]}`) || (digest && fault(`unhealthy-digest:${digest}`))) {
        throw new ToolError(`Error: 1 error occurred:\n\t* pod ${rev.fullname}-test-connection failed`);
      }
      out(`NAME: ${p.positionals[0]}\nPhase: Succeeded`);
      return 0;
    }
    case 'history': {
      const p = parseArgs('helm history', rest, { values: ['--namespace', '-o', '--output', '--max'], positionals: 1 });
      requireCluster('helm');
      out(
        JSON.stringify(
          (cluster.releases[ns(p)]?.[p.positionals[0]] ?? []).map((r) => ({
            revision: r.revision,
            status: r.status,
            chart: r.chart,
          })),
        ),
      );
      return 0;
    }
    default:
      throw new ToolError(`helm: unknown command "${cmd}" for "helm"`);
  }
}

/** The release whose workload a Kubernetes name (`service/x`, `deployment/x`) belongs to. */
/** The deployed revision of the release of `chart` in a namespace (what its Service routes to). */
export function liveReleaseOfChart(cluster: Cluster, namespace: string, chart: string): Revision | undefined {
  return Object.values(cluster.releases[namespace] ?? {})
    .map((revs) => revs.filter((r) => r.status === 'deployed').at(-1))
    .find((r) => r?.chart === chart);
}

/**
 * Serves a live revision's stand-in service on `port`, with the callees its namespace runs (each
 * through its own live release); a revision whose image digest the scenario broke answers unhealthy.
 * Returns every process started, the service first.
 */
export async function serveRelease(
  cluster: Cluster,
  namespace: string,
  rev: Revision,
  port: number,
  detached = false,
): Promise<ChildProcess[]> {
  const broken = (r: Revision) =>
    fault(`unhealthy-digest:${(r.values.image as { digest?: string } | undefined)?.digest ?? ''}`);
  return startWithCallees(
    rev.chart,
    port,
    broken(rev),
    (callee) => {
      const live = liveReleaseOfChart(cluster, namespace, callee);
      return live && { unhealthy: broken(live) };
    },
    detached,
  );
}

function releaseByFullname(cluster: Cluster, namespace: string, name: string): Revision | undefined {
  for (const revs of Object.values(cluster.releases[namespace] ?? {})) {
    const live = revs.filter((r) => r.status === 'deployed').at(-1);
    if (live?.fullname === name) return live;
  }
  return undefined;
}

/**
 * kubectl: `get deployment … -o jsonpath={.spec.replicas}` from the stand-in cluster, and a
 * `port-forward` that serves the release's stand-in service (test/e2e/services, the service contract)
 * on the local port until it is stopped, printing "Forwarding from" as kubectl does.
 */
export async function kubectl(args: string[]): Promise<number> {
  const [cmd, ...rest] = args;
  requireCluster('kubectl');
  const cluster = load<Cluster>('cluster', structuredClone(EMPTY));
  switch (cmd) {
    case 'get': {
      const p = parseArgs('kubectl get', rest, {
        values: ['--namespace', '-n', '-o', '--output'],
        bools: ['--all-namespaces', '-A'],
        positionals: [1, 2],
      });
      if (p.positionals[0] !== 'deployment') {
        out(JSON.stringify(cluster.releases, null, 1));
        return 0;
      }
      const namespace = p.flags['--namespace'] ?? p.flags['-n'] ?? 'default';
      const rev = releaseByFullname(cluster, namespace, p.positionals[1]);
      if (!rev) throw new ToolError(`Error from server (NotFound): deployments.apps "${p.positionals[1]}" not found`);
      if ((p.flags['-o'] ?? p.flags['--output']) !== 'jsonpath={.spec.replicas}') {
        throw new ToolError('kubectl get deployment: the stand-in answers -o jsonpath={.spec.replicas} only');
      }
      process.stdout.write(String(rev.replicas));
      return 0;
    }
    case 'logs':
    case 'describe':
      out(`(stand-in cluster) ${cmd} ${rest.join(' ')}`);
      return 0;
    case 'port-forward': {
      const p = parseArgs('kubectl port-forward', rest, { values: ['--namespace', '-n', '--address'], positionals: 2 });
      const namespace = p.flags['--namespace'] ?? p.flags['-n'] ?? 'default';
      const [target, ports] = p.positionals;
      const m = /^(service|svc|deployment|pod)\/(.+)$/.exec(target);
      if (!m) throw new ToolError(`error: ${target} is not a resource/name`);
      const [local, remote] = ports.split(':');
      const rev = releaseByFullname(cluster, namespace, m[2]);
      if (!rev) throw new ToolError(`Error from server (NotFound): services "${m[2]}" not found`);
      // kubectl binds the local port itself and refuses one in use (a forward an earlier step left
      // running): the stand-in does too, instead of taking whatever answers there for its own.
      await refuseTakenPort(Number(local), remote);
      // The handlers come before the servers: a SIGTERM while they start (a workflow's trap, a job's
      // end) would otherwise end this process by default and leave its servers behind.
      const starting = serveRelease(cluster, namespace, rev, Number(local));
      // Once: on SIGTERM, or when the service ends (the step's process group was signalled, or it crashed).
      // Either way its callees are stopped before this process exits.
      let stopped: Promise<void> | undefined;
      const stop = () =>
        (stopped ??= (async () => {
          const children = await starting.catch(() => []);
          await stopProcesses(childRefs(children));
        })());
      for (const signal of ['SIGTERM', 'SIGINT'] as const) {
        process.on(signal, () => void stop().then(() => process.exit(0)));
      }
      const children = await starting;
      // kubectl prints this once the tunnel is up; the workflows wait for it, then may stop the forward at once.
      out(`Forwarding from 127.0.0.1:${local} -> ${remote}`);
      await new Promise((r) => children[0].on('exit', r));
      await stop();
      return 0;
    }
    default:
      throw new ToolError(`error: unknown command "${cmd}" for "kubectl"`);
  }
}

/** Fails as kubectl does when the local port of a forward is taken. */
async function refuseTakenPort(local: number, remote: string): Promise<void> {
  if ((await probePort(local)) !== undefined) return;
  throw new ToolError(
    `Unable to listen on port ${local}: Listeners failed to create with the following errors: [unable to create listener: Error listen tcp4 127.0.0.1:${local}: bind: address already in use]\n` +
      `error: unable to listen on any of the requested ports: [{${local} ${remote}}]`,
  );
}

/** aws: the two calls of the OIDC cluster login; the web identity token must be the one GitHub issued. */
export function aws(args: string[]): number {
  const [service, cmd, ...rest] = args;
  if (service === 'sts' && cmd === 'assume-role-with-web-identity') {
    const p = parseArgs('aws sts assume-role-with-web-identity', rest, {
      values: [
        '--role-arn',
        '--role-session-name',
        '--web-identity-token',
        '--duration-seconds',
        '--query',
        '--output',
      ],
    });
    const arn = need(p, 'aws', '--role-arn');
    if (!/^arn:aws:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(arn)) {
      throw new ToolError(`An error occurred (ValidationError): ${arn} is not a role ARN`, 254);
    }
    if (!/^[\w-]+\.[\w-]+\.[\w-]+$/.test(need(p, 'aws', '--web-identity-token'))) {
      throw new ToolError('An error occurred (InvalidIdentityToken): the token is not a JWT', 254);
    }
    if (!/^[\w+=,.@-]{2,64}$/.test(need(p, 'aws', '--role-session-name'))) {
      throw new ToolError('An error occurred (ValidationError): roleSessionName', 254);
    }
    const creds = {
      AccessKeyId: 'ASIASTANDIN',
      SecretAccessKey: 'stand-in-secret',
      SessionToken: 'stand-in-session',
      Expiration: '2026-12-01T01:00:00Z',
    };
    out(JSON.stringify(p.flags['--query'] === 'Credentials' ? creds : { Credentials: creds }));
    return 0;
  }
  if (service === 'eks' && cmd === 'update-kubeconfig') {
    const p = parseArgs('aws eks update-kubeconfig', rest, { values: ['--name', '--region', '--kubeconfig'] });
    if (!process.env.AWS_ACCESS_KEY_ID || !process.env.AWS_SESSION_TOKEN) {
      throw new ToolError(
        'Unable to locate credentials. You can configure credentials by running "aws configure".',
        253,
      );
    }
    const name = need(p, 'aws', '--name');
    writeFileSync(
      p.flags['--kubeconfig'] ?? path.join(process.env.HOME!, '.kube', 'config'),
      YAML.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        'current-context': name,
        contexts: [{ name, context: { cluster: name, user: name } }],
      }),
    );
    out(`Added new context ${name} to ${p.flags['--kubeconfig']}`);
    return 0;
  }
  throw new ToolError(`aws: ${service} ${cmd}: not a command the workflows use`, 252);
}
