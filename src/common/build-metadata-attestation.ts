/**
 * The in-toto predicate type of the build-metadata attestation (`cosign attest --type`): the build
 * metadata document, version 1, that `generate-build-metadata` writes, attached to each image.
 */
export const BUILD_METADATA_PREDICATE_TYPE = 'https://voice-platform.dev/attestations/build-metadata/v1';
