import { actionStep, type JobStep, type StepOptions } from '../steps';

/**
 * Inputs of astral-sh/setup-uv (v10).
 * @see https://github.com/astral-sh/setup-uv/blob/v10.0.1/action.yml
 */
export interface SetupUvInputs {
  /** uv version to install; pinned so builds are reproducible. */
  readonly version: string;
  /** Sets UV_PYTHON; uv installs this Python when the runner lacks it. @default - uv's discovery */
  readonly pythonVersion?: string;
  /**
   * Cache uv's package cache in the Actions cache. Must be false in workflows started by
   * tags or releases (cache poisoning).
   * @default false
   */
  readonly enableCache?: boolean;
  /** Files whose hash keys the cache, e.g. `services/tts/uv.lock`. @default - the action's lock-file globs */
  readonly cacheDependencyGlob?: readonly string[];
  /** Cache suffix, to keep caches of different jobs apart. @default - none */
  readonly cacheSuffix?: string;
  /** @default - the workspace */
  readonly workingDirectory?: string;
}

/** Installs a pinned uv (and, through it, Python). */
export function setupUv(inputs: SetupUvInputs, options: Partial<StepOptions> = {}): JobStep {
  return actionStep({
    name: 'Set up uv',
    ...options,
    action: 'astral-sh/setup-uv',
    with: {
      version: inputs.version,
      'python-version': inputs.pythonVersion,
      'enable-cache': inputs.enableCache ?? false,
      'cache-dependency-glob': inputs.cacheDependencyGlob?.join('\n'),
      'cache-suffix': inputs.cacheSuffix,
      'working-directory': inputs.workingDirectory,
    },
  });
}
