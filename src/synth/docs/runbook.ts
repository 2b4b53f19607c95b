import { Construct } from 'constructs';
import { cachesSection } from './runbook-caches';
import { credentialsSection } from './runbook-credentials';
import { emergencySection } from './runbook-emergency';
import { renderedWorkflow, workflowFacts } from './workflow-facts';
import { evaluateValue, UNKNOWN } from '../../common/what-runs/github-expression';
import { APP_RELEASE_SECRETS as S, APPLE_TEAM_VARIABLE, PROMETHEUS_SETTINGS, WATCH_RATE_RPS } from '../model/limits';
import { releasesOf } from '../model/naming';
import type { Platform } from '../model/platform';
import { markGeneratedFile, type IGeneratedFile, type RenderedFile } from '../output/generated-file';
import { renderEnv } from '../workflow/expressions';
import { ALERT_ISSUE_TITLE_PREFIX } from '../workflow/jobs/failure-alert';
import type { JobStep, RunStepProps } from '../workflow/steps';
import type { SecureWorkflow } from '../workflow/workflow';

/** Props of {@link RunbookDoc}. */
export interface RunbookDocProps {
  readonly platform: Platform;
  readonly workflows: readonly SecureWorkflow[];
  /**
   * What a release's verify job checks for one image (cosign, gh attestation, slsa-verifier), as steps
   * reading `IMAGE` and `DIGEST`: printed as commands a person runs. @default - no such section
   */
  readonly releaseVerification?: readonly JobStep[];
  /** The workflow that updates the action pins. */
  readonly actionUpdates?: SecureWorkflow;
  /** @default 'docs/ci-cd-runbook.md' */
  readonly filePath?: string;
}

/**
 * `docs/ci-cd-runbook.md` (seed 004, task 16): per workflow how to run and re-run it, its inputs,
 * secrets and what it leaves; how to update the performance baseline, bump an action pin, verify
 * a release image with the exact commands the provenance workflow runs, and roll back. Every
 * fact comes from the constructs and the model.
 */
export class RunbookDoc extends Construct implements IGeneratedFile {
  public readonly filePath: string;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: RunbookDocProps,
  ) {
    super(scope, id);
    this.filePath = props.filePath ?? 'docs/ci-cd-runbook.md';
    markGeneratedFile(this);
  }

  public render(): RenderedFile {
    const { platform } = this.props;
    const out = [
      '# CI/CD runbook',
      '',
      'Generated from the workflow constructs and the platform model; regenerate with `npx projen`. The catalogue',
      "(`docs/CICD.md`) shows each workflow's jobs; this page says how to operate them. Commands use the GitHub CLI (`gh`).",
      '',
      '## When a run fails',
      '',
      "1. Open the failed job's log (`gh run view <run-id> --log-failed`); the job summary has the tables our steps write.",
      '2. A `result` job only reports the jobs it needs: look at the first failed job above it.',
      '3. Re-run only what failed once the cause is fixed or was transient: `gh run rerun <run-id> --failed`.',
      `4. Scheduled workflows open an issue titled "${ALERT_ISSUE_TITLE_PREFIX}<name>" (alerts.yml); it closes itself when a run passes.`,
      '',
      '## Workflows',
      '',
    ];
    for (const w of this.props.workflows) {
      const { data, text } = renderedWorkflow(w);
      const facts = workflowFacts(data, text);
      const file = w.filePath.split('/').pop()!;
      const t = w.triggers;
      out.push(`### ${w.workflowName}`, '', `${w.description} File: \`${w.filePath}\`.`, '');
      const how: string[] = [];
      if (t.workflowDispatch) {
        const inputs = Object.entries(t.workflowDispatch.inputs ?? {});
        const command = (fields: [string, string][]) =>
          `\`gh workflow run ${file} --ref ${w.dispatchRef ?? platform.defaultBranch}${fields.map(([n, v]) => ` -f ${n}=${v}`).join('')}\``;
        if (w.dispatchExamples.length === 0) {
          how.push(`- Run it: ${command(inputs.map(([n, i]) => [n, String(i.default ?? `<${i.type}>`)]))}`);
        } else {
          for (const example of w.dispatchExamples) {
            const required = inputs
              .filter(([n, i]) => i.required && !(n in example.inputs))
              .map(([n, i]): [string, string] => [n, String(i.default ?? `<${i.type}>`)]);
            how.push(`- Run it ${example.label}: ${command([...required, ...Object.entries(example.inputs)])}`);
          }
        }
        if (inputs.length) {
          how.push(
            '',
            '  | input | type | default | what it does |',
            '  | --- | --- | --- | --- |',
            ...inputs.map(
              ([n, i]) =>
                `  | \`${n}\` | ${i.type} | ${i.default === undefined ? '—' : `\`${i.default}\``} | ${i.description} |`,
            ),
            '',
          );
        }
      }
      if (t.schedule) {
        how.push(
          `- Scheduled: ${t.schedule.map((c) => `\`${c}\``).join(', ')} (UTC), on \`${platform.defaultBranch}\`.`,
        );
      }
      if (t.workflowCall) how.push('- Called by other workflows: re-run the calling run.');
      const tagsOnly = t.push && !t.push.branches && !t.pullRequest;
      if (tagsOnly) {
        how.push(
          `- Runs for pushed tags ${(t.push!.tags ?? []).map((g) => `\`${g}\``).join(', ')}: push the tag, or re-run the run.`,
        );
      } else if (t.push || t.pullRequest) {
        how.push('- Runs for pushes and pull requests: push a commit, or re-run the run.');
      }
      if (t.workflowRun) how.push(`- Runs after ${t.workflowRun.workflows.join(', ')} complete.`);
      how.push(
        `- Re-run the failed jobs: \`gh run rerun <run-id> --failed\`; list its runs: \`gh run list --workflow ${file}\`.`,
      );
      how.push(
        `- Needs secrets: ${facts.secrets.length ? facts.secrets.map((s) => `\`${s}\``).join(', ') : 'none besides GITHUB_TOKEN'}; variables: ${facts.variables.length ? facts.variables.map((s) => `\`${s}\``).join(', ') : 'none'}. Leaves: ${facts.uploads.length ? facts.uploads.join(', ') : 'nothing'}.`,
      );
      out.push(...how, '');
    }
    out.push(
      ...this.baseline(),
      ...this.pins(),
      ...this.verify(),
      ...this.rollback(),
      ...credentialsSection(platform, this.props.workflows),
      ...cachesSection(this.props.workflows),
      ...emergencySection(this.props.workflows),
    );
    return {
      filePath: this.filePath,
      format: 'markdown',
      text: out.join('\n'),
      reviewed: true,
      constructPath: this.node.path,
    };
  }

  private baseline(): string[] {
    const { platform } = this.props;
    return [
      '## Update the performance baseline',
      '',
      `The nightly runs compare against a history kept on the \`${platform.performanceHistoryBranch}\` branch, one file per scenario and`,
      'conditions (endpoint, rate, duration, warm-up, runner). Only a passing scheduled run of the default branch is added.',
      "- After an intended slowdown: let the next scheduled run fail, then dispatch the workflow with the model's inputs once the",
      '  change is accepted and remove the runs you no longer want compared from the history file on that branch (it is JSON: one',
      '  entry per run, newest last); the gate takes the median of the last runs as its reference.',
      '- A change of rate, duration, warm-up or runner in the model starts a new history file by itself: nothing to do.',
      '- Locally: `npx check-performance-regression --current perf.json --history history.json --update-history`.',
      '',
    ];
  }

  private pins(): string[] {
    const file = this.props.actionUpdates?.filePath.split('/').pop() ?? 'update-actions.yml';
    return [
      '## Bump an action pin',
      '',
      `- Automatically: \`${file}\` runs weekly (and \`gh workflow run ${file}\`): it moves \`actions.lock.json\` to each action's newest`,
      '  release past the cooldown, regenerates the workflows and opens one pull request with both, which CI checks like any other.',
      '- By hand: `npx update-action-pins --cooldown-days 0` (or edit `actions.lock.json`: the tag and the full commit SHA it points to),',
      '  then `npx projen`, and commit the lock file with the regenerated YAML. `npx pipelines plan` shows every re-pinned action.',
      '',
    ];
  }

  /** The release's verification steps, as commands for one image of a release. */
  private verify(): string[] {
    const { platform, releaseVerification } = this.props;
    if (!releaseVerification?.length) return [];
    const steps = releaseVerification
      .filter((s) => s.props.name.startsWith('Verify') && s.kind === 'run')
      .map((s) => ({ name: s.props.name, env: renderEnv(s.props.env) ?? {}, run: (s.props as RunStepProps).run }));
    const tag = `v${platform.version}`;
    const context = { github: { ref: `refs/tags/${tag}`, ref_name: tag } };
    const out = [
      '## Verify a release image',
      '',
      "The commands the release workflow's verify job runs, for one image of a release. Set the image, its digest (from the",
      `release's job summary or \`docker buildx imagetools inspect <image>:${platform.version}\`) and the tag first:`,
      '',
      '```bash',
      `export IMAGE=${platform.services[0]?.imageRepository ?? '<image>'}  # or ${platform.services
        .slice(1)
        .map((s) => s.imageRepository)
        .join(', ')}`,
      'export DIGEST=sha256:<digest>',
      `export GITHUB_REF=refs/tags/${tag} GITHUB_REF_NAME=${tag} GITHUB_SHA="$(git rev-parse '${tag}^{commit}')"`,
      '```',
      '',
    ];
    for (const step of steps) {
      const env = Object.entries(step.env)
        .filter(([k]) => k !== 'IMAGE' && k !== 'DIGEST')
        .map(([k, v]) => {
          const text = String(v);
          if (!text.includes('${{')) return `${k}='${text}'`;
          if (/github\.token/.test(text)) return `${k}="$(gh auth token)"`;
          const value = evaluateValue(text, context);
          return `${k}='${value === UNKNOWN ? `<${k}>` : value}'`;
        });
      out.push(
        `${step.name}:`,
        '',
        '```bash',
        ...(env.length ? [`export ${env.join(' ')}`] : []),
        step.run.trimEnd(),
        '```',
        '',
      );
    }
    return out;
  }

  private rollback(): string[] {
    const { platform } = this.props;
    return [
      ...this.deployments(),
      ...this.appRelease(),
      '## Roll back',
      '',
      ...(platform.deployments.length > 0
        ? [
            '- A service: run `cd-rollback.yml` (environment, service, and a Helm revision from `helm history <service> -n <namespace>` or a',
            '  signed digest), dispatched at the default branch. It starts at once (no concurrency group: it never waits behind a release',
            "  parked at an approval gate), verifies the target's signature first, removes any canary, runs `helm test` and the smoke test,",
            "  and restores the release if any of that fails. Reject a parked release's next stage before rolling back.",
          ]
        : []),
      '- By hand: `helm history <release> -n <namespace>` lists the revisions; `helm rollback <release> <revision> -n <namespace> --wait`',
      '  returns to one, then `helm test <release> -n <namespace>`.',
      `- The charts use the model's environments (${platform.environments.map((e) => `\`${e.name}\``).join(', ')}); their values files are`,
      '  `charts/<service>/values-<environment>.yaml`.',
      ...(platform.appRelease
        ? [
            "- The app: run `app-rollback.yml` with the bad build's CFBundleVersion and tag: the build leaves the feed and Sparkle offers",
            '  the newest remaining one to users who have not updated. Sparkle never downgrades, so users already on the bad build need a fixed',
            `  build: tag \`${platform.appRelease.tagPrefix}X.Y.Z\` again (its build number is higher).`,
          ]
        : []),
      '- A pipeline change: revert the commit (generated YAML and constructs together); `npx pipelines plan --base HEAD~1` shows what',
      '  the revert does.',
      '',
    ];
  }

  /** How each environment is deployed, and what must exist on GitHub and in the cluster before the first deploy. */
  private deployments(): string[] {
    const { platform } = this.props;
    if (platform.deployments.length === 0) return [];
    const out = [
      '## Deployments',
      '',
      'Each environment has `cd-deploy-<environment>.yml`, started once every gate passed (all images published, smoke test, image scan,',
      'signatures). For the default branch, ci-build-push calls the environments marked `default-branch` in its own run. For a release',
      'tag, ci-release dispatches the environments marked `release-tag` at the tag, as runs of their own, with every digest in one JSON',
      "input (`digests`). Only digests are deployed, each verified with `cosign verify` against `ci-provenance.yml` at the run's own ref",
      'and commit. Deploys of one environment queue (`deploy-<environment>`, never cancelled: a cancelled rollout would strand a canary).',
      '',
      '| environment | when | GitHub environment | namespace | cluster access | stages (watch) | canary per service | smoke URLs |',
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
      ...platform.deployments.map((d) => {
        const auth =
          d.clusterAuth.kind === 'aws-oidc'
            ? `AWS OIDC → EKS \`${d.clusterAuth.cluster}\` (${d.clusterAuth.region}), role in \`vars.${d.clusterAuth.roleArnVariable}\``
            : `kubeconfig in \`secrets.${d.clusterAuth.secret}\``;
        const canary = platform.services
          .map((s) => `${s.name}: ${d.gateway?.services.includes(s.name) ? 'HTTPRoute weight' : 'replica ratio'}`)
          .join(', ');
        const urls =
          Object.entries(d.urls)
            .map(([k, v]) => `${k}: ${v}`)
            .join(', ') || 'port-forward only';
        return `| ${d.environment} | ${d.on} | \`${d.githubEnvironment}\` | \`${d.namespace}\` | ${auth} | ${d.rollout.map((r) => `${r.percent} % (${r.watchMinutes} min)`).join(' → ')} | ${canary} | ${urls} |`;
      }),
      '',
      '**Stages.** Each stage is one job, needing the one before; the first records the stable release (the rollback target) for the',
      'later ones. A service starts after the services it calls are promoted; the services of one such wave whose stages have the',
      'same steps go side by side, as one matrix job per stage (named after the first of them), so a larger platform adds matrix',
      'entries, not jobs, to the workflow file. A failing service cancels its neighbours still in that stage, which roll themselves',
      'back; a neighbour that had finished the stage keeps its canary until `cd-rollback.yml` or the next deploy removes it.',
      `Below 100 % the new digest runs as the release \`${releasesOf('<service>').canary.release}\``,
      'beside the stable release: a *replica-ratio* canary joins the stable Service (`voice-platform/serves` label), taking',
      '`canary pods / all pods` of the requests — the pods are rounded up, so 10 % of 3 stable pods is 1 canary pod, 25 %; a',
      "*weighted* canary (services exposed through the environment's Gateway) is a second backend of the stable release's HTTPRoute,",
      'exact per request. Each stage runs `helm test`, the smoke test through a port-forward (and at the public URL), then watches for',
      `the stage's minutes: on Prometheus when the environment sets \`${PROMETHEUS_SETTINGS.urlVariable}\` (error rate and p95 latency against the stable release,`,
      'docs/MONITORING.md), otherwise with synthetic traffic',
      `(${'`load-test`'}, ${WATCH_RATE_RPS} requests/s through a port-forward), failing above the error-rate limit.`,
      'At 100 % the stable release is upgraded to the digest and the canary removed. A failed or cancelled stage rolls itself back in',
      'the same job (the stable release back to the revision recorded before the rollout, the canary removed) and fails with the reason.',
      'A later stage that cannot read the record (its artifact download failed) still removes the canary (a weighted one leaves the',
      'route first) and fails saying that the stable release was not checked against its recorded revision: check it with `helm history`.',
      'A first install (no stable release yet) skips the canary stages.',
      '',
      '**Set up before the first deploy** (GitHub only; nothing here can reach a cluster):',
      '',
      ...platform.deployments.flatMap((d) => [
        `- GitHub environment \`${d.githubEnvironment}\`: ${refRules(platform, d.githubEnvironment)}${d.on === 'release-tag' ? ' and required reviewers' : ''} (the branch rule is for \`cd-rollback.yml\`, dispatched at \`--ref ${platform.defaultBranch}\`).` +
          (d.on === 'release-tag'
            ? " GitHub asks a reviewer before each stage job starts: the approval is the promotion, after the previous stage's watch passed. A rejected stage leaves the previous one running: run `cd-rollback.yml` to remove it."
            : ''),
        d.clusterAuth.kind === 'aws-oidc'
          ? `  Cluster access (preferred, nothing stored): an IAM OIDC provider for \`token.actions.githubusercontent.com\` (audience \`sts.amazonaws.com\`), a role trusting it with the condition \`token.actions.githubusercontent.com:sub\` = \`repo:${platform.repository}:environment:${d.githubEnvironment}\`, mapped to a namespace-scoped Kubernetes role in \`${d.namespace}\` (EKS access entry); its ARN in the environment variable \`${d.clusterAuth.roleArnVariable}\`.`
          : `  Cluster access: a kubeconfig with a namespace-scoped, short-lived token for \`${d.namespace}\` in the environment secret \`${d.clusterAuth.secret}\` (prefer OIDC: nothing to rotate).`,
      ]),
      '- In each cluster: the namespace; for weighted canaries, the Gateway the model names (Gateway API CRDs).',
      '',
    ];
    return out;
  }

  /** The app's release path and what it needs. */
  private appRelease(): string[] {
    const r = this.props.platform.appRelease;
    if (!r) return [];
    return [
      '## App releases',
      '',
      `Push a tag \`${r.tagPrefix}X.Y.Z\`. \`app-release.yml\` archives the app on macOS with the Developer ID certificate in a keychain created for`,
      'the job and deleted in an `always()` step, notarizes it (`xcrun notarytool`), staples and checks it with Gatekeeper, then:',
      '',
      `1. **beta** (environment \`${r.environments.beta}\`): a GitHub pre-release with the zip, and an appcast item on Sparkle's \`beta\` channel (only apps`,
      '   that allow the channel see it).',
      `2. **phased** (environment \`${r.environments.phased}\`): the item leaves the channel with Sparkle's phased rollout: 7 groups, one more every`,
      `   ${r.phasedRolloutIntervalHours} h from now (about 14 % each), so the rollout passes ~10 %, ~50 % and 100 % on its own.`,
      `3. **everyone** (environment \`${r.environments.everyone}\`): the phased rollout ends; every user is offered it.`,
      '',
      `The feed is \`appcast.xml\` on the branch \`${r.feedBranch}\`, published at ${r.feedUrl} (the app's \`SUFeedURL\`). Set up once:`,
      '',
      `- the branch \`${r.feedBranch}\` (an orphan branch is enough: the first release writes \`appcast.xml\`), served by GitHub Pages;`,
      `- environments \`${r.environments.beta}\` (${refRules(this.props.platform, r.environments.beta)}), \`${r.environments.phased}\` (${refRules(this.props.platform, r.environments.phased)}; required reviewers or a wait timer: the beta soak) and \`${r.environments.everyone}\` (${refRules(this.props.platform, r.environments.everyone)}; required reviewers; the branch rule is for \`app-rollback.yml\`, dispatched at \`--ref ${this.props.platform.defaultBranch}\`);`,
      `- secrets: \`${S.certificateP12}\` (the Developer ID Application certificate and key, base64 \`.p12\`) and its password`,
      `  \`${S.certificatePassword}\`; \`${S.notaryAppleId}\` and \`${S.notaryPassword}\` (an app-specific password); \`${S.sparkleKey}\``,
      `  (from Sparkle's \`generate_keys\`; its public key is the app's \`SUPublicEDKey\`); variable \`${APPLE_TEAM_VARIABLE}\`.`,
      '',
    ];
  }
}

/** An environment's deployment rules as the runbook states them, from the model's one table. */
function refRules(platform: Platform, environment: string): string {
  const r = platform.environmentRefRules[environment];
  const parts = [...r.tags.map((t) => `tag rule \`${t}\``), ...r.branches.map((b) => `branch rule \`${b}\``)];
  return `deployment ${parts.join(' and ')}`;
}
