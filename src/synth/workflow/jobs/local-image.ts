import type { Expression } from '../expressions';
import { runStep, stepOutput, type JobStep } from '../steps';

/** Props of {@link localImageBuild}. */
export interface LocalImageBuildProps {
  /** Local image name; the tag is `ci`. */
  readonly name: string;
  /** Build context, e.g. `services/tts`. */
  readonly context: string;
  /** Dockerfile path. */
  readonly dockerfile: string;
}

/** A local image build and what later steps read from it. */
export interface LocalImageBuild {
  readonly step: JobStep;
  /** `<name>:ci`. */
  readonly reference: string;
  /** The built image's ID (`sha256:…`), an output of the step. */
  readonly imageId: Expression;
}

/**
 * Builds a service image on the runner (not pushed), for tests that run it in the same job.
 * Names and paths reach the script through env.
 */
export function localImageBuild(props: LocalImageBuildProps): LocalImageBuild {
  const reference = `${props.name}:ci`;
  const step = runStep({
    name: `Build the ${props.name} image`,
    id: `build-${props.name}`,
    outputs: ['image-id'],
    env: { IMAGE: reference, BUILD_CONTEXT: props.context, DOCKERFILE: props.dockerfile },
    run: 'docker build --tag "$IMAGE" --file "$DOCKERFILE" "$BUILD_CONTEXT"\necho "image-id=$(docker image inspect --format \'{{.Id}}\' "$IMAGE")" >> "$GITHUB_OUTPUT"',
  });
  return { step, reference, imageId: stepOutput(step, 'image-id') };
}
