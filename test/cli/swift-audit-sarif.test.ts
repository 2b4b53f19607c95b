import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { swiftAuditSarifCommand } from '../../src/runtime/cli/swift-audit-sarif';
import { swiftUrlName } from '../../src/runtime/vulnerabilities/swift-audit';
import { schemaErrors } from '../support/json-schema';
import { startOsvFixture, type OsvFixture } from '../support/osv-fixture';
import { runCliInProcess } from '../support/run-cli';

const HIGH_V31 = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N'; // 7.5
const WHISPERKIT = 'github.com/argmaxinc/WhisperKit';
const TRANSFORMERS = 'github.com/huggingface/swift-transformers';
const BRANCH_COMMIT = 'c0ffee0000000000000000000000000000000001';

const RECORDS = {
  'GHSA-wkit-aaaa-0001': {
    id: 'GHSA-wkit-aaaa-0001',
    aliases: ['CVE-2026-1001'],
    summary: 'Model path traversal',
    severity: [{ type: 'CVSS_V3', score: HIGH_V31 }],
    affected: [
      {
        package: { ecosystem: 'SwiftURL', name: `https://${WHISPERKIT}.git` },
        ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '0.9.4' }] }],
      },
    ],
  },
  'GHSA-trns-bbbb-0002': { id: 'GHSA-trns-bbbb-0002', database_specific: { severity: 'LOW' } },
  'OSV-2026-77': { id: 'OSV-2026-77', database_specific: { severity: 'MODERATE' } },
} as const;

/** Package.resolved v2: WhisperKit by version, swift-transformers by version, a tokenizer on a branch. */
const RESOLVED = JSON.stringify(
  {
    pins: [
      {
        identity: 'whisperkit',
        kind: 'remoteSourceControl',
        location: `https://${WHISPERKIT}.git`,
        state: { revision: 'a'.repeat(40), version: '0.9.2' },
      },
      {
        identity: 'swift-transformers',
        kind: 'remoteSourceControl',
        location: `https://${TRANSFORMERS}`,
        state: { revision: 'b'.repeat(40), version: '0.1.15' },
      },
      {
        identity: 'tokenizer',
        kind: 'remoteSourceControl',
        location: 'git@github.com:example/tokenizer.git',
        state: { branch: 'main', revision: BRANCH_COMMIT },
      },
    ],
    version: 2,
  },
  null,
  2,
);

let osv: OsvFixture;
let dir: string;
beforeAll(async () => {
  osv = await startOsvFixture(RECORDS, {
    byPackage: {
      [`SwiftURL:${WHISPERKIT}@0.9.2`]: ['GHSA-wkit-aaaa-0001'],
      [`SwiftURL:${TRANSFORMERS}@0.1.15`]: ['GHSA-trns-bbbb-0002'],
    },
    byCommit: { [BRANCH_COMMIT]: ['OSV-2026-77'] },
  });
});
afterAll(() => osv.close());
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'swift-audit-'));
});

function files(resolved = RESOLVED) {
  const input = path.join(dir, 'Package.resolved');
  writeFileSync(input, resolved);
  return { resolved: input, output: path.join(dir, 'out.sarif'), summary: path.join(dir, 'summary.md') };
}
const run = (f: ReturnType<typeof files>, ...extra: string[]) =>
  runCliInProcess(swiftAuditSarifCommand, [
    '--resolved',
    f.resolved,
    '--output',
    f.output,
    '--summary',
    f.summary,
    '--osv-url',
    osv.url,
    '--initial-delay-ms',
    '0',
    ...extra,
  ]);

describe('swift-audit-sarif CLI', () => {
  test('asks OSV once for every pin (SwiftURL by version, a branch pin by its commit) and fails on a high vulnerability', async () => {
    const before = osv.batches.length;
    const f = files();
    const r = await run(f);
    expect(r.code).toBe(1);
    expect(osv.batches.slice(before)).toEqual([
      [
        { package: { ecosystem: 'SwiftURL', name: WHISPERKIT }, version: '0.9.2' },
        { package: { ecosystem: 'SwiftURL', name: TRANSFORMERS }, version: '0.1.15' },
        { commit: BRANCH_COMMIT },
      ],
    ]);
    expect(r.stderr).toMatch(/1 vulnerability is high or worse, or unrated: WhisperKit GHSA-wkit-aaaa-0001/);
    expect(r.stdout).toContain(
      'WhisperKit 0.9.2: GHSA-wkit-aaaa-0001 (CVE-2026-1001), high (7.5); fixed in 0.9.4. Model path traversal',
    );
    const sarif = JSON.parse(readFileSync(f.output, 'utf8'));
    expect(schemaErrors('sarif-2.1.0.json', sarif)).toEqual([]);
    const [run0] = sarif.runs;
    expect(run0.tool.driver.name).toBe('swift-audit-sarif');
    // Each result points at its pin's "identity" line in Package.resolved.
    expect(
      run0.results.map((x: any) => [
        x.ruleId,
        x.level,
        x.locations[0].physicalLocation.region.startLine,
        x.locations[0].physicalLocation.artifactLocation.uri,
      ]),
    ).toEqual([
      ['GHSA-wkit-aaaa-0001', 'error', 4, f.resolved],
      ['GHSA-trns-bbbb-0002', 'note', 13, f.resolved],
      ['OSV-2026-77', 'warning', 22, f.resolved],
    ]);
    expect(Object.keys(run0.results[0].partialFingerprints)).toEqual(['swiftAudit/v1']);
    expect(readFileSync(f.summary, 'utf8')).toMatch(/^### swift-audit-sarif: 3 vulnerabilities, 1 at or above high/);
  });

  test('--ignore-vuln by an alias leaves the finding out; what remains is below the gate', async () => {
    const r = await run(files(), '--ignore-vuln', 'CVE-2026-1001');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('WhisperKit GHSA-wkit-aaaa-0001: ignored (--ignore-vuln)');
    expect(r.stdout).toContain('2 vulnerabilities in 3 Swift package(s)');
  });

  test('a clean Package.resolved (v3, one version pin) → exit 0 and an empty, valid SARIF run', async () => {
    const f = files(
      JSON.stringify({
        pins: [
          {
            identity: 'whisperkit',
            location: `https://${WHISPERKIT}`,
            state: { version: '0.9.4', revision: 'd'.repeat(40) },
          },
        ],
        version: 3,
      }),
    );
    const r = await run(f);
    expect(r.code).toBe(0);
    const sarif = JSON.parse(readFileSync(f.output, 'utf8'));
    expect(sarif.runs[0].results).toEqual([]);
    expect(schemaErrors('sarif-2.1.0.json', sarif)).toEqual([]);
  });

  test('pages of a long result are all read', async () => {
    const paged = await startOsvFixture(RECORDS, {
      byPackage: { [`SwiftURL:${WHISPERKIT}@0.9.2`]: ['GHSA-trns-bbbb-0002', 'OSV-2026-77', 'GHSA-wkit-aaaa-0001'] },
      pageSize: 1,
    });
    try {
      const f = files(
        JSON.stringify({
          pins: [{ identity: 'whisperkit', location: `https://${WHISPERKIT}`, state: { version: '0.9.2' } }],
          version: 2,
        }),
      );
      const r = await runCliInProcess(swiftAuditSarifCommand, [
        '--resolved',
        f.resolved,
        '--output',
        f.output,
        '--osv-url',
        paged.url,
      ]);
      expect(r.code).toBe(1);
      expect(paged.batches).toHaveLength(3);
      expect(paged.batches[2]).toEqual([
        { package: { ecosystem: 'SwiftURL', name: WHISPERKIT }, version: '0.9.2', page_token: 'p:2' },
      ]);
      expect(JSON.parse(readFileSync(f.output, 'utf8')).runs[0].results).toHaveLength(3);
    } finally {
      await paged.close();
    }
  });

  test('OSV down → exit 2 naming OSV, and nothing written', async () => {
    const down = await startOsvFixture({}, { status: 500 });
    try {
      const f = files();
      const r = await runCliInProcess(swiftAuditSarifCommand, [
        '--resolved',
        f.resolved,
        '--output',
        f.output,
        '--osv-url',
        down.url,
        '--initial-delay-ms',
        '0',
        '--attempts',
        '2',
      ]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(
        /could not reach OSV at http:\/\/127\.0\.0\.1:\d+ for the batch query \(HTTP 500\); nothing was written/,
      );
      expect(down.batches).toHaveLength(2);
      expect(existsSync(f.output)).toBe(false);
    } finally {
      await down.close();
    }
  });

  test('a malformed Package.resolved → exit 2 naming the file and the pin', async () => {
    const f = files(JSON.stringify({ pins: [{ identity: 'whisperkit' }], version: 2 }));
    const r = await run(f);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('pins[0] needs "identity" and "location"');
  });
});

describe('OSV SwiftURL names', () => {
  test.each([
    ['https://github.com/argmaxinc/WhisperKit.git', WHISPERKIT],
    ['https://github.com/argmaxinc/WhisperKit', WHISPERKIT],
    ['https://github.com/argmaxinc/WhisperKit/', WHISPERKIT],
    ['git@github.com:argmaxinc/WhisperKit.git', WHISPERKIT],
    ['ssh://git@github.com/argmaxinc/WhisperKit.git', WHISPERKIT],
    ['https://user:token@gitlab.example.com/team/pkg.git', 'gitlab.example.com/team/pkg'],
  ])('%s → %s', (location, name) => {
    expect(swiftUrlName(location)).toBe(name);
  });
});
