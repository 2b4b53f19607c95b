/**
 * Shell pieces for images passed between jobs by digest, written once: the form a digest must
 * have, and how a tag is resolved to the digest of what it points to.
 */

/** The only image reference jobs pass to each other: a manifest (list) digest. */
export const IMAGE_DIGEST_PATTERN = '^sha256:[0-9a-f]{64}$';

/** A bash line that fails the step unless the shell variable holds a digest. */
export function digestCheckLine(variable: string, context = ''): string {
  return `[[ "$${variable}" =~ ${IMAGE_DIGEST_PATTERN} ]] || { echo "::error::${context}not an image digest: $${variable}"; exit 1; }`;
}

/** A command printing the digest a reference (e.g. `"$REPOSITORY:$TAG"`, quoted by the caller) points to. */
export function resolveDigestCommand(reference: string): string {
  return `docker buildx imagetools inspect ${reference} --format '{{json .Manifest}}' | jq -r .digest`;
}
