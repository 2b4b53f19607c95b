import {
  ACTIONS_UPDATE_TOKEN,
  checkout,
  cliStep,
  github,
  runnerVariables,
  runStep,
  secret,
  SecureWorkflow,
  setupNode,
  UPDATE_ACTION_PINS,
  WEEKDAYS,
  type Construct,
  type Platform,
} from '../src';

const BRANCH = 'deps/action-pins';

/**
 * `.github/workflows/update-actions.yml`: action updates that land green. Dependabot would edit
 * the generated YAML and fail the drift check; this moves `actions.lock.json` to each action's
 * newest release past the cooldown (full commit SHA of the tag), regenerates every workflow with
 * `npx projen`, and opens one pull request with both. It runs on the default branch only (schedule
 * or dispatch), never on pull-request code; GITHUB_TOKEN stays read-only. The push and the pull
 * request use ACTIONS_UPDATE_TOKEN (a GitHub App installation token or fine-grained PAT with
 * contents, pull-requests and workflows write): GITHUB_TOKEN can neither change workflow files
 * nor open a pull request that starts CI.
 */
export function updateActionsWorkflow(scope: Construct, platform: Platform): SecureWorkflow {
  const { day, time, cooldownDays } = platform.dependencyUpdates;
  const [hour, minute] = time.split(':').map(Number);
  const workflow = new SecureWorkflow(scope, 'update-actions', {
    name: 'Update action pins',
    description:
      'Moves actions.lock.json to the newest releases past the cooldown, regenerates the workflows and opens one pull request with both.',
    triggers: { schedule: [`${minute} ${hour} * * ${(WEEKDAYS.indexOf(day) + 1) % 7}`], workflowDispatch: {} },
    concurrency: { group: github.workflow, cancelInProgress: false },
  });
  workflow.addJob('update', {
    name: 'Update the pins and regenerate',
    runsOn: platform.runners.linux,
    permissions: { contents: 'read' },
    timeoutMinutes: 15,
    if: github.ref.eq(platform.defaultBranchRef),
    steps: [
      checkout(),
      // No dependency cache: a job that holds a write token restores nothing another run saved.
      setupNode({ nodeVersion: platform.toolchain.node }),
      runStep({ name: 'Install', run: 'npm ci' }),
      cliStep(UPDATE_ACTION_PINS, {
        name: 'Update actions.lock.json',
        env: { GITHUB_TOKEN: github.token },
        args: { cooldownDays, summary: runnerVariables.stepSummary },
      }),
      runStep({ name: 'Regenerate the workflows', run: 'npx projen' }),
      runStep({
        name: 'Open or update the pull request',
        shell: 'bash',
        env: { GH_TOKEN: secret(ACTIONS_UPDATE_TOKEN), BRANCH, BASE: platform.defaultBranch },
        run: [
          'if git diff --quiet; then',
          '  echo "No action has a newer release past its cooldown." >> "$GITHUB_STEP_SUMMARY"',
          '  exit 0',
          'fi',
          'gh auth setup-git',
          'git config user.name "voice-platform-bot"',
          'git config user.email "voice-platform-bot@users.noreply.github.com"',
          'git switch --force-create "$BRANCH"',
          'git commit --all --quiet --message "deps(actions): update pinned actions and regenerate the workflows"',
          'git push --force origin "$BRANCH"',
          'if [ -z "$(gh pr list --head "$BRANCH" --state open --json number --jq \'.[].number\')" ]; then',
          '  gh pr create --base "$BASE" --head "$BRANCH" --title "deps(actions): update pinned actions" --body-file "$GITHUB_STEP_SUMMARY"',
          'fi',
        ].join('\n'),
      }),
    ],
  });
  return workflow;
}
