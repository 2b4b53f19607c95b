import { actionStep, type JobStep, type StepOptions } from '../steps';

/**
 * Inputs of actions/upload-artifact (v7).
 * @see https://github.com/actions/upload-artifact/blob/v7.0.0/action.yml
 */
export interface UploadArtifactInputs {
  /** Artifact name, unique within the run. */
  readonly name: string;
  /** Files, folders or globs, one per entry. */
  readonly path: readonly string[];
  /** @default 'warn' */
  readonly ifNoFilesFound?: 'warn' | 'error' | 'ignore';
  /** Days to keep (1–90). @default 14 */
  readonly retentionDays?: number;
  /** @default false */
  readonly includeHiddenFiles?: boolean;
  /** Replace an artifact of the same name in the run (e.g. an earlier attempt's). @default false */
  readonly overwrite?: boolean;
}

/** Uploads an artifact. Kept 14 days by default rather than the repository's 90, to save storage. */
export function uploadArtifact(inputs: UploadArtifactInputs, options: Partial<StepOptions> = {}): JobStep {
  const retention = inputs.retentionDays ?? 14;
  if (!Number.isInteger(retention) || retention < 1 || retention > 90) {
    throw new Error(`uploadArtifact "${inputs.name}": retentionDays must be an integer 1–90, got ${retention}`);
  }
  return actionStep({
    name: `Upload ${inputs.name}`,
    ...options,
    action: 'actions/upload-artifact',
    with: {
      name: inputs.name,
      path: inputs.path.join('\n'),
      'if-no-files-found': inputs.ifNoFilesFound ?? 'warn',
      'retention-days': retention,
      'include-hidden-files': inputs.includeHiddenFiles,
      overwrite: inputs.overwrite,
    },
  });
}

/**
 * Inputs of actions/download-artifact (v8).
 * @see https://github.com/actions/download-artifact/blob/v8.0.1/action.yml
 */
export interface DownloadArtifactInputs {
  /** @default - all artifacts of the run */
  readonly name?: string;
  /** @default - the workspace */
  readonly path?: string;
  /** @default - none */
  readonly pattern?: string;
  /** @default false */
  readonly mergeMultiple?: boolean;
}

/** Downloads artifacts of the current run. */
export function downloadArtifact(inputs: DownloadArtifactInputs, options: Partial<StepOptions> = {}): JobStep {
  return actionStep({
    name: `Download ${inputs.name ?? inputs.pattern ?? 'artifacts'}`,
    ...options,
    action: 'actions/download-artifact',
    with: {
      name: inputs.name,
      path: inputs.path,
      pattern: inputs.pattern,
      'merge-multiple': inputs.mergeMultiple,
    },
  });
}
