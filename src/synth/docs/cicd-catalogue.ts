import { Construct } from 'constructs';
import type { HelmChart } from '../k8s/helm/helm-chart';
import { markGeneratedFile, type IGeneratedFile, type RenderedFile } from '../output/generated-file';
import type { WorkflowTriggers } from '../workflow/triggers';
import type { SecureWorkflow } from '../workflow/workflow';

/** Props of {@link CicdCatalogue}. */
export interface CicdCatalogueProps {
  readonly workflows: readonly SecureWorkflow[];
  readonly charts: readonly HelmChart[];
  /** @default 'docs/CICD.md' */
  readonly filePath?: string;
}

function triggersText(t: WorkflowTriggers): string {
  const parts: string[] = [];
  const paths = (p?: readonly string[]) => (p ? ` (paths: ${p.map((x) => `\`${x}\``).join(', ')})` : '');
  if (t.push) {
    const refs = [
      ...(t.push.branches ?? []).map((b) => `\`${b}\``),
      ...(t.push.tags ?? []).map((tag) => `tags \`${tag}\``),
    ];
    parts.push(`push${refs.length > 0 ? ` to ${refs.join(' or ')}` : ''}${paths(t.push.paths)}`);
  }
  if (t.pullRequest) parts.push(`pull requests${paths(t.pullRequest.paths)}`);
  for (const cron of t.schedule ?? []) parts.push(`schedule \`${cron}\` (UTC)`);
  if (t.workflowDispatch) {
    const inputs = Object.keys(t.workflowDispatch.inputs ?? {});
    parts.push(`manual${inputs.length ? ` (inputs: ${inputs.map((i) => `\`${i}\``).join(', ')})` : ''}`);
  }
  if (t.workflowCall) parts.push('called by other workflows');
  if (t.workflowRun) parts.push(`after runs of ${t.workflowRun.workflows.map((w) => `"${w}"`).join(', ')}${t.workflowRun.branches ? ` on ${t.workflowRun.branches.map((b) => `\`${b}\``).join(', ')}` : ''}`);
  return parts.join('; ');
}

const cell = (s: string) => s.replace(/\|/g, '\\|');

/**
 * `docs/CICD.md`: a catalogue of every generated workflow (purpose, triggers, jobs with their
 * permissions, timeouts and dependencies) and chart, rendered from the same constructs as the
 * files themselves, so it cannot drift from them.
 */
export class CicdCatalogue extends Construct implements IGeneratedFile {
  public readonly filePath: string;
  private readonly props: CicdCatalogueProps;

  constructor(scope: Construct, id: string, props: CicdCatalogueProps) {
    super(scope, id);
    this.props = props;
    this.filePath = props.filePath ?? 'docs/CICD.md';
    markGeneratedFile(this);
  }

  public render(): RenderedFile {
    const out: string[] = [
      '# CI/CD catalogue',
      '',
      'Generated from the workflow and chart constructs (`workflows-gen/`); regenerate with `npx projen`.',
      '',
      '| workflow | file | runs on |',
      '| --- | --- | --- |',
      ...this.props.workflows.map((w) => `| [${cell(w.workflowName)}](#${anchor(w.workflowName)}) | \`${w.filePath}\` | ${cell(triggersText(w.triggers))} |`),
      '',
    ];
    for (const w of this.props.workflows) {
      const { data } = w.renderData();
      out.push(`## ${w.workflowName}`, '', w.description, '', `File: \`${w.filePath}\`. Runs on: ${triggersText(w.triggers)}.`, '',
        '| job | name | runner | permissions | timeout | needs | runs when |', '| --- | --- | --- | --- | --- | --- | --- |');
      for (const [id, job] of Object.entries(data.jobs ?? {})) {
        const perms = Object.entries((job.permissions ?? {}) as Record<string, string>).map(([k, v]) => `${k}: ${v}`).join(', ') || 'none';
        const needs = ((job.needs as string[] | undefined) ?? []).map((n) => `\`${n}\``).join(', ') || '—';
        // A job that calls a reusable workflow runs on that workflow's runners, under its timeouts.
        const runner = job.uses ? `calls \`${job.uses}\`` : String(job['runs-on']);
        const timeout = job.uses ? 'its jobs\'' : `${job['timeout-minutes']} min`;
        out.push(`| \`${id}\` | ${cell(String(job.name ?? id))} | ${cell(runner)} | ${perms} | ${timeout} | ${needs} | ${job.if ? `\`${cell(String(job.if))}\`` : job.needs ? 'when its needs succeed' : 'every run'} |`);
      }
      out.push('');
    }
    out.push('## Helm charts', '', '| chart | folder | image | values files |', '| --- | --- | --- | --- |');
    for (const c of this.props.charts) {
      out.push(`| ${c.serviceName} | \`${c.directory}\` | \`${c.values.image.repository}\` | ${c.valuesFiles.map((f) => `\`${f}\``).join(', ')} |`);
    }
    out.push('');
    return { filePath: this.filePath, format: 'markdown', text: out.join('\n'), reviewed: true, constructPath: this.node.path };
  }
}

function anchor(title: string): string {
  return title.toLowerCase().replace(/[^a-z0-9 -]/g, '').trim().replace(/ /g, '-');
}
