import * as fc from 'fast-check';
import {
  cutCharacters,
  OUTPUT_LINE_LIMIT,
  oneLine,
  quoteInput,
  safeOutput,
  workflowCommand,
} from '../src/common/safe-text';
import { safeIo } from '../src/runtime/cli/run-cli';

describe('echoing input back', () => {
  test('a huge value is cut, and says how much was left out', () => {
    const quoted = quoteInput('x'.repeat(50 * 1024 * 1024));
    expect(quoted.length).toBeLessThan(300);
    expect(quoted).toMatch(/^"x{200}"… \(52428600 more characters\)$/);
  });

  test('property: the cut keeps the first characters whole (surrogate pairs too) and counts the rest', () => {
    const text = fc
      .array(
        fc.oneof(
          fc.string({ unit: 'grapheme' }),
          fc.string({ unit: 'binary' }),
          fc.constantFrom('\ud83d\ude00', '\ud83d', '\ude00'),
        ),
        { maxLength: 20 },
      )
      .map((p) => p.join(''));
    fc.assert(
      fc.property(text, fc.integer({ min: 0, max: 40 }), (t, limit) => {
        const chars = [...t];
        const { head, left } = cutCharacters(t, limit);
        return head === chars.slice(0, limit).join('') && left === Math.max(0, chars.length - limit);
      }),
    );
  });

  test('a newline followed by ::error:: can never start a workflow command', () => {
    for (const text of [
      quoteInput('ok\n::error::pwned'),
      oneLine('ok\n::error::pwned'),
      quoteInput({ a: 'b\n::warning::c' }),
    ]) {
      expect(text).not.toContain('\n');
      expect(text).not.toContain('::');
    }
  });

  test('numbers and objects keep their JSON form', () => {
    expect(quoteInput(-1)).toBe('-1');
    expect(quoteInput(null)).toBe('null');
    expect(quoteInput('fast')).toBe('"fast"');
  });

  test('a workflow command escapes its data the way the runner decodes it', () => {
    expect(workflowCommand('warning', 'a\nb%c', 'T: x, y')).toBe('::warning title=T%3A x%2C y::a%0Ab%25c\n');
  });
});

// Guards a past defect: CLIs printed package names, advisory summaries and feed versions raw.
describe('the safe-output layer every CLI writes through', () => {
  test('a value can never start a workflow command, on any line', () => {
    const out = safeOutput('pkg\n::add-mask::secret\n  ::error file=x::pwned\n##[error]old style\nnot ::a command');
    expect(out.split('\n')).toEqual([
      'pkg',
      ':\u200b:add-mask::secret',
      '  :\u200b:error file=x::pwned',
      '#\u200b#[error]old style',
      'not ::a command',
    ]);
  });

  test('escape sequences and control characters go, credentials in URLs are redacted, long lines are cut', () => {
    expect(safeOutput('\x1b[31mred\x1b[0m \x1b]0;title\x07bell\x07 nul\x00')).toBe('red bell nul');
    expect(safeOutput('index https://user:p4ss@pypi.example/simple and git+ssh://token@github.com/x')).toBe(
      'index https://***@pypi.example/simple and git+ssh://***@github.com/x',
    );
    expect(safeOutput('y'.repeat(5 * 1024 * 1024))).toMatch(
      new RegExp(`^y{${OUTPUT_LINE_LIMIT}}… \\(${5 * 1024 * 1024 - OUTPUT_LINE_LIMIT} more characters\\)$`),
    );
    expect(safeOutput('plain text\twith a tab\n')).toBe('plain text\twith a tab\n');
  });

  test('property: no line of any output starts a workflow command', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.string(), fc.constantFrom('::', '##[', '\n', ' ', '\t', '\x1b[', '\r')), {
          maxLength: 30,
        }),
        (parts) => {
          for (const line of safeOutput(parts.join('')).split('\n')) expect(/^\s*(::|##\[)/.test(line)).toBe(false);
        },
      ),
    );
  });

  test('a CLI prints a workflow command only through io.command', async () => {
    let printed = '';
    const io = safeIo({
      stdout: (t) => {
        printed += t;
      },
      stderr: () => undefined,
      env: {},
    });
    io.stdout('::error::from a value\n');
    io.command('error', 'from the CLI', 'title');
    expect(printed).toBe(':\u200b:error::from a value\n::error title=title::from the CLI\n');
  });
});
