import * as fc from 'fast-check';
import { tagGlobsOverlap } from '../src/synth/model/tag-globs';

/** GitHub's filter reading of a glob of literals, `*` and `**`, as a regular expression. */
const regexOf = (glob: string) =>
  new RegExp(
    `^${glob
      .split(/(\*\*|\*)/)
      .map((part) => (part === '**' ? '.*' : part === '*' ? '[^/]*' : part.replace(/[.]/g, '\\.')))
      .join('')}$`,
  );

/** Every string over the alphabet up to `max` characters. */
function* strings(alphabet: readonly string[], max: number): Generator<string> {
  let layer = [''];
  yield '';
  for (let n = 1; n <= max; n++) {
    layer = layer.flatMap((s) => alphabet.map((c) => s + c));
    yield* layer;
  }
}

describe('tagGlobsOverlap', () => {
  test.each([
    ['v*.*.*', 'app-v*', false],
    ['v*', 'app-v*', false],
    ['*', 'app-v*', true],
    ['v*.*.*', 'v*', true],
    ['release/*', 'release-*', false],
    ['*', 'a/b', false],
    ['**', 'a/b', true],
    ['a*b', 'a*c', false],
    ['a*', '*b', true],
  ])('%j and %j → %s', (a, b, overlap) => {
    expect(tagGlobsOverlap(a, b)).toBe(overlap);
    expect(tagGlobsOverlap(b, a)).toBe(overlap);
  });

  // A witness, when there is one, is no longer than the two globs together.
  test('property: agrees with a search for a tag both match', () => {
    const glob = fc.array(fc.constantFrom('a', 'b', '/', '*', '**'), { maxLength: 4 }).map((p) => p.join(''));
    fc.assert(
      fc.property(glob, glob, (a, b) => {
        const ra = regexOf(a);
        const rb = regexOf(b);
        let found = false;
        for (const s of strings(['a', 'b', '/'], a.length + b.length)) {
          if (ra.test(s) && rb.test(s)) {
            found = true;
            break;
          }
        }
        return tagGlobsOverlap(a, b) === found;
      }),
      { numRuns: 200 },
    );
  });
});
