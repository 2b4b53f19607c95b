import type { Finding } from '../../../common/errors';
import { stepLabel, workflowSteps, type PolicyRule } from '../policy';

const EXPRESSION = /\$\{\{([^}]*)\}\}/;

/** No `${{ }}` inside scripts: values reach scripts through env. */
export const templateInjectionRule: PolicyRule = {
  code: 'pipelines:no-template-injection',
  description: 'no ${{ }} inside run: scripts or github-script code; values are passed through env: and read as "$VAR"',
  check(target) {
    if (target.kind !== 'workflow') return [];
    const findings: Finding[] = [];
    for (const { step, index, location } of workflowSteps(target)) {
      const script = typeof step.run === 'string' ? step.run
        : step.uses?.startsWith('actions/github-script@') ? String(step.with?.script ?? '') : undefined;
      const match = script !== undefined ? EXPRESSION.exec(script) : null;
      if (match) {
        findings.push({ location, message: `${stepLabel(step, index)}: script interpolates \${{${match[1]}}}; pass it through env: and read "$NAME" instead` });
      }
    }
    return findings;
  },
};

/** No triggers that run untrusted code with a privileged token. */
export const dangerousTriggersRule: PolicyRule = {
  code: 'pipelines:no-dangerous-triggers',
  description: 'no pull_request_target; no workflow_run (call a reusable workflow with workflow_call instead)',
  check(target) {
    if (target.kind !== 'workflow') return [];
    const on = target.data.on ?? {};
    const findings: Finding[] = [];
    if ('pull_request_target' in on) findings.push({ location: target.constructPath, message: 'pull_request_target runs with a write token and secrets on untrusted code; use pull_request' });
    if ('workflow_run' in on) findings.push({ location: target.constructPath, message: 'workflow_run is flagged by zizmor; call this workflow with workflow_call from the producing workflow instead' });
    return findings;
  },
};
