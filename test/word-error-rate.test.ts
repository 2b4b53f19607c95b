import * as fc from 'fast-check';
import {
  corpusWordErrorRate,
  normalizeWords,
  wordEditDistance,
  wordErrors,
} from '../src/runtime/metrics/word-error-rate';

const word = fc.constantFrom('the', 'cat', 'sat', 'on', 'a', 'mat', 'twenty', '20', 'model');
const words = fc.array(word, { maxLength: 12 });

describe('normalizeWords (the stated normalisation)', () => {
  test.each([
    ['case', 'The CAT', ['the', 'cat']],
    ['punctuation and apostrophes', 'Don\'t — "panic", OK?!', ['dont', 'panic', 'ok']],
    ['a thousands separator', '1,000 words', ['1000', 'words']],
    ['a decimal point', '3.5 seconds.', ['3.5', 'seconds']],
    ['numbers as written', 'twenty 20', ['twenty', '20']],
    ['full-width forms (NFKC) and accents kept', 'ＦＵＬＬ café', ['full', 'café']],
    ['any whitespace', ' a\tb\n\nc ', ['a', 'b', 'c']],
  ])('%s', (_label, text, expected) => {
    expect(normalizeWords(text)).toEqual(expected);
  });
});

describe('word edit distance', () => {
  test('one substitution, one deletion, one insertion', () => {
    expect(wordErrors('the cat sat on the mat', 'the cat sat on mat')).toEqual({ edits: 1, referenceWords: 6 });
    expect(wordErrors('the cat sat', 'the bat sat')).toEqual({ edits: 1, referenceWords: 3 });
    expect(wordErrors('the cat', 'the cat sat')).toEqual({ edits: 1, referenceWords: 2 });
    expect(wordErrors('The cat, sat.', 'the cat sat')).toEqual({ edits: 0, referenceWords: 3 });
  });

  test('is a metric: zero exactly for equal sequences, symmetric, and the triangle inequality holds', () => {
    fc.assert(
      fc.property(words, words, words, (a, b, c) => {
        expect(wordEditDistance(a, b) === 0).toBe(a.join(' ') === b.join(' '));
        expect(wordEditDistance(a, b)).toBe(wordEditDistance(b, a));
        expect(wordEditDistance(a, c)).toBeLessThanOrEqual(wordEditDistance(a, b) + wordEditDistance(b, c));
      }),
    );
  });

  test('lies between the length difference and the longer length', () => {
    fc.assert(
      fc.property(words, words, (a, b) => {
        const d = wordEditDistance(a, b);
        expect(d).toBeGreaterThanOrEqual(Math.abs(a.length - b.length));
        expect(d).toBeLessThanOrEqual(Math.max(a.length, b.length));
      }),
    );
  });

  test('k words inserted anywhere cost exactly k', () => {
    fc.assert(
      fc.property(words, fc.array(fc.tuple(fc.nat(), word), { maxLength: 5 }), (a, inserts) => {
        const b = [...a];
        for (const [at, w] of inserts) b.splice(at % (b.length + 1), 0, w);
        expect(wordEditDistance(a, b)).toBe(inserts.length);
      }),
    );
  });
});

describe('corpus word error rate', () => {
  test("all edits over all reference words, not the mean of the clips' rates", () => {
    // 1 edit in 3 words and 0 in 97: 1 %, where the mean of per-clip rates would say 16.7 %.
    expect(
      corpusWordErrorRate([
        { edits: 1, referenceWords: 3 },
        { edits: 0, referenceWords: 97 },
      ]),
    ).toBeCloseTo(0.01, 10);
    expect(corpusWordErrorRate([])).toBe(0);
    expect(corpusWordErrorRate([{ edits: 2, referenceWords: 0 }])).toBe(Infinity);
  });
});
