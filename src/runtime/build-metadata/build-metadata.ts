import { InputError } from '../../common/cli-errors';
import { schemaProblems } from '../../common/schema-validator';

/** Build metadata, version 1: what was built, from what, by which run. Attached to images and provenance. */
export interface BuildMetadata {
  readonly schemaVersion: 1;
  /** Full commit SHA. */
  readonly commit: string;
  /** Git ref, e.g. `refs/heads/main` or `refs/tags/v1.2.3`. */
  readonly ref: string;
  /** `owner/name`. */
  readonly repository: string;
  readonly workflowRun: {
    readonly id: string;
    readonly attempt: number;
    /** `owner/repo/.github/workflows/file.yml@ref`. */
    readonly workflowRef: string;
    readonly url: string;
  };
  /**
   * The build matrix: a matrix job's own entry, or, when one job records a whole run's builds, the
   * run's matrix (`{ include: [{ image, platform, runner }, …] }`); `{}` when neither is given.
   */
  readonly matrix: Readonly<Record<string, unknown>>;
  readonly builder: {
    /** The builder identity: the workflow file at its ref on this server. */
    readonly id: string;
    readonly runnerOs?: string;
    readonly runnerArch?: string;
  };
  /** ISO 8601; from SOURCE_DATE_EPOCH when set, for reproducible output. */
  readonly timestamp: string;
}

export const BUILD_METADATA_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://voice-platform.dev/schemas/build-metadata-v1.json',
  title: 'Build metadata, version 1',
  type: 'object',
  additionalProperties: false,
  required: ['schemaVersion', 'commit', 'ref', 'repository', 'workflowRun', 'matrix', 'builder', 'timestamp'],
  properties: {
    schemaVersion: { const: 1 },
    commit: { type: 'string', pattern: '^[0-9a-f]{40}$' },
    ref: { type: 'string', pattern: '^refs/(heads|tags|pull)/.+' },
    repository: { type: 'string', pattern: '^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$' },
    workflowRun: {
      type: 'object',
      additionalProperties: false,
      required: ['id', 'attempt', 'workflowRef', 'url'],
      properties: {
        id: { type: 'string', pattern: '^[0-9]+$' },
        attempt: { type: 'integer', minimum: 1 },
        workflowRef: { type: 'string', minLength: 1 },
        url: { type: 'string', format: 'uri' },
      },
    },
    matrix: { type: 'object' },
    builder: {
      type: 'object',
      additionalProperties: false,
      required: ['id'],
      properties: {
        id: { type: 'string', format: 'uri' },
        runnerOs: { type: 'string' },
        runnerArch: { type: 'string' },
      },
    },
    timestamp: { type: 'string', format: 'date-time' },
  },
} as const;

/** Reads what git knows, for the values that have a sound fallback. */
export interface GitReader {
  /** `git rev-parse HEAD`. */
  headCommit(): string | undefined;
  /** `git symbolic-ref -q HEAD`, else an exact tag as `refs/tags/…`. */
  headRef(): string | undefined;
  /** `owner/name` parsed from the `origin` remote URL. */
  originRepository(): string | undefined;
}

/** Options of {@link collectBuildMetadata}. */
export interface CollectOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly git: GitReader;
  /** JSON object of the matrix entry. @default - BUILD_MATRIX from env, else `{}` */
  readonly matrix?: string;
  /** Clock for the timestamp when SOURCE_DATE_EPOCH is unset. */
  readonly now: () => Date;
}

function parseMatrix(raw: string, source: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (e) {
    throw new InputError(`${source}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InputError(`${source}: must be a JSON object such as {"platform":"linux/amd64"}`);
  }
  return value as Record<string, unknown>;
}

/**
 * Collects build metadata from the GitHub Actions environment. The commit, ref and repository
 * fall back to git; the run id, attempt and workflow ref have no sound fallback and are
 * required. Every problem is an InputError naming the variable.
 */
export function collectBuildMetadata(options: CollectOptions): BuildMetadata {
  const { env, git } = options;
  const missing: string[] = [];
  const problems: string[] = [];
  const get = (name: string, fallback?: () => string | undefined): string | undefined => {
    const value = env[name]?.trim() || fallback?.();
    if (!value) missing.push(name + (fallback ? ' (and git could not tell)' : ''));
    return value;
  };
  const commit = get('GITHUB_SHA', () => git.headCommit());
  const ref = get('GITHUB_REF', () => git.headRef());
  const repository = get('GITHUB_REPOSITORY', () => git.originRepository());
  const runId = get('GITHUB_RUN_ID');
  const attempt = get('GITHUB_RUN_ATTEMPT');
  const workflowRef = get('GITHUB_WORKFLOW_REF');
  const server = (env.GITHUB_SERVER_URL?.trim() || 'https://github.com').replace(/\/$/, '');
  if (missing.length > 0) throw new InputError(`missing ${missing.join(', ')}; run inside GitHub Actions or set them`);

  let timestamp = options.now().toISOString();
  const epoch = env.SOURCE_DATE_EPOCH?.trim();
  if (epoch) {
    if (/^\d{1,12}$/.test(epoch)) timestamp = new Date(Number(epoch) * 1000).toISOString();
    else problems.push(`SOURCE_DATE_EPOCH must be whole seconds since 1970, got "${epoch}"`);
  }
  const matrixSource = options.matrix !== undefined ? '--matrix' : 'BUILD_MATRIX';
  const matrixRaw = options.matrix ?? env.BUILD_MATRIX;
  const matrix = matrixRaw !== undefined && matrixRaw.trim() !== '' ? parseMatrix(matrixRaw, matrixSource) : {};

  const metadata: BuildMetadata = {
    schemaVersion: 1,
    commit: commit!,
    ref: ref!,
    repository: repository!,
    workflowRun: {
      id: runId!,
      attempt: Number(attempt),
      workflowRef: workflowRef!,
      url: `${server}/${repository}/actions/runs/${runId}/attempts/${attempt}`,
    },
    matrix,
    builder: {
      id: `${server}/${workflowRef}`,
      ...(env.RUNNER_OS ? { runnerOs: env.RUNNER_OS } : {}),
      ...(env.RUNNER_ARCH ? { runnerArch: env.RUNNER_ARCH } : {}),
    },
    timestamp,
  };
  // Name the environment variable behind each invalid field.
  const sources: Record<string, string> = {
    commit: 'GITHUB_SHA',
    ref: 'GITHUB_REF',
    repository: 'GITHUB_REPOSITORY',
    'workflowRun.id': 'GITHUB_RUN_ID',
    'workflowRun.attempt': 'GITHUB_RUN_ATTEMPT',
    'workflowRun.url': 'GITHUB_SERVER_URL',
    'builder.id': 'GITHUB_SERVER_URL/GITHUB_WORKFLOW_REF',
  };
  for (const problem of schemaProblems(BUILD_METADATA_SCHEMA, metadata)) {
    const field = problem.split(' ')[0]!;
    problems.push(sources[field] ? `${sources[field]}: ${problem}` : problem);
  }
  if (problems.length > 0) throw new InputError(problems.join('; '));
  return metadata;
}

/** Prefix of the labels that carry build metadata beyond the OCI standard keys (reverse DNS of the schemas' domain). */
export const BUILD_LABEL_PREFIX = 'dev.voice-platform.build';

/**
 * Image labels from build metadata: the OCI standard keys it answers (revision, created, source)
 * and the run that built the image, one `key=value` per line, in a fixed order.
 */
export function buildLabels(metadata: BuildMetadata): string[] {
  const server = metadata.builder.id.slice(0, metadata.builder.id.length - metadata.workflowRun.workflowRef.length - 1);
  return [
    `org.opencontainers.image.revision=${metadata.commit}`,
    `org.opencontainers.image.created=${metadata.timestamp}`,
    `org.opencontainers.image.source=${server}/${metadata.repository}`,
    `${BUILD_LABEL_PREFIX}.ref=${metadata.ref}`,
    `${BUILD_LABEL_PREFIX}.workflow-ref=${metadata.workflowRun.workflowRef}`,
    `${BUILD_LABEL_PREFIX}.run-url=${metadata.workflowRun.url}`,
    `${BUILD_LABEL_PREFIX}.builder-id=${metadata.builder.id}`,
  ];
}
