/**
 * The warm stand-in server: a call through the bash client keeps what it would see as a process of
 * its own (arguments, directory, environment, output streams, exit code), and the client falls
 * back to a process of its own when no server listens.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo, Server } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ToolError } from './standins/args';
import { loadStandin } from './standins/main';
import { clientShim, parseRequest, runCall, serve, SERVED_TOOLS, SERVER_ENV } from './standins/server';

const TOKEN = 'test-token';
let dir: string;
let server: Server;

/** Every served name answers with what the call saw; a few names misbehave on purpose. */
async function fakeLoader(tool: string): Promise<((args: string[]) => unknown) | undefined> {
  switch (tool) {
    case 'aws':
      return () => {
        throw new ToolError('aws: refused', 252);
      };
    case 'go':
      return () => process.exit(4);
    case 'kind':
      return async () => 0;
    default:
      return (args: string[]) => {
        process.stdout.write(`${JSON.stringify({ tool, args, cwd: process.cwd(), var: process.env.CALL_VAR })}\n`);
        process.stderr.write('to stderr\n');
        return 3;
      };
  }
}

function run(
  tool: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      path.join(dir, tool),
      args,
      { cwd: dir, env: { PATH: process.env.PATH!, ...env }, timeout: 30_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'standin-server-')));
  server = await serve(fakeLoader, TOKEN);
  for (const tool of ['gh', 'aws', 'go', 'kind']) {
    writeFileSync(path.join(dir, tool), clientShim(tool, 'echo "own process: $*"; exit 9'));
    chmodSync(path.join(dir, tool), 0o755);
  }
});

afterAll(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

const serverEnv = () => ({
  [SERVER_ENV.address]: String((server.address() as AddressInfo).port),
  [SERVER_ENV.token]: TOKEN,
});

test('a served call gets its arguments, directory and environment; its streams and exit code come back apart', async () => {
  const r = await run('gh', ['a b', 'line\nbreak', '', '--flag=x'], { ...serverEnv(), CALL_VAR: 'v a=l\nue' });
  expect(r.code).toBe(3);
  expect(JSON.parse(r.stdout)).toEqual({
    tool: 'gh',
    args: ['a b', 'line\nbreak', '', '--flag=x'],
    cwd: dir,
    var: 'v a=l\nue',
  });
  expect(r.stderr).toBe('to stderr\n');
  // The server's own environment and directory are as they were.
  expect(process.env.CALL_VAR).toBeUndefined();
});

test("a refusal, process.exit and a tool that is not synchronous end as the tool's own process would", async () => {
  expect(await run('aws', [], serverEnv())).toEqual({ code: 252, stdout: '', stderr: 'aws: refused\n' });
  expect(await run('go', [], serverEnv())).toMatchObject({ code: 4, stdout: '' });
  const async = await run('kind', [], serverEnv());
  expect(async.code).toBe(1);
  expect(async.stderr).toContain('stand-in kind is not synchronous');
});

test('a wrong token is refused; without a server the call runs in a process of its own', async () => {
  expect(await run('gh', ['x'], { ...serverEnv(), [SERVER_ENV.token]: 'wrong' })).toEqual({
    code: 70,
    stdout: '',
    stderr: 'stand-in server: wrong token\n',
  });
  expect(await run('gh', ['x', 'y'], {})).toEqual({ code: 9, stdout: 'own process: x y\n', stderr: '' });
  // A port where nothing listens: the client does not hang or fail, it falls back.
  expect(await run('gh', ['z'], { [SERVER_ENV.address]: '9', [SERVER_ENV.token]: TOKEN })).toMatchObject({
    code: 9,
    stdout: 'own process: z\n',
  });
});

test('a request is read only once all its fields have arrived', () => {
  const fields = [TOKEN, 'gh', '/w', '2', 'a', 'b', '1', 'K=v=w'];
  const whole = Buffer.from(fields.map((f) => `${f}\0`).join(''));
  expect(parseRequest(whole)).toEqual({ token: TOKEN, tool: 'gh', cwd: '/w', args: ['a', 'b'], env: { K: 'v=w' } });
  for (let cut = 0; cut < whole.length; cut++) expect(parseRequest(whole.subarray(0, cut))).toBeUndefined();
});

test('runCall restores the directory, environment and streams after the call, also after a throw', () => {
  const before = { cwd: process.cwd(), env: { ...process.env }, write: process.stdout.write };
  const r = runCall(
    () => {
      throw new Error('boom');
    },
    'gh',
    dir,
    [],
    { ONLY: '1' },
  );
  expect(r.code).toBe(1);
  expect(r.stderr.toString()).toContain('Error: boom');
  expect(process.cwd()).toBe(before.cwd);
  expect(process.env).toEqual(before.env);
  expect(process.stdout.write).toBe(before.write);
});

test('every served stand-in is synchronous; the asynchronous ones keep a process of their own', async () => {
  const kind = async (tool: string) => (await loadStandin(tool))!.constructor.name;
  for (const tool of SERVED_TOOLS) expect([tool, await kind(tool)]).toEqual([tool, 'Function']);
  for (const tool of ['docker', 'kubectl', 'npx']) expect([tool, await kind(tool)]).toEqual([tool, 'AsyncFunction']);
  // curl waits on the real curl, xcbeautify reads its standard input: not served either.
  for (const tool of ['docker', 'kubectl', 'npx', 'curl', 'xcbeautify']) expect(SERVED_TOOLS).not.toContain(tool);
});
