import {
  closedObject,
  group,
  tableDefaults,
  tableEnvironment,
  tableRows,
  tableSchema,
  value,
  type JsonSchema,
  type ValueRow,
  type ValuesOf,
} from './values-table';
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

/** The `helm test` pod's default image (override it with a mirror, or pin its digest, per cluster). */
export const DEFAULT_TEST_IMAGE =
  'docker.io/curlimages/curl:8.11.1@sha256:c1fe1679c34d9784c1b0d1e5f62ac0a79fca01fb6377cdd33e90473c6f9f9a69';

const QUANTITY = '^[0-9]+(\\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$';
const quantity = { type: 'string', pattern: QUANTITY };
const DNS_LABEL = NAME_PATTERNS.dnsLabel;
/** A DNS label, or empty (this release's namespace, or no override). */
const OPTIONAL_DNS_LABEL = `^(${DNS_LABEL.slice(1, -1)})?$`;
/** A DNS-1123 name of up to 53 characters (Helm's release name limit). */
const RELEASE_NAME = '^[a-z0-9]([-a-z0-9]{0,51}[a-z0-9])?$';
const OPTIONAL_RELEASE_NAME = `^(${RELEASE_NAME.slice(1, -1)})?$`;

const STRING_MAP: JsonSchema = { type: 'object', additionalProperties: { type: 'string' } };
const objectList = (item: JsonSchema = { type: 'object' }): JsonSchema => ({ type: 'array', items: item });
const probeTiming = closedObject({
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
/** A map's schema: exactly the keys of its default (the model's services), each an `item`. */
const keysOf =
  (item: JsonSchema) =>
  (defaults: Readonly<Record<string, unknown>>): JsonSchema =>
    closedObject(Object.fromEntries(Object.keys(defaults).map((k) => [k, item])));
/** A switch an environment turns on when the model says so. */
const onWhen = (on: boolean): true | undefined => (on ? true : undefined);

type Resources = {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly memory: string; readonly cpu?: string };
};
type StringMap = Readonly<Record<string, string>>;
type List = readonly unknown[];

/** A model's resources as the chart's `resources` value. */
function resourceValues(r: ResourceDefinition): Resources {
  return {
    requests: { cpu: r.cpuRequest, memory: r.memoryRequest },
    limits: { memory: r.memoryLimit, ...(r.cpuLimit ? { cpu: r.cpuLimit } : {}) },
  };
}

const gatewayOf = (env: EnvironmentDefinition, service: Service) =>
  env.deploy?.gateway?.services.includes(service.name) ? env.deploy.gateway : undefined;

/**
 * Every value of a service chart, declared once: its schema, description, default from the model and
 * what each environment sets. values.yaml, the environments' values files, values.schema.json, the
 * chart's README and the templates' typed paths ({@link VALUES}) all read this table; its order is
 * values.yaml's.
 */
export const CHART_VALUES = {
  image: group({
    repository: value({
      description: 'Image repository without tag',
      schema: { type: 'string', pattern: '^[a-z0-9.-]+(:[0-9]+)?(/[a-z0-9._-]+)+$' },
      default: ({ service }) => service.imageRepository,
    }),
    tag: value({
      description: 'Image tag; empty means the chart appVersion; never latest',
      schema: { type: 'string', pattern: '^([A-Za-z0-9_][A-Za-z0-9._-]{0,127})?$', not: { const: 'latest' } },
      default: () => '',
    }),
    digest: value({
      description: 'Image digest (sha256:…); wins over the tag when set',
      schema: { type: 'string', pattern: '^(sha256:[a-f0-9]{64})?$' },
      default: () => '',
    }),
    pullPolicy: value<'IfNotPresent' | 'Always' | 'Never'>({
      description: 'When the kubelet pulls the image',
      schema: { type: 'string', enum: ['IfNotPresent', 'Always', 'Never'] },
      default: () => 'IfNotPresent',
    }),
  }),
  replicaCount: value<number>({
    description: `Replicas when autoscaling is off (≥ ${MIN_REPLICAS} for the PodDisruptionBudget), or of a canary (≥ 1)`,
    schema: { type: 'integer', minimum: 1 },
    default: () => MIN_REPLICAS,
    environment: (env) => (env.autoscaling === false ? (env.replicas ?? MIN_REPLICAS) : undefined),
  }),
  autoscaling: group({
    enabled: value<boolean>({
      description: 'A HorizontalPodAutoscaler on CPU (never on a canary)',
      schema: { type: 'boolean' },
      default: () => true,
      environment: (env) => (env.autoscaling === false ? false : env.autoscaling ? true : undefined),
    }),
    minReplicas: value<number>({
      description: 'Fewest replicas the autoscaler keeps',
      schema: { type: 'integer', minimum: MIN_REPLICAS },
      default: () => MIN_REPLICAS,
      environment: (env) => (env.autoscaling ? env.autoscaling.minReplicas : undefined),
    }),
    maxReplicas: value<number>({
      description: 'Most replicas the autoscaler starts',
      schema: { type: 'integer', minimum: MIN_REPLICAS, maximum: MAX_REPLICAS },
      default: () => 5,
      environment: (env) => (env.autoscaling ? env.autoscaling.maxReplicas : undefined),
    }),
    targetCPUUtilizationPercentage: value<number>({
      description: 'Average CPU use the autoscaler aims at',
      schema: { type: 'integer', minimum: 1, maximum: 100 },
      default: () => 70,
    }),
  }),
  resources: value<Resources>({
    description:
      "Requests and limits: the model's, per environment where it says; any resource besides cpu and memory (ephemeral-storage, GPUs) is accepted",
    schema: closedObject({
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
    default: ({ service }) => resourceValues(service.resources),
    environment: (env, service) => {
      const r = env.resources?.[service.name];
      return r ? resourceValues(r) : undefined;
    },
  }),
  logLevel: value<LogLevel>({
    description: 'LOG_LEVEL of the service',
    schema: { type: 'string', enum: [...LOG_LEVELS] },
    default: () => DEFAULT_LOG_LEVEL,
    environment: (env) => env.logLevel,
  }),
  config: value<StringMap>({
    description: 'Settings of the service, as environment variables (never secrets: use extraEnvFrom)',
    schema: {
      type: 'object',
      propertyNames: { pattern: '^[A-Z_][A-Z0-9_]*$' },
      additionalProperties: { type: 'string' },
    },
    default: ({ service }) => ({ ...service.settings }),
  }),
  nameOverride: value({
    description: 'Replaces the chart name in object names',
    schema: { type: 'string', pattern: OPTIONAL_DNS_LABEL },
    default: () => '',
  }),
  fullnameOverride: value({
    description: "Object names; default <release>-<chart>, or the release name when it holds the chart's",
    schema: { type: 'string', pattern: OPTIONAL_DNS_LABEL },
    default: () => '',
  }),
  dependencies: value<Readonly<Record<string, { readonly release: string; readonly namespace: string }>>>({
    description:
      "Where each called service is installed (its release; its namespace, empty: this release's): the <SVC>_URL setting and the egress rule follow it",
    schema: keysOf(
      closedObject({
        release: { type: 'string', pattern: RELEASE_NAME },
        namespace: { type: 'string', pattern: OPTIONAL_DNS_LABEL },
      }),
    ),
    // Reached through the called charts' Services, named after their releases (the service name by default).
    default: ({ service }) => Object.fromEntries(service.calls.map((c) => [c, { release: c, namespace: '' }])),
  }),
  callers: value<Readonly<Record<string, { readonly namespace: string }>>>({
    description: "Namespace of each calling release (empty: this release's): ingress admits only them",
    schema: keysOf(closedObject({ namespace: { type: 'string', pattern: OPTIONAL_DNS_LABEL } })),
    default: ({ platform, service }) =>
      Object.fromEntries(
        platform.services.filter((s) => s.calls.includes(service.name)).map((s) => [s.name, { namespace: '' }]),
      ),
  }),
  probes: value<{ readonly readiness: ProbeTiming; readonly liveness: ProbeTiming; readonly startup: ProbeTiming }>({
    description: 'Probe timings: liveness tolerates a CPU-saturated service answering late; readiness reacts fast',
    schema: closedObject({ readiness: probeTiming, liveness: probeTiming, startup: probeTiming }),
    default: () => PROBE_DEFAULTS,
  }),
  preStopSleepSeconds: value<number>({
    description: 'Seconds a terminating pod keeps serving before SIGTERM (endpoints drain meanwhile)',
    schema: { type: 'integer', minimum: 0, maximum: 300 },
    default: () => DEFAULT_PRE_STOP_SECONDS,
  }),
  terminationGracePeriodSeconds: value<number>({
    description: 'Seconds in-flight requests get to finish after SIGTERM',
    schema: { type: 'integer', minimum: 1, maximum: 3600 },
    default: () => DEFAULT_TERMINATION_GRACE_SECONDS,
  }),
  podDisruptionBudget: group({
    maxUnavailable: value<number>({
      description: 'Pods a voluntary disruption (node drain) may take down at once',
      schema: { type: 'integer', minimum: 1 },
      default: () => 1,
    }),
  }),
  defaultTopologySpread: value<boolean>({
    description: 'Spread replicas over zones and nodes (ScheduleAnyway) unless topologySpreadConstraints is given',
    schema: { type: 'boolean' },
    default: () => true,
  }),
  networkPolicy: group({
    dns: group({
      to: value<List>({
        description: 'Where DNS lookups may go, e.g. openshift-dns or a node-local resolver (ipBlock)',
        schema: peers,
        default: () => [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
            podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
          },
        ],
      }),
      ports: value<List>({
        description: 'The DNS ports (5353 on OpenShift)',
        schema: { type: 'array', minItems: 1, items: port },
        default: () => [
          { protocol: 'UDP', port: 53 },
          { protocol: 'TCP', port: 53 },
        ],
      }),
    }),
    allowAllIngress: value<boolean>({
      description: 'Accept connections from any pod (entry points only: a service no other service calls)',
      schema: { type: 'boolean' },
      default: ({ platform, service }) => !platform.services.some((s) => s.calls.includes(service.name)),
    }),
    extraIngress: value<List>({
      description: 'More ingress rules; each must say from where',
      schema: objectList({
        type: 'object',
        required: ['from'],
        properties: { from: peers, ports: { type: 'array', items: port } },
      }),
      default: () => [],
    }),
    extraEgress: value<List>({
      description: 'More egress rules; each must say to where (e.g. HTTPS to an external API)',
      schema: objectList({
        type: 'object',
        required: ['to'],
        properties: { to: peers, ports: { type: 'array', items: port } },
      }),
      default: () => [],
    }),
  }),
  extraEnvFrom: value<List>({
    description: 'envFrom entries after the ConfigMap, e.g. [{secretRef: {name: api-keys}}]',
    schema: objectList({
      type: 'object',
      minProperties: 1,
      additionalProperties: false,
      properties: {
        secretRef: closedObject({ name: { type: 'string' }, optional: { type: 'boolean' } }, ['name']),
        configMapRef: closedObject({ name: { type: 'string' }, optional: { type: 'boolean' } }, ['name']),
        prefix: { type: 'string' },
      },
    }),
    default: () => [],
  }),
  extraEnv: value<List>({
    description: 'env entries, e.g. a secretKeyRef',
    schema: objectList({
      type: 'object',
      required: ['name'],
      properties: { name: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' } },
    }),
    default: () => [],
  }),
  imagePullSecrets: value<List>({
    description: 'Secrets for a private registry, e.g. [{name: ghcr}]',
    schema: objectList(closedObject({ name: { type: 'string', pattern: DNS_LABEL } })),
    default: () => [],
  }),
  serviceAccount: group({
    annotations: value<StringMap>({
      description: 'Annotations of the ServiceAccount, e.g. workload identity: eks.amazonaws.com/role-arn',
      schema: STRING_MAP,
      default: () => ({}),
    }),
  }),
  podAnnotations: value<StringMap>({ description: 'Annotations of the pods', schema: STRING_MAP, default: () => ({}) }),
  podLabels: value<StringMap>({
    description: "Labels of the pods, besides the chart's",
    schema: STRING_MAP,
    default: () => ({}),
  }),
  nodeSelector: value<StringMap>({
    description: 'Node labels the pods require',
    schema: STRING_MAP,
    default: () => ({}),
  }),
  tolerations: value<List>({ description: 'Tolerations of the pods', schema: objectList(), default: () => [] }),
  affinity: value<Readonly<Record<string, unknown>>>({
    description: 'Affinity of the pods',
    schema: { type: 'object' },
    default: () => ({}),
  }),
  topologySpreadConstraints: value<List>({
    description: 'Replaces the default zone and node spread when set',
    schema: objectList(),
    default: () => [],
  }),
  priorityClassName: value({ description: 'PriorityClass of the pods', schema: { type: 'string' }, default: () => '' }),
  service: group({
    type: value<'ClusterIP' | 'NodePort' | 'LoadBalancer'>({
      description: 'Type of the Service',
      schema: { enum: ['ClusterIP', 'NodePort', 'LoadBalancer'] },
      default: () => 'ClusterIP',
    }),
  }),
  httpRoute: group(
    {
      enabled: value<boolean>({
        description:
          "A Gateway API HTTPRoute to the release's Service (where the environment's gateway routes the service)",
        schema: { type: 'boolean' },
        default: () => false,
        environment: (env, service) => onWhen(gatewayOf(env, service) !== undefined),
      }),
      annotations: value<StringMap>({
        description: 'Annotations of the HTTPRoute',
        schema: STRING_MAP,
        default: () => ({}),
      }),
      parentRefs: value<List>({
        description:
          'Gateways the route attaches to, e.g. [{name: public, namespace: gateway}]; at least one when enabled',
        schema: objectList(
          closedObject(
            {
              name: { type: 'string', pattern: NAME_PATTERNS.dnsSubdomain, maxLength: DNS_SUBDOMAIN_MAX },
              namespace: { type: 'string', pattern: DNS_LABEL },
              sectionName: { type: 'string', pattern: NAME_PATTERNS.dnsSubdomain, maxLength: DNS_SUBDOMAIN_MAX },
            },
            ['name'],
          ),
        ),
        default: () => [],
        environment: (env, service) => gatewayOf(env, service)?.parentRefs.map((r) => ({ ...r })),
      }),
      hostnames: value<readonly string[]>({
        description: 'Host names the route answers',
        schema: {
          type: 'array',
          items: { type: 'string', pattern: NAME_PATTERNS.gatewayHostname, maxLength: DNS_SUBDOMAIN_MAX },
        },
        default: () => [],
        environment: (env, service) => {
          const gateway = gatewayOf(env, service);
          return gateway ? [...(gateway.hostnames ?? [])] : undefined;
        },
      }),
      pathPrefix: value({
        description: 'Path prefix the route matches',
        schema: { type: 'string', pattern: '^/' },
        default: () => '/',
      }),
      canary: group({
        release: value({
          description: 'On a stable release: the canary release whose Service gets `weight` % of the requests',
          schema: { type: 'string', pattern: OPTIONAL_RELEASE_NAME },
          default: () => '',
        }),
        weight: value<number>({
          description: "Percent of the route's requests to the canary release",
          schema: { type: 'integer', minimum: 0, maximum: 100 },
          default: () => 0,
        }),
      }),
    },
    // A route that attaches to nothing is a silent no-op: say where when it is on.
    {
      if: { properties: { enabled: { const: true } } },
      then: { properties: { parentRefs: { type: 'array', minItems: 1 } } },
    },
  ),
  canary: group(
    {
      enabled: value<boolean>({
        description:
          'This release is a canary: no autoscaler or HTTPRoute, replicaCount pods, its own Service selects only them',
        schema: { type: 'boolean' },
        default: () => false,
      }),
      stableRelease: value({
        description: 'The stable release this canary runs beside',
        schema: { type: 'string', pattern: OPTIONAL_RELEASE_NAME },
        default: () => '',
      }),
      joinStableService: value<boolean>({
        description:
          "Replica-ratio canary: the pods also serve the stable release's Service (off for a weighted HTTPRoute canary)",
        schema: { type: 'boolean' },
        default: () => true,
      }),
    },
    {
      if: { properties: { enabled: { const: true } } },
      then: { properties: { stableRelease: { type: 'string', minLength: 1 } } },
    },
  ),
  metrics: group({
    enabled: value<boolean>({
      description: 'Prometheus metrics on the service port (where the environment has metrics)',
      schema: { type: 'boolean' },
      default: () => false,
      environment: (env) => onWhen(env.metrics !== undefined),
    }),
    path: value({
      description: 'Path of the metrics endpoint',
      schema: { type: 'string', pattern: '^/' },
      default: () => DEFAULT_METRICS_PATH,
    }),
    allowFrom: value<List>({
      description: 'Who may scrape the service port (NetworkPolicy peers), e.g. the monitoring namespace',
      schema: { ...peers, minItems: 0 },
      default: () => [],
      environment: (env) =>
        env.metrics
          ? [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': env.metrics.prometheusNamespace } } }]
          : undefined,
    }),
    serviceMonitor: group({
      enabled: value<boolean>({
        description: 'A Prometheus Operator ServiceMonitor (needs its CRDs and metrics.enabled)',
        schema: { type: 'boolean' },
        default: () => false,
        environment: (env) => onWhen(env.metrics !== undefined),
      }),
      interval: value({
        description: 'Scrape interval',
        schema: { type: 'string', pattern: '^[0-9]+(ms|s|m|h)$' },
        default: () => '30s',
      }),
      labels: value<StringMap>({
        description: 'Labels the Prometheus instance selects ServiceMonitors by',
        schema: STRING_MAP,
        default: () => ({}),
        environment: (env) => (env.metrics ? { ...env.metrics.serviceMonitorLabels } : undefined),
      }),
    }),
  }),
  testImage: value({
    description: 'Image of the helm test pod (with curl); point it at a mirror for air-gapped clusters',
    schema: { type: 'string', minLength: 1, not: { pattern: ':latest$' } },
    default: () => DEFAULT_TEST_IMAGE,
  }),
};

/** The values of a service chart: what may vary per deploy (declared by {@link CHART_VALUES}). */
export type ChartValues = ValuesOf<typeof CHART_VALUES>;

/** The chart defaults, from the platform model: values.yaml. */
export function defaultValues(platform: Platform, service: Service): ChartValues {
  return tableDefaults(CHART_VALUES, { platform, service }) as ChartValues;
}

/** The overrides of one environment's values file for a service (only what differs from the defaults). */
export function environmentValues(env: EnvironmentDefinition, service: Service): Record<string, unknown> {
  return tableEnvironment(CHART_VALUES, env, service);
}

/** Every value of a chart with its default and what each environment's file (by environment name) sets, for the chart's README. */
export function valueRows(
  defaults: ChartValues,
  environments: Readonly<Record<string, Readonly<Record<string, unknown>>>>,
): ValueRow[] {
  return tableRows(CHART_VALUES, defaults, environments);
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

/**
 * values.schema.json: Helm validates values against it on install, upgrade, lint and template,
 * so a wrong type or a typo fails before anything reaches the cluster. Closed, except for the
 * keys Helm itself adds (`global`) or an umbrella chart uses (`enabled` for `condition:`).
 * Patterns avoid look-arounds (Helm's validator uses Go regular expressions).
 */
export function valuesSchema(serviceName: string, values: ChartValues): Record<string, unknown> {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: `Values of the ${serviceName} chart`,
    ...closedObject(
      {
        global: { type: 'object', description: 'Set by Helm for every chart of an umbrella release' },
        enabled: { type: 'boolean', description: "For an umbrella chart's condition: (not read by this chart)" },
        ...tableSchema(CHART_VALUES, values),
      },
      Object.keys(CHART_VALUES),
    ),
    // A stable release keeps ≥ MIN_REPLICAS for its PodDisruptionBudget; a canary may run one pod.
    if: { properties: { canary: { type: 'object', properties: { enabled: { const: true } } } } },
    else: { properties: { replicaCount: { type: 'integer', minimum: MIN_REPLICAS } } },
  };
}
