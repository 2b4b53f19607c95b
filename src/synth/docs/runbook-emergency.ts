import { renderedWorkflow } from './workflow-facts';
import type { SecureWorkflow } from '../workflow/workflow';

/** The checks a pull request waits for: the `result` job of each workflow that runs on pull requests. */
function requiredChecks(workflows: readonly SecureWorkflow[]): string[] {
  return workflows
    .flatMap((w) => {
      const doc = renderedWorkflow(w).data;
      const result = doc.jobs?.result;
      return doc.on?.pull_request !== undefined && result ? [String(result.name ?? 'result')] : [];
    })
    .sort();
}

/**
 * The runbook's emergency procedures: who may go past a gate, the exact command for each gate
 * (required checks, an environment's reviewers, a workflow that misbehaves), and how each use is
 * recorded, so that an incident never needs a change to the protections themselves.
 */
export function emergencySection(workflows: readonly SecureWorkflow[]): string[] {
  return [
    '## Emergency bypass',
    '',
    'For an incident only, when the normal path would take longer than the harm it prevents (a fix that must ship while a check is',
    'broken, a deploy waiting for a reviewer who cannot be reached, a workflow that keeps doing damage). Who may: repository',
    'administrators, and only with the protections configured to let administrators past (branch protection without "Do not allow',
    'bypassing the above settings"; environments with "Allow administrators to bypass configured protection rules"). Never weaken',
    'a protection to get past it: the protection stays, the bypass is one recorded act.',
    '',
    '**Record it first.** Open an issue (`gh issue create --label emergency-bypass --title "Bypass: <what>" --body "<why, which',
    'run or pull request, who>"`) before the bypass and close it with the follow-up (the real fix, the re-run that passed). GitHub',
    "records the act too: the pull request's timeline shows a merge past failing checks, the run's page shows who approved or",
    "bypassed a deployment, and an organization's audit log records administrators' overrides.",
    '',
    '1. **Merge past required checks** (the `result` job of each pull-request workflow:',
    `   ${requiredChecks(workflows)
      .map((c) => `\`${c}\``)
      .join(', ')}).`,
    "   `gh pr merge <number> --admin --squash` merges without them. The default branch's own run still runs every check after the",
    '   merge; watch it (`gh run watch`) and revert if it fails.',
    "2. **Deploy past an environment's reviewers or wait timer.** A reviewer approves the waiting job on the run's page, or:",
    '',
    '   ```sh',
    '   gh api repos/{owner}/{repo}/actions/runs/<run-id>/pending_deployments --jq \'.[].environment | "\\(.id) \\(.name)"\'',
    '   gh api --method POST repos/{owner}/{repo}/actions/runs/<run-id>/pending_deployments -F "environment_ids[]=<id>" -f state=approved -f comment="<issue link>"',
    '   ```',
    '',
    "   An administrator may instead bypass the rules on the run's page where the environment allows it. Dispatch manual runs at",
    "   the ref the runbook names: that is the ref the environments' deployment rules admit.",
    '3. **Stop a workflow that misbehaves.** `gh run cancel <run-id>` stops one run (a deploy stage rolls itself back when',
    '   cancelled); `gh workflow disable <file>` stops every trigger of a workflow, scheduled ones included, until',
    '   `gh workflow enable <file>`. A disabled workflow also stops reporting its required check, so pull requests wait: enable it',
    '   again as soon as the cause is fixed.',
    '',
  ];
}
