import { status } from '../expressions';
import { runStep, stepOutput, type JobStep } from '../steps';
import type { Expression } from '../expressions';

/** Props of {@link localContainerSteps}. */
export interface LocalContainerProps {
  /** Container name and local image name. */
  readonly name: string;
  /** Build context with a Dockerfile, e.g. `services/tts`. */
  readonly context: string;
  /** Port the service listens on; published on 127.0.0.1 only. */
  readonly port: number;
}

/** The steps and the address of a service container started on the runner. */
export interface LocalContainer {
  /** Build the image and start the container, detached. */
  readonly start: JobStep[];
  /** Print the container's logs when the job failed (for diagnosis), then remove it. */
  readonly logsOnFailure: JobStep;
  /** `http://127.0.0.1:<port>`. */
  readonly baseUrl: string;
  /** The built image's ID (`sha256:…`), an output of the build step. */
  readonly imageId: Expression;
}

/**
 * Builds a service image from source and runs it on the runner, published on loopback only,
 * for smoke and load tests. Names, context and port come in through env, not the script.
 */
export function localContainerSteps(props: LocalContainerProps): LocalContainer {
  const name = { CONTAINER_NAME: props.name };
  const build = runStep({
    name: `Build the ${props.name} image`,
    id: `build-${props.name}`,
    outputs: ['image-id'],
    env: { ...name, BUILD_CONTEXT: props.context },
    run: 'docker build --tag "$CONTAINER_NAME:ci" "$BUILD_CONTEXT"\necho "image-id=$(docker image inspect --format \'{{.Id}}\' "$CONTAINER_NAME:ci")" >> "$GITHUB_OUTPUT"',
  });
  return {
    imageId: stepOutput(build, 'image-id'),
    start: [
      build,
      runStep({
        name: `Start ${props.name}`,
        env: { ...name, SERVICE_PORT: props.port },
        run: 'docker run --detach --name "$CONTAINER_NAME" --publish "127.0.0.1:$SERVICE_PORT:$SERVICE_PORT" "$CONTAINER_NAME:ci"',
      }),
    ],
    logsOnFailure: runStep({ name: `Logs of ${props.name}`, if: status.failure, env: name, run: 'docker logs "$CONTAINER_NAME" || true' }),
    baseUrl: `http://127.0.0.1:${props.port}`,
  };
}
