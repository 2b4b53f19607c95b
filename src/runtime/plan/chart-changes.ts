import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { brief, deepDiff } from './deep-diff';
import type { PlanEntry } from './plan';

/** Fields of a rendered object whose change a security review must see. */
const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'Pod']);

function podSpecOf(o: any): any {
  if (o.kind === 'Pod') return o.spec;
  if (o.kind === 'CronJob') return o.spec?.jobTemplate?.spec?.template?.spec;
  return o.spec?.template?.spec;
}

/** The security-relevant view of an object: what the plan compares. */
function securityView(o: any): unknown {
  if (WORKLOAD_KINDS.has(o.kind)) {
    const pod = podSpecOf(o) ?? {};
    return {
      securityContext: pod.securityContext,
      serviceAccountName: pod.serviceAccountName,
      automountServiceAccountToken: pod.automountServiceAccountToken,
      hostNetwork: pod.hostNetwork,
      hostPID: pod.hostPID,
      volumes: pod.volumes,
      containers: Object.fromEntries(
        (pod.containers ?? []).map((c: any) => [
          c.name,
          { image: c.image, securityContext: c.securityContext, resources: c.resources },
        ]),
      ),
    };
  }
  if (o.kind === 'NetworkPolicy') return o.spec;
  if (o.kind === 'ServiceAccount') {
    return { annotations: o.metadata?.annotations, automountServiceAccountToken: o.automountServiceAccountToken };
  }
  if (o.kind === 'Service') return { type: o.spec?.type, ports: o.spec?.ports };
  return undefined;
}

/** The files of one chart folder in a snapshot, written to a temporary folder for Helm. */
function writeChart(files: ReadonlyMap<string, string>, chartDir: string): string | undefined {
  const own = [...files].filter(([f]) => f.startsWith(`${chartDir}/`));
  if (own.length === 0) return undefined;
  const root = mkdtempSync(path.join(tmpdir(), 'plan-chart-'));
  for (const [file, text] of own) {
    const target = path.join(root, path.relative(chartDir, file));
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, text);
  }
  return root;
}

function render(helm: string, chart: string, valuesFile: string | undefined, release: string): Map<string, any> {
  const out = execFileSync(
    helm,
    ['template', release, chart, ...(valuesFile ? ['--values', path.join(chart, valuesFile)] : [])],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const objects = YAML.parseAllDocuments(out)
    .map((d) => d.toJS())
    .filter((o) => o && o.kind);
  return new Map(objects.map((o: any) => [`${o.kind}/${o.metadata?.name}`, o]));
}

/** The values files of a chart folder: values.yaml (defaults) and each values-<env>.yaml. */
function valuesFilesOf(files: ReadonlyMap<string, string>, chartDir: string): string[] {
  return [...files.keys()]
    .filter((f) => path.dirname(f) === chartDir && /^values(-[a-z0-9-]+)?\.yaml$/.test(path.basename(f)))
    .map((f) => path.basename(f))
    .sort();
}

/**
 * What changed in one chart: with Helm, the objects each values file renders (added, removed, and
 * security-relevant fields: pod and container security context, image, resources, service account,
 * NetworkPolicy rules, Service type and ports); without it, the values files key by key.
 */
export function chartChanges(
  chartDir: string,
  before: ReadonlyMap<string, string>,
  after: ReadonlyMap<string, string>,
  helm: string | undefined,
): PlanEntry[] {
  const entries: PlanEntry[] = [];
  const name = path.basename(chartDir);
  const was = writeChart(before, chartDir);
  const now = writeChart(after, chartDir);
  try {
    if (!was) return [{ kind: 'add', text: `new chart ${name}` }];
    if (!now) return [{ kind: 'remove', text: `chart ${name} removed` }];
    const valuesFiles = [...new Set([...valuesFilesOf(before, chartDir), ...valuesFilesOf(after, chartDir)])];
    if (!helm) {
      for (const vf of valuesFiles) {
        for (const c of deepDiff(
          YAML.parse(before.get(`${chartDir}/${vf}`) ?? '{}'),
          YAML.parse(after.get(`${chartDir}/${vf}`) ?? '{}'),
        )) {
          entries.push({ kind: 'change', text: `${vf}: ${c.path}: ${brief(c.before)} → ${brief(c.after)}` });
        }
      }
      const templates = [...new Set([...before.keys(), ...after.keys()])].filter(
        (f) => f.startsWith(`${chartDir}/templates/`) && before.get(f) !== after.get(f),
      );
      for (const t of templates) {
        entries.push({
          kind: 'change',
          text: `template ${path.relative(chartDir, t)} changed (install Helm or pass --helm for object-level changes)`,
        });
      }
      return entries;
    }
    for (const vf of valuesFiles) {
      const useFile = vf === 'values.yaml' ? undefined : vf;
      const a = before.has(`${chartDir}/${vf}`) ? render(helm, was, useFile, name) : new Map();
      const b = after.has(`${chartDir}/${vf}`) ? render(helm, now, useFile, name) : new Map();
      for (const id of [...b.keys()].filter((k) => !a.has(k))) {
        entries.push({ kind: 'add', text: `${vf}: ${id} added` });
      }
      for (const id of [...a.keys()].filter((k) => !b.has(k))) {
        entries.push({ kind: 'remove', text: `${vf}: ${id} removed` });
      }
      for (const [id, obj] of b) {
        if (!a.has(id)) continue;
        for (const c of deepDiff(securityView(a.get(id)), securityView(obj))) {
          entries.push({ kind: 'security', text: `${vf}: ${id} ${c.path}: ${brief(c.before)} → ${brief(c.after)}` });
        }
      }
    }
    return entries;
  } finally {
    for (const dir of [was, now]) if (dir) rmSync(dir, { recursive: true, force: true });
  }
}
