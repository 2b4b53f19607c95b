import { App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { TOKENS, manifestToTemplate } from './templates';
import { defaultValues, environmentValues, mergeValues, valuesSchema, type ChartValues } from './values';
import type { PolicyTarget } from '../../policy/policy';
import type { Platform, Service } from '../../model/platform';
import { setPath } from '../../../common/object-path';
import { markGeneratedFile, type IGeneratedFile, type RenderedFile } from '../../output/generated-file';
import { toYaml } from '../../output/yaml';
import { k8s } from '../kplus';
import { ServiceChart, type ServiceChartProps } from '../service-chart';

/** One file of a chart folder. */
class ChartFile extends Construct implements IGeneratedFile {
  constructor(scope: Construct, id: string, public readonly filePath: string, private readonly format: RenderedFile['format'], private readonly text: string,
    private readonly policyTarget?: () => PolicyTarget) {
    super(scope, id);
    markGeneratedFile(this);
  }

  public render(): RenderedFile {
    return { filePath: this.filePath, format: this.format, text: this.text, reviewed: true, constructPath: this.node.path, policyTarget: this.policyTarget?.() };
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
    const file = (fid: string, path: string, format: RenderedFile['format'], text: string, policyTarget?: () => PolicyTarget) =>
      new ChartFile(this, fid, `${this.directory}/${path}`, format, text, policyTarget);
    // The objects the chart installs, rendered by cdk8s with each values file, for the workload policy.
    const manifests = (): PolicyTarget => ({
      kind: 'manifests',
      filePath: this.directory,
      constructPath: this.node.path,
      objectsByValues: Object.fromEntries([
        ['values.yaml', this.values] as const,
        ...platform.environments.map((env) => [HelmChart.valuesFileOf(env.name), mergeValues(this.values, environmentValues(env)) as ChartValues] as const),
      ].map(([name, values]) => [name, [
        ...new ServiceChart(new App(), service.name, serviceChartProps(platform, service, values, false)).toJson(),
        testPodManifest(service, { release: service.name, version: platform.version, managedBy: 'Helm' }),
      ]])),
    });

    file('ChartYaml', 'Chart.yaml', 'yaml', toYaml({
      apiVersion: 'v2',
      name: service.name,
      description: `The ${service.name} service of the voice platform.`,
      type: 'application',
      version: platform.version,
      appVersion: platform.version,
      kubeVersion: '>=1.28.0-0',
    }), manifests);
    file('Values', 'values.yaml', 'yaml', toYaml(this.values));
    this.environmentValuesFiles = new Map(platform.environments.map((env) => [env.name, `${this.directory}/${HelmChart.valuesFileOf(env.name)}`]));
    this.valuesFiles = ['values.yaml', ...platform.environments.map((env) => HelmChart.valuesFileOf(env.name))];
    file('ValuesSchema', 'values.schema.json', 'json', `${JSON.stringify(valuesSchema(service.name), null, 2)}\n`);
    for (const env of platform.environments) {
      file(`Values-${env.name}`, HelmChart.valuesFileOf(env.name), 'yaml', toYaml(environmentValues(env)));
    }

    for (const manifest of templateManifests(platform, service, this.values)) {
      const kind = String(manifest.kind);
      file(`Template-${kind}`, `templates/${FILE_OF_KIND[kind]}`, 'yaml', manifestToTemplate(manifest, {
        onlyIf: kind === 'HorizontalPodAutoscaler' ? '.Values.autoscaling.enabled' : undefined,
      }));
    }
    file('TestConnection', 'templates/tests/test-connection.yaml', 'yaml', manifestToTemplate(testPodManifest(service, { release: TOKENS.release, version: TOKENS.appVersion, managedBy: TOKENS.managedBy })));
    file('Notes', 'templates/NOTES.txt', 'gotemplate', [
      `{{ .Release.Name }} ({{ .Chart.Name }} {{ .Chart.AppVersion }}) is installed in namespace {{ .Release.Namespace }}.`,
      '',
      `In the cluster: http://{{ .Release.Name }}.{{ .Release.Namespace }}.svc:${service.port} (health: ${service.healthPath})`,
      `Check it: helm test {{ .Release.Name }} --namespace {{ .Release.Namespace }}`,
      '',
    ].join('\n'));
  }
}

/** The props of a service's chart, with real values or with template tokens. */
export function serviceChartProps(platform: Platform, service: Service, values: ChartValues, tokens: boolean): ServiceChartProps {
  const version = platform.version;
  return {
    name: service.name,
    instance: tokens ? TOKENS.release : service.name,
    version: tokens ? TOKENS.appVersion : version,
    managedBy: tokens ? TOKENS.managedBy : 'Helm',
    image: tokens ? TOKENS.image : `${values.image.repository}:${values.image.tag || version}`,
    imagePullPolicy: tokens ? TOKENS.pullPolicy : values.image.pullPolicy,
    port: service.port,
    healthPath: service.healthPath,
    resources: values.resources,
    config: tokens ? { LOG_LEVEL: TOKENS.logLevel, [TOKENS.config]: '' } : { LOG_LEVEL: values.logLevel, ...values.config },
    autoscaling: values.autoscaling,
    egressTo: service.calls.map((name) => ({ name, port: platform.service(name).port })),
  };
}

/** The service's manifests with tokens, and the number/block fields bound to values. */
function templateManifests(platform: Platform, service: Service, values: ChartValues): Record<string, any>[] {
  const chart = new ServiceChart(new App(), service.name, serviceChartProps(platform, service, values, true));
  const manifests = chart.toJson() as Record<string, any>[];
  for (const m of manifests) {
    if (m.kind === 'Deployment') {
      m.spec = { replicas: TOKENS.replicas, ...m.spec };
      setPath(m, ['spec', 'template', 'spec', 'containers', 0, 'resources'], TOKENS.resources);
    }
    if (m.kind === 'HorizontalPodAutoscaler') {
      setPath(m, ['spec', 'minReplicas'], TOKENS.hpaMin);
      setPath(m, ['spec', 'maxReplicas'], TOKENS.hpaMax);
      setPath(m, ['spec', 'metrics', 0, 'resource', 'target', 'averageUtilization'], TOKENS.hpaTarget);
    }
  }
  return manifests;
}

/**
 * A `helm test` pod that fetches the health endpoint through the Service, itself PSS-restricted.
 * `meta` holds template tokens for the chart file, or the real values for the workload policy.
 */
function testPodManifest(service: Service, meta: { release: string; version: string; managedBy: string }): Record<string, unknown> {
  const { release } = meta;
  const chart = new Chart(new App(), 'test');
  new k8s.KubePod(chart, 'TestConnection', {
    metadata: {
      name: `${release}-test-connection`,
      labels: { 'app.kubernetes.io/name': `${service.name}-test`, 'app.kubernetes.io/instance': release, 'app.kubernetes.io/version': meta.version, 'app.kubernetes.io/managed-by': meta.managedBy },
      annotations: { 'helm.sh/hook': 'test', 'helm.sh/hook-delete-policy': 'before-hook-creation,hook-succeeded' },
    },
    spec: {
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      securityContext: { runAsNonRoot: true, runAsUser: 100, runAsGroup: 101, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [{
        name: 'curl',
        image: 'docker.io/curlimages/curl:8.11.1',
        command: ['curl', '--fail', '--silent', '--show-error', '--max-time', '10', `http://${release}:${service.port}${service.healthPath}`],
        resources: { requests: { cpu: k8s.Quantity.fromString('10m'), memory: k8s.Quantity.fromString('16Mi') }, limits: { memory: k8s.Quantity.fromString('32Mi') } },
        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } },
      }],
    },
  });
  return chart.toJson()[0] as Record<string, unknown>;
}
