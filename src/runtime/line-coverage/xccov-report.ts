import { parseWithSchema } from '../../common/schema-validator';

/** One target of `xcrun xccov view --report --json`: an app, framework or test bundle. */
export interface XccovTarget {
  /** e.g. `VoiceTranscriber.app`, `VoiceTranscriberTests.xctest`. */
  readonly name: string;
  readonly coveredLines: number;
  readonly executableLines: number;
}

/** The fields of xccov's JSON report the coverage summary reads (xccov writes more). */
export interface XccovReport {
  readonly targets: readonly XccovTarget[];
}

/** JSON schema of the fields read: anything else xccov writes is let through. */
export const XCCOV_REPORT_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'xccov view --report --json (the fields read)',
  type: 'object',
  required: ['targets'],
  properties: {
    targets: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'coveredLines', 'executableLines'],
        properties: {
          name: { type: 'string', minLength: 1 },
          coveredLines: { type: 'integer', minimum: 0 },
          executableLines: { type: 'integer', minimum: 0 },
        },
      },
    },
  },
} as const;

export function parseXccovReport(data: unknown, source: string): XccovReport {
  return parseWithSchema<XccovReport>(XCCOV_REPORT_SCHEMA, data, source);
}

/** Line coverage of the code under test: every target but the test bundles (`.xctest`), which cover themselves. */
export interface CoverageSummary {
  readonly targets: readonly (XccovTarget & { readonly pct: number })[];
  readonly coveredLines: number;
  readonly executableLines: number;
  /** Covered over executable lines of those targets, in percent (0 with no executable line). */
  readonly pct: number;
}

const pctOf = (covered: number, executable: number) =>
  executable === 0 ? 0 : Number(((covered / executable) * 100).toFixed(2));

export function summarizeCoverage(report: XccovReport): CoverageSummary {
  const targets = report.targets
    .filter((t) => !t.name.endsWith('.xctest'))
    .map((t) => ({ ...t, pct: pctOf(t.coveredLines, t.executableLines) }));
  const coveredLines = targets.reduce((a, t) => a + t.coveredLines, 0);
  const executableLines = targets.reduce((a, t) => a + t.executableLines, 0);
  return { targets, coveredLines, executableLines, pct: pctOf(coveredLines, executableLines) };
}

/** The summary as Markdown: a row per target and the total, with the floor when there is one. */
export function coverageMarkdown(title: string, s: CoverageSummary, minLinePct?: number): string {
  const verdict =
    minLinePct === undefined
      ? ''
      : s.pct >= minLinePct
        ? ` ✅ (floor ${minLinePct} %)`
        : ` ❌ below the floor of ${minLinePct} %`;
  return [
    `### Line coverage: ${title}${verdict}`,
    '',
    '| target | covered lines | executable lines | coverage |',
    '| --- | --- | --- | --- |',
    ...s.targets.map((t) => `| ${t.name} | ${t.coveredLines} | ${t.executableLines} | ${t.pct} % |`),
    `| **total** | ${s.coveredLines} | ${s.executableLines} | **${s.pct} %** |`,
    '',
  ].join('\n');
}
