/**
 * GitHub's documented limits that a growing platform reaches first, declared once: the policy
 * rule checks them, the docs list them, the scale bench reports against them.
 *
 * Sources: https://docs.github.com/en/actions/reference/limits (workflow file size, job matrix) and
 * the reusable-workflows reference (levels, unique reusable workflows), github.com as of 2026.
 */
export interface GitHubLimit {
  /** The largest value GitHub accepts. */
  readonly max: number;
  /** The unit, as the finding prints it. */
  readonly unit: string;
  /** What GitHub does past the limit. */
  readonly consequence: string;
}

export const GITHUB_LIMITS = {
  /** "A workflow file larger than 500 KB will not start runs." Counted as 500,000 bytes, the stricter reading. */
  workflowFileBytes: { max: 500_000, unit: 'bytes', consequence: 'a larger workflow file starts no runs' },
  /** "A job matrix can generate a maximum of 256 jobs per workflow run." */
  matrixJobs: { max: 256, unit: 'jobs', consequence: 'a larger matrix fails the run before it starts' },
  /**
   * Jobs one run can start, called workflows included. GitHub documents 256 for a matrix; the policy
   * holds a whole run to the same figure, so a platform that grows never finds a higher one by failing.
   */
  jobsPerRun: { max: 256, unit: 'jobs', consequence: 'the run may not start every job' },
  /** "You can connect up to ten levels of workflows": the caller and nine levels of reusable workflows. */
  workflowLevels: { max: 10, unit: 'levels', consequence: 'the caller fails to start' },
  /** "You can call a maximum of 50 unique reusable workflows from a single workflow file", nested trees included. */
  uniqueReusableWorkflows: { max: 50, unit: 'reusable workflows', consequence: 'the caller fails to start' },
} as const satisfies Record<string, GitHubLimit>;

export type GitHubLimitName = keyof typeof GITHUB_LIMITS;
