/**
 * The job runner's stand-ins, in process: each refuses what the real tool refuses (unknown flags,
 * missing paths, an unsigned digest, a rejected notarization…) and keeps the state the assertions
 * read. Part of the unit suite (`npx projen test`); the job runner itself is `npx projen test:jobs`.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { digestOf, readRegistry, writeRegistry } from './actions/registry-state';
import { gitEnv } from './engine/world';
import { security, xcrun } from './standins/apple';
import { parseArgs, ToolError } from './standins/args';
import { helm, kubectl } from './standins/cluster';
import { gh } from './standins/github';
import { loadStandin, STANDINS } from './standins/main';
import { isRunning, processRef, signalProcess, stopProcesses } from './standins/process-identity';
import { evaluate, histogramQuantile, type Workload } from './standins/prometheus';
import { cosign, docker } from './standins/registry';
import { calleesOf, calleeUrlVar } from './standins/services';
import { load } from './standins/state';
import { curl } from './standins/toolchain';
import { helmBinary } from '../support/helm';
import { REPO_ROOT } from '../support/project';

let dir: string;
let stdout: string;
const saved = { ...process.env };

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'standins-'));
  stdout = '';
  jest.spyOn(process.stdout, 'write').mockImplementation((s) => {
    stdout += String(s);
    return true;
  });
  jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  process.env = {
    ...saved,
    STANDIN_STATE: dir,
    STANDIN_FAULTS: '',
    STANDIN_RUNNER_OS: 'macOS',
    GITHUB_REPOSITORY: 'voice-platform/voice',
    GITHUB_SHA: 'a'.repeat(40),
  };
});

afterEach(() => {
  jest.restoreAllMocks();
  process.env = { ...saved };
  rmSync(dir, { recursive: true, force: true });
});

/** Runs a stand-in and returns its refusal's message and code, or fails if it accepted. */
async function refusal(run: () => number | Promise<number>): Promise<{ message: string; code: number }> {
  try {
    await run();
  } catch (e) {
    if (e instanceof ToolError) return { message: e.message, code: e.code };
    throw e;
  }
  throw new Error('the stand-in accepted what the real tool refuses');
}

describe('argument parsing', () => {
  const spec = { values: ['--namespace', '-n'], bools: ['--wait'], positionals: [1, 2] as const };

  test('takes --flag value, --flag=value and booleans', () => {
    expect(parseArgs('t', ['x', '--namespace', 'a', '--wait'], spec)).toMatchObject({
      flags: { '--namespace': 'a' },
      positionals: ['x'],
    });
    expect(parseArgs('t', ['x', '--namespace=b'], spec).flags['--namespace']).toBe('b');
  });

  test.each([
    [['x', '--force'], 'unknown flag: --force'],
    [['x', '--namespace'], 'flag needs an argument: --namespace'],
    [[], 'expected 1–2 argument(s), got 0'],
    [['x', '--wait=maybe'], 'invalid boolean value "maybe"'],
  ])('refuses %j', async (args, message) => {
    expect(
      (
        await refusal(() => {
          parseArgs('t', args, spec);
          return 0;
        })
      ).message,
    ).toContain(message);
  });
});

describe('helm against the stand-in cluster', () => {
  type State = {
    releases: Record<
      string,
      Record<string, { revision: number; status: string; values: { image: { digest: string } } }[]>
    >;
    changes: string[];
  };
  beforeEach(() => {
    writeFileSync(
      path.join(dir, 'cluster.json'),
      JSON.stringify({
        releases: {
          voice: {
            tts: [3, 4].map((revision) => ({
              revision,
              chart: 'tts',
              values: { image: { digest: digestOf(String(revision)) } },
              status: revision === 4 ? 'deployed' : 'superseded',
              replicas: 3,
              fullname: 'tts',
            })),
          },
        },
        changes: [],
      }),
    );
    // What `aws eks update-kubeconfig` leaves: the current context names the cluster.
    process.env.KUBECONFIG = path.join(dir, 'kubeconfig');
    writeFileSync(process.env.KUBECONFIG, 'apiVersion: v1\nkind: Config\ncurrent-context: voice-production\n');
  });

  test('rollback to a revision adds a revision with its values, as helm does, and logs the change', () => {
    expect(helm(['rollback', 'tts', '3', '--namespace', 'voice', '--wait'])).toBe(0);
    const cluster = load<State>('cluster', { releases: {}, changes: [] });
    expect(cluster.releases.voice.tts.map((r) => [r.revision, r.status, r.values.image.digest])).toEqual([
      [3, 'superseded', digestOf('3')],
      [4, 'superseded', digestOf('4')],
      [5, 'deployed', digestOf('3')],
    ]);
    expect(cluster.changes).toEqual(['voice-production/voice: rollback tts to revision 3']);
  });

  test('upgrade --reset-then-reuse-values keeps the last release values under the new ones; without it they are gone', () => {
    process.env.STANDIN_REAL_HELM = helmBinary();
    process.env.RUNNER_TEMP = dir;
    const chart = path.join(REPO_ROOT, 'charts', 'tts');
    const upgrade = (...extra: string[]) =>
      helm(['upgrade', 'tts', chart, '--namespace', 'voice', ...extra, '--set', 'replicaCount=2', '--wait']);
    expect(upgrade('--reset-then-reuse-values')).toBe(0);
    expect(upgrade()).toBe(0);
    const revisions = load<State>('cluster', { releases: {}, changes: [] }).releases.voice.tts;
    expect(revisions.slice(2).map((r) => [r.revision, r.values])).toEqual([
      [5, { image: { digest: digestOf('4') }, replicaCount: 2 }],
      [6, { replicaCount: 2 }],
    ]);
  });

  // A forward an earlier step left running still holds the port: kubectl refuses it instead of the
  // later forward taking the old server's answers for its own (a watch window then lost it mid-way).
  test('kubectl port-forward refuses a local port in use, as kubectl does', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as AddressInfo).port;
    try {
      const { message } = await refusal(() => kubectl(['port-forward', '-n', 'voice', 'service/tts', `${port}:8000`]));
      expect(message).toContain(`error: unable to listen on any of the requested ports: [{${port} 8000}]`);
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });

  test('refuses without a cluster login and for a revision the release never had', async () => {
    expect((await refusal(() => helm(['rollback', 'tts', '9', '--namespace', 'voice']))).message).toContain(
      'has no 9 version',
    );
    process.env.KUBECONFIG = path.join(dir, 'none');
    expect((await refusal(() => helm(['rollback', 'tts', '3', '--namespace', 'voice']))).message).toContain(
      'cluster unreachable',
    );
  });

  test('refuses an unknown subcommand and an unknown flag', async () => {
    expect((await refusal(() => helm(['upgrad', 'tts']))).message).toMatch(/unknown command/);
    expect((await refusal(() => helm(['rollback', 'tts', '3', '--force-everything']))).message).toContain(
      'unknown flag: --force-everything',
    );
  });
});

describe('cosign verify', () => {
  const digest = digestOf('built');
  const image = `ghcr.io/voice-platform/tts@${digest}`;
  const identity = 'https://github.com/voice-platform/voice/.github/workflows/ci-provenance.yml@refs/tags/v1.2.3';
  const issuer = 'https://token.actions.githubusercontent.com';

  beforeEach(() => {
    const reg = readRegistry(dir);
    reg.manifests[digest] = {
      image: 'ghcr.io/voice-platform/tts',
      platforms: ['linux/amd64'],
      sources: [],
      commit: 'x',
    };
    writeRegistry(dir, reg);
  });

  test('refuses a digest nobody signed, naming who did', async () => {
    const r = await refusal(() =>
      cosign(['verify', image, '--certificate-identity', identity, '--certificate-oidc-issuer', issuer]),
    );
    expect(r.message).toContain('no matching signatures');
    expect(r.message).toContain('signed by: nobody');
  });

  test('accepts the signature of the expected workflow identity only', async () => {
    const reg = readRegistry(dir);
    reg.signatures[digest] = [{ identity, issuer, sha: 'a'.repeat(40), repository: 'voice-platform/voice' }];
    writeRegistry(dir, reg);
    expect(cosign(['verify', image, '--certificate-identity', identity, '--certificate-oidc-issuer', issuer])).toBe(0);
    const other = identity.replace('v1.2.3', 'v9.9.9');
    expect(
      (
        await refusal(() =>
          cosign(['verify', image, '--certificate-identity', other, '--certificate-oidc-issuer', issuer]),
        )
      ).message,
    ).toContain('no matching signatures');
  });

  test('refuses to sign or verify by tag, and to sign without an OIDC token', async () => {
    expect(
      (
        await refusal(() =>
          cosign([
            'verify',
            'ghcr.io/voice-platform/tts:1.2.3',
            '--certificate-identity',
            identity,
            '--certificate-oidc-issuer',
            issuer,
          ]),
        )
      ).message,
    ).toContain('by digest');
    expect((await refusal(() => cosign(['sign', '--yes', image]))).message).toContain('id-token: write');
  });

  describe('attest and verify-attestation', () => {
    const type = 'https://voice-platform.dev/attestations/build-metadata/v1';
    const signer = 'voice-platform/voice/.github/workflows/ci-provenance.yml@refs/tags/v1.2.3';
    const verifyArgs = [
      'verify-attestation',
      image,
      '--type',
      type,
      '--certificate-identity',
      `https://github.com/${signer}`,
      '--certificate-oidc-issuer',
      issuer,
    ];
    let predicate: string;
    beforeEach(() => {
      process.env.ACTIONS_ID_TOKEN_REQUEST_URL = 'http://127.0.0.1:9/token';
      process.env.STANDIN_JOB_WORKFLOW_REF = signer;
      predicate = path.join(dir, 'build-metadata.json');
      writeFileSync(predicate, JSON.stringify({ commit: 'a'.repeat(40) }));
    });

    test('prints the statement of the attested predicate, unwrapped, for the expected type and identity', () => {
      expect(cosign(['attest', '--yes', '--type', type, '--predicate', predicate, image])).toBe(0);
      stdout = '';
      expect(cosign([...verifyArgs, '--certificate-github-workflow-sha', 'a'.repeat(40)])).toBe(0);
      const envelope = JSON.parse(stdout.trim()) as { payloadType: string; payload: string };
      expect(envelope.payloadType).toBe('application/vnd.in-toto+json');
      expect(JSON.parse(Buffer.from(envelope.payload, 'base64').toString())).toMatchObject({
        predicateType: type,
        predicate: { commit: 'a'.repeat(40) },
        subject: [{ digest: { sha256: digest.slice(7) } }],
      });
    });

    test('refuses another type, another commit, a predicate that is not JSON, and an attestation by tag', async () => {
      expect(cosign(['attest', '--yes', '--type', type, '--predicate', predicate, image])).toBe(0);
      expect((await refusal(() => cosign(verifyArgs.map((a) => (a === type ? `${type}2` : a))))).message).toContain(
        `none of type ${type}2`,
      );
      expect(
        (await refusal(() => cosign([...verifyArgs, '--certificate-github-workflow-sha', 'b'.repeat(40)]))).message,
      ).toContain('none from the expected identity');
      writeFileSync(predicate, 'commit=aaaa');
      expect(
        (await refusal(() => cosign(['attest', '--yes', '--type', type, '--predicate', predicate, image]))).message,
      ).toContain('invalid JSON payload');
      expect(
        (
          await refusal(() =>
            cosign(['attest', '--yes', '--type', type, '--predicate', predicate, 'ghcr.io/voice-platform/tts:1.2.3']),
          )
        ).message,
      ).toContain('by digest');
    });
  });
});

describe('xcrun notarytool and stapler', () => {
  let zip: string;
  beforeEach(() => {
    zip = path.join(dir, 'app.zip');
    writeFileSync(zip, 'zip');
  });
  const submit = (...extra: string[]) =>
    xcrun([
      'notarytool',
      'submit',
      zip,
      '--apple-id',
      'a@example.invalid',
      '--password',
      'p',
      '--team-id',
      'T',
      ...extra,
    ]);

  test('an accepted submission prints its JSON status', () => {
    expect(submit('--wait', '--timeout', '30m', '--output-format', 'json')).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ status: 'Accepted' });
  });

  test('a rejected submission exits non-zero with status Invalid', () => {
    process.env.STANDIN_FAULTS = 'notarytool:invalid';
    expect(submit('--wait', '--output-format', 'json')).toBe(1);
    expect(JSON.parse(stdout)).toMatchObject({ status: 'Invalid' });
  });

  test.each([
    [['--timeout', '30m'], '--timeout can only be used with --wait'],
    [['--wait', '--timeout', 'soon'], "'soon' is invalid"],
    [['--wait', '--output-format', 'yaml'], "'yaml' is invalid"],
  ])('refuses %j', async (extra, message) => {
    expect((await refusal(() => submit(...extra))).message).toContain(message);
  });

  test('refuses a missing archive and a missing credential', async () => {
    expect(
      (
        await refusal(() =>
          xcrun([
            'notarytool',
            'submit',
            path.join(dir, 'none.zip'),
            '--apple-id',
            'a',
            '--password',
            'p',
            '--team-id',
            'T',
          ]),
        )
      ).message,
    ).toContain('does not exist');
    expect(
      (await refusal(() => xcrun(['notarytool', 'submit', zip, '--apple-id', 'a', '--password', 'p']))).message,
    ).toContain('--team-id');
  });

  test('exists only on macOS runners', async () => {
    process.env.STANDIN_RUNNER_OS = 'Linux';
    expect(await refusal(() => submit())).toMatchObject({ code: 127 });
  });
});

describe('security keychains', () => {
  test('create-keychain and delete-keychain keep the live list the keychain assertions read', () => {
    const keychain = path.join(dir, 'signing.keychain-db');
    expect(security(['create-keychain', '-p', 'pw', keychain])).toBe(0);
    expect(load<string[]>('keychains', [])).toEqual([keychain]);
    expect(security(['delete-keychain', keychain])).toBe(0);
    expect(load<string[]>('keychains', [])).toEqual([]);
  });

  test('refuses an import into a keychain that was never created', async () => {
    const p12 = path.join(dir, 'cert.p12');
    writeFileSync(p12, 'p12');
    expect(
      (
        await refusal(() =>
          security(['import', p12, '-k', path.join(dir, 'none.keychain-db'), '-P', 'x', '-T', '/usr/bin/codesign']),
        )
      ).message,
    ).toContain('could not be found');
  });
});

describe('gh', () => {
  test('needs a token, as in a workflow', async () => {
    delete process.env.GH_TOKEN;
    delete process.env.GITHUB_TOKEN;
    expect(await refusal(() => gh(['issue', 'list', '--json', 'number']))).toMatchObject({ code: 4 });
  });

  test('issue create records the issue; a missing title is refused', async () => {
    process.env.GH_TOKEN = 'ghs_x';
    expect(gh(['issue', 'create', '--title', 'Nightly failed', '--body', 'see run'])).toBe(0);
    expect(load<{ issues: { title: string; state: string }[] }>('github', { issues: [] }).issues).toEqual([
      expect.objectContaining({ title: 'Nightly failed', state: 'open' }),
    ]);
    expect((await refusal(() => gh(['issue', 'create', '--body', 'x']))).message).toContain('--title');
  });

  test('api: tags by text prefix, and notes from the squash-merged pull requests between two tags', async () => {
    process.env.GH_TOKEN = 'ghs_x';
    const remote = path.join(dir, 'remote');
    const git = (...args: string[]) => execFileSync('git', args, { cwd: remote, env: gitEnv() });
    mkdirSync(remote);
    git('init', '-q');
    git('commit', '-q', '--allow-empty', '-m', 'start');
    git('tag', 'v1.2.2');
    git('tag', 'app-v1.0.0');
    git('commit', '-q', '--allow-empty', '-m', 'Faster synthesis (#41)');
    git('commit', '-q', '--allow-empty', '-m', 'a direct push, not a pull request');
    git('tag', 'v1.2.3');
    process.env.STANDIN_REMOTE = remote;
    expect(gh(['api', '--paginate', 'repos/voice-platform/voice/git/matching-refs/tags/v', '--jq', '.[].ref'])).toBe(0);
    expect(stdout.trim().split('\n')).toEqual(['refs/tags/v1.2.2', 'refs/tags/v1.2.3']);
    stdout = '';
    expect(
      gh([
        'api',
        '--method',
        'POST',
        'repos/voice-platform/voice/releases/generate-notes',
        '-f',
        'tag_name=v1.2.3',
        '-f',
        'previous_tag_name=v1.2.2',
        '--jq',
        '.body',
      ]),
    ).toBe(0);
    expect(stdout).toContain('* Faster synthesis by @scenario in https://github.com/voice-platform/voice/pull/41\n');
    expect(stdout).not.toContain('direct push');
    expect(stdout).toContain('**Full Changelog**: https://github.com/voice-platform/voice/compare/v1.2.2...v1.2.3');
    expect(
      (
        await refusal(() =>
          gh([
            'api',
            '--method',
            'POST',
            'repos/voice-platform/voice/releases/generate-notes',
            '-f',
            'tag_name=v1.2.3',
            '-f',
            'previous_tag_name=v1.2.1',
          ]),
        )
      ).message,
    ).toContain('HTTP 422');
    expect((await refusal(() => gh(['api', 'repos/voice-platform/voice/releases']))).message).toContain('HTTP 404');
  });

  test('workflow run records a dispatch at a ref, refused as GitHub refuses it', async () => {
    process.env.GH_TOKEN = 'ghs_x';
    const remote = path.join(dir, 'remote');
    const git = (...args: string[]) => execFileSync('git', args, { cwd: remote, env: gitEnv() });
    mkdirSync(path.join(remote, '.github', 'workflows'), { recursive: true });
    git('init', '-q', '-b', 'main');
    const workflows = path.join(remote, '.github', 'workflows');
    writeFileSync(
      path.join(workflows, 'deploy.yml'),
      'on:\n  workflow_dispatch:\n    inputs:\n      digests: { type: string, required: true }\n      dry: { type: boolean, default: false }\njobs: {}\n',
    );
    writeFileSync(path.join(workflows, 'called.yml'), 'on:\n  workflow_call: {}\njobs: {}\n');
    git('add', '.');
    git('commit', '-q', '-m', 'workflows');
    git('tag', 'v1.2.3');
    process.env.STANDIN_REMOTE = remote;
    const run = (...args: string[]) => gh(['workflow', 'run', ...args]);
    // The job's token needs the actions scope.
    process.env.STANDIN_TOKEN_PERMISSIONS = JSON.stringify({ contents: 'read' });
    expect((await refusal(() => run('deploy.yml', '--ref', 'v1.2.3', '-f', 'digests={}'))).message).toBe(
      'HTTP 403: Resource not accessible by integration',
    );
    process.env.STANDIN_TOKEN_PERMISSIONS = JSON.stringify({ actions: 'write' });
    expect((await refusal(() => run('deploy.yml', '--ref', 'v9.9.9', '-f', 'digests={}'))).message).toBe(
      'HTTP 422: No ref found for: v9.9.9',
    );
    expect((await refusal(() => run('nothing.yml', '--ref', 'v1.2.3'))).message).toContain(
      'could not find any workflows named nothing.yml',
    );
    expect((await refusal(() => run('called.yml', '--ref', 'v1.2.3'))).message).toContain(
      "does not have 'workflow_dispatch' trigger",
    );
    expect((await refusal(() => run('deploy.yml', '--ref', 'v1.2.3', '-f', 'digest={}'))).message).toBe(
      'HTTP 422: Unexpected inputs provided: ["digest"]',
    );
    expect((await refusal(() => run('deploy.yml', '--ref', 'v1.2.3'))).message).toBe(
      "HTTP 422: Required input 'digests' not provided",
    );
    expect(run('deploy.yml', '--ref', 'v1.2.3', '-f', 'digests={"tts":"sha256:1"}')).toBe(0);
    // Without --ref: the repository's default branch.
    expect(run('deploy.yml', '-f', 'digests={}', '-f', 'dry=true')).toBe(0);
    expect(load<{ dispatches?: unknown[] }>('github', {}).dispatches).toEqual([
      { workflow: 'deploy.yml', ref: 'v1.2.3', inputs: { digests: '{"tts":"sha256:1"}' } },
      { workflow: 'deploy.yml', ref: 'main', inputs: { digests: '{}', dry: 'true' } },
    ]);
  });
});

describe('curl and docker compose', () => {
  test('curl reaches loopback only: any other host fails as without network (exit 6)', () => {
    expect(
      curl(['-fsSL', 'https://github.com/yannh/kubeconform/releases/download/v0.8.0/kubeconform-linux-amd64.tar.gz']),
    ).toBe(6);
  });

  test('compose refuses a missing COMPOSE_FILE and an unknown command', async () => {
    process.env.COMPOSE_FILE = path.join(dir, 'compose.yaml');
    expect((await refusal(() => docker(['compose', 'up', '--wait']))).message).toContain('no such file');
    writeFileSync(process.env.COMPOSE_FILE, 'services: {}\n');
    expect((await refusal(() => docker(['compose', 'restart']))).message).toContain('unknown command');
  });
});

describe('service contract and processes', () => {
  test('callees come from the contract the harness passes, with the URL variable the charts set', () => {
    process.env.STANDIN_SERVICE_CONTRACT = JSON.stringify({
      agent: { HEALTH_PATH: '/health', TTS_HEALTH_PATH: '/health' },
    });
    expect(calleesOf('agent')).toEqual(['tts']);
    expect(calleeUrlVar('tts')).toBe('TTS_URL');
    expect(() => calleesOf('billing')).toThrow('no service contract for billing');
  });

  // Guards a past defect: pids come round within a run, and a stale pid in a state file named another
  // scenario's server, which a job's end then stopped (a smoke test and a watch window failed).
  test('a process is known by pid and start time: a newcomer under a recorded pid is neither running nor signalled', () => {
    const me = processRef(process.pid);
    expect(isRunning(me)).toBe(true);
    const newcomer = { pid: process.pid, start: String(Number(me.start) + 1) };
    expect(isRunning(newcomer)).toBe(false);
    expect(signalProcess(newcomer, 'SIGTERM')).toBe(false);
    expect(() => processRef(2 ** 22 + 1)).toThrow('no process'); // above Linux's pid_max: never a process
  });

  // A compose stack's or port-forward's servers end with `down` or the step: one that ignores SIGTERM is killed.
  test('stopping processes: SIGTERM, then SIGKILL after the grace for one that ignores it', async () => {
    const polite = spawn('sleep', ['30']);
    const stubborn = spawn('bash', ['-c', 'trap "" TERM; echo ready; while :; do sleep 0.1; done']);
    await new Promise((r) => stubborn.stdout.once('data', r));
    const exits = [polite, stubborn].map(
      (c) => new Promise<NodeJS.Signals | null>((r) => c.once('exit', (_code, signal) => r(signal))),
    );
    const refs = [processRef(polite.pid!), processRef(stubborn.pid!)];
    await stopProcesses(refs, 300);
    expect(await Promise.all(exits)).toEqual(['SIGTERM', 'SIGKILL']);
    expect(refs.some(isRunning)).toBe(false);
  }, 20_000);
});

describe('stand-in Prometheus', () => {
  const w: Workload = {
    namespace: 'voice',
    service: 'tts',
    track: 'canary',
    handler: '/v1/synthesize',
    requestsPerSecond: 2,
    errorRatio: 0.25,
    p95Seconds: 0.2,
  };
  const value = (q: string) => evaluate(q, 100, () => [w]).result.map((r) => Number(r.value[1]));

  test('refuses a query Prometheus would not parse (400 bad_data), and a shape it does not evaluate (422)', () => {
    expect(() => evaluate('sum(increase(http_requests_total[5m])', 100, () => [w])).toThrow(/parse error/);
    expect(() => evaluate('avg(rate(http_requests_total[5m]))', 100, () => [w])).toThrow(/evaluates only/);
    expect(() => evaluate('sum by (handler) (rate(http_requests_total[5m]))', 100, () => [w])).toThrow(
      /evaluates only/,
    );
  });

  test('label matchers as PromQL has them: regular expressions anchored at both ends; no series: an empty vector', () => {
    // 2/s over 300 s: 600 requests, of them a quarter 5xx; the probe and scrape handlers add their own.
    expect(value('sum(increase(http_requests_total{handler="/v1/synthesize"}[5m]))')).toEqual([600]);
    expect(value('sum(increase(http_requests_total{handler="/v1/synthesize",status=~"5.."}[300s]))')).toEqual([150]);
    expect(value('sum(increase(http_requests_total{handler=~"/v1"}[5m]))')).toEqual([]);
    expect(value('sum(increase(http_requests_total{voice_platform_track="stable"}[5m]))')).toEqual([]);
    expect(value('sum(rate(http_requests_total{handler!~"/health|/metrics"}[5m]))')).toEqual([2]);
  });

  test('histogram_quantile interpolates within the bucket, takes the highest finite bound in +Inf, and is NaN without counts', () => {
    // Prometheus's documented example: ranks fall linearly through the bucket holding them.
    expect(
      histogramQuantile(0.5, [
        [0.1, 0],
        [0.2, 10],
        [Infinity, 10],
      ]),
    ).toBeCloseTo(0.15);
    expect(
      histogramQuantile(0.99, [
        [0.1, 5],
        [Infinity, 10],
      ]),
    ).toBe(0.1);
    expect(
      histogramQuantile(0.95, [
        [0.1, 0],
        [Infinity, 0],
      ]),
    ).toBeNaN();
    expect(
      evaluate(
        'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{voice_platform_track="stable"}[5m])))',
        100,
        () => [w],
      ).result,
    ).toEqual([]);
  });
});

describe('the stand-ins, loaded per module', () => {
  test('every tool names an exported function of its module; an unknown tool has none', async () => {
    for (const tool of Object.keys(STANDINS)) expect(typeof (await loadStandin(tool))).toBe('function');
    expect(await loadStandin('terraform')).toBeUndefined();
    expect(await loadStandin('toString')).toBeUndefined();
    expect(await loadStandin('helm')).toBe(helm);
  });
});
