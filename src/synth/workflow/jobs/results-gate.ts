import { Expression, status } from '../expressions';
import type { SecureJob } from '../job';
import type { WorkflowJob } from '../job-base';
import { runStep } from '../steps';
import type { SecureWorkflow } from '../workflow';

/** Props of {@link addResultsGateJob}. */
export interface ResultsGateProps {
  readonly runsOn: string;
  /** The jobs whose results decide the gate. */
  readonly jobs: readonly WorkflowJob[];
  /** @default 'result' */
  readonly jobId?: string;
  /** @default 'Result' */
  readonly name?: string;
}

/**
 * One job to mark as the required status check. It always runs, and passes when every job
 * it needs succeeded or was skipped (skipped = its paths did not change), so branch
 * protection needs only this check and path-skipped jobs never block a merge.
 */
export function addResultsGateJob(workflow: SecureWorkflow, props: ResultsGateProps): SecureJob {
  return workflow.addJob(props.jobId ?? 'result', {
    name: props.name ?? 'Result',
    runsOn: props.runsOn,
    permissions: {},
    timeoutMinutes: 5,
    needs: props.jobs,
    if: status.always,
    steps: [
      runStep({
        name: 'Check the results of all jobs',
        env: { RESULTS: Expression.raw('toJSON(needs)') },
        run: [
          'echo "$RESULTS" | jq -r \'to_entries[] | "\\(.key): \\(.value.result)"\'',
          'echo "$RESULTS" | jq -e \'all(.[]; .result == "success" or .result == "skipped")\' > /dev/null',
        ].join('\n'),
      }),
    ],
  });
}
