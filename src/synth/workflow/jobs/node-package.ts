import { checkout, type CheckoutInputs } from '../actions/checkout';
import { setupNode } from '../actions/setup-node';
import { runStep, type JobStep } from '../steps';

/** Props of {@link npmInstallSteps}. */
export interface NpmInstallProps {
  readonly nodeVersion: string;
  /**
   * Keep npm's download cache in the Actions cache. Must be false in tag/release workflows.
   * @default true
   */
  readonly cache?: boolean;
  /** Inputs of the checkout (e.g. the whole history for a comparison). @default {} */
  readonly checkout?: CheckoutInputs;
}

/**
 * Checkout, Node.js and `npm ci`: installs exactly the lock file. For this package, `npm ci`
 * also compiles the helper CLIs (the `prepare` script), so `npx --no-install <bin>` works next.
 */
export function npmInstallSteps(props: NpmInstallProps): JobStep[] {
  return [
    checkout(props.checkout ?? {}),
    setupNode({ nodeVersion: props.nodeVersion, cache: (props.cache ?? true) ? 'npm' : undefined }),
    runStep({ name: 'Install', run: 'npm ci' }),
  ];
}
