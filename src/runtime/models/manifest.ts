import { InputError } from '../../common/cli-errors';
import { parseWithSchema } from '../../common/schema-validator';

/**
 * Where a model comes from: a file of a Hugging Face model repository at one commit. The
 * revision is a full commit SHA, never a branch or tag, so the bytes behind a manifest entry
 * cannot change under it.
 */
export interface ModelSource {
  /** `owner/name` of the model repository, e.g. `argmaxinc/whisperkit-coreml`. */
  readonly repository: string;
  /** Full 40-hex commit SHA. */
  readonly revision: string;
  /** Path of the file in the repository, e.g. `openai_whisper-base.zip`. */
  readonly file: string;
}

/** One model the app can route to. */
export interface ModelEntry {
  /** Unique id, used for the cache file name and the routing test, e.g. `openai_whisper-base`. */
  readonly id: string;
  /** The provider that serves it, e.g. `whisperkit`. */
  readonly provider: string;
  /** The model's own version, e.g. `1.0.0`. */
  readonly version: string;
  readonly source: ModelSource;
  /** Lower-case hex SHA-256 of the file. */
  readonly sha256: string;
  /** Exact size of the file in bytes. */
  readonly sizeBytes: number;
}

/** models.json, version 1. */
export interface ModelsManifest {
  readonly schemaVersion: 1;
  readonly models: readonly ModelEntry[];
}

/** The largest model file accepted (the app's models are 100 MB – 1.5 GB; 4 GiB leaves room, not runaway downloads). */
export const MAX_MODEL_BYTES = 4 * 1024 ** 3;

/** JSON schema of models.json (draft-07), shipped with this package. */
export const MODELS_MANIFEST_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://voice-platform.dev/schemas/models-manifest-v1.json',
  title: 'Models manifest (models.json), version 1',
  type: 'object',
  additionalProperties: false,
  required: ['schemaVersion', 'models'],
  properties: {
    schemaVersion: { const: 1 },
    models: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'provider', 'version', 'source', 'sha256', 'sizeBytes'],
        properties: {
          id: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$' },
          provider: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,39}$' },
          version: { type: 'string', pattern: '^[0-9A-Za-z][0-9A-Za-z.+-]{0,49}$' },
          source: {
            type: 'object',
            additionalProperties: false,
            required: ['repository', 'revision', 'file'],
            properties: {
              repository: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$' },
              revision: {
                type: 'string',
                pattern: '^[0-9a-f]{40}$',
                description: 'a full commit SHA: branches and tags move',
              },
              // Relative, no `..` segment, no backslash: the URL cannot leave the repository.
              file: { type: 'string', pattern: '^(?!/)(?!.*(^|/)\\.\\.(/|$))[A-Za-z0-9._/-]+$' },
            },
          },
          sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
          sizeBytes: { type: 'integer', minimum: 1, maximum: MAX_MODEL_BYTES },
        },
      },
    },
  },
} as const;

/** Validates a parsed models.json; every problem names its field. Ids must be unique. */
export function parseModelsManifest(data: unknown, file: string): ModelsManifest {
  const manifest = parseWithSchema<ModelsManifest>(MODELS_MANIFEST_SCHEMA, data, file);
  const seen = new Map<string, number>();
  const problems: string[] = [];
  manifest.models.forEach((m, i) => {
    if (seen.has(m.id)) problems.push(`models[${i}].id: duplicate id "${m.id}" (also models[${seen.get(m.id)}])`);
    seen.set(m.id, i);
  });
  if (problems.length > 0) throw new InputError(`${file}: ${problems.join('; ')}`);
  return manifest;
}

/** The matrix a workflow reads with `fromJSON`: one entry per model, in manifest order. */
export function modelsMatrix(manifest: ModelsManifest): {
  include: { id: string; provider: string; version: string }[];
} {
  return { include: manifest.models.map((m) => ({ id: m.id, provider: m.provider, version: m.version })) };
}

/** The download URL of a model under a Hugging Face-style host (`<base>/<repo>/resolve/<sha>/<file>`). */
export function modelUrl(baseUrl: URL, model: ModelEntry): URL {
  const base = baseUrl.href.endsWith('/') ? baseUrl.href : `${baseUrl.href}/`;
  const path = [
    ...model.source.repository.split('/'),
    'resolve',
    model.source.revision,
    ...model.source.file.split('/'),
  ]
    .map(encodeURIComponent)
    .join('/');
  return new URL(path, base);
}
