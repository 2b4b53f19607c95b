import { DEFAULT_LOG_LEVEL, LOG_LEVELS, MAX_REPLICAS, MIN_REPLICAS, type LogLevel } from '../../model/limits';
import type { EnvironmentDefinition } from '../../model/platform-definition';
import type { Platform, Service } from '../../model/platform';

/** The values of a service chart: what may vary per deploy. */
export interface ChartValues {
  readonly image: {
    /** e.g. `ghcr.io/voice-platform/tts`. */
    readonly repository: string;
    /** Empty: the chart's appVersion. Never `latest`. */
    readonly tag: string;
    /** `sha256:…`; when set it wins over the tag. */
    readonly digest: string;
    readonly pullPolicy: 'IfNotPresent' | 'Always' | 'Never';
  };
  /** Replicas when autoscaling is off. */
  readonly replicaCount: number;
  readonly autoscaling: {
    readonly enabled: boolean;
    readonly minReplicas: number;
    readonly maxReplicas: number;
    readonly targetCPUUtilizationPercentage: number;
  };
  readonly resources: {
    readonly requests: { readonly cpu: string; readonly memory: string };
    readonly limits: { readonly memory: string; readonly cpu?: string };
  };
  readonly logLevel: LogLevel;
  /** The service's own settings (ConfigMap → environment). */
  readonly config: Readonly<Record<string, string>>;
}

/** The chart defaults, from the platform model. */
export function defaultValues(platform: Platform, service: Service): ChartValues {
  return {
    image: { repository: service.imageRepository, tag: '', digest: '', pullPolicy: 'IfNotPresent' },
    replicaCount: MIN_REPLICAS,
    autoscaling: { enabled: true, minReplicas: MIN_REPLICAS, maxReplicas: 5, targetCPUUtilizationPercentage: 70 },
    resources: {
      requests: { cpu: service.resources.cpuRequest, memory: service.resources.memoryRequest },
      limits: { memory: service.resources.memoryLimit, ...(service.resources.cpuLimit ? { cpu: service.resources.cpuLimit } : {}) },
    },
    logLevel: DEFAULT_LOG_LEVEL,
    // Called services are reached through their charts' Services, named after the release (= service name by default).
    config: platform.settingsOf(service),
  };
}

/** The overrides of one environment's values file (only what differs from the defaults). */
export function environmentValues(env: EnvironmentDefinition): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  if (env.logLevel) values.logLevel = env.logLevel;
  if (env.autoscaling === false) {
    values.autoscaling = { enabled: false };
    values.replicaCount = env.replicas ?? MIN_REPLICAS;
  } else if (env.autoscaling) {
    values.autoscaling = { enabled: true, minReplicas: env.autoscaling.minReplicas, maxReplicas: env.autoscaling.maxReplicas };
  }
  return values;
}

/** Helm's coalescing of a values file over the defaults: maps merge deeply, everything else replaces. */
export function mergeValues(base: unknown, override: unknown): unknown {
  if (typeof base !== 'object' || base === null || Array.isArray(base) || typeof override !== 'object' || override === null || Array.isArray(override)) {
    return override === undefined ? base : override;
  }
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(override)) out[k] = mergeValues(out[k], v);
  return out;
}

const QUANTITY = '^[0-9]+(\\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$';

/**
 * values.schema.json: Helm validates values against it on install, upgrade, lint and template,
 * so a wrong type or a typo fails before anything reaches the cluster. Patterns avoid
 * look-arounds (Helm's validator uses Go regular expressions).
 */
export function valuesSchema(serviceName: string): Record<string, unknown> {
  const closed = (properties: Record<string, unknown>, required: string[] = Object.keys(properties)) => ({ type: 'object', additionalProperties: false, required, properties });
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: `Values of the ${serviceName} chart`,
    ...closed({
      image: closed({
        repository: { type: 'string', pattern: '^[a-z0-9.-]+(:[0-9]+)?(/[a-z0-9._-]+)+$', description: 'Image repository without tag' },
        tag: { type: 'string', pattern: '^([A-Za-z0-9_][A-Za-z0-9._-]{0,127})?$', not: { const: 'latest' }, description: 'Image tag; empty means the chart appVersion; never latest' },
        digest: { type: 'string', pattern: '^(sha256:[a-f0-9]{64})?$', description: 'Image digest; wins over the tag when set' },
        pullPolicy: { type: 'string', enum: ['IfNotPresent', 'Always', 'Never'] },
      }),
      replicaCount: { type: 'integer', minimum: MIN_REPLICAS, description: `Replicas when autoscaling is off (≥ ${MIN_REPLICAS} for the PodDisruptionBudget)` },
      autoscaling: closed({
        enabled: { type: 'boolean' },
        minReplicas: { type: 'integer', minimum: MIN_REPLICAS },
        maxReplicas: { type: 'integer', minimum: MIN_REPLICAS, maximum: MAX_REPLICAS },
        targetCPUUtilizationPercentage: { type: 'integer', minimum: 1, maximum: 100 },
      }),
      resources: closed({
        requests: closed({ cpu: { type: 'string', pattern: QUANTITY }, memory: { type: 'string', pattern: QUANTITY } }),
        limits: closed({ memory: { type: 'string', pattern: QUANTITY }, cpu: { type: 'string', pattern: QUANTITY } }, ['memory']),
      }),
      logLevel: { type: 'string', enum: [...LOG_LEVELS] },
      config: {
        type: 'object',
        description: 'Settings of the service, as environment variables',
        propertyNames: { pattern: '^[A-Z_][A-Z0-9_]*$' },
        additionalProperties: { type: 'string' },
      },
    }),
  };
}
