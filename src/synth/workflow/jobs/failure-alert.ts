import { Expression } from '../expressions';
import type { SecureJob } from '../job';
import { runStep } from '../steps';
import type { SecureWorkflow } from '../workflow';

/** Props of {@link addFailureAlertJob}. */
export interface FailureAlertProps {
  readonly runsOn: string;
  /** Alerts only for runs of this branch. */
  readonly defaultBranch: string;
  /** Alerts only for runs started by this event. @default 'schedule' */
  readonly event?: string;
  /** @default 'alert' */
  readonly jobId?: string;
}

/** The start of a workflow's alert issue title (the workflow's name follows): one open issue per workflow, found again by it. */
export const ALERT_ISSUE_TITLE_PREFIX = 'Scheduled workflow failing: ';

/** Conclusions that open (or update) the issue; `success` closes it; others (skipped, neutral) leave it. */
const FAILED = ['failure', 'cancelled', 'timed_out', 'startup_failure'];

/**
 * The alert job of a `workflow_run` workflow: after each run of a watched workflow started by the
 * event on the default branch, one issue per workflow is opened (or commented on) when it failed,
 * and closed when a run passes again. It checks out nothing and runs no code of the watched run;
 * `issues: write` is granted here only.
 */
export function addFailureAlertJob(workflow: SecureWorkflow, props: FailureAlertProps): SecureJob {
  const run = (field: string) => Expression.raw(`github.event.workflow_run.${field}`);
  return workflow.addJob(props.jobId ?? 'alert', {
    name: 'Open, update or close the failure issue',
    runsOn: props.runsOn,
    permissions: { issues: 'write' },
    timeoutMinutes: 5,
    if: Expression.raw(`github.event.workflow_run.event == '${props.event ?? 'schedule'}'`).and(
      Expression.raw(`github.event.workflow_run.head_branch == '${props.defaultBranch}'`),
    ),
    steps: [
      runStep({
        name: 'Open, update or close the issue',
        shell: 'bash',
        env: {
          GH_TOKEN: Expression.raw('github.token'),
          GH_REPO: Expression.raw('github.repository'),
          WORKFLOW: run('name'),
          CONCLUSION: run('conclusion'),
          RUN_URL: run('html_url'),
          FAILED_CONCLUSIONS: FAILED.join(' '),
          TITLE_PREFIX: ALERT_ISSUE_TITLE_PREFIX,
        },
        run: [
          'title="$TITLE_PREFIX$WORKFLOW"',
          'number="$(TITLE="$title" gh issue list --state open --search "in:title \\"$title\\"" --json number,title --jq \'.[] | select(.title == env.TITLE) | .number\' | head -n 1)"',
          'case " $FAILED_CONCLUSIONS " in',
          '  *" $CONCLUSION "*)',
          '    body="The scheduled run $RUN_URL ended: $CONCLUSION."',
          '    if [ -n "$number" ]; then gh issue comment "$number" --body "$body"; else gh issue create --title "$title" --body "$body"; fi',
          '    ;;',
          '  *)',
          '    if [ "$CONCLUSION" = "success" ] && [ -n "$number" ]; then gh issue close "$number" --comment "Passing again: $RUN_URL"; fi',
          '    ;;',
          'esac',
        ].join('\n'),
      }),
    ],
  });
}
