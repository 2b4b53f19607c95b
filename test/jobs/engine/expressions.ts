import { githubEngine } from './github-engine';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** Plain JSON-like values the runner keeps its contexts in. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** The status of a job so far, for success(), failure(), cancelled() and always(). */
export interface StatusFunctions {
  readonly status: 'success' | 'failure' | 'cancelled' | 'skipped';
  /** hashFiles(...patterns) relative to the workspace; absent where GitHub does not offer it. */
  readonly hashFiles?: (patterns: string[]) => string;
}

const CONTEXT_NAMES = [
  'github',
  'env',
  'vars',
  'secrets',
  'inputs',
  'needs',
  'jobs',
  'steps',
  'matrix',
  'strategy',
  'runner',
  'job',
];

/** Converts a plain value into the engine's data (through its own JSON reviver). */
export function toData(value: Json): any {
  const { data } = githubEngine().expressions;
  return JSON.parse(JSON.stringify(value), data.reviver);
}

/** Converts the engine's data back into a plain value. */
export function fromData(d: any): Json {
  const { data } = githubEngine().expressions;
  return JSON.parse(JSON.stringify(d, data.replacer)) as Json;
}

/**
 * Evaluates one expression (the text inside `${{ }}`, or an `if:` as the parser converted it)
 * with GitHub's lexer, parser and evaluator. The status functions and hashFiles are the caller's,
 * as on GitHub's runner.
 */
export function evaluate(expression: string, contexts: Record<string, Json>, status: StatusFunctions): any {
  const { Lexer, Parser, Evaluator, data } = githubEngine().expressions;
  const lexed = new Lexer(expression).lex();
  const fns = [
    { name: 'success', minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(status.status === 'success') },
    { name: 'failure', minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(status.status === 'failure') },
    { name: 'cancelled', minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(status.status === 'cancelled') },
    { name: 'always', minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(true) },
    {
      name: 'hashFiles',
      minArgs: 1,
      maxArgs: 255,
      call: (...args: any[]) => {
        if (!status.hashFiles) throw new Error(`hashFiles() is not available here: ${expression}`);
        return new data.StringData(status.hashFiles(args.map((a) => a.coerceString())));
      },
    },
  ];
  const ast = new Parser(
    lexed.tokens,
    CONTEXT_NAMES,
    fns.map(({ name, minArgs, maxArgs }) => ({ name, minArgs, maxArgs })),
  ).parse();
  const context = new data.Dictionary();
  for (const [name, value] of Object.entries(contexts)) context.add(name, toData(value));
  return new Evaluator(ast, context, new Map(fns.map((f) => [f.name.toLowerCase(), f]))).evaluate();
}

/** An expression's value as a condition (GitHub's truthiness). */
export function evaluateCondition(
  expression: string,
  contexts: Record<string, Json>,
  status: StatusFunctions,
): boolean {
  return githubEngine().truthy(evaluate(expression, contexts, status));
}

/** An expression's value as GitHub writes it into a string: objects as JSON, null as ''. */
export function evaluateToString(expression: string, contexts: Record<string, Json>, status: StatusFunctions): string {
  const d = evaluate(expression, contexts, status);
  const plain = fromData(d);
  if (plain === null) return '';
  if (typeof plain === 'object') return JSON.stringify(plain, null, 2);
  return d.coerceString();
}
