import { FindingsError, ValidationError } from '../src';

/**
 * Runs a synthesis and returns the process exit code. A mistake in a definition is the user's to
 * fix: its message names the construct path and the field, and a stack trace would only bury it,
 * so it prints alone (exit 1). Anything else is a bug in this package and keeps its trace.
 */
export function runSynthesis(synth: () => void, stderr: (text: string) => void): number {
  try {
    synth();
    return 0;
  } catch (e) {
    if (!(e instanceof FindingsError || e instanceof ValidationError)) throw e;
    stderr(`${e.message}\n`);
    return 1;
  }
}
