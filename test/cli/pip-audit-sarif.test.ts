import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as fc from 'fast-check';
import { pipAuditSarifCommand } from '../../src/runtime/cli/pip-audit-sarif';
import { ratingOfRecord } from '../../src/runtime/vulnerabilities/osv-client';
import { toSarif, type Finding } from '../../src/runtime/vulnerabilities/sarif-report';
import { cvssBaseScore, severityOfScore } from '../../src/runtime/vulnerabilities/severity';
import { schemaErrors } from '../support/json-schema';
import { startOsvFixture, type OsvFixture } from '../support/osv-fixture';
import { runCliInProcess, runCliProcess } from '../support/run-cli';

const CRITICAL_V31 = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'; // 9.8
const MEDIUM_V31 = 'CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:L/A:N'; // 4.2
const CRITICAL_V40 = 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N'; // 9.3

const RECORDS = {
  // Advisory says HIGH, the vector says 9.8: the worse one wins.
  'GHSA-jinj-aaaa-0001': {
    id: 'GHSA-jinj-aaaa-0001',
    summary: 'Sandbox escape in templates',
    database_specific: { severity: 'HIGH' },
    severity: [{ type: 'CVSS_V3', score: CRITICAL_V31 }],
  },
  // No rating of its own: rated through its aliases.
  'PYSEC-2025-11': { id: 'PYSEC-2025-11', aliases: ['GHSA-reqs-bbbb-0002'] },
  'GHSA-reqs-bbbb-0002': { id: 'GHSA-reqs-bbbb-0002', database_specific: { severity: 'MODERATE' } },
  'GHSA-urll-cccc-0003': { id: 'GHSA-urll-cccc-0003', severity: [{ type: 'CVSS_V3', score: MEDIUM_V31 }] },
  'GHSA-v4v4-dddd-0004': { id: 'GHSA-v4v4-dddd-0004', severity: [{ type: 'CVSS_V4', score: CRITICAL_V40 }] },
} as const;

const UV_LOCK = [
  'version = 1',
  '',
  '[[package]]',
  'name = "jinja2"',
  'version = "3.1.2"',
  '',
  '[[package]]',
  'name = "requests"',
  'version = "2.31.0"',
  '',
].join('\n');

const report = (deps: object[]) => JSON.stringify({ dependencies: deps, fixes: [] });
const vuln = (id: string, fix: string[] = [], aliases: string[] = []) => ({
  id,
  fix_versions: fix,
  aliases,
  description: `About ${id}`,
});

let osv: OsvFixture;
let dir: string;
beforeAll(async () => {
  osv = await startOsvFixture({ ...RECORDS, 'PYSEC-OSV-DOWN': 500 });
});
afterAll(() => osv.close());
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'pip-audit-sarif-'));
  writeFileSync(path.join(dir, 'uv.lock'), UV_LOCK);
});

function files(body: string) {
  const input = path.join(dir, 'pip-audit.json');
  writeFileSync(input, body);
  return {
    input,
    output: path.join(dir, 'out.sarif'),
    summary: path.join(dir, 'summary.md'),
    lockfile: path.join(dir, 'uv.lock'),
  };
}

const run = (f: ReturnType<typeof files>, ...extra: string[]) =>
  runCliInProcess(pipAuditSarifCommand, [
    '--input',
    f.input,
    '--output',
    f.output,
    '--lockfile',
    f.lockfile,
    '--osv-url',
    osv.url,
    '--summary',
    f.summary,
    '--initial-delay-ms',
    '0',
    ...extra,
  ]);
const sarifOf = (f: ReturnType<typeof files>) => JSON.parse(readFileSync(f.output, 'utf8'));

describe('severity', () => {
  test('CVSS base scores of v3.1, v4.0 and v2 vectors; unreadable vectors rate nothing', () => {
    expect(cvssBaseScore('CVSS_V3', CRITICAL_V31)).toBe(9.8);
    expect(cvssBaseScore('CVSS_V4', CRITICAL_V40)).toBe(9.3);
    expect(cvssBaseScore('CVSS_V2', 'AV:N/AC:L/Au:N/C:P/I:P/A:P')).toBe(7.5);
    expect(cvssBaseScore('CVSS_V3', 'CVSS:3.1/garbage')).toBeUndefined();
    expect(cvssBaseScore('CVSS_V3', CRITICAL_V40)).toBeUndefined(); // a v4 vector under a v3 type
  });

  test('qualitative bands follow FIRST (0.1–3.9 low, 4–6.9 medium, 7–8.9 high, 9–10 critical)', () => {
    expect([0, 0.1, 3.9, 4, 6.9, 7, 8.9, 9, 10].map(severityOfScore)).toEqual([
      'unknown',
      'low',
      'low',
      'medium',
      'medium',
      'high',
      'high',
      'critical',
      'critical',
    ]);
  });

  test('a record rates as the worst of its advisory severity and its vectors', () => {
    expect(ratingOfRecord(RECORDS['GHSA-jinj-aaaa-0001'])).toMatchObject({ severity: 'critical', score: 9.8 });
    expect(ratingOfRecord(RECORDS['GHSA-reqs-bbbb-0002'])).toMatchObject({ severity: 'medium', score: 5.5 });
    expect(ratingOfRecord({ id: 'X' })).toBeUndefined();
  });
});

describe('pip-audit-sarif CLI', () => {
  test('a critical vulnerability → exit 1, with SARIF valid against the 2.1.0 schema, pointing at the lock entry', async () => {
    const f = files(
      report([
        { name: 'Jinja2', version: '3.1.2', vulns: [vuln('GHSA-jinj-aaaa-0001', ['3.1.3'], ['CVE-2024-0001'])] },
        { name: 'requests', version: '2.31.0', vulns: [vuln('PYSEC-2025-11', ['2.32.0'])] },
        { name: 'private-lib', skip_reason: 'Dependency not found on PyPI' },
      ]),
    );
    const r = await run(f);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/1 vulnerability is high or worse, or unrated: Jinja2 GHSA-jinj-aaaa-0001/);
    expect(r.stdout).toContain('::error title=GHSA-jinj-aaaa-0001 in Jinja2::');
    const sarif = sarifOf(f);
    expect(schemaErrors('sarif-2.1.0.json', sarif)).toEqual([]);
    const [run0] = sarif.runs;
    expect(
      run0.tool.driver.rules.map((rule: { id: string; properties: Record<string, string> }) => [
        rule.id,
        rule.properties['security-severity'],
      ]),
    ).toEqual([
      ['GHSA-jinj-aaaa-0001', '9.8'],
      ['PYSEC-2025-11', '5.5'],
    ]);
    expect(
      run0.results.map(
        (res: { level: string; locations: { physicalLocation: { region: { startLine: number } } }[] }) => [
          res.level,
          res.locations[0]!.physicalLocation.region.startLine,
        ],
      ),
    ).toEqual([
      ['error', 4],
      ['warning', 8],
    ]);
    expect(readFileSync(f.summary, 'utf8')).toMatch(
      /2 vulnerabilities, 1 at or above high[\s\S]*1 dependency was skipped/,
    );
  });

  test('only low and medium findings → exit 0; --fail-on medium makes the same report fail', async () => {
    const f = files(report([{ name: 'urllib3', version: '2.0.0', vulns: [vuln('GHSA-urll-cccc-0003', ['2.0.7'])] }]));
    expect((await run(f)).code).toBe(0);
    expect(sarifOf(f).runs[0].results[0].level).toBe('warning');
    expect((await run(f, '--fail-on', 'medium')).code).toBe(1);
  });

  test('no vulnerabilities → exit 0 and an empty but valid SARIF run', async () => {
    const f = files(report([{ name: 'jinja2', version: '3.1.4', vulns: [] }]));
    const r = await run(f);
    expect(r.code).toBe(0);
    expect(sarifOf(f).runs[0].results).toEqual([]);
    expect(schemaErrors('sarif-2.1.0.json', sarifOf(f))).toEqual([]);
  });

  test('an ID OSV does not know is unrated, reported, and fails the gate (never a silent pass)', async () => {
    const f = files(report([{ name: 'jinja2', version: '3.1.2', vulns: [vuln('PYSEC-0000-404')] }]));
    const r = await run(f);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/PYSEC-0000-404, severity unknown \(OSV does not know this ID\)/);
    const result = sarifOf(f).runs[0].results[0];
    expect(result.level).toBe('warning');
    expect(sarifOf(f).runs[0].tool.driver.rules[0].properties['security-severity']).toBeUndefined();
  });

  test('each ID is fetched once, however many packages share it; CVSS v4 rates', async () => {
    const f = files(
      report([
        { name: 'a', version: '1', vulns: [vuln('GHSA-v4v4-dddd-0004')] },
        { name: 'b', version: '1', vulns: [vuln('GHSA-v4v4-dddd-0004')] },
      ]),
    );
    const before = osv.requests.get('GHSA-v4v4-dddd-0004') ?? 0;
    expect((await run(f)).code).toBe(1);
    expect((osv.requests.get('GHSA-v4v4-dddd-0004') ?? 0) - before).toBe(1);
    expect(sarifOf(f).runs[0].tool.driver.rules[0].properties['security-severity']).toBe('9.3');
  });

  test.each([
    ['malformed JSON', '{"dependencies": [', /malformed JSON/],
    ['no dependencies list', '{"deps": []}', /dependencies/],
    ['a vulnerability without an id', report([{ name: 'x', version: '1', vulns: [{ fix_versions: [] }] }]), /id/],
    [
      'an id that is not an advisory id',
      report([{ name: 'x', version: '1', vulns: [vuln('../../etc/passwd')] }]),
      /id/,
    ],
  ])('%s → exit 2 and no SARIF', async (_label, body, message) => {
    const f = files(body);
    const r = await run(f);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(existsSync(f.output)).toBe(false);
  });

  test('OSV answering 500 every time → retried, then exit 2 naming OSV, and nothing written', async () => {
    const f = files(report([{ name: 'x', version: '1', vulns: [vuln('PYSEC-OSV-DOWN')] }]));
    const before = osv.requests.get('PYSEC-OSV-DOWN') ?? 0;
    const r = await run(f, '--attempts', '3');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /could not reach OSV at http:\/\/127\.0\.0\.1:\d+ for PYSEC-OSV-DOWN \(HTTP 500\); nothing was written/,
    );
    expect((osv.requests.get('PYSEC-OSV-DOWN') ?? 0) - before).toBe(3);
    expect(existsSync(f.output)).toBe(false);
  });

  test('OSV not listening → exit 2, nothing written; a bad --osv-url is a usage error', async () => {
    const closed = await startOsvFixture({});
    await closed.close();
    const f = files(report([{ name: 'x', version: '1', vulns: [vuln('GHSA-jinj-aaaa-0001')] }]));
    const down = await runCliInProcess(pipAuditSarifCommand, [
      '--input',
      f.input,
      '--output',
      f.output,
      '--osv-url',
      closed.url,
      '--attempts',
      '2',
      '--initial-delay-ms',
      '0',
      '--timeout-ms',
      '5000',
    ]);
    expect(down.code).toBe(2);
    expect(down.stderr).toMatch(/could not reach OSV/);
    expect(existsSync(f.output)).toBe(false);
    const bad = await runCliInProcess(pipAuditSarifCommand, [
      '--input',
      f.input,
      '--output',
      f.output,
      '--osv-url',
      'not a url',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/OSV URL "not a url" is not a URL/);
  });

  test('as a process: the bin maps a critical finding to exit 1', async () => {
    const f = files(report([{ name: 'jinja2', version: '3.1.2', vulns: [vuln('GHSA-jinj-aaaa-0001')] }]));
    const r = await runCliProcess('pip-audit-sarif', ['--input', f.input, '--output', f.output, '--osv-url', osv.url]);
    expect(r.code).toBe(1);
    expect(schemaErrors('sarif-2.1.0.json', sarifOf(f))).toEqual([]);
  }, 30000);
});

describe('SARIF of any findings', () => {
  const id = fc.stringMatching(/^(GHSA|PYSEC|CVE)-[A-Za-z0-9-]{1,20}$/);
  const finding: fc.Arbitrary<Finding> = fc.record({
    id,
    aliases: fc.array(id, { maxLength: 3 }),
    packageName: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,30}$/),
    version: fc.stringMatching(/^[0-9]{1,3}(\.[0-9]{1,3}){0,2}$/),
    fixVersions: fc.array(fc.stringMatching(/^[0-9]{1,3}\.[0-9]{1,3}$/), { maxLength: 3 }),
    description: fc.option(fc.string(), { nil: undefined }),
    summary: fc.option(fc.string({ minLength: 1 }), { nil: undefined }),
    rating: fc.oneof(
      fc.constant({ severity: 'unknown' as const }),
      fc.double({ min: 0.1, max: 10, noNaN: true }).map((score) => ({ severity: severityOfScore(score), score })),
    ),
    known: fc.boolean(),
    line: fc.option(fc.integer({ min: 1, max: 100000 }), { nil: undefined }),
  });

  test('is valid SARIF 2.1.0 with one result per finding and one rule per ID', () => {
    fc.assert(
      fc.property(fc.array(finding, { maxLength: 20 }), (findings) => {
        const sarif = toSarif(findings, 'services/tts/uv.lock') as {
          runs: { results: unknown[]; tool: { driver: { rules: unknown[] } } }[];
        };
        expect(schemaErrors('sarif-2.1.0.json', sarif)).toEqual([]);
        expect(sarif.runs[0]!.results).toHaveLength(findings.length);
        expect(sarif.runs[0]!.tool.driver.rules).toHaveLength(new Set(findings.map((f) => f.id)).size);
      }),
      { numRuns: 100 },
    );
  });
});
