import jsep from 'jsep';

/** A value the evaluation cannot know (a secret, a step output, a file hash): the answer then depends on it. */
export const UNKNOWN: unique symbol = Symbol('unknown');
export type ExprValue =
  string | number | boolean | null | readonly ExprValue[] | { readonly [key: string]: ExprValue } | typeof UNKNOWN;

/** The partial objects, kept aside: a hidden property on each would change its shape and slow every read of it. */
const PARTIALS = new WeakSet<object>();

/** An object of which only some keys are known: any other key reads as {@link UNKNOWN}, not `null`. */
export function partial<T extends Record<string, ExprValue>>(known: T): T {
  PARTIALS.add(known);
  return known;
}

/** The contexts an expression reads; a missing key of a known object is `null`, as on GitHub. */
export type ExprContext = Readonly<Record<string, ExprValue>>;

/** What the status functions answer: the run as it would go if every job that starts succeeds. */
export interface JobStatus {
  /** `success()`: every job this one needs succeeded. */
  readonly success: boolean | typeof UNKNOWN;
}

/** Removes `${{ }}` around an expression. */
export function stripDelimiters(text: string): string {
  const m = /^\s*\$\{\{([\s\S]*)\}\}\s*$/.exec(text);
  return (m ? m[1]! : text).trim();
}

/**
 * GitHub's syntax in JavaScript's: `a.*.b` becomes `a['*'].b`, a dashed name (`needs.lint-tts`)
 * a computed member, and a single-quoted string with `''` a JavaScript one with `\'`.
 */
function toJs(expression: string): string {
  return expression
    .split(/('(?:[^']|'')*')/)
    .map((part, i) => {
      if (i % 2 === 1) return `'${part.slice(1, -1).replace(/''/g, "\\'")}'`;
      return part
        .replace(/\.\*/g, "['*']")
        .replace(/\.([A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_-]+)+)/g, (_, name: string) => `['${name}']`);
    })
    .join('');
}

const isUnknown = (v: ExprValue): v is typeof UNKNOWN => v === UNKNOWN;

/** GitHub's truthiness: false, 0, -0, '', null and NaN are false. */
function truthy(v: ExprValue): boolean | typeof UNKNOWN {
  if (isUnknown(v)) return UNKNOWN;
  return !(v === false || v === 0 || v === '' || v === null || (typeof v === 'number' && Number.isNaN(v)));
}

function toNumber(v: ExprValue): number {
  if (v === null) return 0;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return v.trim() === '' ? 0 : Number(v);
  return NaN;
}

/** `==`: strings compare without case; other types are coerced to numbers (GitHub's rules). */
function looseEquals(a: ExprValue, b: ExprValue): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
  if (typeof a === 'object' || typeof b === 'object') return a === b;
  if (typeof a === typeof b) return a === b;
  return toNumber(a) === toNumber(b);
}

function member(object: ExprValue, key: ExprValue): ExprValue {
  if (isUnknown(object) || isUnknown(key)) return UNKNOWN;
  if (key === '*') {
    if (Array.isArray(object)) return object;
    if (object && typeof object === 'object') return Object.values(object);
    return [];
  }
  if (Array.isArray(object)) {
    if (typeof key === 'number') return object[key] ?? null;
    // A property of a filtered list applies to each item (`labels.*.name`).
    const items = object.map((item) => member(item, key));
    return items.some(isUnknown) ? UNKNOWN : items;
  }
  if (object && typeof object === 'object') {
    const found = Object.keys(object).find((k) => k.toLowerCase() === String(key).toLowerCase());
    if (found === undefined) return PARTIALS.has(object) ? UNKNOWN : null;
    return (object as Record<string, ExprValue>)[found]!;
  }
  return null;
}

function call(name: string, args: ExprValue[], status: JobStatus): ExprValue {
  switch (name.toLowerCase()) {
    case 'success':
      return status.success;
    case 'always':
      return true;
    case 'failure':
      return false; // the run as it goes when every job succeeds
    case 'cancelled':
      return false;
    default:
      break;
  }
  if (args.some(isUnknown)) return UNKNOWN;
  const [a, b] = args;
  const text = (v: ExprValue) =>
    typeof v === 'string' ? v : v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  switch (name.toLowerCase()) {
    case 'contains':
      return Array.isArray(a)
        ? a.some((x) => looseEquals(x, b!))
        : text(a!).toLowerCase().includes(text(b!).toLowerCase());
    case 'startswith':
      return text(a!).toLowerCase().startsWith(text(b!).toLowerCase());
    case 'endswith':
      return text(a!).toLowerCase().endsWith(text(b!).toLowerCase());
    case 'format':
      return text(a!).replace(/\{(\d+)\}/g, (_, i: string) => text(args[Number(i) + 1] ?? ''));
    case 'join':
      return Array.isArray(a) ? a.map(text).join(b === undefined ? ',' : text(b)) : text(a!);
    case 'tojson':
      return JSON.stringify(a);
    case 'fromjson':
      try {
        return JSON.parse(text(a!));
      } catch {
        return UNKNOWN;
      }
    default:
      return UNKNOWN; // hashFiles and the like: known only on the runner
  }
}

function evaluate(node: jsep.Expression, context: ExprContext, status: JobStatus): ExprValue {
  switch (node.type) {
    case 'Literal':
      return (node as jsep.Literal).value as ExprValue;
    case 'Identifier': {
      const name = (node as jsep.Identifier).name;
      if (name === 'null') return null;
      if (name === 'true' || name === 'false') return name === 'true';
      return member(context as ExprValue, name);
    }
    case 'MemberExpression': {
      const m = node as jsep.MemberExpression;
      const key = m.computed ? evaluate(m.property, context, status) : (m.property as jsep.Identifier).name;
      return member(evaluate(m.object, context, status), key);
    }
    case 'UnaryExpression': {
      const u = node as jsep.UnaryExpression;
      if (u.operator !== '!') throw new Error(`operator ${u.operator} is not part of GitHub's expression syntax`);
      const t = truthy(evaluate(u.argument, context, status));
      return isUnknown(t) ? UNKNOWN : !t;
    }
    case 'BinaryExpression': {
      const b = node as jsep.BinaryExpression;
      const left = evaluate(b.left, context, status);
      if (b.operator === '&&' || b.operator === '||') {
        const t = truthy(left);
        if (isUnknown(t)) {
          const right = truthy(evaluate(b.right, context, status));
          // UNKNOWN && false is false; UNKNOWN || true is true; otherwise still unknown.
          if (b.operator === '&&' && right === false) return false;
          if (b.operator === '||' && right === true) return true;
          return UNKNOWN;
        }
        if (b.operator === '&&') return t ? evaluate(b.right, context, status) : left;
        return t ? left : evaluate(b.right, context, status);
      }
      const right = evaluate(b.right, context, status);
      if (isUnknown(left) || isUnknown(right)) return UNKNOWN;
      switch (b.operator) {
        case '==':
          return looseEquals(left, right);
        case '!=':
          return !looseEquals(left, right);
        case '<':
          return toNumber(left) < toNumber(right);
        case '<=':
          return toNumber(left) <= toNumber(right);
        case '>':
          return toNumber(left) > toNumber(right);
        case '>=':
          return toNumber(left) >= toNumber(right);
        default:
          throw new Error(`operator ${b.operator} is not part of GitHub's expression syntax`);
      }
    }
    case 'CallExpression': {
      const c = node as jsep.CallExpression;
      const name = (c.callee as jsep.Identifier).name;
      return call(
        name,
        c.arguments.map((a) => evaluate(a, context, status)),
        status,
      );
    }
    default:
      throw new Error(`${node.type} is not part of GitHub's expression syntax`);
  }
}

/** Whether the expression uses a status function (else GitHub prepends `success() &&`). */
export function usesStatusFunction(expression: string): boolean {
  return /\b(success|always|failure|cancelled)\s*\(/i.test(expression.replace(/'(?:[^']|'')*'/g, "''"));
}

/**
 * Evaluates a job's `if:` as GitHub would, with three-valued logic: true, false, or
 * {@link UNKNOWN} when the answer depends on something only the runner knows.
 */
export function evaluateCondition(
  expression: string,
  context: ExprContext,
  status: JobStatus,
): boolean | typeof UNKNOWN {
  return truthy(evaluate(parsedCondition(expression), context, status));
}

/** Parsed conditions by their text: a table of many questions evaluates the same few hundred `if:`s again and again. */
const CONDITIONS = new Map<string, jsep.Expression>();

function parsedCondition(expression: string): jsep.Expression {
  let tree = CONDITIONS.get(expression);
  if (!tree) {
    const text = stripDelimiters(expression);
    tree = jsep(toJs(usesStatusFunction(text) ? text : `success() && (${text})`));
    CONDITIONS.set(expression, tree);
  }
  return tree;
}

/** Evaluates a value expression (`${{ format(...) }}`): its text, or {@link UNKNOWN}. */
export function evaluateValue(expression: string, context: ExprContext): string | typeof UNKNOWN {
  const v = evaluate(jsep(toJs(stripDelimiters(expression))), context, { success: true });
  if (isUnknown(v)) return UNKNOWN;
  return typeof v === 'string' ? v : JSON.stringify(v);
}
