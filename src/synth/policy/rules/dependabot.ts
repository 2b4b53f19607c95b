import type { Finding } from '../../../common/errors';
import { COOLDOWN_DAYS, cooldownProblem } from '../../model/limits';
import type { PolicyRule } from '../policy';

/** Dependabot covers the repo's ecosystems, with cooldowns and groups, and never runs external code. */
export function dependabotRule(requiredEcosystems: readonly string[]): PolicyRule {
  return {
    code: 'pipelines:dependabot',
    description: `dependabot.yml covers ${requiredEcosystems.join(', ')}; every entry has cooldown.default-days ≥ ${COOLDOWN_DAYS.min} and groups; never insecure-external-code-execution: allow`,
    check(target) {
      if (target.kind !== 'dependabot') return [];
      const findings: Finding[] = [];
      const updates = target.data.updates ?? [];
      const covered = new Set(updates.map((u) => u['package-ecosystem']));
      for (const eco of requiredEcosystems) {
        if (!covered.has(eco)) {
          findings.push({ location: target.constructPath, message: `no update entry for the "${eco}" ecosystem` });
        }
      }
      updates.forEach((u, i) => {
        const at = `${target.constructPath}#updates[${i}] (${String(u['package-ecosystem'])})`;
        const days = (u.cooldown as { 'default-days'?: unknown } | undefined)?.['default-days'];
        const cooldown = cooldownProblem(days);
        if (cooldown) findings.push({ location: at, message: `cooldown.default-days ${cooldown}` });
        if (!u.groups || Object.keys(u.groups).length === 0) {
          findings.push({ location: at, message: 'updates must be grouped (groups:)' });
        }
        if (u['insecure-external-code-execution'] === 'allow') {
          findings.push({
            location: at,
            message: 'insecure-external-code-execution: allow runs dependency code with Dependabot credentials',
          });
        }
      });
      return findings;
    },
  };
}
