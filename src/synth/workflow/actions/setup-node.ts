import { actionStep, type JobStep, type StepOptions } from '../steps';

/**
 * Inputs of actions/setup-node (v7).
 * @see https://github.com/actions/setup-node/blob/v7.0.0/action.yml
 */
export interface SetupNodeInputs {
  /** e.g. `20`. */
  readonly nodeVersion: string;
  /**
   * Package manager whose download cache is kept in the Actions cache. Must stay unset in
   * workflows started by tags or releases (cache poisoning).
   * @default - no cache
   */
  readonly cache?: 'npm';
}

/**
 * Installs Node.js. The action's automatic package-manager cache is turned off unless
 * `cache` is given, so caching is always an explicit choice.
 */
export function setupNode(inputs: SetupNodeInputs, options: Partial<StepOptions> = {}): JobStep {
  return actionStep({
    name: 'Set up Node.js',
    ...options,
    action: 'actions/setup-node',
    with: {
      'node-version': inputs.nodeVersion,
      cache: inputs.cache,
      'package-manager-cache': inputs.cache !== undefined,
    },
  });
}
