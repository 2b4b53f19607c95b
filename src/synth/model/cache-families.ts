/**
 * The GitHub Actions cache entries the generated workflows write, by family: the key prefix each
 * family's entries start with (ours where we key them, the writing action's where it does), read by
 * the workflows that key them, the cache-cleanup workflow and the runbook's procedure for clearing
 * a family by hand.
 */
export interface CacheFamily {
  /** What the entries hold, and who writes them. */
  readonly what: string;
  /** Every key of the family starts with one of these (`gh cache list --key <prefix>`). */
  readonly keyPrefixes: readonly string[];
  /** What is lost by clearing it: the next run's cost. */
  readonly clearingCosts: string;
}

export const CACHE_FAMILIES = {
  npm: {
    what: "npm's download cache (`~/.npm`), written by actions/setup-node (`cache: npm`), one entry per runner OS, architecture and package-lock.json.",
    keyPrefixes: ['node-cache-'],
    clearingCosts: 'the next `npm ci` of each job downloads every package again.',
  },
  uv: {
    what: "uv's package cache, written by astral-sh/setup-uv (`enable-cache: true`) in the services' test jobs, one entry per platform, Python and uv.lock.",
    keyPrefixes: ['setup-uv-'],
    clearingCosts: 'the next `uv sync` downloads every wheel again.',
  },
  swiftpm: {
    what: "SwiftPM's checkouts of the app's packages (WhisperKit and its dependencies), one entry per runner OS and Package.resolved.",
    keyPrefixes: ['swiftpm-'],
    clearingCosts: 'the next app build clones every package again.',
  },
  models: {
    what: 'The WhisperKit models fetched and verified by `fetch-models`, one entry per models.json (the cache-cleanup workflow deletes entries of older ones).',
    keyPrefixes: ['models-'],
    clearingCosts: 'the next app job downloads every model again (gigabytes): clear it only for a bad entry.',
  },
  imageLayers: {
    what: "BuildKit's image layers from `cache-to: type=gha` of the default branch's image builds: blobs shared by every service and platform, and one index per build scope.",
    keyPrefixes: ['index-buildkit-1-', 'buildkit-blob-1-'],
    clearingCosts:
      'the next image build of each service rebuilds every layer (release tags build without this cache anyway).',
  },
} as const satisfies Record<string, CacheFamily>;

export type CacheFamilyName = keyof typeof CACHE_FAMILIES;
