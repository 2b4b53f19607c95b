import {
  cliStep,
  ComposeFile,
  digestCheckLine,
  resolveDigestCommand,
  composeStackSteps,
  npmInstallSteps,
  registryLogin,
  runStep,
  stepOutput,
  SecureWorkflow,
  SMOKE_TEST,
  type Construct,
  type Platform,
} from '../src';
import { digestInput } from './delivery';

/**
 * `.github/workflows/ci-smoke-test.yml`: starts the whole stack from the generated compose file,
 * with the images by digest, and smoke-tests every service. Called by ci-build-push after the
 * manifest lists are published; also runnable by hand for an image tag.
 */
export function ciSmokeTestWorkflow(scope: Construct, platform: Platform, compose: ComposeFile): SecureWorkflow {
  const workflow = new SecureWorkflow(scope, 'ci-smoke-test', {
    name: 'Smoke test – stack',
    description:
      'Starts every service from deploy/compose.yaml with the published images (by digest) and smoke-tests each; reusable, and on demand for a tag.',
    triggers: {
      workflowCall: {
        inputs: Object.fromEntries(
          platform.services.map((s) => [
            digestInput(s),
            { description: `Digest (sha256:…) of the ${s.name} image to test`, type: 'string', required: true },
          ]),
        ),
      },
      workflowDispatch: {
        inputs: {
          tag: {
            description:
              'Image tag to test: a release version such as 1.2.3 (no v), main, or sha-<commit>; resolved to digests before the stack starts',
            type: 'string',
            required: true,
          },
        },
      },
    },
  });
  const resolve = runStep({
    name: 'Resolve the images to digests',
    id: 'images',
    outputs: platform.services.map((s) => ComposeFile.imageVariable(s)),
    env: {
      TAG: workflow.input('tag'),
      ...Object.fromEntries(
        platform.services.flatMap((s) => [
          [`${ComposeFile.imageVariable(s)}_REPOSITORY`, s.imageRepository],
          [`${ComposeFile.imageVariable(s)}_DIGEST`, workflow.input(digestInput(s))],
        ]),
      ),
    },
    run: [
      // A called run passes digests; a manual run passes a tag, resolved here once so every later
      // step uses the same immutable image even if the tag moves meanwhile.
      'resolve() {',
      '  local variable="$1" repository digest',
      '  repository="$(printenv "${variable}_REPOSITORY")"',
      '  digest="$(printenv "${variable}_DIGEST" || true)"',
      '  if [ -z "$digest" ]; then',
      `    digest="$(${resolveDigestCommand('"$repository:$TAG"')})"`,
      '  fi',
      `  ${digestCheckLine('digest', '$variable: ')}`,
      '  echo "$variable=$repository@$digest" >> "$GITHUB_OUTPUT"',
      '  echo "- $repository@$digest" >> "$GITHUB_STEP_SUMMARY"',
      '}',
      ...platform.services.map((s) => `resolve ${ComposeFile.imageVariable(s)}`),
    ].join('\n'),
  });
  const stack = composeStackSteps({
    file: compose.filePath,
    projectName: compose.projectName,
    env: Object.fromEntries(
      platform.services.map((s) => [ComposeFile.imageVariable(s), stepOutput(resolve, ComposeFile.imageVariable(s))]),
    ),
  });
  workflow.addJob('smoke', {
    name: 'Start the stack and smoke-test every service',
    runsOn: platform.runners.linux,
    // packages: read pulls the images; nothing here writes.
    permissions: { contents: 'read', packages: 'read' },
    timeoutMinutes: 20,
    steps: [
      // No npm cache: this workflow runs inside release-tag runs.
      ...npmInstallSteps({ nodeVersion: platform.toolchain.node, cache: false }),
      registryLogin({ registry: platform.registry.host }),
      resolve,
      stack.up,
      ...platform.services.map((s) =>
        cliStep(SMOKE_TEST, {
          name: `Smoke-test ${s.name}`,
          args: {
            baseUrl: compose.baseUrlOf(s),
            healthPath: s.healthPath,
            ...(s.synthesisPath ? { synthesisPath: s.synthesisPath } : {}),
            retries: 5,
          },
        }),
      ),
      ...stack.logsOnFailure,
      stack.down,
    ],
  });
  return workflow;
}
