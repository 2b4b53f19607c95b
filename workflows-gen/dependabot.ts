import { CodeOwners, DependabotConfig, type Construct, type DependabotEcosystem, type Platform } from '../src';

/** The ecosystems this monorepo uses, each of which Dependabot must watch. */
export function ecosystemsOf(platform: Platform): DependabotEcosystem[] {
  return ['github-actions', 'npm', ...(platform.services.length > 0 ? (['uv', 'docker'] as const) : []), 'swift'];
}

/** `.github/dependabot.yml`. */
export function dependabotConfig(scope: Construct, platform: Platform): DependabotConfig {
  const { day, time, cooldownDays } = platform.dependencyUpdates;
  const config = new DependabotConfig(scope, 'dependabot', { day, time, cooldownDays });
  const serviceDirs = platform.services.map((s) => `/${s.path}`);
  config.addUpdate({ ecosystem: 'github-actions', directories: ['/'], commitPrefix: 'deps(actions)' });
  config.addUpdate({ ecosystem: 'npm', directories: ['/'], commitPrefix: 'deps(pipelines)' });
  // uv.lock holds the services' hashed dependency tree; the uv ecosystem updates it with pyproject.toml.
  config.addUpdate({ ecosystem: 'uv', directories: serviceDirs, commitPrefix: 'deps(services)' });
  config.addUpdate({ ecosystem: 'docker', directories: serviceDirs, commitPrefix: 'deps(images)' });
  config.addUpdate({ ecosystem: 'swift', directories: [`/${platform.swiftDependencyDirectory}`], commitPrefix: 'deps(app)' });
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
