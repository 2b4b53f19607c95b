/**
 * Validation of GitHub Actions `schedule` cron expressions.
 *
 * GitHub accepts POSIX cron with five fields and the operators `*` `,` `-` `/`, plus month
 * and weekday names. General-purpose cron libraries accept more (seconds, `L`, `#`, `?`),
 * which GitHub rejects, so this checks GitHub's dialect exactly.
 * @see https://docs.github.com/actions/writing-workflows/choosing-when-your-workflow-runs/events-that-trigger-workflows#schedule
 */

interface CronField {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
}

const FIELDS: readonly CronField[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  {
    name: 'month',
    min: 1,
    max: 12,
    names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
  },
  { name: 'day of week', min: 0, max: 6, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
];

function parseValue(token: string, field: CronField): number | undefined {
  if (/^\d+$/.test(token)) return Number(token);
  const index = field.names?.indexOf(token.toUpperCase()) ?? -1;
  if (index >= 0) return field.min + index;
  return undefined;
}

function checkPart(part: string, field: CronField): string | undefined {
  const [range, step, extra] = part.split('/');
  if (extra !== undefined) return `"${part}" has more than one "/"`;
  if (step !== undefined && !/^[1-9]\d*$/.test(step)) return `step "${step}" must be a positive integer`;
  if (range === '*') return undefined;
  const bounds = range.split('-');
  if (bounds.length > 2) return `"${range}" is not a value or a range`;
  const values = bounds.map((b) => parseValue(b, field));
  for (const [i, value] of values.entries()) {
    if (value === undefined) return `"${bounds[i]}" is not a number${field.names ? ' or a name' : ''}`;
    if (value < field.min || value > field.max) return `${value} is outside ${field.min}–${field.max}`;
  }
  if (values.length === 2 && values[0]! > values[1]!) return `range "${range}" runs backwards`;
  return undefined;
}

/**
 * Checks a cron expression; returns why it is invalid, or undefined when it is valid.
 */
export function cronProblem(expression: string): string | undefined {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== FIELDS.length) {
    return `must have 5 fields (minute hour day-of-month month day-of-week), got ${parts.length} in "${expression}"`;
  }
  for (const [i, field] of FIELDS.entries()) {
    for (const item of parts[i]!.split(',')) {
      const problem = item === '' ? 'empty list item' : checkPart(item, field);
      if (problem) return `${field.name} field "${parts[i]}": ${problem} in "${expression}"`;
    }
  }
  return undefined;
}
