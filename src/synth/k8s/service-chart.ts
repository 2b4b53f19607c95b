import { ApiObject, Chart, Duration, JsonPatch } from 'cdk8s';
import type { Construct } from 'constructs';
import { k8s, kplus } from './kplus';
import { ValidationError } from '../../common/errors';
import { dnsLabelProblem, portProblem } from '../model/names';
import { CONTAINER_USER_ID } from '../model/limits';

/** cdk8s resolves patch values by field type: resource quantities must be Quantity objects. */
function quantities(map: Record<string, string>): Record<string, k8s.Quantity> {
  return Object.fromEntries(Object.entries(map).map(([k, v]) => [k, k8s.Quantity.fromString(v)]));
}

/** A service this one may call (NetworkPolicy egress). */
export interface EgressTarget {
  /** `app.kubernetes.io/name` of the target's pods. */
  readonly name: string;
  readonly port: number;
}

/** Props of {@link ServiceChart}. String fields may carry Helm template tokens. */
export interface ServiceChartProps {
  /** `app.kubernetes.io/name`; also the container name. */
  readonly name: string;
  /** Object names and `app.kubernetes.io/instance` (the Helm release). */
  readonly instance: string;
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
  readonly autoscaling: { readonly minReplicas: number; readonly maxReplicas: number; readonly targetCPUUtilizationPercentage: number };
  /** @default [] */
  readonly egressTo?: readonly EgressTarget[];
  /**
   * UID/GID the container runs as (non-root).
   * @default CONTAINER_USER_ID (10001)
   */
  readonly runAsUser?: number;
  /** `app.kubernetes.io/managed-by`. @default 'Helm' */
  readonly managedBy?: string;
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
  /** Labels that select this service's pods. */
  public readonly selectorLabels: Record<string, string>;

  constructor(scope: Construct, id: string, props: ServiceChartProps) {
    super(scope, id, { disableResourceNameHashes: true });
    const problems = [dnsLabelProblem(props.name) && `name: ${dnsLabelProblem(props.name)}`, portProblem(props.port) && `port: ${portProblem(props.port)}`]
      .filter(Boolean);
    const a = props.autoscaling;
    if (!(a.minReplicas >= 2 && a.maxReplicas >= a.minReplicas)) problems.push(`autoscaling: minReplicas must be ≥ 2 and ≤ maxReplicas, got ${a.minReplicas}–${a.maxReplicas}`);
    if (problems.length > 0) throw new ValidationError(this, problems.join('; '));

    const uid = props.runAsUser ?? CONTAINER_USER_ID;
    this.selectorLabels = { 'app.kubernetes.io/name': props.name, 'app.kubernetes.io/instance': props.instance };
    const labels = { ...this.selectorLabels, 'app.kubernetes.io/version': props.version, 'app.kubernetes.io/managed-by': props.managedBy ?? 'Helm' };
    const metadata = { name: props.instance, labels };

    const serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', { metadata, automountToken: false });
    const configMap = new kplus.ConfigMap(this, 'ConfigMap', { metadata, data: { ...props.config } });
    const probe = (extra: kplus.HttpGetProbeOptions = {}) => kplus.Probe.fromHttpGet(props.healthPath, { port: props.port, ...extra });
    const deployment = new kplus.Deployment(this, 'Deployment', {
      metadata,
      select: false,
      podMetadata: { labels },
      serviceAccount,
      automountServiceAccountToken: false,
      securityContext: { ensureNonRoot: true, user: uid, group: uid, fsGroup: uid },
      containers: [{
        name: props.name,
        image: props.image,
        imagePullPolicy: (props.imagePullPolicy ?? 'IfNotPresent') as kplus.ImagePullPolicy,
        ports: [{ number: props.port, name: 'http' }],
        readiness: probe(),
        liveness: probe({ periodSeconds: Duration.seconds(10) }),
        // Loading speech models can take a while: liveness waits until startup succeeds.
        startup: probe({ periodSeconds: Duration.seconds(5), failureThreshold: 24 }),
        envFrom: [kplus.Env.fromConfigMap(configMap)],
        securityContext: { ensureNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, user: uid, group: uid },
        volumeMounts: [{ path: '/tmp', volume: kplus.Volume.fromEmptyDir(this, 'TmpVolume', 'tmp') }],
      }],
    });
    deployment.select(kplus.LabelSelector.of({ labels: this.selectorLabels }));
    const container = '/spec/template/spec/containers/0';
    ApiObject.of(deployment).addJsonPatch(
      // cdk8s-plus adds its own address label; standard selectors use the recommended labels only.
      JsonPatch.remove('/spec/template/metadata/labels/cdk8s.io~1metadata.addr'),
      // Quantities exactly as the model writes them (cdk8s-plus would normalize 1Gi to 1024Mi).
      JsonPatch.replace(`${container}/resources`, { requests: quantities(props.resources.requests), limits: quantities(props.resources.limits) }),
      JsonPatch.add(`${container}/securityContext/capabilities`, { drop: ['ALL'] }),
      JsonPatch.add(`${container}/securityContext/seccompProfile`, { type: 'RuntimeDefault' }),
      JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', { type: 'RuntimeDefault' }),
    );

    const service = new kplus.Service(this, 'Service', { metadata, ports: [{ name: 'http', port: props.port, targetPort: props.port }] });
    ApiObject.of(service).addJsonPatch(JsonPatch.add('/spec/selector', { ...this.selectorLabels }));

    new kplus.HorizontalPodAutoscaler(this, 'HorizontalPodAutoscaler', {
      metadata,
      target: deployment,
      minReplicas: a.minReplicas,
      maxReplicas: a.maxReplicas,
      metrics: [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(a.targetCPUUtilizationPercentage))],
    });

    new k8s.KubePodDisruptionBudget(this, 'PodDisruptionBudget', {
      metadata,
      spec: { minAvailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: { ...this.selectorLabels } } },
    });

    const dns: k8s.NetworkPolicyEgressRule = {
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
      ports: [{ protocol: 'UDP', port: k8s.IntOrString.fromNumber(53) }, { protocol: 'TCP', port: k8s.IntOrString.fromNumber(53) }],
    };
    new k8s.KubeNetworkPolicy(this, 'NetworkPolicy', {
      metadata,
      spec: {
        podSelector: { matchLabels: { ...this.selectorLabels } },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(props.port) }] }],
        egress: [dns, ...(props.egressTo ?? []).map((t): k8s.NetworkPolicyEgressRule => ({
          to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': t.name } } }],
          ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(t.port) }],
        }))],
      },
    });
  }
}
