import * as path from 'node:path';
import { MODELS_CACHE_PREFIX, modelsCacheKey } from './app-jobs';
import { checkout, github, runStep, SecureWorkflow, type Construct, type Platform } from '../src';

/**
 * `.github/workflows/cache-cleanup.yml`: deletes the Actions caches nobody can restore any more,
 * so they stop pushing useful entries out of the repository's 10 GB: the models of an older
 * models.json (each entry is the size of every model, up to gigabytes) and the caches of closed
 * pull requests (their merge ref is gone). Scheduled, and on demand with a dry run.
 */
export function cacheCleanupWorkflow(scope: Construct, platform: Platform): SecureWorkflow {
  const workflow = new SecureWorkflow(scope, 'cache-cleanup', {
    name: 'Cache cleanup',
    description: 'Deletes Actions caches of model versions no longer in models.json and of closed pull requests.',
    triggers: {
      schedule: [platform.schedules.cacheCleanup],
      workflowDispatch: {
        inputs: {
          'dry-run': {
            description: 'List what would be deleted, delete nothing',
            type: 'boolean',
            required: false,
            default: false,
          },
        },
      },
    },
    concurrency: { group: github.workflow, cancelInProgress: false },
  });
  workflow.addJob('cleanup', {
    name: 'Delete stale caches',
    runsOn: platform.runners.linux,
    // actions: write deletes caches; contents: read hashes models.json (the key of its cache);
    // pull-requests: read tells open pull requests from closed ones.
    permissions: { actions: 'write', contents: 'read', pullRequests: 'read' },
    timeoutMinutes: 10,
    steps: [
      // Only models.json's folder: its hash is all this job reads of the tree.
      checkout({ sparseCheckout: [path.posix.dirname(platform.app.modelsJson)] }),
      runStep({
        name: 'Delete caches of older models and closed pull requests',
        shell: 'bash',
        env: {
          GH_TOKEN: github.token,
          GH_REPO: github.repository,
          MODELS_PREFIX: MODELS_CACHE_PREFIX,
          CURRENT_MODELS_KEY: modelsCacheKey(platform.app.modelsJson),
          DRY_RUN: workflow.input('dry-run'),
        },
        run: [
          'set -euo pipefail',
          // hashFiles of a missing file is empty: every models cache would look stale.
          'if [ "$CURRENT_MODELS_KEY" = "$MODELS_PREFIX" ]; then echo "::error::models.json not found; nothing deleted"; exit 1; fi',
          'caches="$(gh cache list --limit 10000 --json id,key,ref,sizeInBytes)"',
          'open_prs="$(gh pr list --state open --limit 10000 --json number --jq \'[.[].number]\')"',
          'stale="$(jq -c --arg prefix "$MODELS_PREFIX" --arg current "$CURRENT_MODELS_KEY" --argjson open "$open_prs" \'[.[]',
          '  | ((.ref | capture("^refs/pull/(?<n>[0-9]+)/merge$") | .n | tonumber) // null) as $pr',
          '  | if (.key | startswith($prefix)) and .key != $current then . + {why: "models of an older models.json"}',
          '    elif $pr != null and ($open | index($pr)) == null then . + {why: "pull request #\\($pr) is closed"}',
          '    else empty end]\' <<< "$caches")"',
          '{ echo "### Stale caches"; echo; echo "| key | ref | MB | why |"; echo "| --- | --- | --- | --- |"; } >> "$GITHUB_STEP_SUMMARY"',
          'jq -r \'.[] | "| \\(.key) | \\(.ref) | \\(.sizeInBytes / 1048576 | floor) | \\(.why) |"\' <<< "$stale" >> "$GITHUB_STEP_SUMMARY"',
          'if [ "$DRY_RUN" = "true" ]; then echo "Dry run: nothing deleted." | tee -a "$GITHUB_STEP_SUMMARY"; exit 0; fi',
          'for id in $(jq -r \'.[].id\' <<< "$stale"); do gh cache delete "$id"; done',
          'echo "Deleted $(jq length <<< "$stale") cache(s), $(jq \'[.[].sizeInBytes] | add // 0 | . / 1048576 | floor\' <<< "$stale") MB." | tee -a "$GITHUB_STEP_SUMMARY"',
        ].join('\n'),
      }),
    ],
  });
  return workflow;
}
