import type { Comparison, ComparisonRow } from './compare';
import { textTable } from '../../common/text-table';

function num(value: number, unit: ComparisonRow['unit']): string {
  const digits = unit === '%' || unit === '×' ? 3 : value >= 100 ? 1 : 2;
  return `${Number(value.toFixed(digits))} ${unit}`;
}

function change(row: ComparisonRow): string {
  if (!Number.isFinite(row.change)) return '+∞ %';
  const sign = row.change > 0 ? '+' : row.change < 0 ? '−' : '±';
  return `${sign}${Number(Math.abs(row.change).toFixed(2))} ${row.changeUnit}`;
}

const VERDICT = { pass: 'pass', regression: 'REGRESSION', info: '—' } as const;

function cells(row: ComparisonRow): string[] {
  return [
    row.metric,
    num(row.reference, row.unit),
    num(row.current, row.unit),
    change(row),
    row.threshold,
    VERDICT[row.verdict],
  ];
}

const HEADER = ['metric', 'reference', 'current', 'change', 'limit', 'verdict'];

/** What the reference is, in words. */
export function referenceLabel(comparison: Comparison): string {
  return comparison.referenceRuns === 1
    ? 'reference: the one earlier passing run'
    : `reference: median of the last ${comparison.referenceRuns} passing runs`;
}

/** A plain-text table for the log. */
export function renderTable(comparison: Comparison): string {
  return `${referenceLabel(comparison)}\n${textTable(HEADER, comparison.rows.map(cells))}`;
}

/**
 * Markdown for the job summary. With `otherConditions` (what differs from the history's runs) the
 * comparison informs and never gates: its heading and a note say so.
 */
export function renderMarkdown(comparison: Comparison, scenario: string, otherConditions?: readonly string[]): string {
  const head = otherConditions
    ? `### ${comparison.regressed ? '⚠️ Beyond' : 'ℹ️ Within'} the history's limits (other conditions, not a gate): ${scenario}`
    : comparison.regressed
      ? `### ❌ Performance regression: ${scenario}`
      : `### ✅ No performance regression: ${scenario}`;
  const note = otherConditions
    ? ['', `Measured under other conditions than the history: ${otherConditions.join('; ')}.`]
    : [];
  const rows = comparison.rows.map((r) => `| ${cells(r).join(' | ')} |`);
  return [
    head,
    ...note,
    '',
    `${referenceLabel(comparison)}.`,
    '',
    `| ${HEADER.join(' | ')} |`,
    `| ${HEADER.map(() => '---').join(' | ')} |`,
    ...rows,
    '',
  ].join('\n');
}
