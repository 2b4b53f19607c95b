/**
 * The stand-in performance corpus: each clip's name, length and what it says. The fixture
 * repository ships it as the app's reference transcripts; the stand-in performance test
 * "transcribes" each clip as its text (or mishears it, under a fault).
 */
export const CORPUS: readonly { readonly name: string; readonly audioSeconds: number; readonly text: string }[] =
  Array.from({ length: 12 }, (_, i) => ({
    name: `clip-${i}.wav`,
    audioSeconds: 30,
    text: `this is reference clip number ${i} of the corpus`,
  }));

/** The corpus as reference transcripts v1. */
export function corpusReferences(): { schemaVersion: 1; transcripts: Record<string, string> } {
  return { schemaVersion: 1, transcripts: Object.fromEntries(CORPUS.map((c) => [c.name, c.text])) };
}

/** A model that mishears one word of every clip: 1 edit in 9 words, a word error rate of 11.1 %. */
export function mishear(text: string): string {
  return text.replace('reference', 'preference');
}
