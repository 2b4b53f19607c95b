import type { EnvValue, Expression } from '../expressions';
import { runStep, type JobStep } from '../steps';

/** One image a step acts on: its repository and digest. */
export interface ImageRef {
  /** Repository without tag, e.g. `ghcr.io/org/tts`. */
  readonly image: string;
  /** `sha256:…` (the script checks it). */
  readonly digest: Expression;
}

/** Props of {@link eachImageStep}. */
export interface EachImageStepProps {
  /** The step's name. */
  readonly name: string;
  /** A run step written for one image: it reads `$IMAGE` and `$DIGEST`, which its env sets. */
  readonly step: JobStep;
  /** The images, in order. */
  readonly images: readonly ImageRef[];
}

/**
 * One run step that runs a one-image step's script for each image in turn, so a job's file grows by a
 * word per image instead of a step. The images travel in one env value, `SUBJECTS`: `image@digest` words on one
 * line (a multi-line value holding expressions keeps its block's indentation in GitHub's parser); the
 * loop sets `IMAGE` and `DIGEST` as the one-image step's env did, and the first failure ends the step.
 */
export function eachImageStep(p: EachImageStepProps): JobStep {
  if (p.step.kind !== 'run') throw new Error(`eachImageStep: "${p.step.props.name}" is not a run step`);
  const { IMAGE, DIGEST, ...env } = (p.step.props.env ?? {}) as Record<string, EnvValue>;
  if (IMAGE === undefined || DIGEST === undefined) {
    throw new Error(`eachImageStep: "${p.step.props.name}" does not read IMAGE and DIGEST from its env`);
  }
  if (p.images.length === 0) throw new Error(`eachImageStep: "${p.name}" has no images`);
  return runStep({
    name: p.name,
    env: { SUBJECTS: p.images.map((i) => `${i.image}@${i.digest}`).join(' '), ...env },
    run: [
      'for subject in $SUBJECTS; do',
      '  IMAGE="${subject%@*}" DIGEST="${subject##*@}"',
      ...p.step.props.run
        .trimEnd()
        .split('\n')
        .map((line) => (line ? `  ${line}` : line)),
      'done',
    ].join('\n'),
  });
}
