import { mkdtempSync, readFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { APP_HEALTH_SCHEMA, judgeBuild, type AppHealthReport } from '../../src/runtime/app-health/app-health';
import { appHealthCommand } from '../../src/runtime/cli/app-health';
import { schemaErrors } from '../support/json-schema';
import { runCliInProcess } from '../support/run-cli';

const report = (builds: AppHealthReport['builds']): AppHealthReport => ({
  schemaVersion: 1,
  generatedAt: '2026-12-05T06:00:00Z',
  builds,
});
const limits = { minCrashFreeSessionsPct: 99.5, minSessions: 500 };

describe('judgeBuild', () => {
  test('passes at the limit with enough sessions; fails below it, on too few sessions, and on a build not listed', () => {
    expect(
      judgeBuild(report([{ version: '42', sessions: 500, crashFreeSessions: 0.995 }]), '42', limits),
    ).toMatchObject({ pass: true });
    expect(
      judgeBuild(report([{ version: '42', sessions: 9000, crashFreeSessions: 0.9949 }]), '42', limits),
    ).toMatchObject({
      pass: false,
      reason: 'build 42: 99.49 % crash-free sessions over 9000, below the 99.5 % the stage requires',
    });
    expect(judgeBuild(report([{ version: '42', sessions: 499, crashFreeSessions: 1 }]), '42', limits).reason).toBe(
      'build 42 has 499 session(s); at least 500 are needed to judge it',
    );
    expect(judgeBuild(report([{ version: '41', sessions: 9000, crashFreeSessions: 1 }]), '42', limits)).toMatchObject({
      pass: false,
      reason: expect.stringContaining('build 42 is not in the report'),
    });
  });

  test('the schema that ships with the package accepts a report and refuses a share above 1', () => {
    expect(schemaErrors(APP_HEALTH_SCHEMA, report([{ version: '42', sessions: 10, crashFreeSessions: 0.99 }]))).toEqual(
      [],
    );
    expect(
      schemaErrors(APP_HEALTH_SCHEMA, report([{ version: '42', sessions: 10, crashFreeSessions: 99 }])),
    ).not.toEqual([]);
  });
});

describe('app-health CLI against an endpoint on 127.0.0.1', () => {
  let server: http.Server;
  let url: string;
  let answer: { status: number; body: unknown };
  let authorization: string | undefined;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      authorization = req.headers.authorization;
      res
        .writeHead(answer.status, { 'content-type': 'application/json' })
        .end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health.json`;
  });
  afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));
  const run = (extra: string[] = [], env: NodeJS.ProcessEnv = {}) =>
    runCliInProcess(
      appHealthCommand,
      ['--url', url, '--version', '42', '--min-crash-free-pct', '99.5', '--min-sessions', '500', ...extra],
      env,
    );

  test('a healthy build → 0, the verdict in the summary, the token sent as a bearer only when set', async () => {
    answer = { status: 200, body: report([{ version: '42', sessions: 2000, crashFreeSessions: 0.998 }]) };
    const summary = path.join(mkdtempSync(path.join(tmpdir(), 'health-')), 'summary.md');
    const r = await run(['--summary', summary, '--token-env', 'HEALTH_TOKEN'], { HEALTH_TOKEN: 'tok' });
    expect(r.code).toBe(0);
    expect(authorization).toBe('Bearer tok');
    expect(readFileSync(summary, 'utf8')).toContain(
      '### ✅ Crash-free sessions of build 42\n\nbuild 42: 99.8 % crash-free sessions over 2000 (at least 99.5 % required).',
    );
    await run(['--token-env', 'HEALTH_TOKEN'], {});
    expect(authorization).toBeUndefined();
  });

  test('a crashing build → 1 naming the figures', async () => {
    answer = { status: 200, body: report([{ version: '42', sessions: 2000, crashFreeSessions: 0.97 }]) };
    const r = await run();
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('build 42: 97 % crash-free sessions over 2000, below the 99.5 % the stage requires');
  });

  test.each([
    ['an answer that is not app health v1', { status: 200, body: { builds: 'none' } }, /schemaVersion/],
    ['an answer that is not JSON', { status: 200, body: '<html>' }, /not JSON/],
    ['a refusal', { status: 403, body: {} }, /answered HTTP 403/],
  ])('%s → 2', async (_label, a, message) => {
    answer = a;
    const r = await run();
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  test('an http URL to another host → 2 before any request', async () => {
    const r = await runCliInProcess(appHealthCommand, [
      '--url',
      'http://health.example.com/x.json',
      '--version',
      '42',
      '--min-crash-free-pct',
      '99.5',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--url must be an https URL');
  });
});
