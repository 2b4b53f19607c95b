import type { Finding } from '../../../common/errors';
import { GUARDS, requiresGuard } from '../guards';
import {
  jobLocation,
  stepRule,
  workflowRule,
  type PolicyRule,
  type WorkflowJobData,
  type WorkflowTarget,
} from '../policy';

/** Which steps justify a write grant. */
const WRITE_NEEDS: Readonly<Record<string, { actions: readonly string[]; why: string }>> = {
  packages: {
    actions: [
      'docker/login-action',
      'docker/build-push-action',
      'sigstore/cosign-installer',
      'slsa-framework/slsa-github-generator',
    ],
    why: 'a job that pushes to GHCR',
  },
  'security-events': {
    actions: ['github/codeql-action/upload-sarif', 'github/codeql-action/analyze'],
    why: 'a job that uploads SARIF',
  },
  'id-token': {
    actions: ['sigstore/cosign-installer', 'actions/attest-build-provenance', 'slsa-framework/slsa-github-generator'],
    why: "a signing or attesting job, or an environment's job logging in to a cloud with its OIDC token",
  },
  attestations: { actions: ['actions/attest-build-provenance'], why: 'a job that writes attestations' },
};

/** The actions a job uses; a call of a local workflow uses what the called jobs use. */
function actionNames(job: WorkflowJobData, target: WorkflowTarget): string[] {
  const names = (job.steps ?? []).map((s) => s.uses?.split('@')[0] ?? '');
  if (job.uses) {
    names.push(job.uses.split('@')[0]!);
    const called = target.calledWorkflows?.[job.uses];
    for (const calledJob of Object.values(called?.jobs ?? {})) {
      names.push(...actionNames(calledJob, { ...target, calledWorkflows: undefined }));
    }
  }
  return names;
}

/**
 * A cloud login through GitHub OIDC: a job of a GitHub environment (the cloud role's trust names
 * it) whose script requests the job's OIDC token. That justifies `id-token: write` too.
 */
function logsInWithOidc(job: WorkflowJobData, target: WorkflowTarget): boolean {
  if (job.uses) {
    return Object.values(target.calledWorkflows?.[job.uses]?.jobs ?? {}).some((j) =>
      logsInWithOidc(j, { ...target, calledWorkflows: undefined }),
    );
  }
  return (
    Boolean((job as { environment?: unknown }).environment) &&
    (job.steps ?? []).some((s) => /\$\{?ACTIONS_ID_TOKEN_REQUEST_TOKEN/.test(String(s.run ?? '')))
  );
}

/** `permissions: {}` on top; each job grants explicitly, and write scopes only where used. */
export const permissionsRule: PolicyRule = workflowRule({
  code: 'pipelines:least-privilege',
  description:
    'permissions: {} at the top; every job grants explicitly; packages/security-events/id-token/attestations write only beside the step that uses them; never read-all/write-all',
  check(target) {
    const findings: Finding[] = [];
    const top = target.data.permissions;
    if (typeof top !== 'object' || top === null || Object.keys(top).length > 0) {
      findings.push({
        location: target.constructPath,
        message: `workflow permissions must be {} (jobs grant what they need), got ${JSON.stringify(top)}`,
      });
    }
    for (const [jobId, job] of Object.entries(target.data.jobs ?? {})) {
      const location = jobLocation(target, jobId);
      const perms = job.permissions;
      if (typeof perms !== 'object' || perms === null) {
        findings.push({
          location,
          message: `job permissions must be an explicit map such as { contents: read }, got ${JSON.stringify(perms)}`,
        });
        continue;
      }
      const used = actionNames(job, target);
      for (const [scope, level] of Object.entries(perms as Record<string, string>)) {
        const need = WRITE_NEEDS[scope];
        if (scope === 'id-token' && level === 'write' && logsInWithOidc(job, target)) continue;
        if (
          level === 'write' &&
          need &&
          !used.some((u) => need.actions.some((a) => u === a || u.startsWith(`${a}/`)))
        ) {
          findings.push({
            location,
            message: `grants ${scope}: write, which belongs only to ${need.why} (${need.actions.join(', ')})`,
          });
        }
      }
    }
    return findings;
  },
});

/** actions/checkout keeps no token on disk unless the job pushes with it. */
export const checkoutCredentialsRule: PolicyRule = stepRule({
  code: 'pipelines:checkout-credentials',
  description: 'actions/checkout sets persist-credentials: false unless the job has contents: write to push',
  problems(step, job) {
    if (step.uses?.split('@')[0] !== 'actions/checkout') return [];
    const persist = String(step.with?.['persist-credentials']);
    const canPush = (job.permissions as Record<string, string> | undefined)?.contents === 'write';
    return persist !== 'false' && !canPush ? ['actions/checkout must set persist-credentials: false'] : [];
  },
});

/** Secrets only in the env of the step that needs them; no inherit, no toJSON(secrets). */
export const secretsRule: PolicyRule = workflowRule({
  code: 'pipelines:scoped-secrets',
  description: 'no secrets: inherit, no toJSON(secrets), secrets only in the env of the steps that need them',
  check(target) {
    const findings: Finding[] = [];
    const text = JSON.stringify(target.data);
    if (/toJSON\(\s*secrets\s*\)/i.test(text)) {
      findings.push({ location: target.constructPath, message: 'toJSON(secrets) exposes every secret' });
    }
    if (/secrets\./.test(JSON.stringify(target.data.env ?? {}))) {
      findings.push({
        location: target.constructPath,
        message: 'workflow-level env reads secrets; move them to the env of the step that needs them',
      });
    }
    for (const [jobId, job] of Object.entries(target.data.jobs ?? {})) {
      if (job.secrets === 'inherit') {
        findings.push({
          location: jobLocation(target, jobId),
          message: 'secrets: inherit passes every secret; pass the ones needed by name',
        });
      }
      if (/secrets\./.test(JSON.stringify(job.env ?? {}))) {
        findings.push({
          location: jobLocation(target, jobId),
          message: 'job-level env reads secrets; move them to the env of the step that needs them',
        });
      }
    }
    return findings;
  },
});

/** Scopes a pull request's code must never get write access to. */
const PR_FORBIDDEN_WRITES = [
  'contents',
  'actions',
  'pull-requests',
  'packages',
  'id-token',
  'attestations',
  'deployments',
  'statuses',
  'checks',
  'issues',
] as const;

/**
 * A workflow that runs on pull requests runs code the pull request brings: its jobs get no write
 * scope (SARIF uploads aside, which GitHub itself limits to the base repository) and no
 * self-hosted runner, which a fork's code could take over. A job guarded by
 * `github.event_name != 'pull_request'` never runs for a pull request and may write.
 */
export const pullRequestPrivilegeRule: PolicyRule = workflowRule({
  code: 'pipelines:pull-request-privilege',
  description: `jobs of pull_request workflows grant no ${PR_FORBIDDEN_WRITES.join('/')}: write unless guarded by \`${GUARDS.notPullRequest}\`, and run on GitHub-hosted runners only`,
  check(target) {
    if (!('pull_request' in (target.data.on ?? {}))) return [];
    const findings: Finding[] = [];
    for (const [jobId, job] of Object.entries(target.data.jobs ?? {})) {
      const location = jobLocation(target, jobId);
      const perms = (typeof job.permissions === 'object' && job.permissions !== null ? job.permissions : {}) as Record<
        string,
        string
      >;
      const guarded = requiresGuard(job.if, GUARDS.notPullRequest);
      for (const scope of PR_FORBIDDEN_WRITES) {
        if (perms[scope] === 'write' && !guarded) {
          findings.push({
            location,
            message: `grants ${scope}: write in a workflow that runs pull-request code; guard the job with ${GUARDS.notPullRequest} or move the write to a workflow that pull requests do not trigger`,
          });
        }
      }
      const labels = [job['runs-on']].flat().map(String);
      if (labels.some((l) => l === 'self-hosted' || l.startsWith('self-hosted'))) {
        findings.push({
          location,
          message: `runs-on ${JSON.stringify(job['runs-on'])}: a self-hosted runner in a pull_request workflow can be taken over by a fork's code; use a GitHub-hosted runner`,
        });
      }
    }
    return findings;
  },
});
