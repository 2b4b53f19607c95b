import {
  DEFAULT_APP_RELEASE_ENVIRONMENTS,
  DEFAULT_FEED_BRANCH,
  DEFAULT_PERFORMANCE_HISTORY_BRANCH,
  DEFAULT_RELEASE_TAG_GLOB,
} from './limits';
import type { ClusterAuthDefinition, PlatformDefinition } from './platform-definition';
import { tagGlobsOverlap } from './tag-globs';
import type { Finding } from '../../common/errors';

/**
 * The cluster a deploy reaches, where the model names it: an EKS cluster by region and name. A
 * kubeconfig is a secret of each environment's own GitHub environment (one name, one secret per
 * environment), so the model cannot tell its cluster.
 */
function clusterOf(auth: ClusterAuthDefinition): string | undefined {
  return auth.kind === 'aws-oidc' ? `EKS cluster ${auth.region}/${auth.cluster}` : undefined;
}

/**
 * What keeps one environment's or release's actions out of another's: the rules a definition must
 * meet so that a build of the default branch can never reach production, and one approval or one
 * set of credentials never covers two stages. Each finding names the field and the one it clashes with.
 *
 * - each deploying environment has an EKS cluster of its own (its own namespace follows);
 * - the services' release tags and the app's release tags cannot match one tag;
 * - the app's release stages each have a GitHub environment of their own, none a service deploy's;
 * - the feed branch, the performance history branch and the default branch are three branches.
 */
export function isolationFindings(def: PlatformDefinition): Finding[] {
  const findings: Finding[] = [];
  const fail = (location: string, message: string) => findings.push({ location, message });

  const clusters = new Map<string, number>();
  def.environments.forEach((env, i) => {
    if (!env.deploy?.clusterAuth) return;
    const cluster = clusterOf(env.deploy.clusterAuth);
    if (!cluster) return;
    const j = clusters.get(cluster);
    if (j === undefined) {
      clusters.set(cluster, i);
      return;
    }
    const other = def.environments[j]!;
    const sameNamespace = other.deploy!.namespace === env.deploy.namespace;
    fail(
      `environments[${i}].deploy.${sameNamespace ? 'namespace' : 'clusterAuth'}`,
      `"${env.name}" deploys into ${cluster}${sameNamespace ? `, namespace "${env.deploy.namespace}"` : ''}, as environments[${j}] ("${other.name}") does: ` +
        `a deploy of one would change the other's releases, and one environment's credentials would reach the other's cluster; give each environment a cluster of its own`,
    );
  });

  const app = def.app.release;
  const serviceTags = def.releaseTags ?? DEFAULT_RELEASE_TAG_GLOB;
  if (app && tagGlobsOverlap(serviceTags, app.tags)) {
    fail(
      'app.release.tags',
      `"${app.tags}" and the services' releaseTags "${serviceTags}" can match the same tag: pushing an app tag would also deploy the services to production; give the app's tags a prefix the services' do not match (e.g. app-v*)`,
    );
  }

  if (app) {
    const stages = app.environments ?? DEFAULT_APP_RELEASE_ENVIRONMENTS;
    const owners = new Map<string, string>();
    def.environments.forEach((env, i) => {
      if (env.deploy) {
        owners.set(env.deploy.githubEnvironment ?? env.name, `the deploy of environments[${i}] ("${env.name}")`);
      }
    });
    for (const stage of ['beta', 'phased', 'everyone'] as const) {
      const name = stages[stage];
      const owner = owners.get(name);
      if (owner) {
        fail(
          `app.release.environments.${stage}`,
          `"${name}" is already the GitHub environment of ${owner}: one approval would release both, and the app's jobs would hold the other's secrets; name an environment of its own`,
        );
      }
      owners.set(name, `the app's ${stage} stage`);
    }
  }

  const branches: [string, string][] = [
    ['defaultBranch', def.defaultBranch],
    ['performanceHistoryBranch', def.performanceHistoryBranch ?? DEFAULT_PERFORMANCE_HISTORY_BRANCH],
  ];
  if (app) branches.push(['app.release.feedBranch', app.feedBranch ?? DEFAULT_FEED_BRANCH]);
  branches.forEach(([field, branch], i) => {
    const before = branches.slice(0, i).find(([, other]) => other === branch);
    if (before) {
      fail(
        field,
        `"${branch}" is already ${before[0]}: each job that pushes to it would push over the other's files; name a branch of its own`,
      );
    }
  });
  return findings;
}
