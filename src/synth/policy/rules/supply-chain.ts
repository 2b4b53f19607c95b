import type { Finding } from '../../../common/errors';
import type { ActionPins } from '../../pins/action-pins';
import { GUARDS, NEVER_FOR_TAGS, requiresGuard } from '../guards';
import {
  calledWorkflowSteps,
  jobLocation,
  stepLabel,
  stepRule,
  workflowRule,
  workflowSteps,
  type PolicyRule,
  type WorkflowStepData,
  type WorkflowTarget,
} from '../policy';

const SHA_PIN = /^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+(\/[^@\s]+)?@([0-9a-f]{40})$/;
const DOCKER_DIGEST = /^docker:\/\/[^@\s]+@sha256:[0-9a-f]{64}$/;
// The one accepted tag pin: the SLSA generator verifies its own ref (security-standards.md).
const SLSA_TAG = /^slsa-framework\/slsa-github-generator\/\.github\/workflows\/[\w.-]+\.yml@v\d+\.\d+\.\d+$/;

function usesProblem(uses: string, pins: ActionPins): string | undefined {
  if (uses.startsWith('./')) return undefined;
  if (DOCKER_DIGEST.test(uses) || SLSA_TAG.test(uses)) return undefined;
  const match = SHA_PIN.exec(uses);
  if (!match) {
    return `"${uses}" is not pinned to a full commit SHA; name the action through the typed wrappers so it resolves from actions.lock.json`;
  }
  const repo = uses.split('@')[0]!.split('/').slice(0, 2).join('/');
  if (!pins.has(repo) || pins.resolve(repo).uses.split('@')[1] !== match[2]) {
    return `"${uses}" pins a SHA that actions.lock.json does not list for ${repo}, so its version comment cannot be verified`;
  }
  return undefined;
}

/** Every `uses:` is a SHA listed in the lock (or a Docker digest, or the SLSA generator by tag). */
export function pinnedActionsRule(pins: ActionPins): PolicyRule {
  return workflowRule({
    code: 'pipelines:pinned-actions',
    description:
      'every uses: is owner/repo@<40-hex SHA> from actions.lock.json (# vX.Y.Z comment), a Docker digest, or the SLSA generator by tag',
    check(target) {
      const findings: Finding[] = [];
      for (const { step, index, location } of workflowSteps(target)) {
        const problem = step.uses !== undefined ? usesProblem(step.uses, pins) : undefined;
        if (problem) findings.push({ location, message: `${stepLabel(step, index)}: ${problem}` });
      }
      for (const [jobId, job] of Object.entries(target.data.jobs ?? {})) {
        const problem = job.uses !== undefined ? usesProblem(job.uses, pins) : undefined;
        if (problem) findings.push({ location: jobLocation(target, jobId), message: `reusable workflow ${problem}` });
      }
      return findings;
    },
  });
}

const SCRIPT_PATTERNS: readonly { pattern: RegExp; message: string }[] = [
  {
    pattern: /\b(curl|wget)\b[^\n|]*\|\s*(sudo\s+)?(ba|z)?sh\b/,
    message: 'pipes a download into a shell; download a pinned release, verify its checksum, then run it',
  },
  {
    pattern: /\bnpm\s+(install|i)\b(?![^\n]*--global\b)/,
    message: 'runs "npm install"; use "npm ci" so the lock file is honoured',
  },
  {
    pattern: /\bpip3?\s+install\b(?![^\n]*--require-hashes)/,
    message:
      'runs "pip install" without --require-hashes; install from a hashed requirements file or use uv with a lock',
  },
];

/** No `curl | sh`, no `npm install`, no unhashed `pip install` in scripts. */
export const scriptInstallRule: PolicyRule = stepRule({
  code: 'pipelines:pinned-installs',
  description:
    'scripts install tools from pinned, verified versions: no curl | sh, npm ci not npm install, pip only with --require-hashes',
  problems: (step) =>
    SCRIPT_PATTERNS.filter(({ pattern }) => typeof step.run === 'string' && pattern.test(step.run)).map(
      ({ message }) => message,
    ),
});

function triggeredByReleaseOrTag(target: WorkflowTarget): boolean {
  const on = target.data.on ?? {};
  const push = on.push as { tags?: unknown } | undefined;
  return 'release' in on || (push !== undefined && push !== null && push.tags !== undefined);
}

function cacheUse(step: WorkflowStepData): string | undefined {
  const uses = step.uses?.split('@')[0] ?? '';
  const w = step.with ?? {};
  if (uses.startsWith('actions/cache')) return 'uses actions/cache';
  if (uses === 'actions/setup-python' && w.cache !== undefined) return 'sets setup-python "cache"';
  if (uses === 'actions/setup-node' && (w.cache !== undefined || String(w['package-manager-cache']) !== 'false')) {
    return 'lets setup-node cache (set package-manager-cache: false and no cache)';
  }
  if (uses === 'astral-sh/setup-uv' && String(w['enable-cache']) !== 'false') {
    return 'lets setup-uv cache (set enable-cache: false)';
  }
  if (uses === 'docker/setup-buildx-action' && String(w['cache-binary']) !== 'false') {
    return 'lets setup-buildx cache its binary (set cache-binary: false)';
  }
  if (uses === 'aquasecurity/trivy-action' && String(w.cache) !== 'false') {
    return 'lets trivy-action cache (set cache: false)';
  }
  if (uses === 'docker/build-push-action' && (w['cache-from'] !== undefined || w['cache-to'] !== undefined)) {
    return 'uses a build cache (cache-from/cache-to)';
  }
  return undefined;
}

/**
 * Workflows started by tags or releases use no caches (cache poisoning), nor do the workflows they
 * call. A step or job guarded by `github.ref_type != 'tag'` never runs for a tag and may cache.
 */
export const releaseCacheRule: PolicyRule = workflowRule({
  code: 'pipelines:no-cache-in-release',
  description: `workflows triggered by tags or releases, and the workflows they call, restore no caches (setup-* caches, actions/cache, buildx cache-binary, build caches) unless the step or job is guarded by ${NEVER_FOR_TAGS.map((g) => `\`${g}\``).join(' or ')}`,
  check(target) {
    if (!triggeredByReleaseOrTag(target)) return [];
    const findings: Finding[] = [];
    for (const { job, step, index, location } of [...workflowSteps(target), ...calledWorkflowSteps(target)]) {
      const use = cacheUse(step);
      if (!use || requiresGuard(step.if, ...NEVER_FOR_TAGS) || requiresGuard(job.if, ...NEVER_FOR_TAGS)) continue;
      findings.push({
        location,
        message: `${stepLabel(step, index)} ${use}, but the workflow runs on tags or releases (cache poisoning); remove the cache or guard the step with ${GUARDS.notTag}`,
      });
    }
    return findings;
  },
});

const EMULATION: readonly { test: (step: WorkflowStepData) => boolean; what: string }[] = [
  {
    test: (s) => s.uses?.split('@')[0] === 'docker/setup-qemu-action',
    what: 'sets up QEMU (docker/setup-qemu-action)',
  },
  {
    test: (s) =>
      typeof s.run === 'string' &&
      /\b(tonistiigi\/binfmt|multiarch\/qemu-user-static|qemu-user-static|binfmt_misc)\b/.test(s.run),
    what: 'installs binfmt/QEMU emulators',
  },
];

/** Images are built on each platform's native runner: emulated arm64 builds are about 7× slower. */
export const noEmulationRule: PolicyRule = workflowRule({
  code: 'pipelines:no-emulation',
  description: 'no QEMU or binfmt emulation: each platform builds on its native runner (ubuntu-24.04-arm for arm64)',
  check(target) {
    const findings: Finding[] = [];
    for (const { step, index, location } of workflowSteps(target)) {
      for (const { test, what } of EMULATION) {
        if (test(step)) {
          findings.push({
            location,
            message: `${stepLabel(step, index)} ${what}; build each platform on its native runner instead`,
          });
        }
      }
    }
    return findings;
  },
});
