import type { Service } from '../src';

/** The name of the workflow_call input that carries a service's image digest, e.g. `tts_digest`. */
export function digestInput(service: Pick<Service, 'name'>): string {
  return `${service.name.replace(/-/g, '_')}_digest`;
}

/** The identity GitHub's OIDC tokens carry, for keyless signing (Fulcio certificate issuer). */
export const GITHUB_OIDC_ISSUER = 'https://token.actions.githubusercontent.com';

/** GitHub's web address, the prefix of workflow identities in signing certificates. */
export const GITHUB_SERVER = 'https://github.com';
