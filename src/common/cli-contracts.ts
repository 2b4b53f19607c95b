/**
 * The flags of each helper CLI, defined once: the CLI builds its parser from them and the
 * workflow definitions build their command lines from them, so a renamed flag cannot leave a
 * workflow calling a flag that no longer exists.
 */
export interface CliContract<F extends string> {
  /** The bin name in package.json. */
  readonly bin: string;
  readonly flags: Readonly<Record<F, string>>;
}

function contract<F extends string>(bin: string, flags: Record<F, string>): CliContract<F> {
  return { bin, flags };
}

export const CHECK_PERFORMANCE_REGRESSION = contract('check-performance-regression', {
  current: '--current',
  baseline: '--baseline',
  thresholds: '--thresholds',
  p95IncreasePct: '--max-p95-increase-pct',
  p99IncreasePct: '--max-p99-increase-pct',
  maxErrorRate: '--max-error-rate',
  maxErrorRateIncrease: '--max-error-rate-increase',
  throughputDecreasePct: '--max-throughput-decrease-pct',
  updateBaseline: '--update-baseline',
  summary: '--summary',
});

export const GENERATE_BUILD_METADATA = contract('generate-build-metadata', {
  out: '--out',
  matrix: '--matrix',
});

export const SMOKE_TEST = contract('smoke-test', {
  baseUrl: '--base-url',
  healthPath: '--health-path',
  synthesisPath: '--synthesis-path',
  text: '--text',
  timeout: '--timeout-ms',
  retries: '--retries',
});

export const LOAD_TEST = contract('load-test', {
  baseUrl: '--base-url',
  path: '--path',
  text: '--text',
  rate: '--rate',
  duration: '--duration',
  scenario: '--scenario',
  maxInFlight: '--max-in-flight',
  timeout: '--timeout-ms',
  out: '--out',
});

export const CHECK_SWIFT_PINS = contract('check-swift-pins', {
  resolved: '--resolved',
  require: '--require',
});

/** Every CLI, for package.json bins and the --help check. */
export const ALL_CLIS = [CHECK_PERFORMANCE_REGRESSION, GENERATE_BUILD_METADATA, SMOKE_TEST, LOAD_TEST, CHECK_SWIFT_PINS] as const;

/**
 * A shell command line for a workflow step: `npx --no-install <bin> --flag value …`. Values are
 * written as given, so pass `"$VAR"` (quoted env references), never `${{ }}` expressions.
 * `true` renders a bare switch.
 */
export function commandLine<F extends string>(cli: CliContract<F>, args: Partial<Record<F, string | true | readonly string[]>>): string {
  const parts = ['npx', '--no-install', cli.bin];
  for (const [key, value] of Object.entries(args) as [F, string | true | readonly string[]][]) {
    const flag = cli.flags[key];
    if (value === true) parts.push(flag);
    else for (const v of typeof value === 'string' ? [value] : value) parts.push(flag, v);
  }
  return parts.join(' ');
}
