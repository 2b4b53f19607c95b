/**
 * Echoing input back safely. A value read from a file, a server or a flag may be huge, or hold a
 * newline followed by `::error::`, which GitHub's runner would take as a workflow command. Every
 * message that quotes input passes it through {@link quoteInput}.
 */

/** Longest quoted value, in characters; the rest is cut and counted. */
export const QUOTE_LIMIT = 200;

/**
 * A value for an error or log line: JSON-quoted (so newlines and control characters are escaped
 * and the line stays one line), `::` broken up so it can never start a workflow command, and cut
 * to {@link QUOTE_LIMIT} characters with the number of characters left out.
 */
export function quoteInput(value: unknown, limit = QUOTE_LIMIT): string {
  let text: string;
  try {
    // A string is quoted; anything else is shown as JSON (already one line, strings in it escaped).
    text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  const chars = [...text];
  const cut = chars.length > limit ? chars.slice(0, limit).join('') : text;
  const shown = (typeof value === 'string' ? JSON.stringify(cut) : oneLine(cut)).replace(/::/g, ':\u200b:');
  return chars.length > limit ? `${shown}… (${chars.length - limit} more characters)` : shown;
}

/** One line of free text (e.g. a message that already quotes its input): no line breaks, no `::` commands. */
export function oneLine(text: string): string {
  return text.replace(/\r?\n|\r/g, ' ⏎ ').replace(/::/g, ':\u200b:');
}

/** Escapes the message of a workflow command (`::warning::message`), as the runner decodes it. */
function escapeCommandData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeCommandProperty(text: string): string {
  return escapeCommandData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** A GitHub workflow command line, e.g. `::warning title=No baseline::…`, with its data escaped. */
export function workflowCommand(command: 'warning' | 'error' | 'notice', message: string, title?: string): string {
  const props = title ? ` title=${escapeCommandProperty(title)}` : '';
  return `::${command}${props}::${escapeCommandData(message)}\n`;
}
