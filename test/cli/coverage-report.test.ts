import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { coverageReportCommand } from '../../src/runtime/cli/coverage-report';
import { runCliInProcess } from '../support/run-cli';

/** xccov's JSON report, as `xcrun xccov view --report --json` writes it (fields beyond these are let through). */
const report = (app: [number, number], extra: object = {}) => ({
  coveredLines: 0,
  executableLines: 0,
  lineCoverage: 0,
  targets: [
    {
      name: 'VoiceTranscriber.app',
      coveredLines: app[0],
      executableLines: app[1],
      lineCoverage: app[0] / app[1],
      buildProductPath: '/x',
      files: [],
    },
    { name: 'VoiceTranscriberTests.xctest', coveredLines: 900, executableLines: 900, lineCoverage: 1, files: [] },
  ],
  ...extra,
});

describe('coverage-report', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'coverage-'));
  });
  const write = (data: unknown) => {
    const file = path.join(dir, 'coverage.json');
    writeFileSync(file, JSON.stringify(data));
    return file;
  };

  test("the app's own lines only (test bundles cover themselves), a row per target and the total in the summary", async () => {
    const summary = path.join(dir, 'summary.md');
    const r = await runCliInProcess(coverageReportCommand, [
      '--report',
      write(report([613, 1000])),
      '--title',
      'unit tests',
      '--min-line-pct',
      '60',
      '--summary',
      summary,
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('unit tests: 61.3 % of 1000 lines covered (VoiceTranscriber.app 61.3 %)\n');
    const md = readFileSync(summary, 'utf8');
    expect(md).toContain('### Line coverage: unit tests ✅ (floor 60 %)');
    expect(md).toContain('| VoiceTranscriber.app | 613 | 1000 | 61.3 % |');
    expect(md).not.toContain('xctest');
  });

  test('below the floor → 1, the table still written; without a floor, only reported', async () => {
    const summary = path.join(dir, 'summary.md');
    const low = await runCliInProcess(coverageReportCommand, [
      '--report',
      write(report([599, 1000])),
      '--title',
      'unit tests',
      '--min-line-pct',
      '60',
      '--summary',
      summary,
    ]);
    expect(low.code).toBe(1);
    expect(low.stderr).toContain('unit tests: line coverage 59.9 % is below the floor of 60 %');
    expect(readFileSync(summary, 'utf8')).toContain('❌ below the floor of 60 %');
    expect((await runCliInProcess(coverageReportCommand, ['--report', write(report([1, 1000]))])).code).toBe(0);
  });

  test.each([
    ["a report that is not xccov's", { lineCoverage: 0.5 }, /targets/],
    [
      'a build that was not instrumented',
      { targets: [{ name: 'VoiceTranscriberTests.xctest', coveredLines: 0, executableLines: 0 }] },
      /no executable line outside the test bundles/,
    ],
  ])('%s → 2', async (_label, data, message) => {
    const r = await runCliInProcess(coverageReportCommand, ['--report', write(data), '--min-line-pct', '60']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});
