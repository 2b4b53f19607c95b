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

/**
 * Minutes a job that signs or verifies every image may take: ten sufficed for one image, and each
 * more adds its registry round trips.
 */
export function signingMinutes(images: number): number {
  return 10 + 2 * images;
}

/** ci-provenance.yml's file name (its certificates name it). */
export const PROVENANCE_FILE = 'ci-provenance.yml';

/** The run's artifact holding the build metadata document and the image labels. */
export const BUILD_METADATA_ARTIFACT = 'build-metadata';

/** The build metadata document's file name, in the artifact and in the workspace. */
export const BUILD_METADATA_FILE = 'build-metadata.json';

/**
 * The run's build matrix, as the build metadata records it: one entry per image and platform with
 * the runner that builds it natively (the model's build targets).
 */
export function imageBuildMatrix(platform: Platform): {
  include: { image: string; platform: string; runner: string }[];
} {
  return {
    include: platform.services.flatMap((s) =>
      s.build.targets.map((t) => ({ image: s.imageRepository, platform: t.platform, runner: t.runner })),
    ),
  };
}

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
