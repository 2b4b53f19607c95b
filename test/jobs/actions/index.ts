import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { checkInputs } from './declared-inputs';
import { checkoutAction } from './git-actions';
import { digestOf, readRegistry, writeRegistry } from './registry-state';
import { asText } from '../engine/tokens';
import type { ActionContext, LocalAction } from '../engine/types';

const bool = (v: string | undefined, fallback: boolean) => {
  if (v === undefined || v === '') return fallback;
  if (v !== 'true' && v !== 'false') throw new Error(`expected true or false, got ${v}`);
  return v === 'true';
};
const required = (ctx: ActionContext, name: string) => {
  const v = ctx.inputs[name];
  if (!v) throw new Error(`Input required and not supplied: ${name}`);
  return v;
};
const lines = (v: string | undefined) =>
  (v ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
const VERSION_SPEC = /^v?\d+(\.\d+){0,2}$/;

/** Resolves a workspace path, refusing one that leaves the workspace. */
function inWorkspace(ctx: ActionContext, p: string): string {
  const full = path.resolve(ctx.workspace, p);
  if (full !== ctx.workspace && !full.startsWith(`${ctx.workspace}/`)) throw new Error(`${p} is outside the workspace`);
  return full;
}

/** Every file at or under `full`; hidden files and folders are left out unless asked for, as upload-artifact does. */
function filesUnder(full: string, includeHidden: boolean): string[] {
  if (!existsSync(full)) return [];
  if (statSync(full).isFile()) return [full];
  return readdirSync(full, { withFileTypes: true })
    .filter((e) => includeHidden || !e.name.startsWith('.'))
    .flatMap((e) => filesUnder(path.join(full, e.name), includeHidden));
}

function commonAncestor(paths: readonly string[]): string {
  const split = paths.map((p) => p.split(path.sep));
  const common: string[] = [];
  for (let i = 0; split.every((parts) => i < parts.length && parts[i] === split[0][i]); i++) common.push(split[0][i]);
  return common.join(path.sep) || path.sep;
}

function uploadArtifact(ctx: ActionContext): void {
  const name = ctx.inputs.name || 'artifact';
  const paths = lines(required(ctx, 'path'));
  const mode = ctx.inputs['if-no-files-found'] || 'warn';
  if (!['warn', 'error', 'ignore'].includes(mode)) {
    throw new Error(`if-no-files-found: ${mode} is not warn, error or ignore`);
  }
  const retention = ctx.inputs['retention-days'];
  if (retention && !(Number(retention) >= 0 && Number(retention) <= 90)) {
    throw new Error(`retention-days: ${retention} is not 0–90`);
  }
  const staging = path.join(ctx.runnerTemp, `_artifact_${name}`);
  mkdirSync(staging, { recursive: true });
  // upload-artifact's search: each path's files, stored relative to the root directory, which is the
  // least common ancestor of the search paths (a single directory is its own root; a single file's is its folder).
  const searchPaths = paths.map((p) => {
    if (/[*?]/.test(p)) throw new Error(`upload-artifact: globs are not supported by the job runner (${p})`);
    return inWorkspace(ctx, p);
  });
  const files = searchPaths.flatMap((full) => filesUnder(full, bool(ctx.inputs['include-hidden-files'], false)));
  const root =
    searchPaths.length > 1
      ? commonAncestor(searchPaths)
      : existsSync(searchPaths[0]) && statSync(searchPaths[0]).isFile()
        ? path.dirname(searchPaths[0])
        : searchPaths[0];
  for (const file of files) cpSync(file, path.join(staging, path.relative(root, file)));
  const found = files.length;
  if (found === 0) {
    if (mode === 'error') {
      throw new Error(
        `No files were found with the provided path: ${paths.join(', ')}. No artifacts will be uploaded.`,
      );
    }
    ctx.log(`warning: no files were found with the provided path: ${paths.join(', ')}`);
    return;
  }
  ctx.run.world.uploadArtifact(ctx.run.runId, name, staging, bool(ctx.inputs.overwrite, false));
  ctx.setOutput('artifact-id', String(ctx.run.world.artifactNames(ctx.run.runId).length));
}

function downloadArtifact(ctx: ActionContext): void {
  const dest = inWorkspace(ctx, ctx.inputs.path || '.');
  const names = ctx.inputs.name ? [ctx.inputs.name] : ctx.run.world.artifactNames(ctx.run.runId);
  for (const name of names) {
    // Fault `artifact-download:<name>`: the artifact service fails this download, as a transient API error would.
    if (ctx.run.faults.includes(`artifact-download:${name}`)) {
      throw new Error(
        `Unable to download artifact(s): Failed to GetSignedArtifactURL: Unable to make request: ECONNRESET`,
      );
    }
    const dir = ctx.run.world.artifact(ctx.run.runId, name);
    if (!dir) throw new Error(`Unable to download artifact(s): Artifact not found for name: ${name}`);
    cpSync(dir, ctx.inputs.name ? dest : path.join(dest, name), { recursive: true });
  }
  ctx.setOutput('download-path', dest);
}

function cacheRestore(ctx: ActionContext): void {
  const key = required(ctx, 'key');
  const paths = lines(required(ctx, 'path'));
  const hit = ctx.run.world.restoreCache([key, ...lines(ctx.inputs['restore-keys'])], asText(ctx.run.github.ref));
  if (hit) {
    for (const p of paths) {
      const from = path.join(hit.dir, p);
      if (existsSync(from)) cpSync(from, inWorkspace(ctx, p), { recursive: true });
    }
  } else if (bool(ctx.inputs['fail-on-cache-miss'], false)) {
    throw new Error(`Failed to restore cache entry. Exiting as fail-on-cache-miss is set. Input key: ${key}`);
  }
  ctx.setOutput('cache-hit', String(hit?.key === key));
  ctx.setOutput('cache-primary-key', key);
  ctx.setOutput('cache-matched-key', hit?.key ?? '');
}

function cacheSave(ctx: ActionContext): void {
  const key = required(ctx, 'key');
  const paths = lines(required(ctx, 'path'))
    .map((p) => ({ from: inWorkspace(ctx, p), rel: p }))
    .filter((p) => existsSync(p.from));
  if (paths.length === 0) {
    throw new Error(
      `Path Validation Error: Path(s) specified in the action for caching do(es) not exist, hence no cache is being saved.`,
    );
  }
  if (!ctx.run.world.saveCache(key, asText(ctx.run.github.ref), paths)) {
    ctx.log(`Failed to save: Unable to reserve cache with key ${key}, another job may be creating this cache.`);
  }
}

function setupNode(ctx: ActionContext): void {
  const version = required(ctx, 'node-version');
  if (!VERSION_SPEC.test(version)) throw new Error(`node-version ${version} is not a version spec`);
  bool(ctx.inputs['package-manager-cache'], true);
  if (ctx.inputs.cache) {
    if (!['npm', 'yarn', 'pnpm'].includes(ctx.inputs.cache)) {
      throw new Error(`Caching for '${ctx.inputs.cache}' is not supported`);
    }
    if (!existsSync(path.join(ctx.workspace, 'package-lock.json'))) {
      throw new Error(
        'Dependencies lock file is not found in the workspace. Supported file patterns: package-lock.json,npm-shrinkwrap.json,yarn.lock',
      );
    }
  }
  ctx.setOutput('node-version', `v${version}.0.0`);
}

function versioned(pattern: RegExp, input: string, requiredInput = true) {
  return (ctx: ActionContext) => {
    const v = ctx.inputs[input];
    if (!v && requiredInput) throw new Error(`Input required and not supplied: ${input}`);
    if (v && !pattern.test(v)) throw new Error(`${input}: ${v} is not a version this action installs`);
  };
}

function dockerLogin(ctx: ActionContext): void {
  const registry = ctx.inputs.registry || 'docker.io';
  required(ctx, 'username');
  if (!ctx.inputs.password) throw new Error('Username and password required');
  const state = readRegistry(ctx.run.world.stateDir);
  state.logins.push(`${ctx.jobLabel} ${registry}`);
  writeRegistry(ctx.run.world.stateDir, state);
}

/** docker/metadata-action: the tags its rules give for the event, and OCI labels. */
function metadata(ctx: ActionContext): void {
  const images = lines(required(ctx, 'images').replace(/,/g, '\n'));
  const gh = ctx.run.github;
  const ref = asText(gh.ref);
  const tags: string[] = [];
  const semver = /^refs\/tags\/v?(\d+)\.(\d+)\.(\d+)$/.exec(ref);
  const defaultBranch = `refs/heads/${ctx.run.world.props.defaultBranch}`;
  for (const rule of lines(ctx.inputs.tags)) {
    const attrs = Object.fromEntries(rule.split(',').map((a) => a.split('=') as [string, string]));
    if (attrs.enable === '{{is_default_branch}}' && ref !== defaultBranch) continue;
    switch (attrs.type) {
      case 'semver':
        if (semver) {
          tags.push(
            attrs.pattern
              .replace('{{version}}', `${semver[1]}.${semver[2]}.${semver[3]}`)
              .replace('{{major}}', semver[1])
              .replace('{{minor}}', semver[2]),
          );
        }
        break;
      case 'ref':
        if (attrs.event === 'branch' && ref.startsWith('refs/heads/')) {
          tags.push(ref.slice('refs/heads/'.length).replace(/[^\w.-]/g, '-'));
        }
        break;
      case 'sha':
        tags.push(`sha-${attrs.format === 'long' ? asText(gh.sha) : asText(gh.sha).slice(0, 7)}`);
        break;
      default:
        throw new Error(`metadata-action: tag rule ${rule} is not one the job runner implements`);
    }
  }
  const full = images.flatMap((i) => tags.map((t) => `${i}:${t}`));
  const labels = [
    `org.opencontainers.image.revision=${asText(gh.sha)}`,
    `org.opencontainers.image.source=https://github.com/${asText(gh.repository)}`,
    ...lines(ctx.inputs.labels),
  ];
  ctx.setOutput('tags', full.join('\n'));
  ctx.setOutput('labels', labels.join('\n'));
  ctx.setOutput(
    'annotations',
    labels.map((l) => `${ctx.env.DOCKER_METADATA_ANNOTATIONS_LEVELS ?? 'manifest'}:${l}`).join('\n'),
  );
  ctx.setOutput('version', full.length > 0 ? tags[0] : '');
  ctx.setOutput(
    'json',
    JSON.stringify({ tags: full, labels: Object.fromEntries(labels.map((l) => l.split(/=(.*)/s).slice(0, 2))) }),
  );
}

/** docker/build-push-action: builds the context (which must hold the Dockerfile) and pushes by digest. */
function buildPush(ctx: ActionContext): void {
  const context = inWorkspace(ctx, ctx.inputs.context || '.');
  const file = inWorkspace(ctx, ctx.inputs.file || path.join(ctx.inputs.context || '.', 'Dockerfile'));
  if (!existsSync(file)) throw new Error(`failed to read dockerfile: open ${file}: no such file or directory`);
  const platforms = lines((ctx.inputs.platforms ?? '').replace(/,/g, '\n'));
  for (const p of platforms) {
    if (!/^linux\/(amd64|arm64)$/.test(p)) throw new Error(`platform ${p} is not one of the runner's`);
  }
  for (const c of [ctx.inputs['cache-from'], ctx.inputs['cache-to']].filter(Boolean)) {
    if (!/^type=gha(,|$)/.test(c!)) throw new Error(`cache ${c}: only type=gha is expected here`);
  }
  const content = [
    readFileSync(file, 'utf8'),
    ...listFiles(context).map((f) => `${f}:${readFileSync(path.join(context, f), 'utf8')}`),
  ].join('\n');
  const digest = digestOf(
    content,
    platforms.join(','),
    process.env.SOURCE_DATE_EPOCH ?? ctx.env.SOURCE_DATE_EPOCH ?? '',
  );
  const outputs = ctx.inputs.outputs ?? '';
  const pushing = /push=true/.test(outputs) || bool(ctx.inputs.push, false);
  if (pushing) {
    const name = /name=([^,]+)/.exec(outputs)?.[1];
    if (!name) throw new Error('push by digest needs outputs name=');
    const state = readRegistry(ctx.run.world.stateDir);
    if (!state.logins.some((l) => l.startsWith(`${ctx.jobLabel} ${name.split('/')[0]}`))) {
      throw new Error(`denied: not logged in to ${name.split('/')[0]}`);
    }
    state.manifests[digest] = { image: name, platforms, sources: [], commit: asText(ctx.run.github.sha) };
    writeRegistry(ctx.run.world.stateDir, state);
  }
  ctx.setOutput('digest', digest);
  ctx.setOutput('imageid', digest);
  ctx.setOutput('metadata', JSON.stringify({ 'containerimage.digest': digest }));
}

function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((f) => {
      const full = path.join(dir, f);
      return statSync(full).isDirectory() ? listFiles(full, `${prefix}${f}/`) : [`${prefix}${f}`];
    });
}

function sbom(ctx: ActionContext): void {
  const image = required(ctx, 'image');
  const [, digest] = image.split('@');
  const state = readRegistry(ctx.run.world.stateDir);
  if (!digest || !state.manifests[digest]) throw new Error(`could not fetch image ${image}: manifest unknown`);
  if (ctx.inputs.format !== 'spdx-json') throw new Error(`format ${ctx.inputs.format} is not spdx-json`);
  if (bool(ctx.inputs['upload-artifact'], true)) {
    const dir = path.join(ctx.runnerTemp, '_sbom');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path.join(dir, ctx.inputs['artifact-name'] || 'sbom.spdx.json'),
      JSON.stringify({ spdxVersion: 'SPDX-2.3', name: image }),
    );
    ctx.run.world.uploadArtifact(ctx.run.runId, ctx.inputs['artifact-name'] || 'sbom.spdx.json', dir, false);
  }
}

function attest(ctx: ActionContext): void {
  const name = required(ctx, 'subject-name');
  const digest = required(ctx, 'subject-digest');
  if (!ctx.env.ACTIONS_ID_TOKEN_REQUEST_URL) {
    throw new Error('Unable to get ACTIONS_ID_TOKEN_REQUEST_URL env variable: the job needs id-token: write');
  }
  const state = readRegistry(ctx.run.world.stateDir);
  if (!state.manifests[digest]) throw new Error(`subject ${name}@${digest} is not in the registry`);
  if (bool(ctx.inputs['push-to-registry'], false)) {
    // Signed by the job's own workflow (a called workflow signs as itself, not as its caller).
    state.attestations.push({
      image: name,
      digest,
      predicateType: 'https://slsa.dev/provenance/v1',
      signer: `${asText(ctx.run.github.repository)}/.github/workflows/${ctx.run.workflowFile}@${asText(ctx.run.github.ref)}`,
    });
    writeRegistry(ctx.run.world.stateDir, state);
  }
  ctx.setOutput('attestation-id', String(state.attestations.length));
}

function uploadSarif(ctx: ActionContext): void {
  const file = inWorkspace(ctx, required(ctx, 'sarif_file'));
  if (!existsSync(file)) throw new Error(`Path does not exist: ${ctx.inputs.sarif_file}`);
  const sarif = JSON.parse(readFileSync(file, 'utf8')) as { version?: string; runs?: { results?: unknown[] }[] };
  if (sarif.version !== '2.1.0' || !Array.isArray(sarif.runs)) {
    throw new Error(`${ctx.inputs.sarif_file} is not SARIF 2.1.0`);
  }
  if (
    asText(ctx.run.github.event_name) === 'pull_request' &&
    ctx.run.github.event &&
    (ctx.run.github.event as { pull_request?: { head?: { repo?: { fork?: boolean } } } }).pull_request?.head?.repo?.fork
  ) {
    throw new Error('Resource not accessible by integration (a fork pull request cannot upload SARIF)');
  }
  ctx.run.world.sarifUploads.push({
    job: ctx.jobLabel,
    category: ctx.inputs.category ?? '',
    results: sarif.runs.reduce((n, r) => n + (r.results?.length ?? 0), 0),
  });
  ctx.log(`uploaded ${ctx.inputs.sarif_file} (${ctx.inputs.category ?? 'no category'})`);
}

function trivy(ctx: ActionContext): void {
  const image = required(ctx, 'image-ref');
  if (ctx.inputs['scan-type'] !== 'image') throw new Error(`scan-type ${ctx.inputs['scan-type']} is not image`);
  const digest = image.split('@')[1];
  const state = readRegistry(ctx.run.world.stateDir);
  const tagged = state.tags[image];
  if (!(digest && state.manifests[digest]) && !tagged) throw new Error(`${image}: MANIFEST_UNKNOWN`);
  // `trivy:critical` gives every image a CRITICAL finding, `trivy:critical:<name>` the image of that repository name.
  const repository = image.split('@')[0]!.split(':')[0]!;
  const critical =
    ctx.run.faults.includes('trivy:critical') ||
    ctx.run.faults.includes(`trivy:critical:${repository.split('/').pop()}`);
  if (ctx.inputs.output) {
    const findings = critical
      ? [{ ruleId: 'CVE-2026-0001', level: 'error', message: { text: 'critical in openssl' } }]
      : [];
    writeFileSync(
      inWorkspace(ctx, ctx.inputs.output),
      JSON.stringify({ version: '2.1.0', runs: [{ tool: { driver: { name: 'Trivy' } }, results: findings }] }),
    );
  }
  const severities = (ctx.inputs.severity || 'UNKNOWN,LOW,MEDIUM,HIGH,CRITICAL').split(',');
  if (critical && severities.includes('CRITICAL') && ctx.inputs['exit-code'] && ctx.inputs['exit-code'] !== '0') {
    throw new Error(`trivy found CRITICAL vulnerabilities in ${image}`);
  }
}

const IMPLEMENTATIONS: Record<string, (ctx: ActionContext) => void | Promise<void>> = {
  'actions/checkout': checkoutAction,
  'actions/setup-node': setupNode,
  'actions/upload-artifact': uploadArtifact,
  'actions/download-artifact': downloadArtifact,
  'actions/cache/restore': cacheRestore,
  'actions/cache/save': cacheSave,
  'docker/login-action': dockerLogin,
  'docker/setup-buildx-action': (ctx) => {
    bool(ctx.inputs['cache-binary'], true);
    ctx.setOutput('name', 'builder-standin');
  },
  'docker/metadata-action': metadata,
  'docker/build-push-action': buildPush,
  'anchore/sbom-action': sbom,
  'sigstore/cosign-installer': versioned(/^v\d+\.\d+\.\d+$/, 'cosign-release', false),
  'Azure/setup-helm': versioned(/^v\d+\.\d+\.\d+$/, 'version'),
  'astral-sh/setup-uv': (ctx) => {
    versioned(/^\d+\.\d+\.\d+$/, 'version')(ctx);
    if (ctx.inputs['cache-dependency-glob'] && !existsSync(inWorkspace(ctx, ctx.inputs['cache-dependency-glob']))) {
      ctx.log(`warning: no file matches ${ctx.inputs['cache-dependency-glob']}`);
    }
  },
  'helm/kind-action': (ctx) => {
    required(ctx, 'node_image');
    if (!/@sha256:[0-9a-f]{64}$/.test(ctx.inputs.node_image)) {
      throw new Error(`node_image ${ctx.inputs.node_image} is not pinned by digest`);
    }
    const name = ctx.inputs.cluster_name || 'chart-testing';
    ctx.run.world.setState('kind', { cluster: name, nodeImage: ctx.inputs.node_image });
    // kind writes the cluster's context into the default kubeconfig.
    mkdirSync(path.join(ctx.env.HOME, '.kube'), { recursive: true });
    writeFileSync(
      path.join(ctx.env.HOME, '.kube', 'config'),
      `apiVersion: v1\nkind: Config\ncurrent-context: kind-${name}\n`,
    );
  },
  'actions/attest-build-provenance': attest,
  'github/codeql-action/upload-sarif': uploadSarif,
  'github/codeql-action/init': (ctx) => {
    if (required(ctx, 'languages') !== 'swift') throw new Error('languages: only swift is expected');
  },
  'github/codeql-action/analyze': (ctx) => {
    if (ctx.runnerOs !== 'macOS') throw new Error('CodeQL for Swift runs on macOS only');
  },
  'actions/dependency-review-action': (ctx) => {
    if (asText(ctx.run.github.event_name) !== 'pull_request') {
      throw new Error(
        'dependency-review-action: Both a base ref and head ref must be provided, either via the `base_ref`/`head_ref` config options, or by running a `pull_request`/`pull_request_target` workflow.',
      );
    }
  },
  'aquasecurity/trivy-action': trivy,
};

/** The local implementation of a pinned `uses:`; its `with:` is checked against the declared inputs first. */
export function localAction(uses: string): LocalAction {
  const action = uses.slice(0, uses.lastIndexOf('@'));
  const impl = IMPLEMENTATIONS[action];
  if (!impl) throw new Error(`no local implementation of ${action}`);
  return {
    uses: action,
    run: (ctx) => {
      checkInputs(uses, ctx.inputs);
      return impl(ctx);
    },
  };
}
