import { App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { chartReadme } from './chart-readme';
import { helpersTemplate, TemplateTokens } from './templates';
import { defaultValues, environmentValues, mergeValues, valueRows, valuesSchema, type ChartValues } from './values';
import { VALUES } from './values-ref';
import { setPath } from '../../../common/object-path';
import { KUBERNETES_MINIMUM, SERVES_LABEL, TRACK_LABEL } from '../../model/limits';
import { nameFor, testPodName } from '../../model/naming';
import { urlSettingOf, type Platform, type Service } from '../../model/platform';
import { markGeneratedFile, type IGeneratedFile, type RenderedFile } from '../../output/generated-file';
import { toYaml } from '../../output/yaml';
import type { PolicyTarget } from '../../policy/policy';
import { k8s, type K8s } from '../kplus';
import { ServiceChart, type HttpRouteParentRef, type ServiceChartProps } from '../service-chart';

/** One file of a chart folder. */
class ChartFile extends Construct implements IGeneratedFile {
  constructor(
    scope: Construct,
    id: string,
    public readonly filePath: string,
    private readonly format: RenderedFile['format'],
    private readonly text: string,
    private readonly policyTarget?: () => PolicyTarget,
  ) {
    super(scope, id);
    markGeneratedFile(this);
  }

  public render(): RenderedFile {
    return {
      filePath: this.filePath,
      format: this.format,
      text: this.text,
      reviewed: true,
      constructPath: this.node.path,
      policyTarget: this.policyTarget?.(),
    };
  }
}

/** Props of {@link HelmChart}. */
export interface HelmChartProps {
  readonly platform: Platform;
  readonly service: Service;
  /** @default 'charts' */
  readonly directory?: string;
}

const FILE_OF_KIND: Record<string, string> = {
  ServiceAccount: 'serviceaccount.yaml',
  ConfigMap: 'configmap.yaml',
  Deployment: 'deployment.yaml',
  Service: 'service.yaml',
  HorizontalPodAutoscaler: 'hpa.yaml',
  PodDisruptionBudget: 'pdb.yaml',
  NetworkPolicy: 'networkpolicy.yaml',
  HTTPRoute: 'httproute.yaml',
  ServiceMonitor: 'servicemonitor.yaml',
};

/** The objects a values switch turns on. */
const CONDITION_OF_KIND: Record<string, string> = {
  // A canary's size is set by the rollout, stage by stage; its traffic comes from the stable release's route.
  HorizontalPodAutoscaler: `and ${VALUES.autoscaling.enabled.$} (not ${VALUES.canary.enabled.$})`,
  HTTPRoute: `and ${VALUES.httpRoute.enabled.$} (not ${VALUES.canary.enabled.$})`,
  // A replica-ratio canary's pods are scraped through the stable Service they join: a monitor of
  // their own would count every request twice.
  ServiceMonitor: `and ${VALUES.metrics.enabled.$} ${VALUES.metrics.serviceMonitor.enabled.$} (not (and ${VALUES.canary.enabled.$} ${VALUES.canary.joinStableService.$}))`,
};

/**
 * A Helm chart for one service, generated into `charts/<service>/`: Chart.yaml, values.yaml with
 * the model's defaults, values.schema.json, one values file per environment, one template per
 * object of the {@link ServiceChart}, a `helm test` pod and NOTES.txt. The templates come from
 * the same cdk8s constructs as the manifests, with the values bound as template actions.
 */
export class HelmChart extends Construct {
  /** The values file of an environment, in the chart folder: `values-<environment>.yaml`. */
  public static valuesFileOf(environment: string): string {
    return `values-${environment}.yaml`;
  }

  public readonly directory: string;
  /** The service (and default release) name. */
  public readonly serviceName: string;
  public readonly values: ChartValues;
  /** The values files of the chart folder, defaults first. */
  public readonly valuesFiles: readonly string[];
  /** Each environment's values file, by environment name. */
  public readonly environmentValuesFiles: ReadonlyMap<string, string>;

  constructor(scope: Construct, id: string, props: HelmChartProps) {
    super(scope, id);
    const { platform, service } = props;
    this.serviceName = service.name;
    this.directory = `${props.directory ?? 'charts'}/${service.name}`;
    this.values = defaultValues(platform, service);
    // What each environment's values file sets, by environment name: computed once for the files, the policy and the README.
    const overrides = Object.fromEntries(
      platform.environments.map((env) => [env.name, environmentValues(env, service)]),
    );
    const file = (
      fid: string,
      path: string,
      format: RenderedFile['format'],
      text: string,
      policyTarget?: () => PolicyTarget,
    ) => new ChartFile(this, fid, `${this.directory}/${path}`, format, text, policyTarget);
    // The objects the chart installs, rendered by cdk8s with each values file, for the workload policy.
    const manifests = (): PolicyTarget => ({
      kind: 'manifests',
      filePath: this.directory,
      constructPath: this.node.path,
      objectsByValues: Object.fromEntries(
        [
          ['values.yaml', this.values] as const,
          ...platform.environments.map(
            (env) =>
              [HelmChart.valuesFileOf(env.name), mergeValues(this.values, overrides[env.name]) as ChartValues] as const,
          ),
        ].map(([name, values]) => [
          name,
          [
            ...new ServiceChart(new App(), service.name, serviceChartProps(platform, service, values)).toJson(),
            testPodManifest(service, {
              fullname: service.name,
              release: service.name,
              version: platform.version,
              managedBy: 'Helm',
              image: values.testImage,
            }),
          ],
        ]),
      ),
    });

    file(
      'ChartYaml',
      'Chart.yaml',
      'yaml',
      toYaml({
        apiVersion: 'v2',
        name: service.name,
        description: `The ${service.name} service of the voice platform.`,
        type: 'application',
        // The chart's own version: a template fix ships without a new app version.
        version: platform.chartVersion,
        appVersion: platform.version,
        kubeVersion: `>=${KUBERNETES_MINIMUM}.0-0`,
      }),
      manifests,
    );
    file('Values', 'values.yaml', 'yaml', toYaml(this.values));
    this.environmentValuesFiles = new Map(
      platform.environments.map((env) => [env.name, `${this.directory}/${HelmChart.valuesFileOf(env.name)}`]),
    );
    this.valuesFiles = ['values.yaml', ...platform.environments.map((env) => HelmChart.valuesFileOf(env.name))];
    file(
      'ValuesSchema',
      'values.schema.json',
      'json',
      `${JSON.stringify(valuesSchema(service.name, this.values), null, 2)}\n`,
    );
    for (const env of platform.environments) {
      file(`Values-${env.name}`, HelmChart.valuesFileOf(env.name), 'yaml', toYaml(overrides[env.name]));
    }

    const tokens = new TemplateTokens();
    const names = chartNames(tokens, service.name);
    for (const manifest of templateManifests(platform, service, this.values, tokens, names)) {
      const kind = String(manifest.kind);
      file(
        `Template-${kind}`,
        `templates/${FILE_OF_KIND[kind]}`,
        'yaml',
        tokens.render(manifest, { onlyIf: CONDITION_OF_KIND[kind] }),
      );
    }
    file('Helpers', 'templates/_helpers.tpl', 'gotemplate', helpersTemplate(service.name));
    file(
      'Readme',
      'README.md',
      'markdown',
      chartReadme(service, Object.keys(overrides), valueRows(this.values, overrides), HelmChart.valuesFileOf),
    );
    file(
      'TestConnection',
      'templates/tests/test-connection.yaml',
      'yaml',
      tokens.render(
        testPodManifest(service, {
          fullname: names.fullname,
          release: names.release,
          version: names.appVersion,
          managedBy: names.managedBy,
          image: tokens.quoted(VALUES.testImage.$),
        }),
      ),
    );
    file(
      'Notes',
      'templates/NOTES.txt',
      'gotemplate',
      [
        `{{ .Release.Name }} ({{ .Chart.Name }} {{ .Chart.AppVersion }}) is installed in namespace {{ .Release.Namespace }}.`,
        '',
        `In the cluster: http://{{ include "${service.name}.fullname" . }}.{{ .Release.Namespace }}.svc:${service.port} (health: ${service.healthPath})`,
        `Check it: helm test {{ .Release.Name }} --namespace {{ .Release.Namespace }}`,
        '',
      ].join('\n'),
    );
  }
}

/** The chart-wide template tokens: names and labels. */
interface ChartNames {
  readonly fullname: string;
  readonly release: string;
  readonly namespace: string;
  readonly appVersion: string;
  readonly managedBy: string;
}

function chartNames(tokens: TemplateTokens, chart: string): ChartNames {
  return {
    fullname: tokens.quoted(`include "${chart}.fullname" .`),
    release: tokens.quoted('.Release.Name'),
    namespace: tokens.quoted('.Release.Namespace'),
    appVersion: tokens.quoted('.Chart.AppVersion'),
    managedBy: tokens.quoted('.Release.Service'),
  };
}

/**
 * The props of a service's chart with real values: what the workload policy checks at synthesis
 * and what Helm renders for a release named after the service in `namespace`.
 */
export function serviceChartProps(
  platform: Platform,
  service: Service,
  values: ChartValues,
  namespace = 'default',
): ServiceChartProps {
  const version = platform.version;
  return {
    name: service.name,
    instance: service.name,
    namespace,
    version,
    managedBy: 'Helm',
    image: values.image.digest
      ? `${values.image.repository}@${values.image.digest}`
      : `${values.image.repository}:${values.image.tag || version}`,
    imagePullPolicy: values.image.pullPolicy,
    port: service.port,
    healthPath: service.healthPath,
    resources: values.resources,
    config: {
      LOG_LEVEL: values.logLevel,
      ...Object.fromEntries(
        service.calls.map((c) => {
          const dep = values.dependencies[c]!;
          return [
            urlSettingOf(c),
            `http://${dep.release}.${dep.namespace || namespace}.svc:${platform.service(c).port}`,
          ];
        }),
      ),
      ...values.config,
    },
    autoscaling: values.autoscaling,
    egressTo: service.calls.map((c) => ({
      name: c,
      port: platform.service(c).port,
      instance: values.dependencies[c]!.release,
      namespace: values.dependencies[c]!.namespace || namespace,
    })),
    ingressFrom: Object.entries(values.callers).map(([name, c]) => ({ name, namespace: c.namespace || namespace })),
    allowAllIngress: values.networkPolicy.allowAllIngress,
    dns: values.networkPolicy.dns as ServiceChartProps['dns'],
    probes: values.probes,
    preStopSleepSeconds: values.preStopSleepSeconds,
    terminationGracePeriodSeconds: values.terminationGracePeriodSeconds,
    maxUnavailable: values.podDisruptionBudget.maxUnavailable,
    topologySpread: values.defaultTopologySpread,
    httpRoute: values.httpRoute.enabled
      ? {
          parentRefs: values.httpRoute.parentRefs as HttpRouteParentRef[],
          hostnames: values.httpRoute.hostnames,
          pathPrefix: values.httpRoute.pathPrefix,
          canaryBackend:
            values.httpRoute.canary.release && values.httpRoute.canary.weight > 0
              ? {
                  service: nameFor(values.httpRoute.canary.release, service.name),
                  weight: values.httpRoute.canary.weight,
                }
              : undefined,
        }
      : undefined,
    replicas: values.canary.enabled || !values.autoscaling.enabled ? values.replicaCount : undefined,
    canary: values.canary.enabled
      ? { stableRelease: values.canary.stableRelease, joinStableService: values.canary.joinStableService }
      : undefined,
    serviceMonitor:
      values.metrics.enabled && values.metrics.serviceMonitor.enabled
        ? {
            path: values.metrics.path,
            interval: values.metrics.serviceMonitor.interval,
            labels: values.metrics.serviceMonitor.labels,
          }
        : undefined,
    metricsScrapers: values.metrics.allowFrom as K8s.NetworkPolicyPeer[],
  };
}

/**
 * The service's manifests as templates: cdk8s renders them with the default values, then every
 * field a values file may change is replaced by its token.
 */
function templateManifests(
  platform: Platform,
  service: Service,
  values: ChartValues,
  t: TemplateTokens,
  n: ChartNames,
): Record<string, any>[] {
  const base = serviceChartProps(platform, service, values);
  const dependencyNamespace = (c: string) => `${VALUES.dependencies[c]!.namespace.$} | default .Release.Namespace`;
  const props: ServiceChartProps = {
    ...base,
    instance: n.release,
    fullname: n.fullname,
    version: n.appVersion,
    managedBy: n.managedBy,
    image: t.literal(
      `"{{ ${VALUES.image.repository.$} }}{{ if ${VALUES.image.digest.$} }}@{{ ${VALUES.image.digest.$} }}{{ else }}:{{ ${VALUES.image.tag.$} | default .Chart.AppVersion }}{{ end }}"`,
    ),
    imagePullPolicy: t.quoted(VALUES.image.pullPolicy.$),
    config: {
      LOG_LEVEL: t.quoted(VALUES.logLevel.$),
      ...Object.fromEntries(
        service.calls.map((c) => [
          urlSettingOf(c),
          t.quoted(
            `printf "http://%s.%s.svc:%d" (include "${service.name}.nameFor" (dict "release" ${VALUES.dependencies[c]!.release.$} "chart" "${c}")) (${dependencyNamespace(c)}) ${platform.service(c).port}`,
          ),
        ]),
      ),
      [t.items(VALUES.config.$)]: '',
    },
    egressTo: service.calls.map((c) => ({
      name: c,
      port: platform.service(c).port,
      instance: t.quoted(VALUES.dependencies[c]!.release.$),
      namespace: t.quoted(dependencyNamespace(c)),
    })),
    ingressFrom: Object.keys(values.callers).map((c) => ({
      name: c,
      namespace: t.quoted(`${VALUES.callers[c]!.namespace.$} | default .Release.Namespace`),
    })),
    allowAllIngress: false,
    metricsScrapers: [],
    // Every optional object, so each gets its template (rendered only when its switch is on).
    httpRoute: { parentRefs: [], hostnames: [], pathPrefix: '/' },
    serviceMonitor: { path: '/', interval: '1s', labels: {} },
  };
  const chart = new ServiceChart(new App(), service.name, props);
  const manifests = chart.toJson() as Record<string, any>[];
  const timing = (probe: 'readiness' | 'liveness' | 'startup') =>
    Object.fromEntries(
      (['periodSeconds', 'timeoutSeconds', 'failureThreshold'] as const).map((f) => [
        f,
        t.value(VALUES.probes[probe][f].$),
      ]),
    );
  for (const m of manifests) {
    if (m.kind === 'Deployment') {
      delete m.spec.replicas;
      m.spec = {
        replicas: t.custom(
          (i, key) =>
            `${i}{{- if or (not ${VALUES.autoscaling.enabled.$}) ${VALUES.canary.enabled.$} }}\n${i}${key}: {{ ${VALUES.replicaCount.$} }}\n${i}{{- end }}`,
        ),
        ...m.spec,
      };
      const pod = m.spec.template;
      pod.metadata.labels[SERVES_LABEL] = t.quoted(
        `ternary ${VALUES.canary.stableRelease.$} .Release.Name (and ${VALUES.canary.enabled.$} ${VALUES.canary.joinStableService.$})`,
      );
      pod.metadata.labels[TRACK_LABEL] = t.quoted(`ternary "canary" "stable" ${VALUES.canary.enabled.$}`);
      // A changed ConfigMap rolls the pods: its rendered text's hash is part of the pod template.
      pod.metadata.annotations = {
        'checksum/config': t.quoted(`include (print $.Template.BasePath "/configmap.yaml") . | sha256sum`),
        [t.items(VALUES.podAnnotations.$)]: '',
      };
      pod.metadata.labels[t.items(VALUES.podLabels.$)] = '';
      const spec = pod.spec;
      spec.terminationGracePeriodSeconds = t.value(VALUES.terminationGracePeriodSeconds.$);
      spec.topologySpreadConstraints = t.custom((i, key, yaml) =>
        [
          `${i}{{- if ${VALUES.topologySpreadConstraints.$} }}`,
          `${i}${key}:`,
          `${i}  {{- toYaml ${VALUES.topologySpreadConstraints.$} | nindent ${i.length + 2} }}`,
          `${i}{{- else if ${VALUES.defaultTopologySpread.$} }}`,
          yaml(
            {
              [key]: ServiceChart.spreadOf({
                'app.kubernetes.io/name': service.name,
                'app.kubernetes.io/instance': n.release,
              }),
            },
            i,
          ),
          `${i}{{- end }}`,
        ].join('\n'),
      );
      for (const [key, action] of [
        ['imagePullSecrets', VALUES.imagePullSecrets.$],
        ['nodeSelector', VALUES.nodeSelector.$],
        ['tolerations', VALUES.tolerations.$],
        ['affinity', VALUES.affinity.$],
      ] as const) {
        spec[key] = t.with(action);
      }
      spec.priorityClassName = t.custom(
        (i, key) => `${i}{{- with ${VALUES.priorityClassName.$} }}\n${i}${key}: {{ . | quote }}\n${i}{{- end }}`,
      );
      const container = spec.containers[0];
      container.resources = t.block(VALUES.resources.$);
      container.envFrom.push(t.items(VALUES.extraEnvFrom.$));
      container.env = t.with(VALUES.extraEnv.$);
      container.lifecycle.preStop.exec.command = ['sleep', t.quoted(`${VALUES.preStopSleepSeconds.$} | toString`)];
      for (const probe of ['readiness', 'liveness', 'startup'] as const) {
        Object.assign(container[`${probe}Probe`], timing(probe));
      }
    }
    if (m.kind === 'HorizontalPodAutoscaler') {
      setPath(m, ['spec', 'minReplicas'], t.value(VALUES.autoscaling.minReplicas.$));
      setPath(m, ['spec', 'maxReplicas'], t.value(VALUES.autoscaling.maxReplicas.$));
      setPath(
        m,
        ['spec', 'metrics', 0, 'resource', 'target', 'averageUtilization'],
        t.value(VALUES.autoscaling.targetCPUUtilizationPercentage.$),
      );
    }
    if (m.kind === 'ServiceAccount') m.metadata.annotations = t.with(VALUES.serviceAccount.annotations.$);
    if (m.kind === 'Service') {
      m.spec.type = t.quoted(VALUES.service.type.$);
      // A stable Service takes every pod serving its release (a replica-ratio canary's too); a canary's only its own.
      m.spec.selector = t.custom((i, key) =>
        [
          `${i}${key}:`,
          `${i}  app.kubernetes.io/name: ${service.name}`,
          `${i}  {{- if ${VALUES.canary.enabled.$} }}`,
          `${i}  app.kubernetes.io/instance: {{ .Release.Name | quote }}`,
          `${i}  {{- else }}`,
          `${i}  ${SERVES_LABEL}: {{ .Release.Name | quote }}`,
          `${i}  {{- end }}`,
        ].join('\n'),
      );
    }
    if (m.kind === 'PodDisruptionBudget') m.spec.maxUnavailable = t.value(VALUES.podDisruptionBudget.maxUnavailable.$);
    if (m.kind === 'NetworkPolicy') {
      const port = [{ port: service.port, protocol: 'TCP' }];
      const callerRules = m.spec.ingress as unknown[];
      m.spec.ingress = t.custom((i, key, yaml) =>
        [
          `${i}${key}:${callerRules.length === 0 ? `{{ if not (or ${VALUES.networkPolicy.allowAllIngress.$} ${VALUES.networkPolicy.extraIngress.$} ${VALUES.metrics.allowFrom.$}) }} []{{ end }}` : ''}`,
          `${i}  {{- if ${VALUES.networkPolicy.allowAllIngress.$} }}`,
          yaml([{ ports: port }], `${i}  `),
          `${i}  {{- end }}`,
          ...(callerRules.length > 0 ? [yaml(callerRules, `${i}  `)] : []),
          `${i}  {{- with ${VALUES.metrics.allowFrom.$} }}`,
          `${i}  - from:`,
          `${i}      {{- toYaml . | nindent ${i.length + 6} }}`,
          yaml({ ports: port }, `${i}    `),
          `${i}  {{- end }}`,
          `${i}  {{- with ${VALUES.networkPolicy.extraIngress.$} }}`,
          `${i}  {{- toYaml . | nindent ${i.length + 2} }}`,
          `${i}  {{- end }}`,
        ].join('\n'),
      );
      const egress = m.spec.egress as any[];
      egress[0] = { to: t.block(VALUES.networkPolicy.dns.to.$), ports: t.block(VALUES.networkPolicy.dns.ports.$) };
      egress.push(t.items(VALUES.networkPolicy.extraEgress.$));
    }
    if (m.kind === 'HTTPRoute') {
      m.metadata.annotations = t.with(VALUES.httpRoute.annotations.$);
      m.spec.parentRefs = t.block(VALUES.httpRoute.parentRefs.$);
      m.spec.hostnames = t.with(VALUES.httpRoute.hostnames.$);
      m.spec.rules[0].matches[0].path.value = t.quoted(VALUES.httpRoute.pathPrefix.$);
      // A canary release's Service as a second backend, weighted, while a rollout stage runs.
      const { matches } = m.spec.rules[0];
      m.spec.rules[0] = {
        matches,
        backendRefs: t.custom((i, key) =>
          [
            `${i}${key}:`,
            `${i}  - name: ${t.inline(n.fullname)}`,
            `${i}    port: ${service.port}`,
            `${i}    {{- if and ${VALUES.httpRoute.canary.release.$} (gt (int ${VALUES.httpRoute.canary.weight.$}) 0) }}`,
            `${i}    weight: {{ sub 100 (int ${VALUES.httpRoute.canary.weight.$}) }}`,
            `${i}  - name: {{ include "${service.name}.nameFor" (dict "release" ${VALUES.httpRoute.canary.release.$} "chart" "${service.name}") | quote }}`,
            `${i}    port: ${service.port}`,
            `${i}    weight: {{ ${VALUES.httpRoute.canary.weight.$} }}`,
            `${i}    {{- end }}`,
          ].join('\n'),
        ),
      };
    }
    if (m.kind === 'ServiceMonitor') {
      m.metadata.labels[t.items(VALUES.metrics.serviceMonitor.labels.$)] = '';
      Object.assign(m.spec.endpoints[0], {
        path: t.quoted(VALUES.metrics.path.$),
        interval: t.quoted(VALUES.metrics.serviceMonitor.interval.$),
      });
    }
  }
  return manifests;
}

/**
 * A `helm test` pod that fetches the health endpoint through the Service, itself PSS-restricted.
 * `meta` holds template tokens for the chart file, or the real values for the workload policy.
 */
function testPodManifest(
  service: Service,
  meta: { fullname: string; release: string; version: string; managedBy: string; image: string },
): Record<string, unknown> {
  const { release, fullname } = meta;
  const chart = new Chart(new App(), 'test');
  new k8s.KubePod(chart, 'TestConnection', {
    metadata: {
      name: testPodName(fullname),
      labels: {
        'app.kubernetes.io/name': `${service.name}-test`,
        'app.kubernetes.io/instance': release,
        'app.kubernetes.io/version': meta.version,
        'app.kubernetes.io/managed-by': meta.managedBy,
      },
      annotations: { 'helm.sh/hook': 'test', 'helm.sh/hook-delete-policy': 'before-hook-creation,hook-succeeded' },
    },
    spec: {
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      securityContext: {
        runAsNonRoot: true,
        runAsUser: 100,
        runAsGroup: 101,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      containers: [
        {
          name: 'curl',
          image: meta.image,
          command: [
            'curl',
            '--fail',
            '--silent',
            '--show-error',
            '--max-time',
            '10',
            `http://${fullname}:${service.port}${service.healthPath}`,
          ],
          resources: {
            requests: { cpu: k8s.Quantity.fromString('10m'), memory: k8s.Quantity.fromString('16Mi') },
            limits: { memory: k8s.Quantity.fromString('32Mi') },
          },
          securityContext: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            runAsNonRoot: true,
            capabilities: { drop: ['ALL'] },
            seccompProfile: { type: 'RuntimeDefault' },
          },
        },
      ],
    },
  });
  return chart.toJson()[0] as Record<string, unknown>;
}
