import { Construct } from 'constructs';
import { evaluateValue, UNKNOWN } from '../../common/what-runs/github-expression';
import type { Platform } from '../model/platform';
import { markGeneratedFile, type IGeneratedFile, type RenderedFile } from '../output/generated-file';
import type { SecureWorkflow } from '../workflow/workflow';
import { ALERT_ISSUE_TITLE_PREFIX } from '../workflow/jobs/failure-alert';
import { renderedWorkflow, workflowFacts } from './workflow-facts';

/** Props of {@link RunbookDoc}. */
export interface RunbookDocProps {
  readonly platform: Platform;
  readonly workflows: readonly SecureWorkflow[];
  /** The workflow whose `verify` job checks a release image (cosign, gh attestation, slsa-verifier). */
  readonly provenance?: SecureWorkflow;
  /** The workflow that updates the action pins. */
  readonly actionUpdates?: SecureWorkflow;
  /** @default 'docs/ci-cd-runbook.md' */
  readonly filePath?: string;
}

/**
 * `docs/ci-cd-runbook.md` (seed 004, task 16): per workflow how to run and re-run it, its inputs,
 * secrets and what it leaves; how to update the performance baseline, bump an action pin, verify
 * a release image with the exact commands the provenance workflow runs, and roll back. Every
 * fact comes from the constructs and the model.
 */
export class RunbookDoc extends Construct implements IGeneratedFile {
  public readonly filePath: string;

  constructor(scope: Construct, id: string, private readonly props: RunbookDocProps) {
    super(scope, id);
    this.filePath = props.filePath ?? 'docs/ci-cd-runbook.md';
    markGeneratedFile(this);
  }

  public render(): RenderedFile {
    const { platform } = this.props;
    const out = [
      '# CI/CD runbook', '',
      'Generated from the workflow constructs and the platform model; regenerate with `npx projen`. The catalogue',
      '(`docs/CICD.md`) shows each workflow\'s jobs; this page says how to operate them. Commands use the GitHub CLI (`gh`).', '',
      '## When a run fails', '',
      '1. Open the failed job\'s log (`gh run view <run-id> --log-failed`); the job summary has the tables our steps write.',
      '2. A `result` job only reports the jobs it needs: look at the first failed job above it.',
      '3. Re-run only what failed once the cause is fixed or was transient: `gh run rerun <run-id> --failed`.',
      `4. Scheduled workflows open an issue titled "${ALERT_ISSUE_TITLE_PREFIX}<name>" (alerts.yml); it closes itself when a run passes.`, '',
      '## Workflows', '',
    ];
    for (const w of this.props.workflows) {
      const { data, text } = renderedWorkflow(w);
      const facts = workflowFacts(data, text);
      const file = w.filePath.split('/').pop()!;
      const t = w.triggers;
      out.push(`### ${w.workflowName}`, '', `${w.description} File: \`${w.filePath}\`.`, '');
      const how: string[] = [];
      if (t.workflowDispatch) {
        const inputs = Object.entries(t.workflowDispatch.inputs ?? {});
        how.push(`- Run it: \`gh workflow run ${file} --ref ${platform.defaultBranch}${inputs.map(([n, i]) => ` -f ${n}=${i.default ?? `<${i.type}>`}`).join('')}\``);
        if (inputs.length) {
          how.push('', '  | input | type | default | what it does |', '  | --- | --- | --- | --- |', ...inputs.map(([n, i]) => `  | \`${n}\` | ${i.type} | ${i.default === undefined ? '—' : `\`${i.default}\``} | ${i.description} |`), '');
        }
      }
      if (t.schedule) how.push(`- Scheduled: ${t.schedule.map((c) => `\`${c}\``).join(', ')} (UTC), on \`${platform.defaultBranch}\`.`);
      if (t.workflowCall) how.push('- Called by other workflows: re-run the calling run.');
      if (t.push || t.pullRequest) how.push('- Runs for pushes and pull requests: push a commit, or re-run the run.');
      if (t.workflowRun) how.push(`- Runs after ${t.workflowRun.workflows.join(', ')} complete.`);
      how.push(`- Re-run the failed jobs: \`gh run rerun <run-id> --failed\`; list its runs: \`gh run list --workflow ${file}\`.`);
      how.push(`- Needs secrets: ${facts.secrets.length ? facts.secrets.map((s) => `\`${s}\``).join(', ') : 'none besides GITHUB_TOKEN'}; variables: ${facts.variables.length ? facts.variables.map((s) => `\`${s}\``).join(', ') : 'none'}. Leaves: ${facts.uploads.length ? facts.uploads.join(', ') : 'nothing'}.`);
      out.push(...how, '');
    }
    out.push(...this.baseline(), ...this.pins(), ...this.verify(), ...this.rollback());
    return { filePath: this.filePath, format: 'markdown', text: out.join('\n'), reviewed: true, constructPath: this.node.path };
  }

  private baseline(): string[] {
    const { platform } = this.props;
    return [
      '## Update the performance baseline', '',
      `The nightly runs compare against a history kept on the \`${platform.performanceHistoryBranch}\` branch, one file per scenario and`,
      'conditions (endpoint, rate, duration, warm-up, runner). Only a passing scheduled run of the default branch is added.',
      '- After an intended slowdown: let the next scheduled run fail, then dispatch the workflow with the model\'s inputs once the',
      '  change is accepted and remove the runs you no longer want compared from the history file on that branch (it is JSON: one',
      '  entry per run, newest last); the gate takes the median of the last runs as its reference.',
      '- A change of rate, duration, warm-up or runner in the model starts a new history file by itself: nothing to do.',
      '- Locally: `npx check-performance-regression --current perf.json --history history.json --update-history`.', '',
    ];
  }

  private pins(): string[] {
    const file = this.props.actionUpdates?.filePath.split('/').pop() ?? 'update-actions.yml';
    return [
      '## Bump an action pin', '',
      `- Automatically: \`${file}\` runs weekly (and \`gh workflow run ${file}\`): it moves \`actions.lock.json\` to each action's newest`,
      '  release past the cooldown, regenerates the workflows and opens one pull request with both, which CI checks like any other.',
      '- By hand: `npx update-action-pins --cooldown-days 0` (or edit `actions.lock.json`: the tag and the full commit SHA it points to),',
      '  then `npx projen`, and commit the lock file with the regenerated YAML. `npx pipelines plan` shows every re-pinned action.', '',
    ];
  }

  /** The provenance workflow's own verification steps, as commands for one release. */
  private verify(): string[] {
    const { platform, provenance } = this.props;
    if (!provenance) return [];
    const data = renderedWorkflow(provenance).doc;
    const steps: any[] = (data.jobs?.verify?.steps ?? []).filter((s: any) => String(s.name).startsWith('Verify') && s.run);
    const tag = `v${platform.version}`;
    const context = { github: { ref: `refs/tags/${tag}`, ref_name: tag } };
    const out = [
      '## Verify a release image', '',
      'The commands the provenance workflow runs after signing, for one image of a release. Set the image, its digest (from the',
      `release's job summary or \`docker buildx imagetools inspect <image>:${platform.version}\`) and the tag first:`, '',
      '```bash',
      `export IMAGE=${platform.services[0]?.imageRepository ?? '<image>'}  # or ${platform.services.slice(1).map((s) => s.imageRepository).join(', ')}`,
      'export DIGEST=sha256:<digest>',
      `export GITHUB_REF=refs/tags/${tag} GITHUB_REF_NAME=${tag} GITHUB_SHA="$(git rev-parse '${tag}^{commit}')"`,
      '```', '',
    ];
    for (const step of steps) {
      const env = Object.entries<string>(step.env ?? {}).filter(([k]) => k !== 'IMAGE' && k !== 'DIGEST').map(([k, v]) => {
        const text = String(v);
        if (!text.includes('${{')) return `${k}='${text}'`;
        if (/github\.token/.test(text)) return `${k}="$(gh auth token)"`;
        const value = evaluateValue(text, context);
        return `${k}='${value === UNKNOWN ? `<${k}>` : value}'`;
      });
      out.push(`${step.name}:`, '', '```bash', ...env.length ? [`export ${env.join(' ')}`] : [], step.run.trimEnd(), '```', '');
    }
    return out;
  }

  private rollback(): string[] {
    const { platform } = this.props;
    return [
      '## Roll back', '',
      '- A service: `helm history <release> -n <namespace>` lists the revisions; `helm rollback <release> <revision> -n <namespace> --wait`',
      '  returns to one, then `helm test <release> -n <namespace>`. Or deploy the previous release\'s digest:',
      `  \`helm upgrade <release> charts/<service> -n <namespace> --reuse-values --set image.digest=sha256:<previous> --wait --atomic\`.`,
      `- The charts use the model's environments (${platform.environments.map((e) => `\`${e.name}\``).join(', ')}); their values files are`,
      '  `charts/<service>/values-<environment>.yaml`.',
      '- A pipeline change: revert the commit (generated YAML and constructs together); `npx pipelines plan --base HEAD~1` shows what',
      '  the revert does.', '',
    ];
  }
}
