import {
  DEFAULT_LOG_LEVEL,
  DEFAULT_METRICS_PATH,
  DEFAULT_PRE_STOP_SECONDS,
  DEFAULT_TERMINATION_GRACE_SECONDS,
  LOG_LEVELS,
  MAX_REPLICAS,
  MIN_REPLICAS,
  PROBE_DEFAULTS,
  type LogLevel,
  type ProbeTiming,
} from '../../model/limits';
import { DNS_SUBDOMAIN_MAX, NAME_PATTERNS } from '../../model/names';
import type { Platform, Service } from '../../model/platform';
import type { EnvironmentDefinition, ResourceDefinition } from '../../model/platform-definition';

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
  /** Object names: `<release>-<chart>`, or the release name when it already contains the chart's. */
  readonly nameOverride: string;
  readonly fullnameOverride: string;
  /**
   * Where each service this one calls is installed: its release and namespace (empty: this
   * release's namespace). The `<NAME>_URL` setting and the egress rule follow them.
   */
  readonly dependencies: Readonly<Record<string, { readonly release: string; readonly namespace: string }>>;
  /** Namespaces of the releases that call this service (empty: this release's namespace). */
  readonly callers: Readonly<Record<string, { readonly namespace: string }>>;
  readonly probes: { readonly readiness: ProbeTiming; readonly liveness: ProbeTiming; readonly startup: ProbeTiming };
  /** Seconds a terminating pod keeps serving before SIGTERM (endpoints drain meanwhile). */
  readonly preStopSleepSeconds: number;
  readonly terminationGracePeriodSeconds: number;
  /** Pods a voluntary disruption (node drain) may take down at once. */
  readonly podDisruptionBudget: { readonly maxUnavailable: number };
  /** Spread replicas over zones and nodes (ScheduleAnyway) unless topologySpreadConstraints is given. */
  readonly defaultTopologySpread: boolean;
  readonly networkPolicy: {
    /** Where DNS lookups may go (peers and ports), e.g. openshift-dns on 5353 or a node-local resolver's ipBlock. */
    readonly dns: { readonly to: readonly unknown[]; readonly ports: readonly unknown[] };
    /** Accept connections from any pod (an entry point without callers in the model). */
    readonly allowAllIngress: boolean;
    /** More ingress rules, each with its `from`. */
    readonly extraIngress: readonly unknown[];
    /** More egress rules, each with its `to` (e.g. HTTPS to an external API). */
    readonly extraEgress: readonly unknown[];
  };
  /** envFrom entries added after the ConfigMap, e.g. `{ secretRef: { name: agent-api-keys } }`. */
  readonly extraEnvFrom: readonly unknown[];
  readonly extraEnv: readonly unknown[];
  readonly imagePullSecrets: readonly unknown[];
  readonly serviceAccount: { readonly annotations: Readonly<Record<string, string>> };
  readonly podAnnotations: Readonly<Record<string, string>>;
  readonly podLabels: Readonly<Record<string, string>>;
  readonly nodeSelector: Readonly<Record<string, string>>;
  readonly tolerations: readonly unknown[];
  readonly affinity: Readonly<Record<string, unknown>>;
  readonly topologySpreadConstraints: readonly unknown[];
  readonly priorityClassName: string;
  readonly service: { readonly type: 'ClusterIP' | 'NodePort' | 'LoadBalancer' };
  /** A Gateway API HTTPRoute to the Service (off by default). */
  readonly httpRoute: {
    readonly enabled: boolean;
    readonly annotations: Readonly<Record<string, string>>;
    /** The Gateways it attaches to; at least one when enabled. */
    readonly parentRefs: readonly unknown[];
    readonly hostnames: readonly string[];
    readonly pathPrefix: string;
    /** On a stable release: send `weight` % of the route's requests to the canary release's Service. */
    readonly canary: { readonly release: string; readonly weight: number };
  };
  /** This release as a canary of `stableRelease` (off: a stable release). */
  readonly canary: {
    readonly enabled: boolean;
    readonly stableRelease: string;
    /** Replica-ratio canary: the pods join the stable release's Service. Off for a weighted HTTPRoute canary. */
    readonly joinStableService: boolean;
  };
  /** Prometheus metrics on the service port (off by default). */
  readonly metrics: {
    readonly enabled: boolean;
    readonly path: string;
    /** NetworkPolicy peers that may scrape (e.g. the monitoring namespace's Prometheus pods). */
    readonly allowFrom: readonly unknown[];
    readonly serviceMonitor: {
      readonly enabled: boolean;
      readonly interval: string;
      readonly labels: Readonly<Record<string, string>>;
    };
  };
  /** The `helm test` pod's image (mirror it for air-gapped clusters). */
  readonly testImage: string;
}

/** The `helm test` pod's default image (override it with a mirror, or pin its digest, per cluster). */
export const DEFAULT_TEST_IMAGE =
  'docker.io/curlimages/curl:8.11.1@sha256:c1fe1679c34d9784c1b0d1e5f62ac0a79fca01fb6377cdd33e90473c6f9f9a69';

/** The chart defaults, from the platform model. */
export function defaultValues(platform: Platform, service: Service): ChartValues {
  return {
    image: { repository: service.imageRepository, tag: '', digest: '', pullPolicy: 'IfNotPresent' },
    replicaCount: MIN_REPLICAS,
    autoscaling: { enabled: true, minReplicas: MIN_REPLICAS, maxReplicas: 5, targetCPUUtilizationPercentage: 70 },
    resources: resourceValues(service.resources),
    logLevel: DEFAULT_LOG_LEVEL,
    // Called services are reached through their charts' Services, named after the release (= service name by default).
    // The called services' URLs are not here: the templates build them from `dependencies`.
    config: { ...service.settings },
    nameOverride: '',
    fullnameOverride: '',
    dependencies: Object.fromEntries(service.calls.map((c) => [c, { release: c, namespace: '' }])),
    callers: Object.fromEntries(
      platform.services.filter((s) => s.calls.includes(service.name)).map((s) => [s.name, { namespace: '' }]),
    ),
    probes: PROBE_DEFAULTS,
    preStopSleepSeconds: DEFAULT_PRE_STOP_SECONDS,
    terminationGracePeriodSeconds: DEFAULT_TERMINATION_GRACE_SECONDS,
    podDisruptionBudget: { maxUnavailable: 1 },
    defaultTopologySpread: true,
    networkPolicy: {
      dns: {
        to: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
            podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
          },
        ],
        ports: [
          { protocol: 'UDP', port: 53 },
          { protocol: 'TCP', port: 53 },
        ],
      },
      allowAllIngress: !platform.services.some((s) => s.calls.includes(service.name)),
      extraIngress: [],
      extraEgress: [],
    },
    extraEnvFrom: [],
    extraEnv: [],
    imagePullSecrets: [],
    serviceAccount: { annotations: {} },
    podAnnotations: {},
    podLabels: {},
    nodeSelector: {},
    tolerations: [],
    affinity: {},
    topologySpreadConstraints: [],
    priorityClassName: '',
    service: { type: 'ClusterIP' },
    httpRoute: {
      enabled: false,
      annotations: {},
      parentRefs: [],
      hostnames: [],
      pathPrefix: '/',
      canary: { release: '', weight: 0 },
    },
    canary: { enabled: false, stableRelease: '', joinStableService: true },
    metrics: {
      enabled: false,
      path: DEFAULT_METRICS_PATH,
      allowFrom: [],
      serviceMonitor: { enabled: false, interval: '30s', labels: {} },
    },
    testImage: DEFAULT_TEST_IMAGE,
  };
}

/** A model's resources as the chart's `resources` value. */
function resourceValues(r: ResourceDefinition): ChartValues['resources'] {
  return {
    requests: { cpu: r.cpuRequest, memory: r.memoryRequest },
    limits: { memory: r.memoryLimit, ...(r.cpuLimit ? { cpu: r.cpuLimit } : {}) },
  };
}

/** The overrides of one environment's values file for a service (only what differs from the defaults). */
export function environmentValues(env: EnvironmentDefinition, service: Service): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  const resources = env.resources?.[service.name];
  if (resources) values.resources = resourceValues(resources);
  if (env.logLevel) values.logLevel = env.logLevel;
  if (env.autoscaling === false) {
    values.autoscaling = { enabled: false };
    values.replicaCount = env.replicas ?? MIN_REPLICAS;
  } else if (env.autoscaling) {
    values.autoscaling = {
      enabled: true,
      minReplicas: env.autoscaling.minReplicas,
      maxReplicas: env.autoscaling.maxReplicas,
    };
  }
  if (env.metrics) {
    values.metrics = {
      enabled: true,
      allowFrom: [
        { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': env.metrics.prometheusNamespace } } },
      ],
      serviceMonitor: { enabled: true, labels: { ...env.metrics.serviceMonitorLabels } },
    };
  }
  const gateway = env.deploy?.gateway;
  if (gateway?.services.includes(service.name)) {
    values.httpRoute = {
      enabled: true,
      parentRefs: gateway.parentRefs.map((r) => ({ ...r })),
      hostnames: [...(gateway.hostnames ?? [])],
    };
  }
  return values;
}

/** Helm's coalescing of a values file over the defaults: maps merge deeply, everything else replaces. */
export function mergeValues(base: unknown, override: unknown): unknown {
  if (
    typeof base !== 'object' ||
    base === null ||
    Array.isArray(base) ||
    typeof override !== 'object' ||
    override === null ||
    Array.isArray(override)
  ) {
    return override === undefined ? base : override;
  }
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(override)) out[k] = mergeValues(out[k], v);
  return out;
}

const QUANTITY = '^[0-9]+(\\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$';
const quantity = { type: 'string', pattern: QUANTITY };
const DNS_LABEL = NAME_PATTERNS.dnsLabel;
/** A DNS-1123 name of up to 53 characters (Helm's release name limit). */
const RELEASE_NAME = '^[a-z0-9]([-a-z0-9]{0,51}[a-z0-9])?$';

const closed = (properties: Record<string, unknown>, required: string[] = Object.keys(properties)) => ({
  type: 'object',
  additionalProperties: false,
  required,
  properties,
});
const stringMap = (description: string) => ({ type: 'object', additionalProperties: { type: 'string' }, description });
const objectList = (description: string, item: Record<string, unknown> = { type: 'object' }) => ({
  type: 'array',
  items: item,
  description,
});
const probeTiming = closed({
  periodSeconds: { type: 'integer', minimum: 1 },
  timeoutSeconds: { type: 'integer', minimum: 1 },
  failureThreshold: { type: 'integer', minimum: 1 },
});
/** A NetworkPolicy peer list that names where to: an empty `to`/`from` would open the rule to everything. */
const peers = { type: 'array', minItems: 1, items: { type: 'object', minProperties: 1 } };
const port = {
  type: 'object',
  required: ['port'],
  properties: {
    port: { anyOf: [{ type: 'integer' }, { type: 'string' }] },
    protocol: { enum: ['TCP', 'UDP', 'SCTP'] },
    endPort: { type: 'integer' },
  },
};

/**
 * values.schema.json: Helm validates values against it on install, upgrade, lint and template,
 * so a wrong type or a typo fails before anything reaches the cluster. Closed, except for the
 * keys Helm itself adds (`global`) or an umbrella chart uses (`enabled` for `condition:`).
 * Patterns avoid look-arounds (Helm's validator uses Go regular expressions).
 */
export function valuesSchema(serviceName: string, values: ChartValues): Record<string, unknown> {
  const names = (map: Readonly<Record<string, unknown>>, item: Record<string, unknown>) =>
    closed(Object.fromEntries(Object.keys(map).map((k) => [k, item])));
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: `Values of the ${serviceName} chart`,
    ...closed(
      {
        global: { type: 'object', description: 'Set by Helm for every chart of an umbrella release' },
        enabled: { type: 'boolean', description: "For an umbrella chart's condition: (not read by this chart)" },
        nameOverride: { type: 'string', pattern: `^(${DNS_LABEL.slice(1, -1)})?$` },
        fullnameOverride: { type: 'string', pattern: `^(${DNS_LABEL.slice(1, -1)})?$` },
        image: closed({
          repository: {
            type: 'string',
            pattern: '^[a-z0-9.-]+(:[0-9]+)?(/[a-z0-9._-]+)+$',
            description: 'Image repository without tag',
          },
          tag: {
            type: 'string',
            pattern: '^([A-Za-z0-9_][A-Za-z0-9._-]{0,127})?$',
            not: { const: 'latest' },
            description: 'Image tag; empty means the chart appVersion; never latest',
          },
          digest: {
            type: 'string',
            pattern: '^(sha256:[a-f0-9]{64})?$',
            description: 'Image digest; wins over the tag when set',
          },
          pullPolicy: { type: 'string', enum: ['IfNotPresent', 'Always', 'Never'] },
        }),
        imagePullSecrets: objectList(
          'Secrets for a private registry, e.g. [{name: ghcr}]',
          closed({ name: { type: 'string', pattern: DNS_LABEL } }),
        ),
        replicaCount: {
          type: 'integer',
          minimum: 1,
          description: `Replicas when autoscaling is off (≥ ${MIN_REPLICAS} for the PodDisruptionBudget), or of a canary (≥ 1)`,
        },
        autoscaling: closed({
          enabled: { type: 'boolean' },
          minReplicas: { type: 'integer', minimum: MIN_REPLICAS },
          maxReplicas: { type: 'integer', minimum: MIN_REPLICAS, maximum: MAX_REPLICAS },
          targetCPUUtilizationPercentage: { type: 'integer', minimum: 1, maximum: 100 },
        }),
        resources: closed({
          // cpu and memory, and any other resource (ephemeral-storage, hugepages-2Mi, nvidia.com/gpu …).
          requests: {
            type: 'object',
            required: ['cpu', 'memory'],
            properties: { cpu: quantity, memory: quantity },
            additionalProperties: quantity,
          },
          limits: {
            type: 'object',
            required: ['memory'],
            properties: { memory: quantity },
            additionalProperties: quantity,
          },
        }),
        logLevel: { type: 'string', enum: [...LOG_LEVELS] },
        config: {
          type: 'object',
          description: 'Settings of the service, as environment variables (never secrets: use extraEnvFrom)',
          propertyNames: { pattern: '^[A-Z_][A-Z0-9_]*$' },
          additionalProperties: { type: 'string' },
        },
        dependencies: names(
          values.dependencies,
          closed({
            release: { type: 'string', pattern: RELEASE_NAME },
            namespace: { type: 'string', pattern: `^(${DNS_LABEL.slice(1, -1)})?$` },
          }),
        ),
        callers: names(
          values.callers,
          closed({ namespace: { type: 'string', pattern: `^(${DNS_LABEL.slice(1, -1)})?$` } }),
        ),
        probes: closed({ readiness: probeTiming, liveness: probeTiming, startup: probeTiming }),
        preStopSleepSeconds: { type: 'integer', minimum: 0, maximum: 300 },
        terminationGracePeriodSeconds: { type: 'integer', minimum: 1, maximum: 3600 },
        podDisruptionBudget: closed({ maxUnavailable: { type: 'integer', minimum: 1 } }),
        defaultTopologySpread: { type: 'boolean' },
        networkPolicy: closed({
          dns: closed({ to: peers, ports: { type: 'array', minItems: 1, items: port } }),
          allowAllIngress: { type: 'boolean', description: 'Accept connections from any pod (entry points only)' },
          extraIngress: objectList('More ingress rules; each must say from where', {
            type: 'object',
            required: ['from'],
            properties: { from: peers, ports: { type: 'array', items: port } },
          }),
          extraEgress: objectList('More egress rules; each must say to where', {
            type: 'object',
            required: ['to'],
            properties: { to: peers, ports: { type: 'array', items: port } },
          }),
        }),
        extraEnvFrom: objectList('envFrom entries after the ConfigMap, e.g. [{secretRef: {name: api-keys}}]', {
          type: 'object',
          minProperties: 1,
          additionalProperties: false,
          properties: {
            secretRef: closed({ name: { type: 'string' }, optional: { type: 'boolean' } }, ['name']),
            configMapRef: closed({ name: { type: 'string' }, optional: { type: 'boolean' } }, ['name']),
            prefix: { type: 'string' },
          },
        }),
        extraEnv: objectList('env entries, e.g. a secretKeyRef', {
          type: 'object',
          required: ['name'],
          properties: { name: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' } },
        }),
        serviceAccount: closed({ annotations: stringMap('e.g. workload identity: eks.amazonaws.com/role-arn') }),
        podAnnotations: stringMap('Annotations of the pods'),
        podLabels: stringMap("Labels of the pods, besides the chart's"),
        nodeSelector: stringMap('Node labels the pods require'),
        tolerations: objectList('Tolerations of the pods'),
        affinity: { type: 'object', description: 'Affinity of the pods' },
        topologySpreadConstraints: objectList('Replaces the default zone and node spread when set'),
        priorityClassName: { type: 'string' },
        service: closed({ type: { enum: ['ClusterIP', 'NodePort', 'LoadBalancer'] } }),
        httpRoute: {
          ...closed({
            enabled: { type: 'boolean' },
            annotations: stringMap('Annotations of the HTTPRoute'),
            parentRefs: objectList(
              'Gateways the route attaches to, e.g. [{name: public, namespace: gateway}]',
              closed(
                {
                  name: { type: 'string', pattern: NAME_PATTERNS.dnsSubdomain, maxLength: DNS_SUBDOMAIN_MAX },
                  namespace: { type: 'string', pattern: DNS_LABEL },
                  sectionName: { type: 'string', pattern: NAME_PATTERNS.dnsSubdomain, maxLength: DNS_SUBDOMAIN_MAX },
                },
                ['name'],
              ),
            ),
            hostnames: {
              type: 'array',
              items: { type: 'string', pattern: NAME_PATTERNS.gatewayHostname, maxLength: DNS_SUBDOMAIN_MAX },
            },
            pathPrefix: { type: 'string', pattern: '^/' },
            canary: closed({
              release: {
                type: 'string',
                pattern: `^(${RELEASE_NAME.slice(1, -1)})?$`,
                description: 'The canary release whose Service gets `weight` % of the requests',
              },
              weight: { type: 'integer', minimum: 0, maximum: 100 },
            }),
          }),
          // A route that attaches to nothing is a silent no-op: say where when it is on.
          if: { properties: { enabled: { const: true } } },
          then: { properties: { parentRefs: { type: 'array', minItems: 1 } } },
        },
        canary: {
          ...closed({
            enabled: {
              type: 'boolean',
              description:
                'This release is a canary: no autoscaler or HTTPRoute, replicaCount pods, its own Service selects only them',
            },
            stableRelease: { type: 'string', pattern: `^(${RELEASE_NAME.slice(1, -1)})?$` },
            joinStableService: {
              type: 'boolean',
              description:
                "Replica-ratio canary: the pods also serve the stable release's Service (off for a weighted HTTPRoute canary)",
            },
          }),
          if: { properties: { enabled: { const: true } } },
          then: { properties: { stableRelease: { type: 'string', minLength: 1 } } },
        },
        metrics: closed({
          enabled: { type: 'boolean' },
          path: { type: 'string', pattern: '^/' },
          allowFrom: { ...peers, minItems: 0, description: 'Who may scrape the service port (NetworkPolicy peers)' },
          serviceMonitor: closed({
            enabled: { type: 'boolean', description: 'Needs the Prometheus Operator CRDs and metrics.enabled' },
            interval: { type: 'string', pattern: '^[0-9]+(ms|s|m|h)$' },
            labels: stringMap('Labels the Prometheus instance selects ServiceMonitors by'),
          }),
        }),
        testImage: {
          type: 'string',
          minLength: 1,
          not: { pattern: ':latest$' },
          description: 'Image of the helm test pod (with curl)',
        },
      },
      Object.keys(values),
    ),
    // A stable release keeps ≥ MIN_REPLICAS for its PodDisruptionBudget; a canary may run one pod.
    if: { properties: { canary: { type: 'object', properties: { enabled: { const: true } } } } },
    else: { properties: { replicaCount: { type: 'integer', minimum: MIN_REPLICAS } } },
  };
}
