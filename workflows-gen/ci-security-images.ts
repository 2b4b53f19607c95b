import {
  imageGroupJobId,
  imageJobGroups,
  stepOutcome,
  type JobStep,
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
  // One job per group of images (IMAGES_PER_JOB.scan): Trivy's database downloads once per job.
  for (const group of imageJobGroups(platform.services, 'scan')) {
    const steps: JobStep[] = [checkout(), registryLogin({ registry: platform.registry.host })];
    for (const service of group.members) {
      const sarif = `trivy-${service.name}.sarif`;
      const resolve = runStep({
        name: `Image to scan, by digest (${service.name})`,
        id: `image-${service.name}`,
        outputs: ['ref'],
        // Each image is scanned and reported although an earlier one failed its gate.
        if: status.notCancelled,
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
      const resolved = status.notCancelled.and(stepOutcome(resolve).eq('success'));
      steps.push(
        resolve,
        trivyImageScan(
          // Each image's scan installs Trivy (seconds): a later one must not depend on an earlier one having run.
          { imageRef, version, format: 'sarif', output: sarif },
          { name: `Scan ${service.name} (every severity, SARIF)`, if: resolved },
        ),
        uploadSarif({ sarifFile: sarif, category: `trivy/${service.name}` }, { if: resolved }),
        trivyImageScan(
          { imageRef, version, severity: ['CRITICAL'], exitCode: 1, skipSetup: true },
          { name: `Gate: fail on CRITICAL (${service.name})`, if: resolved },
        ),
      );
    }
    workflow.addJob(imageGroupJobId('scan', group.index), {
      name: `Scan the ${group.members.map((s) => s.name).join(', ')} images`,
      runsOn: platform.runners.linux,
      permissions: { contents: 'read', packages: 'read', securityEvents: 'write' },
      timeoutMinutes: 15 * group.members.length,
      steps,
    });
  }
  return workflow;
}
