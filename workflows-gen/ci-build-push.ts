import { deployConcurrencyGroup, github, guards, SecureWorkflow, type Construct, type Platform } from '../src';
import { isDefaultBranchRef } from './delivery';
import { addImagePipeline, type DeliveryWorkflows } from './image-pipeline';

/**
 * `.github/workflows/ci-build-push.yml`: for each push to the default branch, every service image for
 * every platform, each platform on its native runner, pushed by digest and joined into one tagged
 * manifest list per service; then the smoke test, the image scan, the attestations and signatures, and
 * the deploy of each environment that follows the default branch (staging), all by digest. Release
 * tags run ci-release.yml; pull requests build in ci-build.yml. The jobs keep their pull-request
 * guards, so a pull_request trigger added here by mistake still pushes nothing.
 */
export function ciBuildPushWorkflow(scope: Construct, platform: Platform, called: DeliveryWorkflows): SecureWorkflow {
  const workflow = new SecureWorkflow(scope, 'ci-build-push', {
    name: 'Build and push images',
    description:
      'For the default branch: builds each service image per platform on native runners (no QEMU), pushes by digest, publishes a tagged multi-platform manifest list, runs the smoke test and the image scan, attests and signs each digest, then deploys to the environments that follow the default branch.',
    triggers: { push: { branches: [platform.defaultBranch] } },
    // Runs of one ref queue (a newer pending run replaces an older pending one; a running one is never
    // cancelled): runs in parallel could let an older run that finished last move the branch's tag back.
    concurrency: { group: `${github.workflow}-${github.ref}`, cancelInProgress: false },
  });
  // The default branch writes the layer caches every later build reads.
  const pipeline = addImagePipeline(workflow, platform, called, { layerCache: true });

  // Deploys only what passed every gate above, by digest, in this run: the signatures a deploy verifies
  // name this run's commit. One deploy per environment at a time, queued and never cancelled (a
  // cancelled rollout would strand a canary).
  for (const deployment of platform.deployments.filter((d) => d.on !== 'release-tag')) {
    workflow.addCallJob(`deploy-${deployment.environment}`, {
      name: `Deploy to ${deployment.environment}`,
      needs: pipeline.gates,
      if: guards.notPullRequest.and(isDefaultBranchRef(platform)),
      concurrency: { group: deployConcurrencyGroup(deployment.environment), cancelInProgress: false },
      workflow: called.deploy.get(deployment.environment)!,
      with: pipeline.digestInputs,
    });
  }
  return workflow;
}
