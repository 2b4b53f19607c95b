import { actionStep, type JobStep, type StepOptions } from '../steps';

/**
 * Inputs of actions/checkout (v7), from its action.yml at the pinned SHA.
 * @see https://github.com/actions/checkout/blob/v7.0.1/action.yml
 */
export interface CheckoutInputs {
  /** @default - the commit that triggered the run */
  readonly ref?: string;
  /** Relative path under the workspace. @default - the workspace */
  readonly path?: string;
  /** Commits to fetch; 0 = all history. @default 1 */
  readonly fetchDepth?: number;
  /** Partial clone filter, e.g. `blob:none` (history without file contents). @default - none */
  readonly filter?: string;
  /** Paths for a sparse checkout. @default - the whole tree */
  readonly sparseCheckout?: readonly string[];
  /** @default false */
  readonly lfs?: boolean;
  /**
   * Leave the token in .git/config. Only a job that pushes with the token needs it.
   * @default false (secure default; the action's own default is true)
   */
  readonly persistCredentials?: boolean;
}

/** Checks the repository out, without persisting the token by default. */
export function checkout(inputs: CheckoutInputs = {}, options: Partial<StepOptions> = {}): JobStep {
  return actionStep({
    name: 'Check out',
    ...options,
    action: 'actions/checkout',
    with: {
      ref: inputs.ref,
      path: inputs.path,
      'fetch-depth': inputs.fetchDepth,
      filter: inputs.filter,
      'sparse-checkout': inputs.sparseCheckout?.join('\n'),
      lfs: inputs.lfs,
      'persist-credentials': inputs.persistCredentials ?? false,
    },
  });
}
