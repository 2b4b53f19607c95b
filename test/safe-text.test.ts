import { oneLine, quoteInput, workflowCommand } from '../src/common/safe-text';

describe('echoing input back', () => {
  test('a huge value is cut, and says how much was left out', () => {
    const quoted = quoteInput('x'.repeat(50 * 1024 * 1024));
    expect(quoted.length).toBeLessThan(300);
    expect(quoted).toMatch(/^"x{200}"… \(52428600 more characters\)$/);
  });

  test('a newline followed by ::error:: can never start a workflow command', () => {
    for (const text of [quoteInput('ok\n::error::pwned'), oneLine('ok\n::error::pwned'), quoteInput({ a: 'b\n::warning::c' })]) {
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
