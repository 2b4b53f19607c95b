import type { Finding } from '../../../common/errors';
import { MIN_REPLICAS, TRACK_LABEL } from '../../model/limits';
import { imageReferenceProblem } from '../../model/names';
import type { PolicyRule } from '../policy';

/** A Kubernetes object as rendered (loosely typed: the rules also run on hand-broken input). */
export type K8sObject = {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: any;
};

const RECOMMENDED_LABELS = [
  'app.kubernetes.io/name',
  'app.kubernetes.io/instance',
  'app.kubernetes.io/version',
  'app.kubernetes.io/managed-by',
];
const ALLOWED_VOLUMES = new Set([
  'configMap',
  'secret',
  'emptyDir',
  'projected',
  'downwardAPI',
  'csi',
  'persistentVolumeClaim',
  'ephemeral',
]);

const where = (o: K8sObject) => `${o.kind}/${o.metadata?.name}`;

function matches(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

function podsOf(objects: K8sObject[]): { owner: K8sObject; spec: any; labels: Record<string, string> | undefined }[] {
  return objects.flatMap((o) => {
    if (o.kind === 'Deployment') {
      return [{ owner: o, spec: o.spec?.template?.spec, labels: o.spec?.template?.metadata?.labels }];
    }
    if (o.kind === 'Pod') return [{ owner: o, spec: o.spec, labels: o.metadata?.labels }];
    return [];
  });
}

/** Pod Security Standards "restricted" and the container rules of security-standards.md. */
function podFindings(owner: K8sObject, spec: any): string[] {
  const out: string[] = [];
  if (!spec) return ['has no pod spec'];
  for (const key of ['hostNetwork', 'hostPID', 'hostIPC']) if (spec[key] === true) out.push(`${key} must not be true`);
  if (spec.automountServiceAccountToken !== false) out.push('automountServiceAccountToken must be false');
  for (const v of spec.volumes ?? []) {
    const type = Object.keys(v).find((k) => k !== 'name');
    if (!type || !ALLOWED_VOLUMES.has(type)) {
      out.push(`volume "${v.name}" of type ${type} is not allowed under restricted`);
    }
  }
  const pod = spec.securityContext ?? {};
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    const sc = c.securityContext ?? {};
    const at = `container "${c.name}"`;
    if (sc.allowPrivilegeEscalation !== false) out.push(`${at}: allowPrivilegeEscalation must be false`);
    if ((sc.runAsNonRoot ?? pod.runAsNonRoot) !== true) out.push(`${at}: runAsNonRoot must be true`);
    if ((sc.runAsUser ?? pod.runAsUser) === 0) out.push(`${at}: runAsUser must not be 0`);
    if ((sc.seccompProfile?.type ?? pod.seccompProfile?.type) !== 'RuntimeDefault') {
      out.push(`${at}: seccompProfile.type must be RuntimeDefault`);
    }
    const drop: string[] = sc.capabilities?.drop ?? [];
    if (!drop.includes('ALL')) out.push(`${at}: capabilities.drop must include ALL`);
    for (const cap of sc.capabilities?.add ?? []) {
      if (cap !== 'NET_BIND_SERVICE') out.push(`${at}: capability ${cap} may not be added`);
    }
    if (sc.readOnlyRootFilesystem !== true) out.push(`${at}: readOnlyRootFilesystem must be true`);
    if (sc.privileged === true) out.push(`${at}: must not be privileged`);
    for (const p of c.ports ?? []) {
      if (p.hostPort !== undefined) out.push(`${at}: hostPort ${p.hostPort} is not allowed`);
    }
    const image = typeof c.image === 'string' ? imageReferenceProblem(c.image) : 'has no image';
    if (image) out.push(`${at}: ${image}`);
    const r = c.resources ?? {};
    if (!r.requests?.cpu || !r.requests?.memory) out.push(`${at}: needs CPU and memory requests`);
    if (!r.limits?.memory) out.push(`${at}: needs a memory limit`);
    if (owner.kind === 'Deployment') {
      const ports = new Set<unknown>((c.ports ?? []).flatMap((p: any) => [p.containerPort, p.name]));
      for (const probe of ['readinessProbe', 'livenessProbe']) {
        const port = c[probe]?.httpGet?.port ?? c[probe]?.tcpSocket?.port ?? c[probe]?.grpc?.port;
        if (!c[probe]) {
          out.push(`${at}: needs a ${probe}`);
        } else if (port !== undefined && !ports.has(port)) {
          out.push(`${at}: ${probe} targets port ${port}, which the container does not declare`);
        }
      }
    }
  }
  return out;
}

/**
 * Checks rendered objects against Pod Security Standards "restricted" and the workload rules of
 * security-standards.md: container security, resources, probes, images, recommended labels,
 * availability (replicas ≥ 2 or an HPA, a PDB, a NetworkPolicy), and that Services, HPAs and
 * PDBs point at pods and ports that exist.
 */
export function workloadFindings(objects: readonly K8sObject[]): Finding[] {
  const list = [...objects];
  const findings: Finding[] = [];
  const add = (o: K8sObject, message: string) => findings.push({ location: where(o), message, code: 'k8s:workload' });
  const pods = podsOf(list);

  for (const o of list) {
    const missing = RECOMMENDED_LABELS.filter((l) => !o.metadata?.labels?.[l]);
    if (missing.length > 0) add(o, `missing recommended labels ${missing.join(', ')}`);
  }
  for (const { owner, spec } of pods) for (const m of podFindings(owner, spec)) add(owner, m);

  for (const d of list.filter((o) => o.kind === 'Deployment')) {
    const labels = d.spec?.template?.metadata?.labels;
    const name = d.metadata?.name;
    if (!matches(d.spec?.selector?.matchLabels, labels)) add(d, 'spec.selector does not match the pod template labels');
    const hpa = list.find(
      (o) =>
        o.kind === 'HorizontalPodAutoscaler' &&
        o.spec?.scaleTargetRef?.kind === 'Deployment' &&
        o.spec?.scaleTargetRef?.name === name,
    );
    // A canary runs beside its stable release, which carries the availability: one pod is enough.
    const canary = labels?.[TRACK_LABEL] === 'canary';
    if (!hpa && !canary && !((d.spec?.replicas ?? 1) >= MIN_REPLICAS)) {
      add(
        d,
        `needs replicas ≥ ${MIN_REPLICAS} or a HorizontalPodAutoscaler, has ${d.spec?.replicas ?? 1} replica(s) and none`,
      );
    }
    if (!list.some((o) => o.kind === 'PodDisruptionBudget' && matches(o.spec?.selector?.matchLabels, labels))) {
      add(d, 'no PodDisruptionBudget selects its pods');
    }
    const np = list.find((o) => o.kind === 'NetworkPolicy' && matches(o.spec?.podSelector?.matchLabels, labels));
    if (!np) {
      add(d, 'no NetworkPolicy selects its pods');
    } else if (!['Ingress', 'Egress'].every((t) => (np.spec?.policyTypes ?? []).includes(t))) {
      add(np, 'policyTypes must include Ingress and Egress');
    }
    const sa = d.spec?.template?.spec?.serviceAccountName;
    if (!sa || !list.some((o) => o.kind === 'ServiceAccount' && o.metadata?.name === sa)) {
      add(d, `needs its own ServiceAccount, serviceAccountName is ${JSON.stringify(sa)}`);
    }
  }

  for (const s of list.filter((o) => o.kind === 'Service')) {
    const targets = pods.filter((p) => p.owner.kind === 'Deployment' && matches(s.spec?.selector, p.labels));
    if (targets.length === 0) {
      add(s, `selector ${JSON.stringify(s.spec?.selector)} selects no pods`);
      continue;
    }
    for (const port of s.spec?.ports ?? []) {
      const target = port.targetPort ?? port.port;
      const declared = targets.some((p) =>
        (p.spec?.containers ?? []).some((c: any) =>
          (c.ports ?? []).some((cp: any) => cp.containerPort === target || cp.name === target),
        ),
      );
      if (!declared) add(s, `port ${port.port} targets ${target}, which no selected container declares`);
    }
  }
  for (const h of list.filter((o) => o.kind === 'HorizontalPodAutoscaler')) {
    const ref = h.spec?.scaleTargetRef ?? {};
    if (!list.some((o) => o.kind === ref.kind && o.metadata?.name === ref.name)) {
      add(h, `scaleTargetRef ${ref.kind}/${ref.name} does not exist`);
    }
    if (!(h.spec?.minReplicas >= MIN_REPLICAS) || !(h.spec?.maxReplicas >= h.spec?.minReplicas)) {
      add(h, `needs ${MIN_REPLICAS} ≤ minReplicas ≤ maxReplicas, got ${h.spec?.minReplicas}–${h.spec?.maxReplicas}`);
    }
  }
  for (const p of list.filter((o) => o.kind === 'PodDisruptionBudget')) {
    if (!pods.some((pod) => pod.owner.kind === 'Deployment' && matches(p.spec?.selector?.matchLabels, pod.labels))) {
      add(p, 'selector matches no workload');
    }
  }
  return findings;
}

/**
 * The workload rules as policy: every chart's objects, rendered with each of its values files,
 * are checked at synthesis like the workflows, before any file is written.
 */
export const workloadsRule: PolicyRule = {
  code: 'pipelines:restricted-workloads',
  description:
    'chart objects meet Pod Security Standards "restricted" and the workload rules (resources, probes, labels, replicas, PDB, NetworkPolicy, Services and HPAs that point at real pods and ports), with every values file',
  check(target) {
    if (target.kind !== 'manifests') return [];
    return Object.entries(target.objectsByValues).flatMap(([values, objects]) =>
      workloadFindings(objects).map((f) => ({
        location: target.constructPath,
        message: `${values}: ${f.location}: ${f.message}`,
      })),
    );
  },
};
