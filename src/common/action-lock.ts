/**
 * The grammar of an `actions.lock.json` entry, one place for the synthesis (ActionPins) and for
 * `update-action-pins`: the key is GitHub's owner/repo, the pin a release tag and a full commit SHA.
 */
export const ACTION_REPO = /^[A-Za-z0-9][A-Za-z0-9-]{0,38}\/(?!\.)[A-Za-z0-9._-]{1,100}$/;
export const ACTION_SHA = /^[0-9a-f]{40}$/;
export const ACTION_VERSION = /^v\d+\.\d+\.\d+$/;
/** A reusable workflow of the pinned repository, as `workflowJobs` names it. */
export const ACTION_WORKFLOW_PATH = /^\.github\/workflows\/[A-Za-z0-9._-]+\.ya?ml$/;

/**
 * Which part of a lock entry is wrong, checked in this order; undefined when it is a pin. `workflowJobs`,
 * when present, maps the repository's reusable workflows to the jobs each starts (positive integers).
 */
export function actionLockEntryFault(
  name: string,
  entry: unknown,
): 'key' | 'entry' | 'sha' | 'version' | 'workflowJobs' | undefined {
  if (!ACTION_REPO.test(name)) return 'key';
  if (typeof entry !== 'object' || entry === null) return 'entry';
  const { sha, version } = entry as { sha?: unknown; version?: unknown };
  if (typeof sha !== 'string' || !ACTION_SHA.test(sha)) return 'sha';
  if (typeof version !== 'string' || !ACTION_VERSION.test(version)) return 'version';
  const jobs = (entry as { workflowJobs?: unknown }).workflowJobs;
  if (
    jobs !== undefined &&
    (typeof jobs !== 'object' ||
      jobs === null ||
      Array.isArray(jobs) ||
      !Object.entries(jobs).every(([p, n]) => ACTION_WORKFLOW_PATH.test(p) && Number.isInteger(n) && (n as number) > 0))
  ) {
    return 'workflowJobs';
  }
  return undefined;
}
