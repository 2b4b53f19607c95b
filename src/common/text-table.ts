/** A left-aligned plain-text table for CLI output: header, a dashed rule, rows. Widths count characters, not bytes. */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows];
  const len = (s: string) => [...s].length;
  const widths = header.map((_, i) => Math.max(...all.map((r) => len(r[i] ?? ''))));
  const line = (r: readonly string[]) =>
    r
      .map((c, i) => c + ' '.repeat(widths[i]! - len(c)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n') + '\n';
}

/** Text for a cell of a Markdown table: a `|` inside it would end the cell. */
export function markdownCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}
