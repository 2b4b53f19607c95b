import {
  BRANCH_PUSH_ATTEMPTS,
  checkout,
  downloadArtifact,
  runStep,
  type Expression,
  type SecureJob,
  type SecureWorkflow,
  type WorkflowJob,
} from '../src';

/** Props of {@link addHistoryRecordJob}. */
export interface HistoryRecordJobProps {
  readonly id: string;
  readonly name: string;
  readonly runsOn: string;
  readonly needs: readonly WorkflowJob[];
  /** Only a passing scheduled run of the default branch records. */
  readonly if: Expression;
  /** The history branch (`performanceHistoryBranch` of the model). */
  readonly branch: string;
  /** Artifact holding the updated history files, laid out as on the branch below `folder`. */
  readonly artifact: string;
  /** Folder of the branch the artifact's files go to. @default - the branch's root */
  readonly folder?: string;
  /** What was recorded, for the commit message. */
  readonly what: string;
}

/**
 * Appends updated histories to the history branch. It holds `contents: write`, so it runs no
 * package code at all (git only), and only after the gate passed.
 */
export function addHistoryRecordJob(workflow: SecureWorkflow, props: HistoryRecordJobProps): SecureJob {
  return workflow.addJob(props.id, {
    name: props.name,
    runsOn: props.runsOn,
    permissions: { contents: 'write' },
    timeoutMinutes: 5,
    needs: [...props.needs],
    if: props.if,
    steps: [
      checkout({ persistCredentials: true, fetchDepth: 1 }),
      downloadArtifact({ name: props.artifact, path: 'updated' }),
      runStep({
        name: `Commit to ${props.branch}`,
        env: { HISTORY_BRANCH: props.branch, HISTORY_FOLDER: props.folder ?? '.', WHAT: props.what },
        run: [
          'git config user.name "github-actions[bot]"',
          'git config user.email "41898282+github-actions[bot]@users.noreply.github.com"',
          'updated="$PWD/updated"',
          // Both nightly workflows record to the branch: a push that lost the race starts again
          // from the branch's new head.
          `for attempt in ${Array.from({ length: BRANCH_PUSH_ATTEMPTS }, (_, i) => i + 1).join(' ')}; do`,
          '  if git fetch --depth 1 origin "$HISTORY_BRANCH"; then',
          '    git switch --force-create "$HISTORY_BRANCH" FETCH_HEAD',
          '  else',
          '    git switch --orphan "$HISTORY_BRANCH"',
          '  fi',
          '  mkdir -p "$HISTORY_FOLDER"',
          '  cp -R "$updated/." "$HISTORY_FOLDER/"',
          '  git add -- "$HISTORY_FOLDER"',
          '  git commit --message "perf: record the nightly run of $WHAT"',
          '  if git push origin "HEAD:refs/heads/$HISTORY_BRANCH"; then exit 0; fi',
          `  echo "::warning::push to $HISTORY_BRANCH failed (attempt $attempt of ${BRANCH_PUSH_ATTEMPTS}); retrying from its new head"`,
          '  sleep $((attempt * 10))',
          'done',
          'exit 1',
        ].join('\n'),
      }),
    ],
  });
}
