/** A stand-in's refusal: printed as the real tool would, with its exit code. */
export class ToolError extends Error {
  constructor(
    message: string,
    readonly code = 1,
  ) {
    super(message);
  }
}

/**
 * What a stand-in returns when it has handed the process over to a program it loaded in place
 * (`npx <this package's bin>`): the program ends the process itself, as `exec` would.
 */
export const HANDED_OVER = Symbol('handed over');

/** A stand-in's result: the exit code, or {@link HANDED_OVER}. */
export type ToolResult = number | typeof HANDED_OVER;

export interface ArgSpec {
  /** Flags that take a value (`--namespace x`, `--namespace=x`, `-n x`). */
  readonly values?: readonly string[];
  /** Flags that may repeat, each with a value. */
  readonly multi?: readonly string[];
  /** Flags without a value. */
  readonly bools?: readonly string[];
  /** Exact number of positional arguments, or [min, max]. */
  readonly positionals?: number | readonly [number, number];
}

export interface ParsedArgs {
  readonly flags: Record<string, string>;
  readonly multi: Record<string, string[]>;
  readonly bools: Set<string>;
  readonly positionals: string[];
}

/** Parses a command line strictly: an unknown flag or a wrong number of arguments is refused, as the real CLIs do. */
export function parseArgs(tool: string, args: readonly string[], spec: ArgSpec): ParsedArgs {
  const flags: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  const bools = new Set<string>();
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a.startsWith('-') && a !== '-') {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(0, eq) : a;
      const inline = eq > 0 ? a.slice(eq + 1) : undefined;
      if (spec.bools?.includes(name)) {
        if (inline !== undefined && inline !== 'true' && inline !== 'false') {
          throw new ToolError(`${tool}: invalid boolean value "${inline}" for ${name}`);
        }
        if (inline !== 'false') bools.add(name);
      } else if (spec.values?.includes(name) || spec.multi?.includes(name)) {
        const value = inline ?? args[++i];
        if (value === undefined) throw new ToolError(`${tool}: flag needs an argument: ${name}`);
        if (spec.multi?.includes(name)) (multi[name] ??= []).push(value);
        else flags[name] = value;
      } else {
        throw new ToolError(`${tool}: unknown flag: ${name}`);
      }
    } else {
      positionals.push(a);
    }
  }
  const [min, max] =
    typeof spec.positionals === 'number' ? [spec.positionals, spec.positionals] : (spec.positionals ?? [0, 0]);
  if (positionals.length < min || positionals.length > max) {
    throw new ToolError(
      `${tool}: expected ${min === max ? min : `${min}–${max}`} argument(s), got ${positionals.length}: ${positionals.join(' ')}`,
    );
  }
  return { flags, multi, bools, positionals };
}

/** A value the real tool requires. */
export function need(p: ParsedArgs, tool: string, flag: string): string {
  const v = p.flags[flag];
  if (!v) throw new ToolError(`${tool}: required flag ${flag} not set`);
  return v;
}
