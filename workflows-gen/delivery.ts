import { Expression, github, type Deployment, type Platform, type Service } from '../src';

/** The name of the workflow_call input that carries a service's image digest, e.g. `tts_digest`. */
export function digestInput(service: Pick<Service, 'name'>): string {
  return `${service.name.replace(/-/g, '_')}_digest`;
}

/** The identity GitHub's OIDC tokens carry, for keyless signing (Fulcio certificate issuer). */
export const GITHUB_OIDC_ISSUER = 'https://token.actions.githubusercontent.com';

/** GitHub's web address, the prefix of workflow identities in signing certificates. */
export const GITHUB_SERVER = 'https://github.com';


/** The signing identity of ci-provenance.yml at a ref: what cosign verifies before a deploy. */
export function signerIdentity(platform: Platform): string {
  return `${GITHUB_SERVER}/${platform.repository}/.github/workflows/${PROVENANCE_FILE}`;
}

/** ci-provenance.yml's file name (its certificates name it). */
export const PROVENANCE_FILE = 'ci-provenance.yml';

/** Whether a service's canary is weighted by the environment's Gateway or takes a share of the pods. */
export function canaryModeOf(deployment: Deployment, service: Pick<Service, 'name'>): 'gateway' | 'replicas' {
  return deployment.gateway?.services.includes(service.name) ? 'gateway' : 'replicas';
}

/** The run is for a release tag (`github.ref` starts with the release tags' fixed prefix). */
export function isReleaseRef(platform: Platform): Expression {
  return Expression.raw(`startsWith(github.ref, ${Expression.literal(platform.releaseTagRefPrefix)})`);
}

/** The run is for the default branch. */
export function isDefaultBranchRef(platform: Platform): Expression {
  return github.ref.eq(platform.defaultBranchRef);
}
