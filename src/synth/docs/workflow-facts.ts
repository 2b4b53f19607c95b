import { costClass } from '../../common/what-runs/cost';
import { referencedNames } from '../../common/workflow-yaml';
import type { SecureWorkflow } from '../workflow/workflow';

type WorkflowData = ReturnType<SecureWorkflow['renderData']>['data'];
/**
 * A workflow as the docs read it: its data (plain and pruned, exactly what the text reads back as:
 * checked for every workflow in test, so no doc parses 400 KB of YAML) and its YAML text.
 */
export interface RenderedWorkflow {
  readonly data: WorkflowData;
  readonly text: string;
}

/** A workflow's data and text for the docs (each rendered once per synthesis by the app). */
export function renderedWorkflow(w: SecureWorkflow): RenderedWorkflow {
  return { data: w.renderData().data, text: w.render().text };
}

/** What a rendered workflow needs and leaves behind, read from its YAML data and text. */
export interface WorkflowFacts {
  readonly secrets: readonly string[];
  readonly variables: readonly string[];
  /** Artifact names, plus "code scanning (SARIF)" and "attestations" where the workflow writes them. */
  readonly uploads: readonly string[];
}

export function workflowFacts(data: any, text: string): WorkflowFacts {
  const uploads = new Set<string>();
  for (const job of Object.values<any>(data.jobs ?? {})) {
    for (const step of job.steps ?? []) {
      const uses = String(step.uses ?? '');
      if (uses.startsWith('actions/upload-artifact@')) uploads.add(`artifact \`${step.with?.name}\``);
      if (uses.startsWith('github/codeql-action/upload-sarif@') || uses.startsWith('github/codeql-action/analyze@')) {
        uploads.add('code scanning (SARIF)');
      }
      if (uses.startsWith('actions/attest-build-provenance@')) uploads.add('attestations');
    }
  }
  return {
    secrets: referencedNames(text, 'secrets'),
    variables: referencedNames(text, 'vars'),
    uploads: [...uploads].sort(),
  };
}

/** A Mermaid flowchart of a workflow's jobs and their `needs`, the runner's cost class on each. */
export function jobGraph(data: any): string {
  const id = (job: string) => job.replace(/[^A-Za-z0-9_]/g, '_');
  const lines = ['```mermaid', 'flowchart LR'];
  for (const [name, job] of Object.entries<any>(data.jobs ?? {})) {
    const where = job.uses
      ? 'reusable workflow'
      : `${job['runs-on']}${costClass(job['runs-on']).startsWith('macOS') ? ' (10×)' : ''}`;
    lines.push(`  ${id(name)}["${name}<br/><small>${String(where).replace(/"/g, "'")}</small>"]`);
    for (const need of [job.needs ?? []].flat()) lines.push(`  ${id(String(need))} --> ${id(name)}`);
  }
  lines.push('```');
  return lines.join('\n');
}
