/**
 * Exit codes shared by every helper CLI: the workflows branch on them.
 * 0 = the check passed, 1 = the check failed, 2 = usage or input error.
 */
export enum ExitCode {
  PASS = 0,
  CHECK_FAILED = 1,
  USAGE_OR_INPUT = 2,
}

/** Bad flags, or an input file that is missing, malformed or incomplete. Exit 2. */
export class InputError extends Error {
  public readonly exitCode = ExitCode.USAGE_OR_INPUT;
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

/** The check ran and failed (regression, unhealthy service, bad pin). Exit 1. */
export class CheckFailedError extends Error {
  public readonly exitCode = ExitCode.CHECK_FAILED;
  constructor(message: string) {
    super(message);
    this.name = 'CheckFailedError';
  }
}
