import { uploadArtifact } from '../actions/artifacts';
import { status, type EnvMap } from '../expressions';
import { runStep, type JobStep } from '../steps';

/** Props of {@link composeStackSteps}. */
export interface ComposeStackProps {
  /** The compose file, from the repository root, e.g. `deploy/compose.yaml`. */
  readonly file: string;
  /**
   * The Compose project (names of containers and networks), given as `COMPOSE_PROJECT_NAME`
   * rather than a top-level `name:`, which Compose v1 rejects.
   */
  readonly projectName: string;
  /** The variables the compose file reads (image references, by digest between jobs). */
  readonly env: EnvMap;
  /** Services to start (with what they depend on). @default - every service of the file */
  readonly services?: readonly string[];
  /** Seconds `up --wait` waits for every health check to pass. @default 180 */
  readonly waitSeconds?: number;
  /** Name of the logs artifact. @default 'compose-logs' */
  readonly logsArtifact?: string;
}

/** The steps that run a compose stack in a job. */
export interface ComposeStack {
  /** Starts the stack and waits until every started service is healthy. */
  readonly up: JobStep;
  /** When an earlier step failed: writes `docker compose logs` and uploads them. */
  readonly logsOnFailure: JobStep[];
  /** Always: stops and removes the stack. */
  readonly down: JobStep;
}

/**
 * Runs a compose file on the runner (Compose v2, as on GitHub's runners). `up --wait` returns once
 * every health check passes and fails when one does not, so no hand-written polling; the teardown
 * always runs, and the logs are kept only when something failed.
 */
export function composeStackSteps(props: ComposeStackProps): ComposeStack {
  const env = { ...props.env, COMPOSE_FILE: props.file, COMPOSE_PROJECT_NAME: props.projectName };
  const services = props.services ?? [];
  const logs = 'compose-logs.txt';
  return {
    up: runStep({
      name: `Start the stack${services.length > 0 ? ` (${services.join(', ')})` : ''} and wait until healthy`,
      env: { ...env, WAIT_SECONDS: props.waitSeconds ?? 180 },
      run: `docker compose up --detach --wait --wait-timeout "$WAIT_SECONDS"${services.map((s) => ` ${s}`).join('')}`,
    }),
    logsOnFailure: [
      runStep({
        name: "Collect the stack's logs",
        if: status.failure,
        env,
        run: `docker compose ps --all || true\ndocker compose logs --no-color --timestamps > ${logs} 2>&1 || true`,
      }),
      uploadArtifact(
        { name: props.logsArtifact ?? 'compose-logs', path: [logs], ifNoFilesFound: 'ignore', retentionDays: 7 },
        { if: status.failure },
      ),
    ],
    down: runStep({
      name: 'Stop the stack',
      if: status.always,
      env,
      run: 'docker compose down --volumes --remove-orphans',
    }),
  };
}
