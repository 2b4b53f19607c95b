// The app health contract, shared by the release gate (`app-health`) and the docs that tell the
// app what to publish.

/**
 * What the app's crash reporting publishes for the release gate, version 1: per build, the
 * sessions it has seen and the share of them that ended without a crash.
 */
export interface AppHealthReport {
  readonly schemaVersion: 1;
  /** ISO 8601: when the figures were computed. */
  readonly generatedAt: string;
  readonly builds: readonly AppBuildHealth[];
}

/** One build's figures. */
export interface AppBuildHealth {
  /** CFBundleVersion, as the appcast names the build. */
  readonly version: string;
  /** Sessions started on this build. */
  readonly sessions: number;
  /** Sessions that ended without a crash over all sessions, 0–1. */
  readonly crashFreeSessions: number;
}

/** JSON schema of {@link AppHealthReport}: the contract between the app's crash reporting and the release gate. */
export const APP_HEALTH_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://voice-platform.dev/schemas/app-health-v1.json',
  title: 'App health, version 1',
  type: 'object',
  required: ['schemaVersion', 'generatedAt', 'builds'],
  properties: {
    schemaVersion: { const: 1 },
    generatedAt: { type: 'string', format: 'date-time' },
    builds: {
      type: 'array',
      items: {
        type: 'object',
        required: ['version', 'sessions', 'crashFreeSessions'],
        properties: {
          version: { type: 'string', minLength: 1 },
          sessions: { type: 'integer', minimum: 0 },
          crashFreeSessions: { type: 'number', minimum: 0, maximum: 1 },
        },
      },
    },
  },
} as const;
