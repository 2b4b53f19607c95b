import { Construct } from 'constructs';
import { jobGraph, renderedWorkflow, workflowFacts } from './workflow-facts';
import { markdownCell } from '../../common/text-table';
import { minuteMultiplier } from '../../common/what-runs/cost';
import { whatRuns, type WhatRunsQuery } from '../../common/what-runs/what-runs';
import type { HelmChart } from '../k8s/helm/helm-chart';
import { markGeneratedFile, type IGeneratedFile, type RenderedFile } from '../output/generated-file';
import type { WorkflowTriggers } from '../workflow/triggers';
import type { SecureWorkflow } from '../workflow/workflow';

/** A kind of change, by an example of the files it touches, for the "what runs when" table. */
export interface ChangeKind {
  readonly label: string;
  readonly files: readonly string[];
}

/** Props of {@link CicdCatalogue}. */
export interface CicdCatalogueProps {
  readonly workflows: readonly SecureWorkflow[];
  readonly charts: readonly HelmChart[];
  /** @default 'docs/CICD.md' */
  readonly filePath?: string;
  /** Rows of the "what runs when" table (pull request and push for each). @default [] */
  readonly changeKinds?: readonly ChangeKind[];
  /** @default 'main' */
  readonly defaultBranch?: string;
  /** A release tag for the table, e.g. `v1.2.3`. @default 'v1.0.0' */
  readonly releaseTag?: string;
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
  if (t.workflowRun) {
    parts.push(
      `after runs of ${t.workflowRun.workflows.map((w) => `"${w}"`).join(', ')}${t.workflowRun.branches ? ` on ${t.workflowRun.branches.map((b) => `\`${b}\``).join(', ')}` : ''}`,
    );
  }
  return parts.join('; ');
}

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
      ...this.props.workflows.map(
        (w) =>
          `| [${markdownCell(w.workflowName)}](#${anchor(w.workflowName)}) | \`${w.filePath}\` | ${markdownCell(triggersText(w.triggers))} |`,
      ),
      '',
    ];

    for (const w of this.props.workflows) {
      const { data } = renderedWorkflow(w);
      const facts = workflowFacts(data, renderedWorkflow(w).text);
      const list = (items: readonly string[], code = true) =>
        items.length ? items.map((i) => (code ? `\`${i}\`` : i)).join(', ') : 'none';
      out.push(
        `## ${w.workflowName}`,
        '',
        w.description,
        '',
        `File: \`${w.filePath}\`. Runs on: ${triggersText(w.triggers)}.`,
        '',
        `Secrets: ${list(facts.secrets)}. Variables: ${list(facts.variables)}. Leaves: ${list(facts.uploads, false)}.`,
        '',
        jobGraph(data),
        '',
        '| job | name | runner | permissions | timeout | needs | runs when |',
        '| --- | --- | --- | --- | --- | --- | --- |',
      );
      for (const [id, job] of Object.entries(data.jobs ?? {})) {
        const perms =
          Object.entries((job.permissions ?? {}) as Record<string, string>)
            .map(([k, v]) => `${k}: ${v}`)
            .join(', ') || 'none';
        const needs = ((job.needs as string[] | undefined) ?? []).map((n) => `\`${n}\``).join(', ') || '—';
        // A job that calls a reusable workflow runs on that workflow's runners, under its timeouts.
        const runner = job.uses ? `calls \`${job.uses}\`` : String(job['runs-on']);
        const timeout = job.uses ? "its jobs'" : `${job['timeout-minutes']} min`;
        out.push(
          `| \`${id}\` | ${markdownCell(String(job.name ?? id))} | ${markdownCell(runner)} | ${perms} | ${timeout} | ${needs} | ${job.if ? `\`${markdownCell(String(job.if))}\`` : job.needs ? 'when its needs succeed' : 'every run'} |`,
        );
      }
      out.push('');
    }
    out.push('## Helm charts', '', '| chart | folder | image | values files |', '| --- | --- | --- | --- |');
    for (const c of this.props.charts) {
      out.push(
        `| ${c.serviceName} | \`${c.directory}\` | \`${c.values.image.repository}\` | ${c.valuesFiles.map((f) => `\`${f}\``).join(', ')} |`,
      );
    }
    out.push('', ...this.whatRunsWhen(), '', ...STATIC_SECTIONS);
    return {
      filePath: this.filePath,
      format: 'markdown',
      text: out.join('\n'),
      reviewed: true,
      constructPath: this.node.path,
    };
  }

  /** The "what runs when" table: the same evaluation as `pipelines what-runs`, with minute ceilings. */
  private whatRunsWhen(): string[] {
    const branch = this.props.defaultBranch ?? 'main';
    const rows: { label: string; q: WhatRunsQuery }[] = [
      ...(this.props.changeKinds ?? []).flatMap((k) => [
        {
          label: `pull request changing ${k.label}`,
          q: { event: 'pull_request' as const, ref: branch, changed: k.files },
        },
        {
          label: `push to \`${branch}\` changing ${k.label}`,
          q: { event: 'push' as const, ref: branch, changed: k.files },
        },
      ]),
      {
        label: `release tag \`${this.props.releaseTag ?? 'v1.0.0'}\``,
        q: { event: 'tag', ref: this.props.releaseTag ?? 'v1.0.0', changed: [] },
      },
      { label: 'the schedules (each on its own cron)', q: { event: 'schedule', ref: branch, changed: [] } },
      { label: 'a manual run (default inputs)', q: { event: 'workflow_dispatch', ref: branch, changed: [] } },
    ];
    const parsed = new Map(this.props.workflows.map((w) => [w.filePath, renderedWorkflow(w).data]));
    const out = [
      '## What runs when',
      '',
      'Computed from the generated workflows by the code of `npx pipelines what-runs` (triggers, branch, tag and path filters,',
      'the change-detection filters, each job\'s `if:`), assuming every job that starts succeeds. "Minutes (ceiling)" adds up the',
      "timeouts of the jobs that run, at GitHub's rates (macOS 10×): a bound on each job, not a forecast; a matrix job counts",
      'once (each of its entries is billed), and jobs marked "maybe" (decided at run time) are counted apart.',
      '',
      '| change × event | workflows that run (jobs) | minutes (ceiling) |',
      '| --- | --- | --- |',
    ];
    for (const row of rows) {
      const answers = whatRuns(parsed, { ...row.q, defaultBranch: branch }).filter((a) => a.verdict !== 'skipped');
      const jobs = answers.flatMap((a) => a.jobs.filter((j) => j.verdict !== 'skipped'));
      const minutes = (verdict: string) =>
        jobs
          .filter((j) => j.verdict === verdict)
          .reduce((sum, j) => sum + (j.timeoutMinutes ?? 0) * minuteMultiplier(j.runsOn), 0);
      const maybe = minutes('maybe');
      out.push(
        `| ${row.label} | ${answers.map((a) => `${markdownCell(a.name)} (${a.jobs.filter((j) => j.verdict === 'runs').length}${a.jobs.some((j) => j.verdict === 'maybe') ? `+${a.jobs.filter((j) => j.verdict === 'maybe').length}?` : ''})`).join(', ') || 'nothing'} | ${minutes('runs')}${maybe ? ` (+${maybe} maybe)` : ''} |`,
      );
    }
    return out;
  }
}

/** Prose that no construct knows and that cannot drift from them. */
const STATIC_SECTIONS = [
  '## Testing locally',
  '',
  "- `npx projen test`: synthesis, the drift check, snapshots, GitHub's workflow parser, actionlint, shellcheck, the policy rules,",
  '  the charts with the real Helm, the helper CLIs against servers on 127.0.0.1.',
  "- `npx projen test:e2e`: the generated compose stack on a real Docker Engine with stand-in services, and the workflows' own",
  '  smoke, load and regression steps (README, "End-to-end suite").',
  '- `npx pipelines what-runs --event pull_request` (changed files from git) and `npx pipelines plan`: what a change starts and',
  '  what it does to the pipelines, before pushing.',
  '- `act` runs Linux jobs in containers: it fits the jobs that only need a checkout and Node or Python (ci-test, the lint',
  '  jobs). It does not fit the rest: macOS jobs, OIDC (provenance, signing), the GitHub API (caches, issues, attestations),',
  '  multi-arch builds on native arm64 runners, and kind; those run only on GitHub.',
  '',
  '## Troubleshooting',
  '',
  '| symptom | cause | what to do |',
  '| --- | --- | --- |',
  '| CI fails with "Generated files are out of date" | a construct changed but the YAML was not regenerated, or a generated file was edited by hand | `npx projen`, commit the result; never edit generated files |',
  '| a required check stays "Expected — waiting" | the check is a job of a workflow that did not start (path filter) | require the workflow\'s `result` job; the workflows skip by job, not by `on.paths` |',
  '| `Resource not accessible by integration` | the job lacks a permission | grant it in the construct (the policy and the plan show the widening); never at workflow level |',
  "| a called workflow fails to start (\"requesting 'x: write', but is only allowed 'read'\") | the caller grants less than the called jobs need | `CallWorkflowJob` grants the union; re-synthesize |",
  '| the nightly regression gate fails with "conditions differ" | rate, duration, warm-up or runner changed | that starts a new history: expected once; see the runbook for the baseline |',
  '| a compose health check never passes | the image lacks `python3`, writes outside /tmp, or listens on another port | `docs/service-contract.md`; the end-to-end suite reproduces it locally |',
  '| Dependabot npm pull requests fail the drift check | a manifest change | Dependabot is lockfile-only here; change ranges in `projenrc/project.ts` |',
  '',
];

function anchor(title: string): string {
  return title
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, '')
    .trim()
    .replace(/ /g, '-');
}
