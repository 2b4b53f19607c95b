import type { Expression } from '../expressions';
import { actionStep, type JobStep, type StepOptions } from '../steps';

/**
 * Inputs of actions/attest-build-provenance (v4).
 * @see https://github.com/actions/attest-build-provenance/blob/v4.1.0/action.yml
 */
export interface AttestBuildProvenanceInputs {
  /** Image repository without tag, e.g. `ghcr.io/org/tts`. */
  readonly subjectName: string | Expression;
  /** `sha256:…`. */
  readonly subjectDigest: string | Expression;
  /** Push the attestation to the registry beside the image. @default true */
  readonly pushToRegistry?: boolean;
}

/**
 * Signs a SLSA provenance attestation of an image (Sigstore, the job's OIDC identity) and stores it
 * with GitHub and, by default, in the registry. Needs `id-token: write` and `attestations: write`
 * (and `packages: write` to push). No artifact-metadata storage record: that needs one more scope
 * and an organisation-owned repository, and adds nothing the verify job checks.
 */
export function attestBuildProvenance(
  inputs: AttestBuildProvenanceInputs,
  options: Partial<StepOptions> = {},
): JobStep {
  return actionStep({
    name: 'Attest build provenance',
    ...options,
    action: 'actions/attest-build-provenance',
    with: {
      'subject-name': inputs.subjectName,
      'subject-digest': inputs.subjectDigest,
      'push-to-registry': inputs.pushToRegistry ?? true,
      'create-storage-record': false,
    },
  });
}

/**
 * Inputs of sigstore/cosign-installer (v4).
 * @see https://github.com/sigstore/cosign-installer/blob/v4.1.2/action.yml
 */
export interface InstallCosignInputs {
  /** cosign release, e.g. `v3.0.6`; pinned (the installer verifies the binary it downloads). */
  readonly version: string;
}

/** Installs cosign. */
export function installCosign(inputs: InstallCosignInputs, options: Partial<StepOptions> = {}): JobStep {
  if (!/^v\d+\.\d+\.\d+$/.test(inputs.version)) {
    throw new Error(`installCosign: version must be a pinned vX.Y.Z, got "${inputs.version}"`);
  }
  return actionStep({
    name: 'Install cosign',
    ...options,
    action: 'sigstore/cosign-installer',
    with: { 'cosign-release': inputs.version },
  });
}
