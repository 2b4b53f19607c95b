import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { need, parseArgs, ToolError, type ParsedArgs } from './args';
import { processRef, stopProcesses, type ProcessRef } from './process-identity';
import { startService, waitHealthy } from './services';
import { fault, load, save } from './state';
import { digestOf, readRegistry, writeRegistry } from '../actions/registry-state';

const out = (s: string) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);
const stateDir = () => process.env.STANDIN_STATE!;
const DIGEST_REF = /^([a-z0-9./-]+)@(sha256:[0-9a-f]{64})$/;

/** Resolves `image@digest` or `image:tag` in the stand-in registry. */
function resolve(ref: string): string {
  const reg = readRegistry(stateDir());
  const m = DIGEST_REF.exec(ref);
  if (m) {
    if (!reg.manifests[m[2]]) throw new ToolError(`ERROR: ${ref}: not found`);
    return m[2];
  }
  const d = reg.tags[ref];
  if (!d) throw new ToolError(`ERROR: ${ref}: not found`);
  return d;
}

/** The compose stack one job's machine runs (a type, not an interface: the world reads it as JSON). */
export type Compose = {
  procs: ProcessRef[];
  services: string[];
};

export const EMPTY_STACK: Compose = { procs: [], services: [] };

/**
 * The state file of one job machine's compose stack (a machine is a job's RUNNER_TEMP): each job runs
 * on a machine of its own, as on GitHub, so a job never sees, stops or overwrites another job's stack.
 */
export function composeStateName(machine: string): string {
  return `compose-${createHash('sha1').update(machine).digest('hex').slice(0, 12)}`;
}

/** docker: buildx imagetools (manifest lists in the stand-in registry), local builds, and compose running the stand-in services. */
export async function docker(args: string[]): Promise<number> {
  const [cmd, ...rest] = args;
  if (cmd === 'buildx' && rest[0] === 'imagetools') {
    const [sub, ...more] = rest.slice(1);
    if (sub === 'create') {
      const p = parseArgs('docker buildx imagetools create', more, {
        multi: ['--tag', '-t', '--annotation'],
        positionals: [1, 16],
      });
      const reg = readRegistry(stateDir());
      if (!reg.logins.some((l) => l.startsWith(`${process.env.STANDIN_JOB} `))) {
        throw new ToolError('ERROR: denied: not logged in');
      }
      const sources = p.positionals.map((s) => {
        const m = DIGEST_REF.exec(s);
        if (!m || !reg.manifests[m[2]]) throw new ToolError(`ERROR: ${s}: not found`);
        return m[2];
      });
      const image = DIGEST_REF.exec(p.positionals[0])![1];
      const index = digestOf('index', ...sources);
      reg.manifests[index] = {
        image,
        platforms: sources.flatMap((s) => reg.manifests[s].platforms),
        sources,
        commit: process.env.GITHUB_SHA ?? '',
      };
      for (const t of [...(p.multi['--tag'] ?? []), ...(p.multi['-t'] ?? [])]) {
        if (!t.startsWith(`${image}:`)) throw new ToolError(`ERROR: tag ${t} is not of ${image}`);
        reg.tags[t] = index;
      }
      writeRegistry(stateDir(), reg);
      return 0;
    }
    if (sub === 'inspect') {
      const p = parseArgs('docker buildx imagetools inspect', more, {
        values: ['--format'],
        bools: ['--raw'],
        positionals: 1,
      });
      const digest = resolve(p.positionals[0]);
      if (p.flags['--format'] !== '{{json .Manifest}}') {
        throw new ToolError('docker buildx imagetools inspect: the stand-in prints --format {{json .Manifest}} only');
      }
      out(JSON.stringify({ mediaType: 'application/vnd.oci.image.index.v1+json', digest, size: 1024 }));
      return 0;
    }
  }
  if (cmd === 'build') {
    const p = parseArgs('docker build', rest, { values: ['--tag', '-t', '--file', '-f'], positionals: 1 });
    const file = p.flags['--file'] ?? p.flags['-f'] ?? path.join(p.positionals[0], 'Dockerfile');
    if (!existsSync(file)) {
      throw new ToolError(`ERROR: failed to read dockerfile: open ${file}: no such file or directory`);
    }
    const images = load<Record<string, string>>('local-images', {});
    const tag = p.flags['--tag'] ?? p.flags['-t'];
    images[tag] = digestOf(readFileSync(file, 'utf8'), tag);
    save('local-images', images);
    return 0;
  }
  if (cmd === 'image' && rest[0] === 'inspect') {
    const p = parseArgs('docker image inspect', rest.slice(1), { values: ['--format', '-f'], positionals: 1 });
    const id = load<Record<string, string>>('local-images', {})[p.positionals[0]];
    if (!id) throw new ToolError(`Error: No such image: ${p.positionals[0]}`);
    out(id);
    return 0;
  }
  if (cmd === 'compose') return compose(rest);
  throw new ToolError(`docker: '${cmd}' is not a command the stand-in knows`);
}

/**
 * docker compose over the generated compose file: `up --wait` starts each service's stand-in
 * (test/e2e/services) on the ports the file publishes, with the file's environment; the image must
 * exist (pulled by digest from the stand-in registry or built locally). `down` stops them.
 */
async function compose(args: string[]): Promise<number> {
  const [cmd, ...rest] = args;
  const file = process.env.COMPOSE_FILE
    ? path.resolve(process.env.COMPOSE_FILE)
    : ['compose.yaml', 'compose.yml', 'docker-compose.yml'].map((f) => path.resolve(f)).find(existsSync);
  if (file && !existsSync(file)) throw new ToolError(`open ${file}: no such file or directory`);
  if (!file) throw new ToolError('no configuration file provided: not found');
  const doc = YAML.parse(readFileSync(file, 'utf8')) as {
    services: Record<string, { image: string; ports?: string[]; environment?: Record<string, string> }>;
  };
  // A job's machine: a stack another job started (on its own machine) is neither seen nor stopped here.
  const stateName = composeStateName(process.env.RUNNER_TEMP ?? '');
  const state = load<Compose>(stateName, structuredClone(EMPTY_STACK));
  const saveState = (stack: Compose) => save(stateName, stack);
  const interpolate = (s: string) =>
    s.replace(/\$\{(\w+)(:?[-?])?([^}]*)\}/g, (_m, name: string, op: string | undefined, fallback: string) => {
      const v = process.env[name];
      if (v) return v;
      if (op?.endsWith('?')) throw new ToolError(`required variable ${name} is missing a value: ${fallback}`);
      return op ? fallback : '';
    });
  switch (cmd) {
    case 'up': {
      const p = parseArgs('docker compose up', rest, {
        values: ['--wait-timeout'],
        bools: ['--detach', '-d', '--wait'],
        positionals: [0, 10],
      });
      const names = p.positionals.length > 0 ? p.positionals : Object.keys(doc.services);
      const hostPortOf = (name: string) =>
        Number(
          interpolate(String((doc.services[name]?.ports ?? [])[0] ?? ''))
            .split(':')
            .at(-2),
        );
      for (const name of names) {
        const svc = doc.services[name];
        if (!svc) throw new ToolError(`no such service: ${name}`);
        const image = interpolate(svc.image);
        const local = load<Record<string, string>>('local-images', {});
        if (!local[image]) {
          try {
            resolve(image);
          } catch {
            throw new ToolError(`Error response from daemon: manifest for ${image} not found`);
          }
        }
        // Compose's environment, with service names resolved to loopback (every service shares one host here).
        const env: Record<string, string> = {};
        for (const [k, v] of Object.entries(svc.environment ?? {})) {
          env[k] = interpolate(String(v)).replace(/http:\/\/([\w-]+):/g, 'http://127.0.0.1:');
        }
        const hostPort = hostPortOf(name);
        if (!hostPort) throw new ToolError(`${name}: no published port`);
        const digest = image.split('@')[1] ?? '';
        const child = startService(name, hostPort, {
          unhealthy: digest !== '' && fault(`unhealthy-digest:${digest}`),
          extraEnv: env,
          detached: true,
        });
        state.procs.push(processRef(child.pid!));
        state.services.push(name);
        // --wait: the health check must pass, as Compose waits for "healthy".
        const healthy = await waitHealthy(name, hostPort);
        saveState(state);
        if (p.bools.has('--wait') && !healthy) throw new ToolError(`container ${name} is unhealthy`);
      }
      return 0;
    }
    case 'down':
      parseArgs('docker compose down', rest, { bools: ['--volumes', '-v', '--remove-orphans'] });
      await stopProcesses(state.procs);
      saveState(EMPTY_STACK);
      return 0;
    case 'ps':
    case 'logs':
      out(`(stand-in compose) ${state.services.join(' ')}`);
      return 0;
    default:
      throw new ToolError(`docker compose: unknown command ${cmd}`);
  }
}

/** The identity a keyless signature of this job carries: its workflow file at the run's ref. */
function signerIdentity(): string {
  return `https://github.com/${process.env.STANDIN_JOB_WORKFLOW_REF}`;
}

/** What a keyless certificate of this job says: its identity, issuer, commit and repository. */
function certificate(): { identity: string; issuer: string; sha: string; repository: string } {
  return {
    identity: signerIdentity(),
    issuer: 'https://token.actions.githubusercontent.com',
    sha: process.env.GITHUB_SHA!,
    repository: process.env.GITHUB_REPOSITORY!,
  };
}

const CERTIFICATE_FLAGS = [
  '--certificate-identity',
  '--certificate-identity-regexp',
  '--certificate-oidc-issuer',
  '--certificate-github-workflow-sha',
  '--certificate-github-workflow-repository',
  '--certificate-github-workflow-ref',
];

/** The certificates among `signed` that the verify flags accept (cosign's keyless checks). */
function accepted<T extends { identity: string; issuer: string; sha: string; repository: string }>(
  command: string,
  p: ParsedArgs,
  signed: readonly T[],
): T[] {
  const identity = p.flags['--certificate-identity'];
  const regexp = p.flags['--certificate-identity-regexp'];
  if (!identity && !regexp) {
    throw new ToolError(
      'Error: --certificate-identity or --certificate-identity-regexp is required for verification in keyless mode',
    );
  }
  need(p, command, '--certificate-oidc-issuer');
  return signed.filter(
    (s) =>
      (identity ? s.identity === identity : new RegExp(regexp!).test(s.identity)) &&
      s.issuer === p.flags['--certificate-oidc-issuer'] &&
      (!p.flags['--certificate-github-workflow-sha'] || s.sha === p.flags['--certificate-github-workflow-sha']) &&
      (!p.flags['--certificate-github-workflow-repository'] ||
        s.repository === p.flags['--certificate-github-workflow-repository']),
  );
}

/** The subject's digest of a by-digest reference, or a refusal naming the command. */
function byDigest(ref: string, what: string): RegExpExecArray {
  const m = DIGEST_REF.exec(ref);
  if (!m) throw new ToolError(`Error: ${ref}: ${what} by digest, not by tag`);
  return m;
}

/**
 * cosign sign and attest (keyless: need the job's OIDC token), verify and verify-attestation
 * (against the identity, issuer and commit asked for). A custom predicate type is a URI and its
 * predicate must be JSON, attached as is (cosign's generateCustomPredicate).
 */
export function cosign(args: string[]): number {
  const [cmd, ...rest] = args;
  const reg = readRegistry(stateDir());
  if (cmd === 'sign' || cmd === 'attest') {
    const p =
      cmd === 'sign'
        ? parseArgs('cosign sign', rest, { bools: ['--yes', '-y', '--recursive'], values: ['--key'], positionals: 1 })
        : parseArgs('cosign attest', rest, {
            bools: ['--yes', '-y', '--replace'],
            values: ['--key', '--type', '--predicate'],
            positionals: 1,
          });
    if (!process.env.ACTIONS_ID_TOKEN_REQUEST_URL) {
      throw new ToolError(
        `Error: ${cmd === 'sign' ? 'signing' : 'attesting'}: getting OIDC token: the job has no id-token: write`,
      );
    }
    const m = byDigest(p.positionals[0], cmd);
    if (!reg.manifests[m[2]]) throw new ToolError(`Error: ${p.positionals[0]}: MANIFEST_UNKNOWN`);
    if (cmd === 'sign') {
      (reg.signatures[m[2]] ??= []).push(certificate());
    } else {
      const predicateType = need(p, 'cosign attest', '--type');
      if (!/^https?:\/\//.test(predicateType)) {
        throw new ToolError(
          `Error: cosign attest --type ${predicateType}: the stand-in attests custom predicate types (a URI) only`,
        );
      }
      const file = need(p, 'cosign attest', '--predicate');
      if (!existsSync(file)) throw new ToolError(`Error: open ${file}: no such file or directory`);
      let predicate: unknown;
      try {
        predicate = JSON.parse(readFileSync(file, 'utf8'));
      } catch (e) {
        throw new ToolError(`Error: invalid JSON payload for predicate type ${predicateType}: ${(e as Error).message}`);
      }
      (reg.cosignAttestations[m[2]] ??= []).push({ predicateType, predicate, ...certificate() });
    }
    writeRegistry(stateDir(), reg);
    return 0;
  }
  if (cmd === 'verify') {
    const p = parseArgs('cosign verify', rest, { values: CERTIFICATE_FLAGS, positionals: 1 });
    const m = byDigest(p.positionals[0], 'verify');
    const signed = reg.signatures[m[2]] ?? [];
    const hits = accepted('cosign', p, signed);
    if (hits.length === 0) {
      throw new ToolError(
        `Error: no matching signatures: none of the expected identities matched what was in the certificate (signed by: ${signed.map((s) => `${s.identity}@${s.sha.slice(0, 7)}`).join(', ') || 'nobody'})`,
      );
    }
    out(
      JSON.stringify(
        hits.map((h) => ({
          critical: { image: { 'docker-manifest-digest': m[2] } },
          optional: { Subject: h.identity },
        })),
      ),
    );
    return 0;
  }
  if (cmd === 'verify-attestation') {
    const p = parseArgs('cosign verify-attestation', rest, {
      values: [...CERTIFICATE_FLAGS, '--type'],
      positionals: 1,
    });
    const m = byDigest(p.positionals[0], 'verify-attestation');
    // cosign's default --type is its own "custom" type; the workflows always name theirs.
    const predicateType = p.flags['--type'] ?? 'https://cosign.sigstore.dev/attestation/v1';
    const ofType = (reg.cosignAttestations[m[2]] ?? []).filter((a) => a.predicateType === predicateType);
    const hits = accepted('cosign', p, ofType);
    if (hits.length === 0) {
      throw new ToolError(
        `Error: no matching attestations: ${ofType.length === 0 ? `none of type ${predicateType}` : `none from the expected identity (attested by: ${ofType.map((a) => `${a.identity}@${a.sha.slice(0, 7)}`).join(', ')})`}`,
      );
    }
    // One DSSE envelope per line, its payload the base64 in-toto statement, as cosign prints them.
    for (const h of hits) {
      const statement = {
        _type: 'https://in-toto.io/Statement/v0.1',
        predicateType: h.predicateType,
        subject: [{ name: m[1], digest: { sha256: m[2].slice('sha256:'.length) } }],
        predicate: h.predicate,
      };
      out(
        JSON.stringify({
          payloadType: 'application/vnd.in-toto+json',
          payload: Buffer.from(JSON.stringify(statement)).toString('base64'),
          signatures: [{ keyid: '', sig: 'c3RhbmQtaW4=' }],
        }),
      );
    }
    return 0;
  }
  throw new ToolError(`cosign: unknown command ${cmd}`);
}

/** slsa-verifier verify-image: the provenance the SLSA generator recorded for the digest, from the source and tag asked for. */
export function slsaVerifier(args: string[]): number {
  const [cmd, ...rest] = args;
  if (cmd !== 'verify-image') throw new ToolError(`slsa-verifier: unknown command ${cmd}`);
  const p = parseArgs('slsa-verifier verify-image', rest, {
    values: ['--source-uri', '--source-tag', '--source-branch', '--builder-id'],
    bools: ['--print-provenance'],
    positionals: 1,
  });
  const m = DIGEST_REF.exec(p.positionals[0]);
  if (!m) throw new ToolError('FAILED: image must be referenced by digest');
  const provenance = load<{ digest: string; source: string; tag: string }[]>('slsa', []);
  const ok = provenance.some(
    (x) =>
      x.digest === m[2] &&
      `github.com/${x.source}` === need(p, 'slsa-verifier', '--source-uri') &&
      (!p.flags['--source-tag'] || x.tag === p.flags['--source-tag']),
  );
  if (!ok) {
    throw new ToolError(
      `FAILED: SLSA verification failed: no provenance for ${p.positionals[0]} from ${p.flags['--source-uri']}`,
    );
  }
  out(`PASSED: SLSA verification passed`);
  return 0;
}

/** go: only `env GOPATH` and `go install` of slsa-verifier at a pinned version (the real module is the stand-in above). */
export function go(args: string[]): number {
  const gopath = path.join(process.env.HOME!, 'go');
  if (args[0] === 'env' && args[1] === 'GOPATH' && args.length === 2) {
    out(gopath);
    return 0;
  }
  if (args[0] === 'install' && args.length === 2) {
    const m = /^github\.com\/slsa-framework\/slsa-verifier\/v2\/cli\/slsa-verifier@(v\d+\.\d+\.\d+)$/.exec(args[1]);
    if (!m) throw new ToolError(`go: ${args[1]}: the stand-in installs slsa-verifier at a pinned vX.Y.Z only`);
    mkdirSync(path.join(gopath, 'bin'), { recursive: true });
    const bin = path.join(gopath, 'bin', 'slsa-verifier');
    writeFileSync(bin, `#!/bin/sh\nexec "${process.env.STANDIN_BIN}/slsa-verifier" "$@"\n`);
    chmodSync(bin, 0o755);
    return 0;
  }
  throw new ToolError(`go: ${args.join(' ')}: not a command the workflows use`);
}

/** kind load docker-image: the image must have been built locally. */
export function kind(args: string[]): number {
  const p = parseArgs('kind load', args.slice(2), { values: ['--name'], positionals: 1 });
  if (args[0] !== 'load' || args[1] !== 'docker-image') {
    throw new ToolError(`kind: ${args.join(' ')}: not used by the workflows`);
  }
  if (!load<Record<string, string>>('local-images', {})[p.positionals[0]]) {
    throw new ToolError(`ERROR: image: "${p.positionals[0]}" not present locally`);
  }
  const cluster = load<{ cluster?: string }>('kind', {});
  if (cluster.cluster !== need(p, 'kind', '--name')) {
    throw new ToolError(`ERROR: no nodes found for cluster "${p.flags['--name']}"`);
  }
  return 0;
}
