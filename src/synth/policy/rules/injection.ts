import type { Finding } from '../../../common/errors';
import {
  jobLocation,
  stepLabel,
  stepRule,
  workflowRule,
  workflowSteps,
  type PolicyRule,
  type WorkflowTarget,
} from '../policy';

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
      } else if (c === "'") {
        inString = true;
      } else if (c === '}' && text[i + 1] === '}') {
        break;
      }
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

export const templateInjectionRule: PolicyRule = stepRule({
  code: 'pipelines:no-template-injection',
  description: 'no ${{ }} inside run: scripts or github-script code; values are passed through env: and read as "$VAR"',
  problems(step) {
    const script =
      typeof step.run === 'string'
        ? step.run
        : step.uses?.startsWith('actions/github-script@')
          ? String(step.with?.script ?? '')
          : undefined;
    return (script !== undefined ? findExpressions(script) : []).map(
      (expression) => `script interpolates ${expression.slice(0, 200)}; pass it through env: and read "$NAME" instead`,
    );
  },
});

/** No triggers that run untrusted code with a privileged token. */
export const dangerousTriggersRule: PolicyRule = workflowRule({
  code: 'pipelines:no-dangerous-triggers',
  description:
    'no pull_request_target; no workflow_run (call a reusable workflow with workflow_call instead), except a metadata-only one: branch-filtered, and no job checks out code, downloads an artifact or restores a cache',
  check(target) {
    const on = target.data.on ?? {};
    const findings: Finding[] = [];
    if ('pull_request_target' in on) {
      findings.push({
        location: target.constructPath,
        message: 'pull_request_target runs with a write token and secrets on untrusted code; use pull_request',
      });
    }
    if ('workflow_run' in on && !metadataOnlyWorkflowRun(target)) {
      findings.push({
        location: target.constructPath,
        message:
          'workflow_run is flagged by zizmor; call this workflow with workflow_call from the producing workflow instead (workflow_run is allowed only with a branches filter and no checkout, artifact download or cache)',
      });
    }
    return findings;
  },
});

/** Contexts an outside contributor writes: pull request, issue, comment and commit text, branch names. */
const ATTACKER_CONTROLLED =
  /github\.(head_ref|event\.(pull_request\.(title|body|head\.(ref|label))|issue\.(title|body)|comment\.body|review\.body|review_comment\.body|head_commit\.(message|author)|commits|workflow_run\.(head_branch|display_title|head_commit)|discussion\.(title|body)|pages))/;
/** A script line writing to the runner's environment, output or path file. */
const RUNNER_FILE_WRITE = /\$\{?GITHUB_(ENV|PATH|OUTPUT)\}?/;

/**
 * Attacker-controlled text never reaches `$GITHUB_ENV`, `$GITHUB_PATH` or `$GITHUB_OUTPUT`: a
 * newline in a pull request title written to GITHUB_ENV sets any variable for every later step
 * (`NODE_OPTIONS`, `LD_PRELOAD`, `PATH`), which is code execution with the job's token.
 */
export const untrustedRunnerFileRule: PolicyRule = stepRule({
  code: 'pipelines:no-untrusted-runner-files',
  description:
    'a step that writes to $GITHUB_ENV, $GITHUB_PATH or $GITHUB_OUTPUT takes no pull-request, issue, comment or branch text through its env',
  problems(step) {
    const file = typeof step.run === 'string' ? RUNNER_FILE_WRITE.exec(step.run)?.[0] : undefined;
    if (!file) return [];
    return Object.entries((step.env ?? {}) as Record<string, unknown>).flatMap(([name, value]) => {
      const source = typeof value === 'string' ? ATTACKER_CONTROLLED.exec(value)?.[0] : undefined;
      return source
        ? [
            `env.${name} carries ${source}, attacker-controlled text, into a script that writes ${file}: a newline in it sets any variable or output for later steps`,
          ]
        : [];
    });
  },
});

/**
 * An `if:` is one expression: either bare (`github.ref == 'refs/heads/main'`) or wholly inside one
 * `${{ }}`. Text outside the braces makes GitHub evaluate the whole value as a non-empty string,
 * which is always true (`${{ a }} && b` runs whatever a and b are).
 */
export const ifExpressionRule: PolicyRule = workflowRule({
  code: 'pipelines:if-one-expression',
  description: 'every if: is a bare expression or exactly one ${{ }} (text beside ${{ }} makes it always true)',
  check(target) {
    const findings: Finding[] = [];
    const check = (condition: unknown, location: string, where: string) => {
      if (typeof condition !== 'string' || !condition.includes('${{')) return;
      const expressions = findExpressions(condition);
      if (expressions.length === 1 && expressions[0] === condition.trim()) return;
      findings.push({
        location,
        message: `${where}if: ${condition.slice(0, 200)} mixes \${{ }} with other text: GitHub reads it as a non-empty string, always true; write one expression`,
      });
    };
    for (const [jobId, job] of Object.entries(target.data.jobs ?? {})) check(job.if, jobLocation(target, jobId), '');
    for (const { step, index, location } of workflowSteps(target)) {
      check(step.if, location, `${stepLabel(step, index)}: `);
    }
    return findings;
  },
});
