import { actionStep, type JobStep, type StepOptions } from '../steps';

/**
 * Inputs of Azure/setup-helm (v5).
 * @see https://github.com/Azure/setup-helm/blob/v5.0.1/action.yml
 */
export interface SetupHelmInputs {
  /** Helm version, e.g. `v4.2.4`; pinned (the action's default is `latest`). */
  readonly version: string;
}

/** Installs a pinned Helm. */
export function setupHelm(inputs: SetupHelmInputs, options: Partial<StepOptions> = {}): JobStep {
  if (!/^v\d+\.\d+\.\d+$/.test(inputs.version)) {
    throw new Error(`setupHelm: version must be a pinned vX.Y.Z, got "${inputs.version}"`);
  }
  return actionStep({ name: 'Set up Helm', ...options, action: 'Azure/setup-helm', with: { version: inputs.version } });
}

/**
 * Inputs of helm/kind-action (v1.14).
 * @see https://github.com/helm/kind-action/blob/v1.14.0/action.yml
 */
export interface KindClusterInputs {
  /** kind version, e.g. `v0.31.0`. */
  readonly version: string;
  /** @default 'chart-testing' */
  readonly clusterName?: string;
  /** Control-plane readiness wait. @default '120s' */
  readonly wait?: string;
  /** Node image, digest-pinned (`kindest/node:vX.Y.Z@sha256:…`). @default - kind's own default for its version */
  readonly nodeImage?: string;
}

/** Creates a kind cluster (deleted by the action's post step). */
export function kindCluster(inputs: KindClusterInputs, options: Partial<StepOptions> = {}): JobStep {
  return actionStep({
    name: 'Create a kind cluster',
    ...options,
    action: 'helm/kind-action',
    with: {
      version: inputs.version,
      node_image: inputs.nodeImage,
      cluster_name: inputs.clusterName,
      wait: inputs.wait ?? '120s',
    },
  });
}
