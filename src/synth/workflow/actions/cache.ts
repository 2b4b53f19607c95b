import type { Expression } from '../expressions';
import { actionStep, type JobStep, type StepOptions } from '../steps';

/**
 * Inputs of actions/cache/restore (v5).
 * @see https://github.com/actions/cache/blob/v5.0.5/restore/action.yml
 */
export interface CacheRestoreInputs {
  readonly path: readonly string[];
  readonly key: string | Expression;
  /** Prefixes tried in order when the key misses; the newest match wins. @default - none */
  readonly restoreKeys?: readonly string[];
  /** @default false */
  readonly failOnCacheMiss?: boolean;
}

/** Restores a cache without saving one at the end of the job (save explicitly, when it is safe). */
export function cacheRestore(inputs: CacheRestoreInputs, options: Partial<StepOptions> = {}): JobStep {
  return actionStep({
    name: 'Restore cache',
    ...options,
    action: 'actions/cache/restore',
    with: {
      path: inputs.path.join('\n'),
      key: inputs.key,
      'restore-keys': inputs.restoreKeys?.join('\n'),
      'fail-on-cache-miss': inputs.failOnCacheMiss,
    },
  });
}

/**
 * Inputs of actions/cache/save (v5).
 * @see https://github.com/actions/cache/blob/v5.0.5/save/action.yml
 */
export interface CacheSaveInputs {
  readonly path: readonly string[];
  /** Cache keys are immutable: include something unique (e.g. the run id) to save a newer entry. */
  readonly key: string | Expression;
}

/** Saves a cache entry. */
export function cacheSave(inputs: CacheSaveInputs, options: Partial<StepOptions> = {}): JobStep {
  return actionStep({
    name: 'Save cache',
    ...options,
    action: 'actions/cache/save',
    with: { path: inputs.path.join('\n'), key: inputs.key },
  });
}
