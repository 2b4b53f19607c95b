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
    text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  const { head, left } = cutCharacters(text, limit);
  const shown = (typeof value === 'string' ? JSON.stringify(head) : oneLine(head)).replace(/::/g, ':\u200b:');
  return left > 0 ? `${shown}… (${left} more characters)` : shown;
}

/**
 * The first `limit` characters (code points, so a surrogate pair is never split) and how many are
 * left. Counts in one pass over the code units: spreading a value of tens of MB into an array of
 * characters took seconds.
 */
export function cutCharacters(text: string, limit: number): { readonly head: string; readonly left: number } {
  if (text.length <= limit) return { head: text, left: 0 };
  let count = 0;
  let end = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    // A high surrogate followed by a low one is one character.
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    count++;
    if (count === limit) end = i + 1;
  }
  return count > limit ? { head: text.slice(0, end), left: count - limit } : { head: text, left: 0 };
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

/** Longest line a CLI prints of text it did not write (a multi-megabyte value is cut, and counted). */
export const OUTPUT_LINE_LIMIT = 4000;

/**
 * Text for a CLI's output that may hold values it did not write itself (package names, advisory
 * summaries, feed versions): on each line, a leading `::` or `##[` (which GitHub's runner obeys as a
 * workflow command, e.g. `::add-mask::` or `::error::`) is broken up, terminal escape sequences and
 * other control characters are removed, credentials in URLs (`https://user:pass@host`) are redacted,
 * and a line longer than {@link OUTPUT_LINE_LIMIT} is cut. Newlines and tabs stay.
 */
export function safeOutput(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      let out = line
        .replace(/\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[@-_]/g, '')
        .replace(/[\x00-\x08\x0b-\x1f\x7f\x9b]/g, '')
        .replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^/\s:@]+(:[^/\s@]*)?@/gi, '$1***@');
      out = out.replace(
        /^(\s*)(::|##\[)/,
        (_m, space: string, command: string) => `${space}${command === '::' ? ':\u200b:' : '#\u200b#['}`,
      );
      const { head, left } = cutCharacters(out, OUTPUT_LINE_LIMIT);
      return left > 0 ? `${head}… (${left} more characters)` : out;
    })
    .join('\n');
}
