import type { IConstruct } from 'constructs';

/**
 * A mistake in a construct's configuration. The message starts with the construct path,
 * so the user knows which workflow, job or file it concerns, e.g.
 * `[ci-test/lint-tts] timeoutMinutes must be 1–360, got 0`.
 */
export class ValidationError extends Error {
  /** The construct path the error belongs to. */
  public readonly constructPath: string;

  constructor(scope: IConstruct, message: string) {
    const path = scope.node.path || '<root>';
    super(`[${path}] ${message}`);
    this.name = 'ValidationError';
    this.constructPath = path;
  }
}

/** One problem found while validating a whole tree or a whole set of outputs. */
export interface Finding {
  /** Where: a construct path, or a field path such as `platform.services[0].port`. */
  readonly location: string;
  /** What is wrong, with the value received and the allowed values or the fix. */
  readonly message: string;
  /** A stable code, e.g. `pipelines:pinned-actions`. */
  readonly code?: string;
}

/** Many findings reported at once, one per line, so a user fixes them in one pass. */
export class FindingsError extends Error {
  public readonly findings: readonly Finding[];

  constructor(title: string, findings: readonly Finding[]) {
    const lines = findings.map((f) => `  - [${f.location}] ${f.code ? `${f.code}: ` : ''}${f.message}`);
    super(`${title} (${findings.length}):\n${lines.join('\n')}`);
    this.name = 'FindingsError';
    this.findings = findings;
  }
}

/** Formats a list of valid choices for error messages: `a, b, c`. */
export function choices(values: Iterable<string>): string {
  return [...values].sort().join(', ') || '(none)';
}
