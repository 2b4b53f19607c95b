import { CodeOwners, DependabotConfig, type Construct, type DependabotEcosystem, type Platform } from '../src';

/**
 * The ecosystems Dependabot must watch. Not github-actions: every workflow is generated, so an
 * action update is update-actions.yml's (lock file and regenerated YAML in one pull request). Not
 * swift for an Xcode project: Dependabot reads an Xcode project's Package.resolved only behind an
 * experiment flag (`enable_swift_xcode_spm`, dependabot-core, 2026), so an entry would promise
 * updates that never come; ci-app's `check-swift-pins --report-newer` reports newer releases instead.
 */
export function ecosystemsOf(platform: Platform): DependabotEcosystem[] {
  return [
    'npm',
    ...(platform.services.length > 0 ? (['uv', 'docker'] as const) : []),
    ...(platform.swiftPinsNeedReleaseCheck ? [] : (['swift'] as const)),
  ];
}

/** `.github/dependabot.yml`. */
export function dependabotConfig(scope: Construct, platform: Platform): DependabotConfig {
  const { day, time, cooldownDays } = platform.dependencyUpdates;
  const config = new DependabotConfig(scope, 'dependabot', { day, time, cooldownDays });
  const serviceDirs = platform.services.map((s) => `/${s.path}`);
  // projen writes package.json: Dependabot may move the lock file only (within the ranges projen
  // declares), so its pull requests leave the generated files as they are and pass the drift check.
  config.addUpdate({
    ecosystem: 'npm',
    directories: ['/'],
    commitPrefix: 'deps(pipelines)',
    versioningStrategy: 'lockfile-only',
  });
  // uv.lock holds the services' hashed dependency tree; the uv ecosystem updates it with pyproject.toml.
  config.addUpdate({ ecosystem: 'uv', directories: serviceDirs, commitPrefix: 'deps(services)' });
  config.addUpdate({ ecosystem: 'docker', directories: serviceDirs, commitPrefix: 'deps(images)' });
  if (ecosystemsOf(platform).includes('swift')) {
    config.addUpdate({
      ecosystem: 'swift',
      directories: [`/${platform.swiftDependencyDirectory}`],
      commitPrefix: 'deps(app)',
    });
  }
  return config;
}

/** `.github/CODEOWNERS`: reviewers for every area, Dependabot's pull requests included. */
export function codeOwners(scope: Construct, platform: Platform): CodeOwners {
  const owners = new CodeOwners(scope, 'codeowners');
  const { platform: platformOwners, services, app } = platform.owners;
  owners.addRule({ pattern: '*', owners: platformOwners });
  for (const service of platform.services) owners.addRule({ pattern: `/${service.path}/`, owners: services });
  owners.addRule({ pattern: `/${platform.app.path}/`, owners: app });
  owners.addRule({ pattern: '/.github/', owners: platformOwners });
  return owners;
}
