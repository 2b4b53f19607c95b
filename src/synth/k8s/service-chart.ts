import { ApiObject, Chart, Duration, JsonPatch } from 'cdk8s';
import type { Construct } from 'constructs';
import { k8s, kplus, type K8s, type KPlus } from './kplus';
import { METRICS_POD_TARGET_LABELS } from '../../common/canary-metrics';
import { ValidationError } from '../../common/errors';
import { CONTAINER_USER_ID, SERVES_LABEL, TRACK_LABEL } from '../model/limits';
import { dnsLabelProblem, portProblem } from '../model/names';

/** cdk8s resolves patch values by field type: resource quantities must be Quantity objects. */
function quantities(map: Record<string, string>): Record<string, K8s.Quantity> {
  return Object.fromEntries(Object.entries(map).map(([k, v]) => [k, k8s.Quantity.fromString(v)]));
}

/** A service this one may call (NetworkPolicy egress). */
export interface EgressTarget {
  /** `app.kubernetes.io/name` of the target's pods. */
  readonly name: string;
  readonly port: number;
  /** Its release: the egress rule admits every pod its Service serves from (`SERVES_LABEL`), canaries included. */
  readonly instance: string;
  /** Its namespace. */
  readonly namespace: string;
}

/** A service that calls this one (NetworkPolicy ingress). */
export interface IngressSource {
  /** `app.kubernetes.io/name` of the caller's pods. */
  readonly name: string;
  readonly namespace: string;
}

/** A port DNS lookups go to. */
export interface DnsPort {
  readonly port: number | string;
  /** @default 'UDP' */
  readonly protocol?: string;
}

/** A Gateway (listener) an HTTPRoute attaches to. */
export interface HttpRouteParentRef {
  readonly name: string;
  /** @default - the route's namespace */
  readonly namespace?: string;
  /** A listener of the Gateway. @default - every listener that admits the route */
  readonly sectionName?: string;
}

/** A Gateway API HTTPRoute that sends a path prefix to the Service. */
export interface HttpRouteProps {
  readonly parentRefs: readonly HttpRouteParentRef[];
  /** @default [] (every hostname of the listener) */
  readonly hostnames?: readonly string[];
  /** @default '/' */
  readonly pathPrefix?: string;
  /**
   * A canary's Service as a second weighted backend: it gets `weight` % of the route's requests,
   * this release's Service the rest (Gateway API weights are exact per request).
   * @default - every request to this release's Service
   */
  readonly canaryBackend?: { readonly service: string; readonly weight: number };
}

/**
 * This release as a canary of a stable release of the same chart: its own Deployment (fixed
 * replicas, no autoscaler) and a Service that selects only its pods.
 */
export interface CanaryProps {
  /** The stable release it runs beside. */
  readonly stableRelease: string;
  /**
   * Replica-ratio canary: the pods join the stable release's Service (they carry its
   * `SERVES_LABEL`), so they take `canary replicas / all replicas` of its traffic. `false` for a
   * weighted HTTPRoute canary, reached only through its own Service.
   */
  readonly joinStableService: boolean;
}

/** A Prometheus Operator ServiceMonitor that scrapes the service port. */
export interface ServiceMonitorProps {
  /** e.g. `/metrics`. */
  readonly path: string;
  /** e.g. `30s`. */
  readonly interval: string;
  /** Labels the Prometheus instance selects ServiceMonitors by. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
}

/** Timing of one probe. */
export interface ProbeTimingProps {
  readonly periodSeconds: number;
  readonly timeoutSeconds: number;
  readonly failureThreshold: number;
}

/** Props of {@link ServiceChart}. String fields may carry Helm template tokens. */
export interface ServiceChartProps {
  /** `app.kubernetes.io/name`; also the container name. */
  readonly name: string;
  /** `app.kubernetes.io/instance` (the Helm release). */
  readonly instance: string;
  /** Object names. @default - the instance */
  readonly fullname?: string;
  /** Namespace the objects are installed in (peers default to it). */
  readonly namespace: string;
  /** `app.kubernetes.io/version`. */
  readonly version: string;
  /** Full image reference (a tag that is not latest, or a digest). */
  readonly image: string;
  /** @default 'IfNotPresent' */
  readonly imagePullPolicy?: string;
  readonly port: number;
  readonly healthPath: string;
  readonly resources: { readonly requests: Record<string, string>; readonly limits: Record<string, string> };
  /** Plain settings for the ConfigMap (env of the container). */
  readonly config: Readonly<Record<string, string>>;
  readonly autoscaling: {
    readonly minReplicas: number;
    readonly maxReplicas: number;
    readonly targetCPUUtilizationPercentage: number;
  };
  /** @default [] */
  readonly egressTo?: readonly EgressTarget[];
  /** Who may connect; ignored when `allowAllIngress`. @default [] */
  readonly ingressFrom?: readonly IngressSource[];
  /** Accept connections from any pod (an entry point). @default false */
  readonly allowAllIngress?: boolean;
  /** Where DNS lookups may go. */
  readonly dns: { readonly to: readonly K8s.NetworkPolicyPeer[]; readonly ports: readonly DnsPort[] };
  readonly probes: {
    readonly readiness: ProbeTimingProps;
    readonly liveness: ProbeTimingProps;
    readonly startup: ProbeTimingProps;
  };
  /** Seconds the container keeps serving after it is marked terminating. */
  readonly preStopSleepSeconds: number;
  readonly terminationGracePeriodSeconds: number;
  readonly maxUnavailable: number;
  /** Spread over zones and nodes (ScheduleAnyway). @default true */
  readonly topologySpread?: boolean;
  /**
   * UID/GID the container runs as (non-root).
   * @default CONTAINER_USER_ID (10001)
   */
  readonly runAsUser?: number;
  /** `app.kubernetes.io/managed-by`. @default 'Helm' */
  readonly managedBy?: string;
  /** Expose the Service through a Gateway. @default - no route */
  readonly httpRoute?: HttpRouteProps;
  /** Scrape the service with the Prometheus Operator. @default - no ServiceMonitor */
  readonly serviceMonitor?: ServiceMonitorProps;
  /**
   * Who may scrape the service port besides its callers (e.g. the Prometheus pods).
   * A Gateway's own pods need such a rule too unless `allowAllIngress`.
   * @default []
   */
  readonly metricsScrapers?: readonly K8s.NetworkPolicyPeer[];
  /** Fixed replicas, and no autoscaler (a canary, or autoscaling off). @default - the autoscaler sets them */
  readonly replicas?: number;
  /** Run as a canary of another release. @default - a stable release */
  readonly canary?: CanaryProps;
}

/**
 * One service's Kubernetes objects: ServiceAccount, ConfigMap, Deployment, Service,
 * HorizontalPodAutoscaler (autoscaling/v2), PodDisruptionBudget and a default-deny
 * NetworkPolicy. Secure by default: Pod Security Standards "restricted" (non-root, read-only
 * root filesystem with an emptyDir at /tmp, no privilege escalation, seccomp RuntimeDefault and
 * all capabilities dropped — the last two added here, cdk8s-plus-28 lacks them), no service
 * account token, probes on the service port.
 */
export class ServiceChart extends Chart {
  /** Pods with these labels in one namespace (by its immutable name label). */
  public static peerOf(labels: Record<string, string>, namespace: string): K8s.NetworkPolicyPeer {
    return {
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
      podSelector: { matchLabels: labels },
    };
  }

  /** Replicas spread over zones, then nodes; never blocking scheduling. */
  public static spreadOf(selectorLabels: Record<string, string>): K8s.TopologySpreadConstraint[] {
    return ['topology.kubernetes.io/zone', 'kubernetes.io/hostname'].map((topologyKey) => ({
      maxSkew: 1,
      topologyKey,
      whenUnsatisfiable: 'ScheduleAnyway',
      labelSelector: { matchLabels: { ...selectorLabels } },
    }));
  }

  /** Labels that select this release's pods (Deployment, PodDisruptionBudget, NetworkPolicy). */
  public readonly selectorLabels: Record<string, string>;
  /** Labels the Service selects pods by. */
  public readonly serviceSelector: Record<string, string>;

  constructor(scope: Construct, id: string, props: ServiceChartProps) {
    super(scope, id, { disableResourceNameHashes: true });
    const problems = [
      dnsLabelProblem(props.name) && `name: ${dnsLabelProblem(props.name)}`,
      portProblem(props.port) && `port: ${portProblem(props.port)}`,
    ].filter(Boolean);
    const a = props.autoscaling;
    if (!(a.minReplicas >= 2 && a.maxReplicas >= a.minReplicas)) {
      problems.push(`autoscaling: minReplicas must be ≥ 2 and ≤ maxReplicas, got ${a.minReplicas}–${a.maxReplicas}`);
    }
    if (problems.length > 0) throw new ValidationError(this, problems.join('; '));

    const uid = props.runAsUser ?? CONTAINER_USER_ID;
    this.selectorLabels = { 'app.kubernetes.io/name': props.name, 'app.kubernetes.io/instance': props.instance };
    const labels = {
      ...this.selectorLabels,
      'app.kubernetes.io/version': props.version,
      'app.kubernetes.io/managed-by': props.managedBy ?? 'Helm',
    };
    const metadata = { name: props.fullname ?? props.instance, labels };
    const canary = props.canary;
    const servesLabels = {
      'app.kubernetes.io/name': props.name,
      [SERVES_LABEL]: canary?.joinStableService ? canary.stableRelease : props.instance,
    };
    const podLabels = {
      ...labels,
      [SERVES_LABEL]: servesLabels[SERVES_LABEL]!,
      [TRACK_LABEL]: canary ? 'canary' : 'stable',
    };
    /** A stable Service takes every pod that serves its release; a canary's own Service only the canary's pods. */
    this.serviceSelector = canary
      ? { ...this.selectorLabels }
      : { 'app.kubernetes.io/name': props.name, [SERVES_LABEL]: props.instance };

    const serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', { metadata, automountToken: false });
    const configMap = new kplus.ConfigMap(this, 'ConfigMap', { metadata, data: { ...props.config } });
    const probe = (t: ProbeTimingProps) =>
      kplus.Probe.fromHttpGet(props.healthPath, {
        port: props.port,
        periodSeconds: Duration.seconds(t.periodSeconds),
        timeoutSeconds: Duration.seconds(t.timeoutSeconds),
        failureThreshold: t.failureThreshold,
      });
    const deployment = new kplus.Deployment(this, 'Deployment', {
      metadata,
      select: false,
      replicas: props.replicas,
      podMetadata: { labels: podLabels },
      serviceAccount,
      automountServiceAccountToken: false,
      securityContext: { ensureNonRoot: true, user: uid, group: uid, fsGroup: uid },
      terminationGracePeriod: Duration.seconds(props.terminationGracePeriodSeconds),
      containers: [
        {
          name: props.name,
          image: props.image,
          imagePullPolicy: (props.imagePullPolicy ?? 'IfNotPresent') as KPlus.ImagePullPolicy,
          ports: [{ number: props.port, name: 'http' }],
          readiness: probe(props.probes.readiness),
          liveness: probe(props.probes.liveness),
          // Loading speech models can take a while: liveness waits until startup succeeds.
          startup: probe(props.probes.startup),
          // Keep serving while the endpoint is removed from every Service, so rollouts and scale-downs
          // do not cut calls already routed here.
          lifecycle: { preStop: kplus.Handler.fromCommand(['sleep', String(props.preStopSleepSeconds)]) },
          envFrom: [kplus.Env.fromConfigMap(configMap)],
          securityContext: {
            ensureNonRoot: true,
            readOnlyRootFilesystem: true,
            allowPrivilegeEscalation: false,
            user: uid,
            group: uid,
          },
          volumeMounts: [{ path: '/tmp', volume: kplus.Volume.fromEmptyDir(this, 'TmpVolume', 'tmp') }],
        },
      ],
    });
    deployment.select(kplus.LabelSelector.of({ labels: this.selectorLabels }));
    const container = '/spec/template/spec/containers/0';
    ApiObject.of(deployment).addJsonPatch(
      // cdk8s-plus adds its own address label; standard selectors use the recommended labels only.
      JsonPatch.remove('/spec/template/metadata/labels/cdk8s.io~1metadata.addr'),
      // Quantities exactly as the model writes them (cdk8s-plus would normalize 1Gi to 1024Mi).
      JsonPatch.replace(`${container}/resources`, {
        requests: quantities(props.resources.requests),
        limits: quantities(props.resources.limits),
      }),
      JsonPatch.add(`${container}/securityContext/capabilities`, { drop: ['ALL'] }),
      JsonPatch.add(`${container}/securityContext/seccompProfile`, { type: 'RuntimeDefault' }),
      JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', { type: 'RuntimeDefault' }),
      ...((props.topologySpread ?? true)
        ? [JsonPatch.add('/spec/template/spec/topologySpreadConstraints', ServiceChart.spreadOf(this.selectorLabels))]
        : []),
    );

    const service = new kplus.Service(this, 'Service', {
      metadata,
      ports: [{ name: 'http', port: props.port, targetPort: props.port }],
    });
    ApiObject.of(service).addJsonPatch(JsonPatch.add('/spec/selector', { ...this.serviceSelector }));

    // A fixed size (a canary's is the rollout's to set, stage by stage) leaves no room for an autoscaler.
    if (props.replicas === undefined) {
      new kplus.HorizontalPodAutoscaler(this, 'HorizontalPodAutoscaler', {
        metadata,
        target: deployment,
        minReplicas: a.minReplicas,
        maxReplicas: a.maxReplicas,
        metrics: [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(a.targetCPUUtilizationPercentage))],
      });
    }

    new k8s.KubePodDisruptionBudget(this, 'PodDisruptionBudget', {
      metadata,
      spec: {
        maxUnavailable: k8s.IntOrString.fromNumber(props.maxUnavailable),
        selector: { matchLabels: { ...this.selectorLabels } },
      },
    });

    const servicePort = [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(props.port) }];
    const ingress: K8s.NetworkPolicyIngressRule[] = props.allowAllIngress
      ? [{ ports: servicePort }]
      : [
          ...((props.ingressFrom ?? []).length > 0
            ? [
                {
                  from: props.ingressFrom!.map((c) =>
                    ServiceChart.peerOf({ 'app.kubernetes.io/name': c.name }, c.namespace),
                  ),
                  ports: servicePort,
                },
              ]
            : []),
          ...((props.metricsScrapers ?? []).length > 0
            ? [{ from: [...props.metricsScrapers!], ports: servicePort }]
            : []),
        ];
    new k8s.KubeNetworkPolicy(this, 'NetworkPolicy', {
      metadata,
      spec: {
        podSelector: { matchLabels: { ...this.selectorLabels } },
        policyTypes: ['Ingress', 'Egress'],
        ingress,
        egress: [
          {
            to: [...props.dns.to],
            ports: props.dns.ports.map((p) => ({
              protocol: p.protocol ?? 'UDP',
              port:
                typeof p.port === 'number' ? k8s.IntOrString.fromNumber(p.port) : k8s.IntOrString.fromString(p.port),
            })),
          },
          ...(props.egressTo ?? []).map((t): K8s.NetworkPolicyEgressRule => ({
            to: [ServiceChart.peerOf({ 'app.kubernetes.io/name': t.name, [SERVES_LABEL]: t.instance }, t.namespace)],
            ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(t.port) }],
          })),
        ],
      },
    });
    if (props.httpRoute && !canary) this.addHttpRoute(metadata, props.httpRoute, props.port);
    if (props.serviceMonitor) this.addServiceMonitor(metadata, props.serviceMonitor);
  }

  private addHttpRoute(
    metadata: { name: string; labels: Record<string, string> },
    route: HttpRouteProps,
    port: number,
  ): void {
    new ApiObject(this, 'HTTPRoute', {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata,
      spec: {
        parentRefs: route.parentRefs.map((r) => ({ ...r })),
        hostnames: [...(route.hostnames ?? [])],
        rules: [
          {
            matches: [{ path: { type: 'PathPrefix', value: route.pathPrefix ?? '/' } }],
            backendRefs: route.canaryBackend
              ? [
                  { name: metadata.name, port, weight: 100 - route.canaryBackend.weight },
                  { name: route.canaryBackend.service, port, weight: route.canaryBackend.weight },
                ]
              : [{ name: metadata.name, port }],
          },
        ],
      },
    });
  }

  private addServiceMonitor(
    metadata: { name: string; labels: Record<string, string> },
    monitor: ServiceMonitorProps,
  ): void {
    new ApiObject(this, 'ServiceMonitor', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { ...metadata, labels: { ...metadata.labels, ...monitor.labels } },
      spec: {
        selector: { matchLabels: { ...this.selectorLabels } },
        endpoints: [{ port: 'http', path: monitor.path, interval: monitor.interval }],
        // Every series carries its pod's track and service: the canary analysis compares the tracks.
        podTargetLabels: [...METRICS_POD_TARGET_LABELS],
      },
    });
  }
}
