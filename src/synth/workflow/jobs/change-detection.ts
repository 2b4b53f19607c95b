import { checkout } from '../actions/checkout';
import { github, type Expression } from '../expressions';
import type { SecureJob } from '../job';
import { READ_CONTENTS } from '../permissions';
import { runStep, stepOutput } from '../steps';
import type { SecureWorkflow } from '../workflow';

/** Props of {@link addChangeDetectionJob}. */
export interface ChangeDetectionProps {
  /** Runner label. */
  readonly runsOn: string;
  /** Filter name → paths (git pathspecs from the repository root). Names become job outputs. */
  readonly filters: Readonly<Record<string, readonly string[]>>;
  /** @default 'changes' */
  readonly jobId?: string;
  /** When the job runs at all, e.g. only for pull requests. @default - always */
  readonly if?: Expression;
}

/** The change-detection job and one `'true'`/`'false'` output per filter. */
export interface ChangeDetection {
  readonly job: SecureJob;
  /** `needs.changes.outputs.<filter> == 'true'`. */
  changed(filter: string): Expression;
}

const NULL_SHA = '0000000000000000000000000000000000000000';

/**
 * Decides what changed in a small first job, so later jobs skip with `if:` instead of the
 * workflow being skipped by `on.paths` (which leaves required checks pending forever).
 * It diffs trees only (partial clone without blobs), so it costs seconds even in a large repo.
 * Without a usable base (new branch, manual run) every filter counts as changed.
 */
export function addChangeDetectionJob(workflow: SecureWorkflow, props: ChangeDetectionProps): ChangeDetection {
  const names = Object.keys(props.filters);
  const checks = names.map((name) => `check ${name} ${props.filters[name]!.map((p) => `'${p}'`).join(' ')}`);
  const detect = runStep({
    name: 'Detect changed paths',
    id: 'diff',
    outputs: names,
    env: { EVENT_NAME: github.eventName, PR_BASE_SHA: github.pullRequestBaseSha, PUSH_BEFORE_SHA: github.pushBefore },
    run: [
      'base=""',
      'case "$EVENT_NAME" in',
      '  pull_request) base="$PR_BASE_SHA" ;;',
      '  push) base="$PUSH_BEFORE_SHA" ;;',
      'esac',
      'all=false',
      `if [ -z "$base" ] || [ "$base" = "${NULL_SHA}" ] || ! git cat-file -e "$base^{commit}" 2>/dev/null; then`,
      '  echo "No base commit to compare with: every filter counts as changed."',
      '  all=true',
      'fi',
      'echo "| filter | changed |" >> "$GITHUB_STEP_SUMMARY"',
      'echo "| --- | --- |" >> "$GITHUB_STEP_SUMMARY"',
      'check() {',
      '  name="$1"; shift',
      '  if [ "$all" = true ] || ! git diff --quiet --no-renames "$base" HEAD -- "$@"; then changed=true; else changed=false; fi',
      '  echo "$name=$changed" >> "$GITHUB_OUTPUT"',
      '  echo "| $name | $changed |" >> "$GITHUB_STEP_SUMMARY"',
      '}',
      ...checks,
    ].join('\n'),
  });
  const job = workflow.addJob(props.jobId ?? 'changes', {
    name: 'Detect changes',
    runsOn: props.runsOn,
    permissions: READ_CONTENTS,
    timeoutMinutes: 5,
    if: props.if,
    steps: [checkout({ fetchDepth: 0, filter: 'blob:none' }), detect],
  });
  for (const name of names) job.addOutput(name, stepOutput(detect, name));
  return { job, changed: (filter) => job.output(filter).eq('true') };
}
