import { imageBuildNames, imageGroupJobId, imageJobGroups } from '../../model/naming';
import type { ImageBuildTarget } from '../../model/platform';
import { checkout } from '../actions/checkout';
import { setupBuildx, registryLogin, imageMetadata, imageSbom, buildImage } from '../actions/docker';
import { Expression, guards } from '../expressions';
import type { SecureJob } from '../job';
import type { WorkflowJob } from '../job-base';
import { READ_CONTENTS } from '../permissions';
import { runStep, stepOutput, type JobStep } from '../steps';
import type { SecureWorkflow } from '../workflow';
import { digestCheckLine, resolveDigestCommand } from './image-digest';

/** One image of {@link addImageDeliveries}. */
export interface DeliveredImage {
  /** Short name for step ids, outputs and cache scopes, e.g. `tts`. */
  readonly name: string;
  /** Image repository without tag, e.g. `ghcr.io/org/tts`. */
  readonly repository: string;
  readonly context: string;
  readonly dockerfile: string;
  /** The platforms it is built for, each on its runner. */
  readonly targets: readonly ImageBuildTarget[];
}

/** Props of {@link addImageDeliveries}. */
export interface ImageDeliveriesProps {
  /** The images, in the order their groups take them. */
  readonly images: readonly DeliveredImage[];
  /** Registry host to log in to, e.g. `ghcr.io`. */
  readonly registry: string;
  /** Runner of the publish jobs. */
  readonly publishRunner: string;
  /** Tag rules of docker/metadata-action for each manifest list. */
  readonly tagRules: readonly string[];
  /** Extra image labels, newline-separated `key=value` (e.g. from the build metadata). @default - none */
  readonly labels?: Expression;
  /** Seconds since 1970 of the commit: BuildKit stamps files and history with it. @default - build time */
  readonly sourceDateEpoch?: Expression;
  /** Jobs the build jobs wait for (those the expressions above read). @default [] */
  readonly needs?: readonly WorkflowJob[];
  /**
   * Whether the builds read and write the layer cache (`type=gha`, scoped per image and platform): for
   * the default branch, whose cache every branch and pull-request build reads. A release tag's build
   * uses none (cache poisoning); its workflow sets false.
   */
  readonly layerCache: boolean;
  /** Minutes a build job may take per image it builds. @default 30 */
  readonly buildMinutesPerImage?: number;
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

/** The jobs of {@link addImageDeliveries}. */
export interface ImageDeliveries {
  /** Build-and-push-by-digest jobs: one per group of images and platform. */
  readonly buildJobs: SecureJob[];
  /** The jobs that make each image's multi-platform manifest list, its tags and its SBOM, one per group. */
  readonly publishJobs: SecureJob[];
  /** `needs.<publish job>.outputs.<image>-digest`: an image's manifest list digest (`sha256:…`). */
  digest(image: string): Expression;
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
 * Images built for several platforms the fast way: each platform on its native runner (no QEMU),
 * each image pushed by digest only, then joined into a manifest list with `docker buildx imagetools
 * create` and tagged. Images share jobs in groups ({@link imageJobGroups}: `build-<n>-<arch>`, then
 * `publish-<n>`), so a run's job count grows by a job per group, not per image. Layer caches are
 * {@link ImageDeliveriesProps.layerCache}'s choice: the default branch's workflow reads and writes
 * them, a release tag's uses none. Pushing jobs never run
 * for a pull request: a pull request checks its builds with {@link addImageBuildCheck}, in a workflow
 * of its own.
 */
export function addImageDeliveries(workflow: SecureWorkflow, props: ImageDeliveriesProps): ImageDeliveries {
  const buildEnv = props.sourceDateEpoch ? { SOURCE_DATE_EPOCH: props.sourceDateEpoch } : undefined;
  // Which job built each image for each platform, and the step outputs holding its digest.
  const built = new Map<string, { job: SecureJob; output: string }[]>();
  const buildJobs: SecureJob[] = [];
  const arches = [...new Set(props.images.flatMap((i) => i.targets.map((t) => t.arch)))];
  for (const arch of arches) {
    const images = props.images.flatMap((image) =>
      image.targets.filter((t) => t.arch === arch).map((target) => ({ image, target })),
    );
    for (const group of imageJobGroups(images, 'build')) {
      const runner = group.members[0]!.target.runner;
      const platform = group.members[0]!.target.platform;
      const mixed = group.members.find((m) => m.target.runner !== runner || m.target.platform !== platform);
      if (mixed) {
        throw new Error(
          `${workflow.node.path}: images ${group.members[0]!.image.name} and ${mixed.image.name} build for ${arch} on different runners or platforms (${runner}, ${mixed.target.runner}); one build job serves one runner`,
        );
      }
      const steps: JobStep[] = [checkout(), setupBuildx(), registryLogin({ registry: props.registry })];
      const outputs: [string, Expression][] = [];
      for (const { image, target } of group.members) {
        const metadata = imageMetadata(
          { images: [image.repository], labels: props.labels ? [props.labels.toString()] : undefined },
          { id: `meta-${image.name}`, name: `OCI labels (${image.name})` },
        );
        const scope = imageBuildNames(image.name, arch).cacheScope;
        const common = {
          context: image.context,
          file: image.dockerfile,
          platform: target.platform,
          labels: stepOutput(metadata, 'labels'),
          provenance: 'mode=max',
          sbom: true,
          outputs: `type=image,name=${image.repository},push-by-digest=true,name-canonical=true,push=true`,
        };
        // The default branch's build writes the layer cache every later build reads; a release tag's
        // build reads none (cache poisoning). Each workflow builds for one of them.
        const build = props.layerCache
          ? buildImage(
              { ...common, cacheFrom: `type=gha,scope=${scope}`, cacheTo: `type=gha,scope=${scope},mode=min` },
              {
                id: `build-${image.name}`,
                name: `Build and push ${image.name} ${target.platform} by digest (layer cache)`,
                // Never for a tag, should this workflow ever run for one.
                if: guards.notTag,
                env: buildEnv,
              },
            )
          : buildImage(common, {
              id: `build-${image.name}`,
              name: `Build and push ${image.name} ${target.platform} by digest (no cache)`,
              env: buildEnv,
            });
        steps.push(metadata, build);
        outputs.push([`${image.name}-digest`, stepOutput(build, 'digest')]);
      }
      const names = group.members.map((m) => m.image.name);
      const job = workflow.addJob(imageGroupJobId('build', group.index, arch), {
        name: `Build ${names.join(', ')} (${platform})`,
        runsOn: runner,
        permissions: { contents: 'read', packages: 'write' },
        timeoutMinutes: (props.buildMinutesPerImage ?? 30) * group.members.length,
        needs: props.needs,
        if: guards.notPullRequest,
        steps,
      });
      for (const [name, value] of outputs) job.addOutput(name, value);
      for (const { image } of group.members) {
        built.set(image.name, [...(built.get(image.name) ?? []), { job, output: `${image.name}-digest` }]);
      }
      buildJobs.push(job);
    }
  }

  const publishJobs: SecureJob[] = [];
  const digests = new Map<string, Expression>();
  for (const group of imageJobGroups(props.images, 'publish')) {
    const steps: JobStep[] = [setupBuildx(), registryLogin({ registry: props.registry })];
    const needs = new Set<SecureJob>();
    const outputs: [string, Expression][] = [];
    for (const image of group.members) {
      const sources = built.get(image.name) ?? [];
      for (const s of sources) needs.add(s.job);
      const tags = imageMetadata(
        { images: [image.repository], tags: props.tagRules },
        { id: `tags-${image.name}`, name: `Tags and annotations (${image.name})` },
      );
      const create = runStep({
        name: `Create the manifest list (${image.name})`,
        id: `manifest-${image.name}`,
        outputs: ['digest'],
        env: {
          IMAGE: image.repository,
          DIGESTS: sources.map((s) => s.job.output(s.output).toString()).join(' '),
          TAGS: stepOutput(tags, 'tags'),
          ANNOTATIONS: stepOutput(tags, 'annotations'),
          COMMIT_TAG: Expression.raw(`format('{0}:sha-{1}', '${image.repository}', github.sha)`),
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
      steps.push(
        tags,
        create,
        imageSbom(
          {
            image: Expression.raw(`format('{0}@{1}', '${image.repository}', ${stepOutput(create, 'digest').body})`),
            artifactName: `sbom-${image.name}.spdx.json`,
          },
          { name: `SPDX SBOM of the published ${image.name} image` },
        ),
      );
      outputs.push([`${image.name}-digest`, stepOutput(create, 'digest')]);
    }
    const job = workflow.addJob(imageGroupJobId('publish', group.index), {
      name: `Publish ${group.members.map((i) => i.name).join(', ')} (manifest lists)`,
      runsOn: props.publishRunner,
      permissions: { contents: 'read', packages: 'write' },
      timeoutMinutes: 10 * group.members.length,
      needs: [...needs],
      if: guards.notPullRequest,
      env: { DOCKER_METADATA_ANNOTATIONS_LEVELS: 'index' },
      steps,
    });
    for (const [name, value] of outputs) job.addOutput(name, value);
    for (const image of group.members) digests.set(image.name, job.output(`${image.name}-digest`));
    publishJobs.push(job);
  }
  return {
    buildJobs,
    publishJobs,
    digest(image: string): Expression {
      const d = digests.get(image);
      if (!d) throw new Error(`${workflow.node.path}: no image "${image}"; known: ${[...digests.keys()].join(', ')}`);
      return d;
    },
  };
}
