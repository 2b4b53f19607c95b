import type { EnvValue, Expression } from '../expressions';
import { runStep, type JobStep, type StepOptions } from '../steps';
import { digestCheckLine } from './image-digest';

/** Props of {@link attestImageStep}. */
export interface AttestImageProps extends Partial<StepOptions> {
  /** Repository without tag, e.g. `ghcr.io/org/tts` (or an expression giving it). */
  readonly image: EnvValue;
  /** `sha256:…` (checked before use). */
  readonly digest: Expression;
  /** The in-toto predicate type, a URI naming the predicate's schema and version. */
  readonly predicateType: string;
  /** Path of the predicate JSON file in the workspace. */
  readonly predicate: string;
}

/**
 * `cosign attest` (keyless: the job needs `id-token: write` and cosign installed): the predicate
 * file, wrapped in an in-toto statement about the digest, signed and pushed beside the image. By
 * digest, never by tag, like the signature.
 */
export function attestImageStep(p: AttestImageProps): JobStep {
  return runStep({
    name: p.name ?? 'Attest the image',
    ...(p.id ? { id: p.id } : {}),
    env: { IMAGE: p.image, DIGEST: p.digest, PREDICATE_TYPE: p.predicateType, PREDICATE: p.predicate },
    run: [
      digestCheckLine('DIGEST'),
      'cosign attest --yes --type "$PREDICATE_TYPE" --predicate "$PREDICATE" "$IMAGE@$DIGEST"',
    ].join('\n'),
  });
}

/** Props of {@link verifyImageAttestationStep}. */
export interface VerifyImageAttestationProps extends Partial<StepOptions> {
  /** Repository without tag (or an expression giving it). */
  readonly image: EnvValue;
  /** `sha256:…` (checked before use). */
  readonly digest: Expression;
  /** The predicate type the attestation must carry (`--type`). */
  readonly predicateType: string;
  /** The signing certificate's exact identity, e.g. the attesting workflow at the caller's ref. */
  readonly identity: EnvValue;
  /** The OIDC issuer of the certificate. */
  readonly issuer: string;
  /** `owner/name` the attesting workflow ran in. */
  readonly repository: string;
  /**
   * Also require the predicate's `commit` field to be this run's `GITHUB_SHA`: the signed
   * certificate says which commit's run attested, this says which commit the document describes.
   * @default false
   */
  readonly predicateCommit?: boolean;
}

/**
 * `cosign verify-attestation` by digest against the identity and commit that attested it, for one
 * predicate type; the verified statements (DSSE envelopes, one JSON per line) are read with jq when
 * the predicate's content is checked too.
 */
export function verifyImageAttestationStep(p: VerifyImageAttestationProps): JobStep {
  const statements = '"$statements"';
  return runStep({
    name: p.name ?? 'Verify the image attestation',
    ...(p.id ? { id: p.id } : {}),
    env: {
      IMAGE: p.image,
      DIGEST: p.digest,
      PREDICATE_TYPE: p.predicateType,
      SIGNER_IDENTITY: p.identity,
      OIDC_ISSUER: p.issuer,
      REPOSITORY: p.repository,
    },
    run: [
      digestCheckLine('DIGEST'),
      // mktemp, not RUNNER_TEMP: the runbook prints this script for a person's shell too.
      'statements="$(mktemp)"',
      'cosign verify-attestation "$IMAGE@$DIGEST" \\',
      '  --type "$PREDICATE_TYPE" \\',
      '  --certificate-identity "$SIGNER_IDENTITY" \\',
      '  --certificate-oidc-issuer "$OIDC_ISSUER" \\',
      '  --certificate-github-workflow-sha "$GITHUB_SHA" \\',
      `  --certificate-github-workflow-repository "$REPOSITORY" > ${statements}`,
      ...(p.predicateCommit
        ? [
            `jq -e -s --arg type "$PREDICATE_TYPE" --arg sha "$GITHUB_SHA" 'map(.payload | @base64d | fromjson) | any(.predicateType == $type and .predicate.commit == $sha)' ${statements} > /dev/null \\`,
            '  || { echo "::error::no $PREDICATE_TYPE attestation of $IMAGE@$DIGEST describes commit $GITHUB_SHA"; exit 1; }',
          ]
        : []),
      'echo "verified: $PREDICATE_TYPE for $IMAGE@$DIGEST"',
    ].join('\n'),
  });
}
