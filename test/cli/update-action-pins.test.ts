import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { updateActionPinsCommand } from '../../src/runtime/cli/update-action-pins';
import { runCliInProcess } from '../support/run-cli';

const sha = (c: string) => c.repeat(40);
const NOW = new Date('2026-11-23T12:00:00Z');
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000).toISOString();

/** A stand-in for the GitHub API's releases and git refs, on 127.0.0.1. */
const API: Record<string, unknown> = {
  '/repos/actions/checkout/releases': [
    { tag_name: 'v7.2.0', draft: false, prerelease: false, published_at: daysAgo(1) }, // still cooling
    { tag_name: 'v7.1.0', draft: false, prerelease: false, published_at: daysAgo(10) },
    { tag_name: 'v8.0.0-beta.1', draft: false, prerelease: true, published_at: daysAgo(30) },
  ],
  '/repos/actions/checkout/git/ref/tags/v7.1.0': { object: { type: 'tag', sha: sha('b') } }, // annotated
  [`/repos/actions/checkout/git/tags/${sha('b')}`]: { object: { type: 'commit', sha: sha('c') } },
  '/repos/docker/login-action/releases': [
    { tag_name: 'v4.0.0', draft: false, prerelease: false, published_at: daysAgo(20) },
  ],
  '/repos/docker/login-action/git/ref/tags/v4.0.0': { object: { type: 'commit', sha: sha('d') } },
  '/repos/helm/kind-action/releases': [
    { tag_name: 'v1.14.0', draft: false, prerelease: false, published_at: daysAgo(100) },
  ],
};

let server: Server;
let apiUrl: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    // An answer that trickles in, a byte a second, for as long as the client waits.
    if (url.pathname === '/repos/slow/trickle/releases') {
      res.writeHead(200, { 'content-type': 'application/json' });
      const timer = setInterval(() => res.write(' '), 1000);
      res.on('close', () => clearInterval(timer));
      return;
    }
    // Contents are asked for at a commit (`?ref=`): those entries are keyed with it.
    const body =
      API[`${url.pathname}${url.search}`] ?? (url.search.startsWith('?ref=') ? undefined : API[url.pathname]);
    res
      .writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json' })
      .end(JSON.stringify(body ?? { message: 'Not Found' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(server.address() as any).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function lockFile(actions: Record<string, unknown>): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'pins-')), 'actions.lock.json');
  writeFileSync(file, `${JSON.stringify({ $comment: 'kept', actions }, null, 2)}\n`);
  return file;
}

const run = (args: string[]) =>
  runCliInProcess((io) => updateActionPinsCommand(io, () => NOW), ['--api-url', apiUrl, ...args]);

describe('update-action-pins', () => {
  test('takes the newest release past its cooldown, resolved through an annotated tag to its commit; keeps notes and the comment', async () => {
    const file = lockFile({
      'actions/checkout': { version: 'v7.0.1', sha: sha('a') },
      'docker/login-action': { version: 'v3.6.0', sha: sha('e'), note: 'kept' },
      'helm/kind-action': { version: 'v1.14.0', sha: sha('f') },
    });
    const r = await run(['--lock-file', file]);
    expect(r.code).toBe(0);
    const lock = JSON.parse(readFileSync(file, 'utf8'));
    expect(lock).toEqual({
      $comment: 'kept',
      actions: {
        'actions/checkout': { version: 'v7.1.0', sha: sha('c') },
        'docker/login-action': { version: 'v4.0.0', sha: sha('d'), note: 'kept' },
        'helm/kind-action': { version: 'v1.14.0', sha: sha('f') },
      },
    });
    expect(r.stdout).toContain('| `docker/login-action` | v3.6.0 | v4.0.0 (major) |');
    expect(r.stdout).toContain('In their 5-day cooldown: `actions/checkout` v7.2.0');
  });

  test('a zero cooldown takes the newest release', async () => {
    const file = lockFile({ 'actions/checkout': { version: 'v7.0.1', sha: sha('a') } });
    API['/repos/actions/checkout/git/ref/tags/v7.2.0'] = { object: { type: 'commit', sha: sha('9') } };
    expect((await run(['--lock-file', file, '--cooldown-days', '0'])).code).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8')).actions['actions/checkout']).toEqual({
      version: 'v7.2.0',
      sha: sha('9'),
    });
  });

  test('an action the API does not know keeps its pin and the run exits 1 naming it; the others are written', async () => {
    const file = lockFile({
      'no/such-action': { version: 'v1.0.0', sha: sha('1') },
      'docker/login-action': { version: 'v3.6.0', sha: sha('e') },
    });
    const r = await run(['--lock-file', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('update-action-pins: 1 action(s) could not be checked: no/such-action\n');
    expect(JSON.parse(readFileSync(file, 'utf8')).actions).toEqual({
      'no/such-action': { version: 'v1.0.0', sha: sha('1') },
      'docker/login-action': { version: 'v4.0.0', sha: sha('d') },
    });
  });

  test('a moved pin gets the inputs its action.yml declares at the new commit, and the summary names what changed', async () => {
    const actionYml = (inputs: string[]) => ({
      encoding: 'base64',
      content: Buffer.from(
        `name: x\ninputs:\n${inputs.map((i) => `  ${i}:\n    description: ${i}\n`).join('')}runs:\n  using: node24\n  main: index.js\n`,
      ).toString('base64'),
    });
    API[`/repos/docker/login-action/contents/action.yml?ref=${sha('d')}`] = actionYml([
      'registry',
      'username',
      'password',
      'ecr',
      'logout',
    ]);
    API[`/repos/github/codeql-action/releases`] = [
      { tag_name: 'v4.1.0', draft: false, prerelease: false, published_at: daysAgo(20) },
    ];
    API[`/repos/github/codeql-action/git/ref/tags/v4.1.0`] = { object: { type: 'commit', sha: sha('7') } };
    API[`/repos/github/codeql-action/contents/init/action.yml?ref=${sha('7')}`] = actionYml([
      'languages',
      'build-mode',
    ]);
    const file = lockFile({
      'docker/login-action': {
        version: 'v3.6.0',
        sha: sha('e'),
        inputs: { '.': ['logout', 'password', 'registry', 'username', 'scope'] },
      },
      'github/codeql-action': {
        version: 'v4.0.0',
        sha: sha('6'),
        inputs: { init: ['languages', 'build-mode'], missing: ['x'] },
      },
    });
    const r = await run(['--lock-file', file]);
    const lock = JSON.parse(readFileSync(file, 'utf8')).actions;
    expect(lock['docker/login-action']).toEqual({
      version: 'v4.0.0',
      sha: sha('d'),
      inputs: { '.': ['ecr', 'logout', 'password', 'registry', 'username'] },
    });
    expect(r.stdout).toContain(
      '| `docker/login-action` | v3.6.0 | v4.0.0 (major) | `dddddddddddddddddddddddddddddddddddddddd` | added `ecr`; **removed** `scope` |',
    );
    // A sub-action whose action.yml cannot be read keeps the whole pin, reported.
    expect(lock['github/codeql-action']).toEqual({
      version: 'v4.0.0',
      sha: sha('6'),
      inputs: { init: ['languages', 'build-mode'], missing: ['x'] },
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /`github\/codeql-action` \(cannot read the inputs of github\/codeql-action\/missing\/action\.yml at 777777777777: .*404/,
    );
  });

  test("a moved pin's reusable workflows are counted again at the new commit; one that cannot be read keeps the pin", async () => {
    const workflow = (jobs: string[]) => ({
      encoding: 'base64',
      content: Buffer.from(
        `on: workflow_call\njobs:\n${jobs.map((j) => `  ${j}:\n    runs-on: ubuntu-latest\n    steps: [{ run: 'true' }]\n`).join('')}`,
      ).toString('base64'),
    });
    API[`/repos/docker/login-action/contents/.github/workflows/gen.yml?ref=${sha('d')}`] = workflow([
      'detect-env',
      'generator',
      'final',
      'verify',
    ]);
    const moved = lockFile({
      'docker/login-action': { version: 'v3.6.0', sha: sha('e'), workflowJobs: { '.github/workflows/gen.yml': 3 } },
    });
    expect((await run(['--lock-file', moved])).code).toBe(0);
    expect(JSON.parse(readFileSync(moved, 'utf8')).actions['docker/login-action']).toEqual({
      version: 'v4.0.0',
      sha: sha('d'),
      workflowJobs: { '.github/workflows/gen.yml': 4 },
    });
    const unreadable = lockFile({
      'docker/login-action': { version: 'v3.6.0', sha: sha('e'), workflowJobs: { '.github/workflows/none.yml': 3 } },
    });
    const r = await run(['--lock-file', unreadable]);
    expect(r.code).toBe(1);
    expect(JSON.parse(readFileSync(unreadable, 'utf8')).actions['docker/login-action']).toEqual({
      version: 'v3.6.0',
      sha: sha('e'),
      workflowJobs: { '.github/workflows/none.yml': 3 },
    });
    expect(r.stdout).toMatch(
      /cannot count the jobs of docker\/login-action\/\.github\/workflows\/none\.yml at dddddddddddd: .*404/,
    );
  });

  test('the API root defaults to GITHUB_API_URL, as GitHub sets it on its runners (and on GitHub Enterprise Server)', async () => {
    const file = lockFile({ 'helm/kind-action': { version: 'v1.14.0', sha: sha('f') } });
    const r = await runCliInProcess((io) => updateActionPinsCommand(io, () => NOW), ['--lock-file', file], {
      GITHUB_API_URL: apiUrl,
    });
    expect(r).toMatchObject({ code: 0 });
    expect(r.stdout).toContain('No action has a newer release past its cooldown.');
    const unreachable = await runCliInProcess((io) => updateActionPinsCommand(io, () => NOW), ['--lock-file', file], {
      GITHUB_API_URL: 'http://127.0.0.1:9',
    });
    expect(unreachable.code).toBe(1);
  });

  // Guards a past defect: each of these crashed, hung, exited 1 or reached another API path.
  test.each([
    [
      { '../../users/x': { version: 'v1.0.0', sha: sha('a') } },
      /actions\["\.\.\/\.\.\/users\/x"\] is not an owner\/repo name/,
    ],
    [{ 'actions/checkout': { version: 'latest', sha: sha('a') } }, /version "latest" must be a release tag/],
    [{ 'actions/checkout': { version: 'v1.0.0', sha: 'main' } }, /sha "main" must be a full commit SHA/],
    [{ 'actions/checkout': 'v1' }, /must be an object with version and sha/],
    [
      { 'actions/checkout': { version: 'v1.0.0', sha: sha('a'), workflowJobs: { '../../../users/x': 1 } } },
      /workflowJobs \{"\.\.\/\.\.\/\.\.\/users\/x":1\} must map \.github\/workflows\/<file>\.yml paths to positive integers/,
    ],
  ])('a lock entry that is not a pin exits 2 naming it, before any request (%j)', async (actions, message) => {
    const file = lockFile(actions);
    const before = readFileSync(file, 'utf8');
    const r = await run(['--lock-file', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  test('an unwritable summary exits 2 before the lock file is touched', async () => {
    const file = lockFile({ 'docker/login-action': { version: 'v3.6.0', sha: sha('e') } });
    const before = readFileSync(file, 'utf8');
    const r = await run(['--lock-file', file, '--summary', path.dirname(file)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--summary ".*": cannot write \(is a folder\)/);
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  test('a lock file that is a FIFO exits 2 at once instead of blocking', async () => {
    const fifo = path.join(mkdtempSync(path.join(tmpdir(), 'pins-')), 'actions.lock.json');
    execFileSync('mkfifo', [fifo]);
    const r = await run(['--lock-file', fifo]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is not a regular file, expected a JSON file/);
  });

  test("an answer that trickles in ends at the run's deadline, reported, with the other pins written", async () => {
    const file = lockFile({
      'slow/trickle': { version: 'v1.0.0', sha: sha('1') },
      'docker/login-action': { version: 'v3.6.0', sha: sha('e') },
    });
    const started = Date.now();
    const r = await run(['--lock-file', file, '--deadline-seconds', '2']);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /`slow\/trickle` \(\/repos\/slow\/trickle\/releases: no complete answer before the run's deadline\)/,
    );
  });

  test('bad input exits 2 and changes nothing', async () => {
    const file = lockFile({});
    writeFileSync(file, '{ not json');
    const r = await run(['--lock-file', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^update-action-pins: --lock-file ".*actions\.lock\.json": /);
    expect(readFileSync(file, 'utf8')).toBe('{ not json');
    expect((await run(['--lock-file', file, '--cooldown-days', '-1'])).code).toBe(2);
  });
});
