import {
  ACTIONS_UPDATE_TOKEN,
  APP_HEALTH_SETTINGS,
  PROMETHEUS_SETTINGS,
  APP_RELEASE_SECRETS as S,
  APPLE_TEAM_VARIABLE,
} from './limits';
import type { Platform } from './platform';

/**
 * What one secret or variable a workflow reads is, and how to replace it without stopping a release.
 * Where it is set (the repository or an environment) and who reads it come from the workflows themselves.
 */
export interface Credential {
  readonly kind: 'secret' | 'variable';
  /** What it holds. */
  readonly what: string;
  /** How to rotate it with no window in which a run fails, as steps. */
  readonly rotate: readonly string[];
}

/**
 * Every secret and variable the generated workflows read, by name: one catalogue the runbook's
 * rotation section reads, and which the runbook refuses to render without (a workflow reading a
 * name missing here fails synthesis, so the procedure never lags the workflows).
 */
export function credentialCatalogue(platform: Platform): ReadonlyMap<string, Credential> {
  const catalogue = new Map<string, Credential>();
  const add = (name: string, credential: Credential) => {
    // Environments sharing a name are grouped below; any other clash is two credentials under one name.
    if (catalogue.has(name)) throw new Error(`credential catalogue: ${name} names two different credentials`);
    catalogue.set(name, credential);
  };
  // A name several environments share holds a different value in each: one entry describing them all.
  const byName = new Map<string, Platform['deployments'][number][]>();
  for (const d of platform.deployments) {
    const name = d.clusterAuth.kind === 'aws-oidc' ? d.clusterAuth.roleArnVariable : d.clusterAuth.secret;
    byName.set(name, [...(byName.get(name) ?? []), d]);
  }
  for (const [name, deployments] of byName) {
    const clusters = deployments
      .map((d) =>
        d.clusterAuth.kind === 'aws-oidc'
          ? `${d.githubEnvironment}: EKS ${d.clusterAuth.cluster} (${d.clusterAuth.region}), namespace ${d.namespace}`
          : `${d.githubEnvironment}: namespace ${d.namespace}`,
      )
      .join('; ');
    if (deployments[0]!.clusterAuth.kind === 'aws-oidc') {
      add(name, {
        kind: 'variable',
        what: `Per environment, the ARN of the IAM role the deploy and rollback jobs assume with GitHub's OIDC token (nothing stored) to reach that environment's cluster (${clusters}).`,
        rotate: [
          'Create the new role with the same trust policy (this repository and the environment as the token subject) and the same EKS access entry.',
          "Set the environment's variable to the new ARN.",
          'Delete the old role once a deploy or a rollback in that environment has passed with the new one.',
        ],
      });
    } else {
      add(name, {
        kind: 'secret',
        what: `Per environment, a kubeconfig holding a short-lived token of a namespaced service account, which the deploy and rollback jobs use (${clusters}).`,
        rotate: [
          'Issue a new token for the same service account (`kubectl create token <account> --namespace <namespace> --duration <ttl>`) and write a kubeconfig with it.',
          "Replace the environment's secret with it; the old token expires on its own.",
        ],
      });
    }
  }
  if (platform.deployments.length > 0) {
    add(PROMETHEUS_SETTINGS.urlVariable, {
      kind: 'variable',
      what: "Per deploy environment, the https base URL of the Prometheus HTTP API (or Thanos, Mimir) that scrapes that environment's services: each watch window then judges the canary's real traffic (error rate, p95 latency against the stable release). Unset: the watch sends synthetic requests through a port-forward.",
      rotate: [
        "Point it at the new endpoint between two deploys; both must hold the same series (the charts' ServiceMonitors scraped by both) while a rollout may run.",
      ],
    });
    add(PROMETHEUS_SETTINGS.tokenSecret, {
      kind: 'secret',
      what: `The bearer token ${PROMETHEUS_SETTINGS.urlVariable} takes, if it takes one (sent only when set): read-only query access is enough.`,
      rotate: [
        'Issue the new token while the old one still works, set the secret, then revoke the old token once a deploy has passed with the new one.',
      ],
    });
  }
  if (platform.app) {
    add(S.certificateP12, {
      kind: 'secret',
      what: 'The Developer ID Application certificate and its private key, base64 of a `.p12`; the build imports it into a temporary keychain.',
      rotate: [
        'Create the new Developer ID Application certificate before the old one expires (an Apple account may hold several).',
        `Export it with its key as \`.p12\`, set its base64 (\`base64 -i cert.p12\`) as ${S.certificateP12} and its password as ${S.certificatePassword}, both between two release runs.`,
        "Builds signed with the old certificate stay valid: Gatekeeper checks the notarization ticket, not the certificate's expiry. Revoke the old one only if its key leaked.",
      ],
    });
    add(S.certificatePassword, {
      kind: 'secret',
      what: `The password of ${S.certificateP12}'s \`.p12\`.`,
      rotate: [`Rotated with ${S.certificateP12}: set both between two release runs.`],
    });
    add(S.notaryAppleId, {
      kind: 'secret',
      what: 'The Apple ID `xcrun notarytool` submits the build with.',
      rotate: [`Set it together with ${S.notaryPassword} when the notarizing account changes.`],
    });
    add(S.notaryPassword, {
      kind: 'secret',
      what: `An app-specific password of ${S.notaryAppleId} for notarytool.`,
      rotate: [
        'Create a second app-specific password at appleid.apple.com (both work at once).',
        'Set the secret to the new password, then revoke the old one.',
      ],
    });
    add(S.sparkleKey, {
      kind: 'secret',
      what: 'The EdDSA private key that signs each update in the Sparkle feed; installed apps trust only its public key (`SUPublicEDKey` in Info.plist).',
      rotate: [
        'Never replace it alone: installed apps verify each update with the public key they ship, and would refuse one signed with a new key.',
        "Ship a release whose Info.plist carries the new public key, its feed item still signed with the old key; once the users have it (the phased rollout ended), set the new private key. Follow Sparkle's own key-rotation notes for the version the app embeds.",
      ],
    });
    add(APP_HEALTH_SETTINGS.urlVariable, {
      kind: 'variable',
      what: "The https address of the app's health figures (app health v1: per build, sessions and the crash-free share); the phased and everyone stages stop a build below its limit. Unset: they say so and go on.",
      rotate: [
        "Point it at the new endpoint between two release runs; both must serve the same builds' figures while a rollout is under way.",
      ],
    });
    add(APP_HEALTH_SETTINGS.tokenSecret, {
      kind: 'secret',
      what: `The bearer token ${APP_HEALTH_SETTINGS.urlVariable} takes, if it takes one (sent only when set).`,
      rotate: [
        'Issue the new token while the old one still works, set the secret, then revoke the old token after the next stage ran.',
      ],
    });
    add(APPLE_TEAM_VARIABLE, {
      kind: 'variable',
      what: 'The Apple team id the build signs and notarizes for (not a secret: every signature names it).',
      rotate: ['Changes only with the team; set it with the certificate of the new team.'],
    });
  }
  add(ACTIONS_UPDATE_TOKEN, {
    kind: 'secret',
    what: 'A GitHub App installation token or fine-grained token with contents, pull-requests and workflows write, which pushes the action-pin branch and opens its pull request (GITHUB_TOKEN can do neither so that CI runs).',
    rotate: [
      'Create the new fine-grained token (or App key) with the same repository and permissions; both work until the old one is revoked.',
      'Set the secret, dispatch `update-actions.yml` once, then revoke the old token.',
    ],
  });
  return catalogue;
}
