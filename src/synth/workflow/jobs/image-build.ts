import { imageBuildNames, serviceJobId } from '../../model/naming';
import type { ImageBuildTarget } from '../../model/platform';
import { checkout } from '../actions/checkout';
import { setupBuildx, registryLogin, imageMetadata, imageSbom, buildImage } from '../actions/docker';
import { Expression, guards } from '../expressions';
import type { SecureJob } from '../job';
import type { WorkflowJob } from '../job-base';
import { READ_CONTENTS } from '../permissions';
import { runStep, stepOutput } from '../steps';
import type { SecureWorkflow } from '../workflow';
import { digestCheckLine, resolveDigestCommand } from './image-digest';

/** Props of {@link addImageDelivery}. */
export interface ImageDeliveryProps {
  /** Short name for job ids and cache scopes, e.g. `tts`. */
  readonly name: string;
  /** Image repository without tag, e.g. `ghcr.io/org/tts`. */
  readonly repository: string;
  /** Registry host to log in to, e.g. `ghcr.io`. */
  readonly registry: string;
  readonly context: string;
  readonly dockerfile: string;
  /** One build job per target, on its runner. */
  readonly targets: readonly ImageBuildTarget[];
  /** Runner of the merge job. */
  readonly mergeRunner: string;
  /** Tag rules of docker/metadata-action for the manifest list. */
  readonly tagRules: readonly string[];
  /** Extra image labels, newline-separated `key=value` (e.g. from the build metadata). @default - none */
  readonly labels?: Expression;
  /** Seconds since 1970 of the commit: BuildKit stamps files and history with it. @default - build time */
  readonly sourceDateEpoch?: Expression;
  /** Jobs the build jobs wait for (those the expressions above read). @default [] */
  readonly needs?: readonly WorkflowJob[];
  /** @default 30 */
  readonly timeoutMinutes?: number;
}

/** Props of {@link addImageBuildCheck}. */
export interface ImageBuildCheckProps {
  /** Short name for job ids and cache scopes, e.g. `tts`. */
  readonly name: string;
  /** Image repository without tag, e.g. `ghcr.io/org/tts`: named in the labels only, nothing is pushed. */
  readonly repository: string;
  readonly context: string;
  readonly dockerfile: string;
  /** One build job per target, on its runner. */
  readonly targets: readonly ImageBuildTarget[];
  /** When the builds run, e.g. when the change detection says the image's files changed. @default - always */
  readonly if?: Expression;
  /** Jobs the builds wait for (e.g. the change detection their condition reads). @default [] */
  readonly needs?: readonly WorkflowJob[];
  /** @default 30 */
  readonly timeoutMinutes?: number;
}

/** The jobs of one image's delivery. */
export interface ImageDelivery {
  /** Build-and-push-by-digest jobs, one per target. */
  readonly buildJobs: SecureJob[];
  /** Makes the multi-platform manifest list and its tags. */
  readonly merge: SecureJob;
  /** `needs.<merge>.outputs.digest`: the manifest list's digest (`sha256:…`). */
  readonly digest: Expression;
}

const DIGEST_CHECK = digestCheckLine('digest');

/**
 * A pull request's check that an image still builds: one build-only job per platform on its native
 * runner, with no registry login and no write scope. It reads the layer cache the default branch
 * writes (see {@link addImageDelivery}) and pushes nothing.
 */
export function addImageBuildCheck(workflow: SecureWorkflow, props: ImageBuildCheckProps): SecureJob[] {
  // Nothing is published: the action's labels suffice and the builds wait for no metadata job.
  const metadata = imageMetadata({ images: [props.repository] }, { id: 'meta', name: 'OCI labels' });
  return props.targets.map((t) =>
    workflow.addJob(imageBuildNames(props.name, t.arch).pullRequestJob, {
      name: `Build ${props.name} (${t.platform}, no push)`,
      runsOn: t.runner,
      permissions: READ_CONTENTS,
      timeoutMinutes: props.timeoutMinutes ?? 30,
      needs: props.needs,
      if: props.if,
      steps: [
        checkout(),
        setupBuildx(),
        metadata,
        buildImage({
          context: props.context,
          file: props.dockerfile,
          platform: t.platform,
          labels: stepOutput(metadata, 'labels'),
          cacheFrom: `type=gha,scope=${imageBuildNames(props.name, t.arch).cacheScope}`,
        }),
      ],
    }),
  );
}

/**
 * An image built for several platforms the fast way: one job per platform on its native runner
 * (no QEMU), each pushing its image by digest only, then one job that joins the digests into a
 * manifest list with `docker buildx imagetools create` and tags it. Layer caches (`type=gha`) are
 * scoped per image and platform, read by every branch and pull-request build and written only by
 * the default branch; a tag build uses none (cache poisoning). Pushing jobs never run for a pull
 * request: a pull request checks its builds with {@link addImageBuildCheck}, in a workflow of its own.
 */
export function addImageDelivery(workflow: SecureWorkflow, props: ImageDeliveryProps): ImageDelivery {
  const timeoutMinutes = props.timeoutMinutes ?? 30;
  const buildEnv = props.sourceDateEpoch ? { SOURCE_DATE_EPOCH: props.sourceDateEpoch } : undefined;
  const metadata = imageMetadata(
    { images: [props.repository], labels: props.labels ? [props.labels.toString()] : undefined },
    { id: 'meta', name: 'OCI labels' },
  );
  const scope = (t: ImageBuildTarget) => imageBuildNames(props.name, t.arch).cacheScope;
  const common = (t: ImageBuildTarget) => ({
    context: props.context,
    file: props.dockerfile,
    platform: t.platform,
    labels: stepOutput(metadata, 'labels'),
  });
  const buildJobs = props.targets.map((t) => {
    const push = `type=image,name=${props.repository},push-by-digest=true,name-canonical=true,push=true`;
    const attest = { provenance: 'mode=max', sbom: true, outputs: push };
    // These jobs run for the default branch and for tags only (never for pull requests), so the
    // branch build is the default branch's: the one that writes the cache every later build reads.
    const cached = buildImage(
      {
        ...common(t),
        ...attest,
        cacheFrom: `type=gha,scope=${scope(t)}`,
        cacheTo: `type=gha,scope=${scope(t)},mode=min`,
      },
      { id: 'build', name: `Build and push ${t.platform} by digest (layer cache)`, if: guards.notTag, env: buildEnv },
    );
    const release = buildImage(
      { ...common(t), ...attest },
      {
        id: 'build-release',
        name: `Build and push ${t.platform} by digest (release: no cache)`,
        if: guards.isTag,
        env: buildEnv,
      },
    );
    const job = workflow.addJob(imageBuildNames(props.name, t.arch).job, {
      name: `Build ${props.name} (${t.platform})`,
      runsOn: t.runner,
      permissions: { contents: 'read', packages: 'write' },
      timeoutMinutes,
      needs: props.needs,
      if: guards.notPullRequest,
      steps: [checkout(), setupBuildx(), registryLogin({ registry: props.registry }), metadata, cached, release],
    });
    job.addOutput(
      'digest',
      Expression.raw(`${stepOutput(cached, 'digest').body} || ${stepOutput(release, 'digest').body}`),
    );
    return job;
  });

  const tags = imageMetadata(
    { images: [props.repository], tags: props.tagRules },
    { id: 'tags', name: 'Tags and annotations' },
  );
  const create = runStep({
    name: 'Create the manifest list',
    id: 'manifest',
    outputs: ['digest'],
    env: {
      IMAGE: props.repository,
      DIGESTS: buildJobs.map((j) => j.output('digest').toString()).join(' '),
      TAGS: stepOutput(tags, 'tags'),
      ANNOTATIONS: stepOutput(tags, 'annotations'),
      COMMIT_TAG: Expression.raw(`format('{0}:sha-{1}', '${props.repository}', github.sha)`),
    },
    run: [
      'args=()',
      'while IFS= read -r tag; do [ -n "$tag" ] && args+=(--tag "$tag"); done <<< "$TAGS"',
      'while IFS= read -r annotation; do [ -n "$annotation" ] && args+=(--annotation "$annotation"); done <<< "$ANNOTATIONS"',
      'sources=()',
      'for digest in $DIGESTS; do',
      `  ${DIGEST_CHECK}`,
      '  sources+=("$IMAGE@$digest")',
      'done',
      'docker buildx imagetools create "${args[@]}" "${sources[@]}"',
      // The commit's own tag is unique to this run's commit: read the list's digest through it.
      `digest="$(${resolveDigestCommand('"$COMMIT_TAG"')})"`,
      DIGEST_CHECK,
      'echo "digest=$digest" >> "$GITHUB_OUTPUT"',
      'echo "### $IMAGE@$digest" >> "$GITHUB_STEP_SUMMARY"',
    ].join('\n'),
  });
  const merge = workflow.addJob(serviceJobId('merge', props.name), {
    name: `Publish ${props.name} (manifest list)`,
    runsOn: props.mergeRunner,
    permissions: { contents: 'read', packages: 'write' },
    timeoutMinutes: 10,
    needs: buildJobs,
    if: guards.notPullRequest,
    env: { DOCKER_METADATA_ANNOTATIONS_LEVELS: 'index' },
    steps: [
      setupBuildx(),
      registryLogin({ registry: props.registry }),
      tags,
      create,
      imageSbom(
        {
          image: Expression.raw(`format('{0}@{1}', '${props.repository}', ${stepOutput(create, 'digest').body})`),
          artifactName: `sbom-${props.name}.spdx.json`,
        },
        { name: 'SPDX SBOM of the published image' },
      ),
    ],
  });
  merge.addOutput('digest', stepOutput(create, 'digest'));
  return { buildJobs, merge, digest: merge.output('digest') };
}
