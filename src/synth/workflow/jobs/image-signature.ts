import type { Expression, EnvValue } from '../expressions';
import { runStep, type JobStep, type StepOptions } from '../steps';
import { digestCheckLine } from './image-digest';

/** Props of {@link verifyImageSignatureStep}. */
export interface VerifyImageSignatureProps extends Partial<StepOptions> {
  /** Repository without tag, e.g. `ghcr.io/org/tts` (or an expression giving it, with a `name`). */
  readonly image: EnvValue;
  /** `sha256:…` (checked before use). */
  readonly digest: Expression;
  /**
   * The signing certificate's exact identity (`--certificate-identity`), e.g. the signer workflow
   * at the caller's ref; or a regular expression of identities (`--certificate-identity-regexp`)
   * when any release tag may have signed it.
   */
  readonly identity: { readonly exact: EnvValue } | { readonly regexp: string };
  /** The OIDC issuer of the certificate. */
  readonly issuer: string;
  /** `owner/name` the signing workflow ran in. */
  readonly repository: string;
  /**
   * Require the signature to come from a run of this run's own commit (`--certificate-github-workflow-sha
   * "$GITHUB_SHA"`): for an image signed earlier in the same pipeline.
   * @default false
   */
  readonly sameCommit?: boolean;
  /**
   * What the digest check's error names first; empty for none (a step a person copies for any image).
   * @default - the image's last path segment when the image is a literal, else none
   */
  readonly label?: string;
}

/**
 * `cosign verify` of an image by digest against the identity that signed it (cosign must be
 * installed). Nothing is deployed before this passes: the digest a deploy uses is the one verified.
 */
export function verifyImageSignatureStep(p: VerifyImageSignatureProps): JobStep {
  const exact = 'exact' in p.identity;
  const label = p.label ?? (typeof p.image === 'string' ? p.image.split('/').pop() : undefined);
  return runStep({
    name: p.name ?? `Verify the signature of ${label || 'the image'}`,
    ...(p.id ? { id: p.id } : {}),
    env: {
      IMAGE: p.image,
      DIGEST: p.digest,
      ...(exact
        ? { SIGNER_IDENTITY: (p.identity as { exact: EnvValue }).exact }
        : { SIGNER_IDENTITY_REGEXP: (p.identity as { regexp: string }).regexp }),
      OIDC_ISSUER: p.issuer,
      REPOSITORY: p.repository,
    },
    run: [
      digestCheckLine('DIGEST', label ? `${label}: ` : ''),
      'cosign verify "$IMAGE@$DIGEST" \\',
      exact
        ? '  --certificate-identity "$SIGNER_IDENTITY" \\'
        : '  --certificate-identity-regexp "$SIGNER_IDENTITY_REGEXP" \\',
      '  --certificate-oidc-issuer "$OIDC_ISSUER" \\',
      ...(p.sameCommit ? ['  --certificate-github-workflow-sha "$GITHUB_SHA" \\'] : []),
      '  --certificate-github-workflow-repository "$REPOSITORY" > /dev/null',
      'echo "verified: $IMAGE@$DIGEST"',
    ].join('\n'),
  });
}
