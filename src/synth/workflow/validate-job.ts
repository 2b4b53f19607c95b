import type { SecureJobProps } from './job';
import type { JobStep } from './steps';
import { IDENTIFIER } from '../model/limits';
import { imageReferenceProblem } from '../model/names';

/** A single-prop or cross-prop rule of a job, checked in its constructor. */
interface JobRule {
  readonly test: (props: SecureJobProps, id: string) => boolean;
  readonly message: (props: SecureJobProps, id: string) => string;
}

const RULES: readonly JobRule[] = [
  // Synthesis only transpiles, so the required prop can be missing at run time: say so, by name.
  {
    test: (p) => typeof p.permissions === 'object' && p.permissions !== null && !Array.isArray(p.permissions),
    message: (p) =>
      `permissions is required (grant what the job uses, e.g. { contents: 'read' }, or {} for nothing), got ${JSON.stringify(p.permissions)}`,
  },
  {
    test: (p) => typeof p.runsOn === 'string',
    message: (p) => `runsOn must be a runner label string, got ${JSON.stringify(p.runsOn)}`,
  },
  {
    test: (_, id) => IDENTIFIER.test(id),
    message: (_, id) => `job id "${id}" must start with a letter or "_" and contain only letters, digits, "-" and "_"`,
  },
  {
    test: (p) =>
      p.timeoutMinutes === undefined ||
      (Number.isInteger(p.timeoutMinutes) && p.timeoutMinutes >= 1 && p.timeoutMinutes <= 360),
    message: (p) =>
      `timeoutMinutes must be an integer from 1 to 360, got ${p.timeoutMinutes} (omit it for the default of 15)`,
  },
  {
    test: (p) => typeof p.runsOn !== 'string' || p.runsOn.trim() !== '',
    message: () => 'runsOn must name a runner label, e.g. ubuntu-24.04',
  },
  {
    // GitHub refuses an empty matrix; an empty list would expand to no job at all.
    test: (p) => {
      if (p.strategy === undefined) return true;
      const lists = Object.values(p.strategy.matrix ?? {});
      return lists.every((v) => v.length > 0) && (lists.length > 0 || (p.strategy.include ?? []).length > 0);
    },
    message: () => 'strategy needs a matrix list or include entries, and no list may be empty',
  },
  {
    test: (p) => Object.values(p.services ?? {}).every((s) => imageReferenceProblem(s.image) === undefined),
    message: (p) =>
      `service containers: ${Object.values(p.services ?? {})
        .map((s) => imageReferenceProblem(s.image))
        .filter(Boolean)
        .join('; ')}`,
  },
];

/** Returns every rule the props break. */
export function jobPropProblems(props: SecureJobProps, id: string): string[] {
  return RULES.filter((r) => !r.test(props, id)).map((r) => r.message(props, id));
}

/** Problems with a job's steps as a whole (checked at synthesis, after all addStep calls). */
export function stepProblems(steps: readonly JobStep[]): string[] {
  const problems: string[] = [];
  if (steps.length === 0) problems.push('a job needs at least one step');
  const ids = new Map<string, number>();
  steps.forEach((step, i) => {
    const id = step.props.id;
    if (id === undefined) return;
    if (!IDENTIFIER.test(id)) problems.push(`steps[${i}] ("${step.props.name}"): step id "${id}" is invalid`);
    if (ids.has(id)) {
      problems.push(`steps[${i}] ("${step.props.name}"): step id "${id}" is already used by steps[${ids.get(id)}]`);
    }
    ids.set(id, i);
  });
  return problems;
}
