import { github, secret, type Expression } from '../expressions';
import { actionStep, type JobStep, type StepOptions } from '../steps';

/**
 * Inputs of docker/setup-buildx-action (v4).
 * @see https://github.com/docker/setup-buildx-action/blob/v4.3.0/action.yml
 */
export interface SetupBuildxInputs {
  /**
   * Keep the downloaded buildx binary in the Actions cache. Off: workflows started by tags must
   * restore no cache (cache poisoning), and the binary downloads in seconds.
   * @default false (the action's own default is true)
   */
  readonly cacheBinary?: boolean;
}

/** Sets up a BuildKit builder (docker-container driver: multi-platform output, attestations, gha cache). */
export function setupBuildx(inputs: SetupBuildxInputs = {}, options: Partial<StepOptions> = {}): JobStep {
  return actionStep({
    name: 'Set up Docker Buildx',
    ...options,
    action: 'docker/setup-buildx-action',
    with: { 'cache-binary': inputs.cacheBinary ?? false },
  });
}

/**
 * Inputs of docker/login-action (v4).
 * @see https://github.com/docker/login-action/blob/v4.1.0/action.yml
 */
export interface RegistryLoginInputs {
  /** e.g. `ghcr.io`. */
  readonly registry: string;
}

/**
 * Logs in to a registry with the job's own `GITHUB_TOKEN` (GHCR accepts it with `packages:` scope);
 * no long-lived secret. The action logs out in its post step.
 */
export function registryLogin(inputs: RegistryLoginInputs, options: Partial<StepOptions> = {}): JobStep {
  return actionStep({
    name: `Log in to ${inputs.registry}`,
    ...options,
    action: 'docker/login-action',
    with: { registry: inputs.registry, username: github.actor, password: secret('GITHUB_TOKEN') },
  });
}

/**
 * Inputs of docker/metadata-action (v6).
 * @see https://github.com/docker/metadata-action/blob/v6.2.0/action.yml
 */
export interface ImageMetadataInputs {
  /** Image repositories without tag, e.g. `ghcr.io/org/tts`. */
  readonly images: readonly string[];
  /** Tag rules, one per entry, e.g. `type=semver,pattern={{version}}`. @default - the action's defaults */
  readonly tags?: readonly string[];
  /** Extra or overriding labels, one `key=value` per entry. @default - none */
  readonly labels?: readonly string[];
  /** Extra annotations, one `key=value` per entry. @default - none */
  readonly annotations?: readonly string[];
}

/** Step outputs of docker/metadata-action that the kit reads. */
export const IMAGE_METADATA_OUTPUTS = ['version', 'tags', 'labels', 'annotations', 'json'] as const;

/** Computes tags, OCI labels and annotations from the Git context. Give it an `id` to read its outputs. */
export function imageMetadata(inputs: ImageMetadataInputs, options: Partial<StepOptions> = {}): JobStep {
  return actionStep({
    name: 'Image tags and labels',
    outputs: [...IMAGE_METADATA_OUTPUTS],
    ...options,
    action: 'docker/metadata-action',
    with: {
      images: inputs.images.join('\n'),
      tags: inputs.tags?.join('\n'),
      labels: inputs.labels?.join('\n'),
      annotations: inputs.annotations?.join('\n'),
    },
  });
}

/**
 * Inputs of docker/build-push-action (v7).
 * @see https://github.com/docker/build-push-action/blob/v7.3.0/action.yml
 */
export interface BuildImageInputs {
  /** Build context, e.g. `services/tts`. */
  readonly context: string;
  /** Dockerfile path. */
  readonly file: string;
  /** One platform per job: each job runs on its platform's native runner (no emulation). */
  readonly platform: string;
  /** Labels, newline-separated `key=value` (usually the metadata step's output). @default - none */
  readonly labels?: string | Expression;
  /** Build arguments, `KEY=value` per entry. @default - none */
  readonly buildArgs?: readonly (string | Expression)[];
  /**
   * Where the result goes, e.g. `type=image,name=ghcr.io/org/tts,push-by-digest=true,name-canonical=true,push=true`.
   * @default - the build result stays in the builder's cache (a build-only check)
   */
  readonly outputs?: string | Expression;
  /** `type=gha,scope=…` sources. Leave unset on tag builds (cache poisoning). @default - no cache */
  readonly cacheFrom?: string;
  /** `type=gha,scope=…,mode=min`. @default - no cache export */
  readonly cacheTo?: string;
  /** SLSA provenance attestation of buildx, e.g. `mode=max`. @default - buildx's default (min, none when not pushing) */
  readonly provenance?: string | boolean;
  /** SBOM attestation. @default false */
  readonly sbom?: boolean;
}

/** Step outputs of docker/build-push-action. */
export const BUILD_IMAGE_OUTPUTS = ['imageid', 'digest', 'metadata'] as const;

/** Builds (and optionally pushes) one platform of an image with BuildKit. */
export function buildImage(inputs: BuildImageInputs, options: Partial<StepOptions> = {}): JobStep {
  return actionStep({
    name: `Build ${inputs.platform}`,
    outputs: [...BUILD_IMAGE_OUTPUTS],
    ...options,
    action: 'docker/build-push-action',
    with: {
      context: inputs.context,
      file: inputs.file,
      platforms: inputs.platform,
      labels: inputs.labels,
      'build-args': inputs.buildArgs?.map(String).join('\n'),
      outputs: inputs.outputs,
      'cache-from': inputs.cacheFrom,
      'cache-to': inputs.cacheTo,
      provenance: inputs.provenance,
      sbom: inputs.sbom,
    },
  });
}

/**
 * Inputs of anchore/sbom-action (v0.24).
 * @see https://github.com/anchore/sbom-action/blob/v0.24.0/action.yml
 */
export interface ImageSbomInputs {
  /** The image, by digest: `repo@sha256:…`. */
  readonly image: string | Expression;
  /** Name of the workflow artifact the SBOM is uploaded as, e.g. `sbom-tts.spdx.json`. */
  readonly artifactName: string;
}

/**
 * An SPDX (JSON) SBOM of a published image, generated with Syft and uploaded as an artifact. Never
 * attached to a GitHub release (that needs contents: write; the action's default is to try).
 */
export function imageSbom(inputs: ImageSbomInputs, options: Partial<StepOptions> = {}): JobStep {
  return actionStep({
    name: 'SPDX SBOM of the image',
    ...options,
    action: 'anchore/sbom-action',
    with: {
      image: inputs.image,
      format: 'spdx-json',
      'artifact-name': inputs.artifactName,
      'upload-artifact': true,
      'upload-release-assets': false,
    },
  });
}
