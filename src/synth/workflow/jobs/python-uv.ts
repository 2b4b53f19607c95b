import { checkout } from '../actions/checkout';
import { setupUv } from '../actions/setup-uv';
import { runStep, type JobStep } from '../steps';

/** Props of {@link uvProjectSteps}. */
export interface UvProjectProps {
  /** Folder of the Python project (pyproject.toml and uv.lock). */
  readonly path: string;
  readonly pythonVersion: string;
  /** uv version (pinned). */
  readonly uvVersion: string;
  /**
   * Keep uv's download cache in the Actions cache, keyed by the project's uv.lock. Must be
   * false in tag/release workflows.
   * @default true
   */
  readonly cache?: boolean;
  /** Separates caches of jobs that install different extras. @default - none */
  readonly cacheSuffix?: string;
}

/**
 * Checkout, a pinned uv with Python, and `uv sync --locked`: installs exactly the hashed
 * versions of uv.lock (and fails if pyproject.toml and the lock disagree). uv replaces pip
 * here because it installs several times faster and verifies hashes from the lock.
 */
export function uvProjectSteps(props: UvProjectProps): JobStep[] {
  return [
    checkout(),
    setupUv({
      version: props.uvVersion,
      pythonVersion: props.pythonVersion,
      enableCache: props.cache ?? true,
      cacheDependencyGlob: [`${props.path}/uv.lock`],
      cacheSuffix: props.cacheSuffix,
    }),
    runStep({
      name: 'Install locked dependencies',
      workingDirectory: props.path,
      run: 'uv sync --locked --all-extras',
    }),
  ];
}
