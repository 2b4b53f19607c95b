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

const RANK: Readonly<Record<AccessLevel, number>> = { none: 0, read: 1, write: 2 };

/** The least grant that covers all of them: each scope at its highest level. */
export function unionOfPermissions(grants: readonly JobPermissions[]): JobPermissions {
  const out: Record<string, AccessLevel> = {};
  for (const grant of grants) {
    for (const [scope, level] of Object.entries(grant) as [keyof JobPermissions, AccessLevel | undefined][]) {
      if (level !== undefined && level !== 'none' && RANK[level] > RANK[out[scope] ?? 'none']) out[scope] = level;
    }
  }
  return out as JobPermissions;
}

/** The scopes where `granted` is below `required`, as `scope: level` (empty when it covers them). */
export function grantsAtLeast(granted: JobPermissions, required: JobPermissions): string[] {
  return (Object.entries(required) as [keyof JobPermissions, AccessLevel][])
    .filter(([scope, level]) => RANK[level] > RANK[(granted[scope] as AccessLevel | undefined) ?? 'none'])
    .map(([scope, level]) => `${KEYS[scope]}: ${level}`);
}
