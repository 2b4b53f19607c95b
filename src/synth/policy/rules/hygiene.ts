import type { Finding } from '../../../common/errors';
import { imageReferenceProblem } from '../../model/names';
import { jobLocation, workflowRule, workflowValueMaps, type PolicyRule } from '../policy';

/** Every job that runs steps has a timeout. */
export const timeoutRule: PolicyRule = workflowRule({
  code: 'pipelines:job-timeout',
  description: 'every job has timeout-minutes',
  check(target) {
    return Object.entries(target.data.jobs ?? {})
      .filter(([, job]) => job.uses === undefined && typeof job['timeout-minutes'] !== 'number')
      .map(([jobId]) => ({
        location: jobLocation(target, jobId),
        message: 'job has no timeout-minutes (GitHub would allow 360 minutes)',
      }));
  },
});

/** Pull-request workflows cancel superseded runs. */
export const concurrencyRule: PolicyRule = workflowRule({
  code: 'pipelines:pr-concurrency',
  description: 'workflows triggered by pull_request have a concurrency group with cancel-in-progress',
  check(target) {
    if (!('pull_request' in (target.data.on ?? {}))) return [];
    const c = target.data.concurrency as { group?: unknown; 'cancel-in-progress'?: unknown } | undefined;
    const cancel = c?.['cancel-in-progress'];
    if (
      !c ||
      typeof c.group !== 'string' ||
      !(cancel === true || (typeof cancel === 'string' && cancel.includes('${{')))
    ) {
      return [
        {
          location: target.constructPath,
          message:
            'a pull_request workflow needs concurrency: { group, cancel-in-progress } so a new push cancels the superseded run',
        },
      ];
    }
    return [];
  },
});

function imageProblem(image: unknown): string | undefined {
  // An expression is resolved at run time; the kit's own values are checked where they are set.
  if (typeof image !== 'string' || image.includes('${{')) return undefined;
  return imageReferenceProblem(image);
}

/** Container and service images carry a tag or digest, never latest. */
export const imagesRule: PolicyRule = workflowRule({
  code: 'pipelines:pinned-images',
  description: 'container: and services: images carry a tag (not latest) or a digest',
  check(target) {
    const findings: Finding[] = [];
    for (const [jobId, job] of Object.entries(target.data.jobs ?? {})) {
      const container = job.container as { image?: unknown } | string | undefined;
      const images = [
        typeof container === 'string' ? container : container?.image,
        ...Object.values(job.services ?? {}).map((s) => s.image),
      ];
      for (const image of images) {
        const problem = imageProblem(image);
        if (problem) findings.push({ location: jobLocation(target, jobId), message: problem });
      }
    }
    return findings;
  },
});

/** `$NAME` or `${NAME}` outside `${{ }}`: a shell reference, which GitHub never expands in an env value. */
const SHELL_REFERENCE = /\$(?!\{\{)\{?[A-Za-z_][A-Za-z0-9_]*\}?/;

/**
 * env values hold no shell references: GitHub passes them literally (only `${{ }}` is substituted),
 * so `APP: $RUNNER_TEMP/x.app` reaches the script as those characters, not a path. Build the value
 * in the script instead. (The job runner found the notarization step doing this.)
 */
export const literalEnvRule: PolicyRule = workflowRule({
  code: 'pipelines:literal-env',
  description: 'env values (workflow, job, step) contain no $VAR shell references: GitHub passes them literally',
  check(target) {
    const findings: Finding[] = [];
    for (const { values, location, where } of workflowValueMaps(target, ['env'])) {
      for (const [name, value] of Object.entries(values)) {
        const ref = typeof value === 'string' ? SHELL_REFERENCE.exec(value)?.[0] : undefined;
        if (ref) {
          findings.push({
            location,
            message: `${where}env.${name} holds ${ref}, which GitHub passes literally (no shell expands env values): build the value in the script`,
          });
        }
      }
    }
    return findings;
  },
});

/**
 * No env or with value spans lines and holds an expression: GitHub's parser keeps the block's
 * indentation in such a value (it becomes `format('    a={0}\n    b={1}\n', …)`), so each line after
 * the first starts with spaces a script does not expect. Found by the job runner on a dispatch step.
 */
export const multilineExpressionRule: PolicyRule = workflowRule({
  code: 'pipelines:multiline-expression',
  description: 'env and with values that hold an expression stay on one line',
  check(target) {
    const findings: Finding[] = [];
    for (const { field, values, location, where } of workflowValueMaps(target, ['env', 'with'])) {
      for (const [name, value] of Object.entries(values)) {
        if (typeof value === 'string' && value.includes('${{') && value.trimEnd().includes('\n')) {
          findings.push({
            location,
            message: `${where}${field}.${name} spans lines and holds an expression: GitHub's parser keeps the block's indentation in the value; put it on one line (or one value per line of data)`,
          });
        }
      }
    }
    return findings;
  },
});
