/**
 * Token permissions of a job. Every job must state them (the prop is required), and the
 * workflow itself always renders `permissions: {}` so nothing is granted by default.
 * @see https://docs.github.com/actions/writing-workflows/choosing-what-your-workflow-does/controlling-permissions-for-github_token
 */
export type AccessLevel = 'read' | 'write' | 'none';

export interface JobPermissions {
  readonly actions?: AccessLevel;
  readonly attestations?: AccessLevel;
  readonly checks?: AccessLevel;
  readonly contents?: AccessLevel;
  readonly deployments?: AccessLevel;
  /** OIDC token for keyless signing and attestations. */
  readonly idToken?: 'write' | 'none';
  readonly issues?: AccessLevel;
  readonly packages?: AccessLevel;
  readonly pages?: AccessLevel;
  readonly pullRequests?: AccessLevel;
  readonly securityEvents?: AccessLevel;
  readonly statuses?: AccessLevel;
}

const KEYS: Record<keyof JobPermissions, string> = {
  actions: 'actions',
  attestations: 'attestations',
  checks: 'checks',
  contents: 'contents',
  deployments: 'deployments',
  idToken: 'id-token',
  issues: 'issues',
  packages: 'packages',
  pages: 'pages',
  pullRequests: 'pull-requests',
  securityEvents: 'security-events',
  statuses: 'statuses',
};

/** The YAML form, with GitHub's kebab-case scope names, in a stable order. */
export function renderPermissions(permissions: JobPermissions): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(KEYS).sort() as (keyof JobPermissions)[]) {
    const level = permissions[key];
    if (level !== undefined) out[KEYS[key]] = level;
  }
  return out;
}

/** Read access to the repository contents: what most jobs need and nothing more. */
export const READ_CONTENTS: JobPermissions = { contents: 'read' };
