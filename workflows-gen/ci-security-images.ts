import {
  serviceJobId,
  checkout,
  digestCheckLine,
  resolveDigestCommand,
  registryLogin,
  runStep,
  stepOutput,
  SecureWorkflow,
  status,
  trivyImageScan,
  uploadSarif,
  type Construct,
  type Platform,
} from '../src';
import { digestInput } from './delivery';

/**
 * `.github/workflows/ci-security-images.yml`: Trivy scans of the service images. Called by
 * ci-build-push with the digests it just published, and weekly for the images the default
 * branch's tag points to, because new CVEs are published after an image is built. Every finding
 * goes to code scanning as SARIF, uploaded before the gate so it is there even when the gate fails;
 * the gate fails on CRITICAL.
 */
export function ciSecurityImagesWorkflow(scope: Construct, platform: Platform): SecureWorkflow {
  const workflow = new SecureWorkflow(scope, 'ci-security-images', {
    name: 'Security – images',
    description:
      "Trivy scan of each service image (by digest when called after a build; the default branch's images weekly); SARIF to code scanning, fails on CRITICAL.",
    triggers: {
      workflowCall: {
        inputs: Object.fromEntries(
          platform.services.map((s) => [
            digestInput(s),
            { description: `Digest (sha256:…) of the ${s.name} image`, type: 'string', required: true },
          ]),
        ),
      },
      schedule: [platform.schedules.imageScan],
    },
  });
  const version = platform.toolchain.trivy;
  for (const service of platform.services) {
    const sarif = `trivy-${service.name}.sarif`;
    const resolve = runStep({
      name: 'Image to scan, by digest',
      id: 'image',
      outputs: ['ref'],
      env: {
        REPOSITORY: service.imageRepository,
        DIGEST: workflow.input(digestInput(service)),
        DEFAULT_BRANCH: platform.defaultBranch,
      },
      run: [
        // Scheduled runs have no input: scan what the default branch's tag points to now.
        'if [ -z "$DIGEST" ]; then',
        `  DIGEST="$(${resolveDigestCommand('"$REPOSITORY:$DEFAULT_BRANCH"')})"`,
        'fi',
        digestCheckLine('DIGEST'),
        'echo "ref=$REPOSITORY@$DIGEST" >> "$GITHUB_OUTPUT"',
      ].join('\n'),
    });
    const imageRef = stepOutput(resolve, 'ref');
    workflow.addJob(serviceJobId('scan', service.name), {
      name: `Scan the ${service.name} image`,
      runsOn: platform.runners.linux,
      permissions: { contents: 'read', packages: 'read', securityEvents: 'write' },
      timeoutMinutes: 15,
      steps: [
        checkout(),
        registryLogin({ registry: platform.registry.host }),
        resolve,
        trivyImageScan({ imageRef, version, format: 'sarif', output: sarif }, { name: 'Scan (every severity, SARIF)' }),
        uploadSarif({ sarifFile: sarif, category: `trivy/${service.name}` }),
        trivyImageScan(
          { imageRef, version, severity: ['CRITICAL'], exitCode: 1, skipSetup: true },
          { name: 'Gate: fail on CRITICAL', if: status.notCancelled },
        ),
      ],
    });
  }
  return workflow;
}
