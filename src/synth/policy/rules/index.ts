import { dependabotRule } from './dependabot';
import { githubLimitsRule } from './github-limits';
import { concurrencyRule, imagesRule, literalEnvRule, multilineExpressionRule, timeoutRule } from './hygiene';
import { dangerousTriggersRule, ifExpressionRule, templateInjectionRule, untrustedRunnerFileRule } from './injection';
import { noEmulationRule, pinnedActionsRule, releaseCacheRule, scriptInstallRule } from './supply-chain';
import { checkoutCredentialsRule, permissionsRule, pullRequestPrivilegeRule, secretsRule } from './token';
import { workloadsRule } from './workloads';
import type { ActionPins } from '../../pins/action-pins';
import type { PolicyRule } from '../policy';

export * from './dependabot';
export * from './github-limits';
export * from './hygiene';
export * from './injection';
export * from './supply-chain';
export { checkoutCredentialsRule, permissionsRule, pullRequestPrivilegeRule, secretsRule } from './token';
export * from './workloads';

/** Options of {@link defaultRules}. */
export interface DefaultRulesOptions {
  readonly pins: ActionPins;
  /** Ecosystems dependabot.yml must cover. */
  readonly requiredEcosystems: readonly string[];
}

/** Every rule of security-standards.md that types cannot enforce. */
export function defaultRules(options: DefaultRulesOptions): PolicyRule[] {
  return [
    pinnedActionsRule(options.pins),
    scriptInstallRule,
    releaseCacheRule,
    noEmulationRule,
    permissionsRule,
    pullRequestPrivilegeRule,
    checkoutCredentialsRule,
    secretsRule,
    templateInjectionRule,
    untrustedRunnerFileRule,
    ifExpressionRule,
    dangerousTriggersRule,
    timeoutRule,
    concurrencyRule,
    imagesRule,
    literalEnvRule,
    multilineExpressionRule,
    dependabotRule(options.requiredEcosystems),
    workloadsRule,
    githubLimitsRule(options.pins),
  ];
}
