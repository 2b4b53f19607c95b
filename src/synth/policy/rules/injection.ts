import type { Finding } from '../../../common/errors';
import { stepLabel, workflowSteps, type PolicyRule, type WorkflowTarget } from '../policy';

/**
 * Every `${{ … }}` in a text, found by scanning rather than a pattern: the expression ends at the
 * first `}}` outside a string literal (GitHub's literals are single-quoted, `''` escapes a quote),
 * so `format('{0}}', x)` cannot hide one. An unterminated `${{` counts too, up to the end.
 * (@actions/expressions has the full grammar but ships as ESM only, which synthesis on Node 20
 * cannot load synchronously; deciding needs only the boundaries.)
 */
export function findExpressions(text: string): string[] {
  const found: string[] = [];
  let at = text.indexOf('${{');
  while (at !== -1) {
    let i = at + 3;
    let inString = false;
    while (i < text.length) {
      const c = text[i]!;
      if (inString) {
        if (c === "'" && text[i + 1] === "'") i++;
        else if (c === "'") inString = false;
      } else if (c === "'") inString = true;
      else if (c === '}' && text[i + 1] === '}') break;
      i++;
    }
    found.push(text.slice(at, Math.min(i + 2, text.length)));
    at = text.indexOf('${{', i + 2);
  }
  return found;
}

/** No `${{ }}` inside scripts: values reach scripts through env. */
/** Actions through which a workflow_run job would take in what the triggering run produced. */
const UNTRUSTED_INPUTS = /^actions\/(checkout|download-artifact|cache)(\/|@)/;

/**
 * A workflow_run workflow that acts on the event's metadata only (name, conclusion, URL) of
 * named branches: what zizmor's dangerous-triggers audit fears (a privileged run of code or
 * artifacts the triggering run produced) cannot happen in it.
 */
function metadataOnlyWorkflowRun(target: WorkflowTarget): boolean {
  const branches = (target.data.on as Record<string, any>).workflow_run?.branches;
  if (!Array.isArray(branches) || branches.length === 0) return false;
  if (Object.values(target.data.jobs ?? {}).some((job) => job.uses)) return false;
  return [...workflowSteps(target)].every(({ step }) => !UNTRUSTED_INPUTS.test(step.uses ?? ''));
}

export const templateInjectionRule: PolicyRule = {
  code: 'pipelines:no-template-injection',
  description: 'no ${{ }} inside run: scripts or github-script code; values are passed through env: and read as "$VAR"',
  check(target) {
    if (target.kind !== 'workflow') return [];
    const findings: Finding[] = [];
    for (const { step, index, location } of workflowSteps(target)) {
      const script = typeof step.run === 'string' ? step.run
        : step.uses?.startsWith('actions/github-script@') ? String(step.with?.script ?? '') : undefined;
      for (const expression of script !== undefined ? findExpressions(script) : []) {
        findings.push({ location, message: `${stepLabel(step, index)}: script interpolates ${expression.slice(0, 200)}; pass it through env: and read "$NAME" instead` });
      }
    }
    return findings;
  },
};

/** No triggers that run untrusted code with a privileged token. */
export const dangerousTriggersRule: PolicyRule = {
  code: 'pipelines:no-dangerous-triggers',
  description: 'no pull_request_target; no workflow_run (call a reusable workflow with workflow_call instead), except a metadata-only one: branch-filtered, and no job checks out code, downloads an artifact or restores a cache',
  check(target) {
    if (target.kind !== 'workflow') return [];
    const on = target.data.on ?? {};
    const findings: Finding[] = [];
    if ('pull_request_target' in on) findings.push({ location: target.constructPath, message: 'pull_request_target runs with a write token and secrets on untrusted code; use pull_request' });
    if ('workflow_run' in on && !metadataOnlyWorkflowRun(target)) {
      findings.push({ location: target.constructPath, message: 'workflow_run is flagged by zizmor; call this workflow with workflow_call from the producing workflow instead (workflow_run is allowed only with a branches filter and no checkout, artifact download or cache)' });
    }
    return findings;
  },
};
