/**
 * Word error rate: (substitutions + deletions + insertions) / reference words, from the word-level
 * edit distance between a reference transcript and what the model returned.
 */

/**
 * The words of a transcript as the accuracy gate compares them, stated once:
 * - Unicode NFKC, then lower case (`The` and `the` are one word);
 * - punctuation and symbols dropped, apostrophes included (`don't` → `dont`, `"yes!"` → `yes`);
 * - numbers compared as written, digits never turned into words (`20` ≠ `twenty`: the reference
 *   transcripts write each number the way the model is expected to); a `,` between digits is a
 *   thousands separator and dropped (`1,000` → `1000`), a `.` between digits a decimal point and
 *   kept (`3.5`);
 * - whitespace of any kind separates words; a word left empty is no word.
 */
export function normalizeWords(text: string): string[] {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .split(/\s+/u)
    .map(wordOf)
    .filter((w) => w.length > 0);
}

/** One whitespace-separated token without its punctuation and symbols; a `.` between two digits stays. */
function wordOf(token: string): string {
  return token.replace(/[^\p{L}\p{N}\p{M}]/gu, (ch, offset: number) =>
    ch === '.' && /\d/.test(token[offset - 1] ?? '') && /\d/.test(token[offset + 1] ?? '') ? '.' : '',
  );
}

/** Word-level Levenshtein distance: the fewest substitutions, deletions and insertions turning `reference` into `hypothesis`. */
export function wordEditDistance(reference: readonly string[], hypothesis: readonly string[]): number {
  // One row of the dynamic-programming table at a time: O(|hypothesis|) memory.
  let previous = Array.from({ length: hypothesis.length + 1 }, (_, j) => j);
  for (let i = 1; i <= reference.length; i++) {
    const row = [i];
    for (let j = 1; j <= hypothesis.length; j++) {
      const substitution = previous[j - 1]! + (reference[i - 1] === hypothesis[j - 1] ? 0 : 1);
      row.push(Math.min(substitution, previous[j]! + 1, row[j - 1]! + 1));
    }
    previous = row;
  }
  return previous[hypothesis.length]!;
}

/** Edits and reference words of one or more transcripts: their ratio is the corpus word error rate. */
export interface WordErrors {
  readonly edits: number;
  readonly referenceWords: number;
}

/** The word errors of one transcript against its reference, after {@link normalizeWords}. */
export function wordErrors(reference: string, hypothesis: string): WordErrors {
  const ref = normalizeWords(reference);
  return { edits: wordEditDistance(ref, normalizeWords(hypothesis)), referenceWords: ref.length };
}

/**
 * The corpus word error rate: all edits over all reference words (not the mean of per-clip rates,
 * which would weigh a three-word clip like a three-hundred-word one). 0 for no reference words and
 * no edits; above 1 when the model inserts more words than the references hold.
 */
export function corpusWordErrorRate(errors: readonly WordErrors[]): number {
  const edits = errors.reduce((a, e) => a + e.edits, 0);
  const words = errors.reduce((a, e) => a + e.referenceWords, 0);
  if (words === 0) return edits === 0 ? 0 : Infinity;
  return edits / words;
}
