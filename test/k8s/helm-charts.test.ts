import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App } from 'cdk8s';
import * as YAML from 'yaml';
import {
  defaultValues,
  HelmChart,
  PipelineApp,
  ActionPins,
  Platform,
  serviceChartProps,
  ServiceChart,
  workloadFindings,
  type K8sObject,
} from '../../src';
import { TEST_PLATFORM, testPlatform } from '../fixtures/platforms';
import { chartPath, platform, renderChart, valueSets } from '../support/charts';
import { helmLint, helmTemplate, helmTemplateError, writeChart } from '../support/helm';
import { schemaErrors } from '../support/json-schema';
import { kubernetesSchemaErrors } from '../support/kubernetes-models';
import { synthProject, REPO_ROOT } from '../support/project';

const files = synthProject();
const services = platform.services.map((s) => s.name);
const cases = services.flatMap((name) => valueSets(name).map(([set, values]) => [name, set, values] as const));

describe.each(cases)('chart %s rendered with %s values', (name, _set, values) => {
  const objects = renderChart(files, `charts/${name}`, values, name);

  test('renders every object kind', () => {
    const kinds = objects.map((o) => o.kind).sort();
    const hpa = (values as any).autoscaling.enabled ? ['HorizontalPodAutoscaler'] : [];
    const route = (values as any).httpRoute.enabled ? ['HTTPRoute'] : [];
    const monitor =
      (values as any).metrics.enabled && (values as any).metrics.serviceMonitor.enabled ? ['ServiceMonitor'] : [];
    expect(kinds).toEqual(
      [
        'ConfigMap',
        'Deployment',
        ...hpa,
        ...route,
        'NetworkPolicy',
        'Pod',
        'PodDisruptionBudget',
        'Service',
        'ServiceAccount',
        ...monitor,
      ].sort(),
    );
  });

  test('every object is valid against the Kubernetes schema', () => {
    expect(objects.flatMap((o) => kubernetesSchemaErrors(o).map((e) => `${o.kind}: ${e}`))).toEqual([]);
  });

  test('passes Pod Security Standards "restricted" and the workload rules', () => {
    expect(workloadFindings(objects)).toEqual([]);
  });

  test('the values validate against values.schema.json', () => {
    expect(schemaErrors(JSON.parse(files[`charts/${name}/values.schema.json`]!), values)).toEqual([]);
  });
});

describe.each(services)('chart %s with the real Helm (%s)', (name) => {
  const dir = `charts/${name}`;
  const valuesFiles = [[], ...platform.environments.map((env) => [HelmChart.valuesFileOf(env.name)])];

  test.each(valuesFiles)('helm lint --strict passes with %s', (...file: string[]) => {
    const r = helmLint(chartPath(files, dir), { valuesFiles: file, namespace: 'speech-prod' });
    expect([r.status, r.stdout + r.stderr]).toEqual([
      0,
      expect.stringContaining('1 chart(s) linted, 0 chart(s) failed'),
    ]);
  });

  test.each(valuesFiles)(
    'helm template under another release name and namespace with %s: valid, PSS-restricted objects',
    (...file: string[]) => {
      const objects = helmTemplate(chartPath(files, dir), {
        release: `${name}-blue`,
        namespace: 'speech-prod',
        valuesFiles: file,
      });
      expect(objects.flatMap((o) => kubernetesSchemaErrors(o).map((e) => `${o.kind}: ${e}`))).toEqual([]);
      expect(workloadFindings(objects)).toEqual([]);
    },
  );

  test.each([
    ['a wrong type', { replicaCount: 'three' }, /replicaCount.*(integer|number)/],
    ['an unknown key', { replicas: 2 }, /additional properties 'replicas' not allowed|replicas/],
    ['the latest tag', { image: { tag: 'latest' } }, /image\.tag|tag/],
  ])('Helm itself enforces values.schema.json: %s', (_label, values, message) => {
    const error = helmTemplateError(chartPath(files, dir), { release: name, namespace: 'voice', values });
    expect(error).toMatch(/values don't meet the specifications of the schema/);
    expect(error).toMatch(message);
  });
});

describe.each(services)('chart %s', (name) => {
  const dir = `charts/${name}`;

  test('with default values and the service name as release, the templates render exactly the cdk8s manifests', () => {
    const service = platform.service(name);
    const values = defaultValues(platform, service);
    const expected = new ServiceChart(new App(), name, serviceChartProps(platform, service, values, 'voice')).toJson();
    const rendered = renderChart(files, dir, values, name).filter((o) => o.kind !== 'Pod') as any[];
    // Only Helm can hash the rendered ConfigMap text; the checksum has a test of its own.
    const deployment = rendered.find((o) => o.kind === 'Deployment');
    expect(deployment.spec.template.metadata.annotations['checksum/config']).toMatch(/^[0-9a-f]{64}$/);
    delete deployment.spec.template.metadata.annotations;
    const byKind = (list: any[]) => [...list].sort((a, b) => a.kind.localeCompare(b.kind));
    expect(byKind(rendered)).toEqual(byKind(expected));
  });

  test("the helm test pod fetches the health endpoint through the release's Service", () => {
    const service = platform.service(name);
    const pod = renderChart(files, dir, defaultValues(platform, service), 'my-release').find(
      (o) => o.kind === 'Pod',
    ) as any;
    // Objects are named <release>-<chart> unless the release name holds the chart's (helm create's rule).
    expect(pod.metadata.name).toBe(`my-release-${name}-test-connection`);
    expect(pod.spec.containers[0].command.at(-1)).toBe(
      `http://my-release-${name}:${service.port}${service.healthPath}`,
    );
    expect(pod.spec.containers[0].image).toMatch(/^docker\.io\/curlimages\/curl:8\.11\.1@sha256:[0-9a-f]{64}$/);
    const mirrored = renderChart(files, dir, { testImage: 'registry.internal/curl:8.11.1' }, 'tts').find(
      (o) => o.kind === 'Pod',
    ) as any;
    expect(mirrored.spec.containers[0].image).toBe('registry.internal/curl:8.11.1');
  });

  test('Chart.yaml is valid against the Chart.yaml schema', () => {
    expect(schemaErrors('chart.json', YAML.parse(files[`${dir}/Chart.yaml`]!))).toEqual([]);
  });

  test('--set image.tag and image.digest reach the Deployment', () => {
    const values = defaultValues(platform, platform.service(name));
    const image = (v: unknown) =>
      (renderChart(files, dir, v, name).find((o) => o.kind === 'Deployment') as any).spec.template.spec.containers[0]
        .image;
    expect(image(values)).toBe(`ghcr.io/voice-platform/${name}:0.1.0`);
    expect(image({ ...values, image: { ...values.image, tag: '1.2.3' } })).toBe(`ghcr.io/voice-platform/${name}:1.2.3`);
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(image({ ...values, image: { ...values.image, digest } })).toBe(`ghcr.io/voice-platform/${name}@${digest}`);
  });

  test('values.schema.json rejects wrong types, unknown keys and the latest tag', () => {
    const schema = JSON.parse(files[`${dir}/values.schema.json`]!);
    const values = defaultValues(platform, platform.service(name)) as any;
    expect(schemaErrors(schema, { ...values, replicaCount: 'three' }).join('\n')).toMatch(
      /\/replicaCount must be integer/,
    );
    expect(
      schemaErrors(schema, { ...values, autoscaling: { ...values.autoscaling, enabled: 'yes' } }).join('\n'),
    ).toMatch(/\/autoscaling\/enabled must be boolean/);
    expect(schemaErrors(schema, { ...values, image: { ...values.image, tag: 'latest' } }).join('\n')).toMatch(
      /\/image\/tag must NOT be valid/,
    );
    expect(schemaErrors(schema, { ...values, replicas: 2 }).join('\n')).toMatch(/must NOT have additional properties/);
    expect(schemaErrors(schema, { ...values, config: { 'bad-key': 'x' } }).join('\n')).toMatch(
      /property name must be valid/,
    );
    expect(
      schemaErrors(schema, {
        ...values,
        resources: { ...values.resources, requests: { cpu: 'lots', memory: '1Gi' } },
      }).join('\n'),
    ).toMatch(/\/resources\/requests\/cpu must match pattern/);
  });
});

describe('the checks reject broken objects', () => {
  const base = () => structuredClone(renderChart(files, 'charts/tts', valueSets('tts')[0]![1], 'tts')) as any[];
  const find = (objects: any[], kind: string) => objects.find((o) => o.kind === kind);
  const deployment = (objects: any[]) => find(objects, 'Deployment');
  const container = (objects: any[]) => deployment(objects).spec.template.spec.containers[0];
  const broken = (mutate: (objects: any[]) => void) => {
    const objects = base();
    mutate(objects);
    return workloadFindings(objects).map((f) => `${f.location}: ${f.message}`);
  };

  test.each([
    [
      'privilege escalation',
      (o: any[]) => {
        container(o).securityContext.allowPrivilegeEscalation = true;
      },
      /allowPrivilegeEscalation must be false/,
    ],
    [
      'root user',
      (o: any[]) => {
        container(o).securityContext.runAsUser = 0;
      },
      /runAsUser must not be 0/,
    ],
    [
      'no seccomp profile',
      (o: any[]) => {
        delete container(o).securityContext.seccompProfile;
        delete deployment(o).spec.template.spec.securityContext.seccompProfile;
      },
      /seccompProfile\.type must be RuntimeDefault/,
    ],
    [
      'capabilities kept',
      (o: any[]) => {
        delete container(o).securityContext.capabilities;
      },
      /capabilities\.drop must include ALL/,
    ],
    [
      'an added capability',
      (o: any[]) => {
        container(o).securityContext.capabilities.add = ['SYS_ADMIN'];
      },
      /capability SYS_ADMIN may not be added/,
    ],
    [
      'writable root filesystem',
      (o: any[]) => {
        container(o).securityContext.readOnlyRootFilesystem = false;
      },
      /readOnlyRootFilesystem must be true/,
    ],
    [
      'host network',
      (o: any[]) => {
        deployment(o).spec.template.spec.hostNetwork = true;
      },
      /hostNetwork must not be true/,
    ],
    [
      'a hostPath volume',
      (o: any[]) => {
        deployment(o).spec.template.spec.volumes.push({ name: 'h', hostPath: { path: '/' } });
      },
      /volume "h" of type hostPath is not allowed/,
    ],
    [
      'token automount',
      (o: any[]) => {
        delete deployment(o).spec.template.spec.automountServiceAccountToken;
      },
      /automountServiceAccountToken must be false/,
    ],
    [
      'the latest tag',
      (o: any[]) => {
        container(o).image = 'ghcr.io/voice-platform/tts:latest';
      },
      /needs a tag other than latest/,
    ],
    [
      'no memory limit',
      (o: any[]) => {
        delete container(o).resources.limits;
      },
      /needs a memory limit/,
    ],
    [
      'a probe on an undeclared port',
      (o: any[]) => {
        container(o).readinessProbe.httpGet.port = 9999;
      },
      /readinessProbe targets port 9999/,
    ],
    [
      'a single replica without HPA',
      (o: any[]) => {
        o.splice(o.indexOf(find(o, 'HorizontalPodAutoscaler')), 1);
        deployment(o).spec.replicas = 1;
      },
      /needs replicas ≥ 2 or a HorizontalPodAutoscaler/,
    ],
    [
      'no PodDisruptionBudget',
      (o: any[]) => {
        o.splice(o.indexOf(find(o, 'PodDisruptionBudget')), 1);
      },
      /no PodDisruptionBudget selects its pods/,
    ],
    [
      'no NetworkPolicy',
      (o: any[]) => {
        o.splice(o.indexOf(find(o, 'NetworkPolicy')), 1);
      },
      /no NetworkPolicy selects its pods/,
    ],
    [
      'a Service selecting nothing',
      (o: any[]) => {
        find(o, 'Service').spec.selector = { 'app.kubernetes.io/name': 'ghost' };
      },
      /Service\/tts: selector .* selects no pods/,
    ],
    [
      'a Service targeting an undeclared port',
      (o: any[]) => {
        find(o, 'Service').spec.ports[0].targetPort = 8081;
      },
      /targets 8081, which no selected container declares/,
    ],
    [
      'an HPA with a missing target',
      (o: any[]) => {
        find(o, 'HorizontalPodAutoscaler').spec.scaleTargetRef.name = 'ghost';
      },
      /scaleTargetRef Deployment\/ghost does not exist/,
    ],
    [
      'a PDB matching nothing',
      (o: any[]) => {
        find(o, 'PodDisruptionBudget').spec.selector.matchLabels = { x: 'y' };
      },
      /PodDisruptionBudget\/tts: selector matches no workload/,
    ],
    [
      'missing recommended labels',
      (o: any[]) => {
        delete find(o, 'ConfigMap').metadata.labels['app.kubernetes.io/version'];
      },
      /ConfigMap\/tts: missing recommended labels app\.kubernetes\.io\/version/,
    ],
  ])('%s', (_, mutate, message) => {
    expect(broken(mutate).join('\n')).toMatch(message);
  });

  test('the Kubernetes schema rejects a wrong type and a missing required field', () => {
    const objects = base();
    container(objects).ports[0].containerPort = 'eight thousand';
    expect(kubernetesSchemaErrors(deployment(objects)).join('\n')).toMatch(/containerPort/);
    const svc = find(base(), 'Service');
    delete svc.spec.ports[0].port;
    expect(kubernetesSchemaErrors(svc).join('\n')).toMatch(/port/);
    // The Gateway API model checks an HTTPRoute as strictly.
    const route: Record<string, any> = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'tts' },
      spec: { parentRefs: [{ name: 'public' }], rules: [{ backendRefs: [{ name: 'tts', port: 'http' }] }] },
    };
    expect(kubernetesSchemaErrors(route).join('\n')).toMatch(/backendRefs\/0\/port must be integer/);
    route.spec.rules[0].backendRefs[0].port = 8000;
    expect(kubernetesSchemaErrors(route)).toEqual([]);
  });

  test('the Chart.yaml schema rejects a missing version and an unknown apiVersion', () => {
    expect(schemaErrors('chart.json', { apiVersion: 'v3', name: 'tts' }).join('\n')).toMatch(
      /must have required property 'version'[\s\S]*apiVersion/,
    );
  });
});

describe('one source of truth', () => {
  test('changing a service port in the model moves the Service, container port, probes and NetworkPolicy together', () => {
    const definition = {
      ...TEST_PLATFORM,
      services: TEST_PLATFORM.services.map((s) => (s.name === 'tts' ? { ...s, port: 9090 } : s)),
    };
    const changed = Platform.fromDefinition(definition);
    const app = new PipelineApp({ pins: ActionPins.fromFile(path.join(REPO_ROOT, 'actions.lock.json')) });
    const chart = new HelmChart(app, 'chart-tts', { platform: changed, service: changed.service('tts') });
    const chartFiles = Object.fromEntries(app.synth().map((f) => [f.filePath, f.text]));
    const objects = renderChart(chartFiles, 'charts/tts', chart.values, 'tts') as any[];
    const d = objects.find((o) => o.kind === 'Deployment').spec.template.spec.containers[0];
    expect(d.ports[0].containerPort).toBe(9090);
    expect([d.readinessProbe.httpGet.port, d.livenessProbe.httpGet.port, d.startupProbe.httpGet.port]).toEqual([
      9090, 9090, 9090,
    ]);
    expect(objects.find((o) => o.kind === 'Service').spec.ports[0]).toMatchObject({ port: 9090, targetPort: 9090 });
    expect(objects.find((o) => o.kind === 'NetworkPolicy').spec.ingress[0].ports[0].port).toBe(9090);
    expect(workloadFindings(objects as K8sObject[])).toEqual([]);
    // The agent chart's egress to tts and its TTS_URL follow as well.
    new HelmChart(app, 'chart-agent', { platform: changed, service: changed.service('agent') });
    const withAgent = Object.fromEntries(app.synth().map((f) => [f.filePath, f.text]));
    const agent = renderChart(withAgent, 'charts/agent', {}, 'agent') as any[];
    expect(agent.find((o) => o.kind === 'ConfigMap').data.TTS_URL).toBe('http://tts.voice.svc:9090');
    expect(agent.find((o) => o.kind === 'NetworkPolicy').spec.egress[1].ports[0].port).toBe(9090);
  });
  // Guards a past defect: a service name may hold a hyphen, which Go's template parser rejects after a
  // dot (`.Values.dependencies.speech-api`): the caller's chart failed to parse, and the called service's.
  test('services with hyphenated names: both charts lint and render, the URL, egress and ingress follow', () => {
    const hyphenated = Platform.fromDefinition(
      testPlatform((d) => {
        const resources = { cpuRequest: '100m', memoryRequest: '128Mi', memoryLimit: '256Mi' };
        d.services.push(
          { name: 'speech-api', resources, path: 'services/speech-api', port: 9100, healthPath: '/health' },
          {
            name: 'voice-gateway',
            resources,
            path: 'services/voice-gateway',
            port: 9101,
            healthPath: '/health',
            calls: ['speech-api'],
          },
        );
      }),
    );
    const app = new PipelineApp({ pins: ActionPins.fromFile(path.join(REPO_ROOT, 'actions.lock.json')) });
    for (const name of ['speech-api', 'voice-gateway']) {
      new HelmChart(app, `chart-${name}`, { platform: hyphenated, service: hyphenated.service(name) });
    }
    const chartFiles = Object.fromEntries(app.synth().map((f) => [f.filePath, f.text]));
    for (const name of ['speech-api', 'voice-gateway']) {
      const lint = helmLint(chartPath(chartFiles, `charts/${name}`));
      expect([name, lint.status, lint.stderr]).toEqual([name, 0, '']);
    }
    const gateway = renderChart(
      chartFiles,
      'charts/voice-gateway',
      {
        dependencies: { 'speech-api': { release: 'speech', namespace: 'voice-core' } },
      },
      'voice-gateway',
    ) as any[];
    expect(gateway.find((o) => o.kind === 'ConfigMap').data.SPEECH_API_URL).toBe(
      'http://speech-speech-api.voice-core.svc:9100',
    );
    expect(gateway.find((o) => o.kind === 'NetworkPolicy').spec.egress[1]).toMatchObject({
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'voice-core' } } }],
    });
    const api = renderChart(
      chartFiles,
      'charts/speech-api',
      { callers: { 'voice-gateway': { namespace: 'edge' } } },
      'speech-api',
    ) as any[];
    expect(JSON.stringify(api.find((o) => o.kind === 'NetworkPolicy').spec.ingress)).toContain(
      '"kubernetes.io/metadata.name":"edge"',
    );
  });
});

describe('charts on real clusters', () => {
  const tts = () => chartPath(files, 'charts/tts');
  const agent = () => chartPath(files, 'charts/agent');
  const find = (objects: K8sObject[], kind: string) => objects.find((o) => o.kind === kind) as any;

  test('a config change changes the pod template (pods roll), an unrelated value does not', () => {
    const checksum = (values: unknown) =>
      find(helmTemplate(tts(), { release: 'tts', namespace: 'voice', values }), 'Deployment').spec.template.metadata
        .annotations['checksum/config'];
    const base = checksum({});
    expect(checksum({ logLevel: 'debug' })).not.toBe(base);
    expect(checksum({ config: { TTS_SAMPLE_RATE: '16000' } })).not.toBe(base);
    expect(checksum({ podAnnotations: { team: 'speech' } })).toBe(base);
  });

  test("the agent's URL and egress follow a tts release of another name in another namespace", () => {
    const objects = helmTemplate(agent(), {
      release: 'frontdoor',
      namespace: 'edge',
      values: { dependencies: { tts: { release: 'speech', namespace: 'speech-prod' } } },
    });
    expect(find(objects, 'ConfigMap').data.TTS_URL).toBe('http://speech-tts.speech-prod.svc:8000');
    const rule = find(objects, 'NetworkPolicy').spec.egress[1];
    expect(rule.to).toEqual([
      {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'speech-prod' } },
        podSelector: { matchLabels: { 'voice-platform/serves': 'speech', 'app.kubernetes.io/name': 'tts' } },
      },
    ]);
    // …and the tts release installed as "speech" is named speech-tts and admits the agent from "edge".
    const speech = helmTemplate(tts(), {
      release: 'speech',
      namespace: 'speech-prod',
      values: { callers: { agent: { namespace: 'edge' } } },
    });
    expect(find(speech, 'Service').metadata.name).toBe('speech-tts');
    expect(find(speech, 'NetworkPolicy').spec.ingress).toEqual([
      {
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'edge' } },
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'agent' } },
          },
        ],
        ports: [{ port: 8000, protocol: 'TCP' }],
      },
    ]);
  });

  test('tts is default-deny: only its callers may connect; the agent (an entry point) is open and can be closed', () => {
    expect(
      find(helmTemplate(tts(), { release: 'tts', namespace: 'voice' }), 'NetworkPolicy').spec.ingress,
    ).toHaveLength(1);
    expect(find(helmTemplate(agent(), { release: 'agent', namespace: 'voice' }), 'NetworkPolicy').spec.ingress).toEqual(
      [{ ports: [{ port: 8080, protocol: 'TCP' }] }],
    );
    expect(
      find(
        helmTemplate(agent(), {
          release: 'agent',
          namespace: 'voice',
          values: { networkPolicy: { allowAllIngress: false } },
        }),
        'NetworkPolicy',
      ).spec.ingress,
    ).toEqual([]);
  });

  test('DNS egress can name another resolver (OpenShift on 5353, a node-local address); extra egress names its peer', () => {
    const objects = helmTemplate(agent(), {
      release: 'agent',
      namespace: 'voice',
      values: {
        networkPolicy: {
          dns: {
            to: [
              { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'openshift-dns' } } },
              { ipBlock: { cidr: '169.254.20.10/32' } },
            ],
            ports: [{ protocol: 'UDP', port: 5353 }],
          },
          extraEgress: [
            {
              to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }],
              ports: [{ protocol: 'TCP', port: 443 }],
            },
          ],
        },
      },
    });
    const egress = find(objects, 'NetworkPolicy').spec.egress;
    expect(egress[0]).toEqual({
      to: [
        { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'openshift-dns' } } },
        { ipBlock: { cidr: '169.254.20.10/32' } },
      ],
      ports: [{ protocol: 'UDP', port: 5353 }],
    });
    expect(egress.at(-1)).toEqual({
      to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }],
      ports: [{ protocol: 'TCP', port: 443 }],
    });
    expect(workloadFindings(objects)).toEqual([]);
  });

  test('secrets come in through extraEnvFrom, beside the ConfigMap; scheduling and identity values reach the pod', () => {
    const objects = helmTemplate(agent(), {
      release: 'agent',
      namespace: 'voice',
      values: {
        extraEnvFrom: [{ secretRef: { name: 'agent-api-keys' } }],
        imagePullSecrets: [{ name: 'ghcr' }],
        serviceAccount: { annotations: { 'iam.gke.io/gcp-service-account': 'agent@p.iam.gserviceaccount.com' } },
        nodeSelector: { pool: 'cpu' },
        tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }],
        priorityClassName: 'voice-high',
        resources: { requests: { cpu: '1', memory: '1Gi', 'ephemeral-storage': '1Gi' }, limits: { memory: '2Gi' } },
      },
    });
    const pod = find(objects, 'Deployment').spec.template.spec;
    expect(pod.containers[0].envFrom).toEqual([
      { configMapRef: { name: 'agent' } },
      { secretRef: { name: 'agent-api-keys' } },
    ]);
    expect(pod.containers[0].resources.requests['ephemeral-storage']).toBe('1Gi');
    expect(pod).toMatchObject({
      imagePullSecrets: [{ name: 'ghcr' }],
      nodeSelector: { pool: 'cpu' },
      priorityClassName: 'voice-high',
    });
    expect(find(objects, 'ServiceAccount').metadata.annotations).toEqual({
      'iam.gke.io/gcp-service-account': 'agent@p.iam.gserviceaccount.com',
    });
    expect(workloadFindings(objects)).toEqual([]);
  });

  test('production gives tts the resources its environment in the model names; the agent keeps its own', () => {
    const resources = (chart: string) =>
      find(
        helmTemplate(chartPath(files, `charts/${chart}`), {
          release: chart,
          namespace: 'voice',
          valuesFiles: ['values-production.yaml'],
        }),
        'Deployment',
      ).spec.template.spec.containers[0].resources;
    expect(resources('tts')).toEqual({ requests: { cpu: '1', memory: '1Gi' }, limits: { memory: '2Gi' } });
    expect(resources('agent')).toEqual({ requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '512Mi' } });
  });

  test('probes differ, a terminating pod drains first, and replicas spread over zones and nodes', () => {
    const d = find(helmTemplate(tts(), { release: 'tts', namespace: 'voice' }), 'Deployment').spec.template.spec;
    const c = d.containers[0];
    expect(c.livenessProbe.timeoutSeconds).toBeGreaterThan(c.readinessProbe.timeoutSeconds);
    expect(c.livenessProbe.failureThreshold * c.livenessProbe.periodSeconds).toBeGreaterThan(
      c.readinessProbe.failureThreshold * c.readinessProbe.periodSeconds,
    );
    expect(c.lifecycle.preStop.exec.command).toEqual(['sleep', '10']);
    expect(d.terminationGracePeriodSeconds).toBeGreaterThan(10);
    expect(d.topologySpreadConstraints.map((t: any) => t.topologyKey)).toEqual([
      'topology.kubernetes.io/zone',
      'kubernetes.io/hostname',
    ]);
  });

  test('an umbrella chart holding both services renders without collisions and passes both schemas', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'umbrella-'));
    const umbrella = path.join(dir, 'voice');
    mkdirSync(path.join(umbrella, 'charts'), { recursive: true });
    writeFileSync(
      path.join(umbrella, 'Chart.yaml'),
      YAML.stringify({
        apiVersion: 'v2',
        name: 'voice',
        version: '1.0.0',
        dependencies: ['tts', 'agent'].map((n) => ({ name: n, version: '0.2.0', condition: `${n}.enabled` })),
      }),
    );
    writeFileSync(
      path.join(umbrella, 'values.yaml'),
      YAML.stringify({
        global: { team: 'speech' },
        tts: { enabled: true },
        agent: { enabled: true, dependencies: { tts: { release: 'voice' } } },
      }),
    );
    writeChart(files, 'charts/tts', path.join(umbrella, 'charts'));
    writeChart(files, 'charts/agent', path.join(umbrella, 'charts'));
    const objects = helmTemplate(umbrella, { release: 'voice', namespace: 'voice' }) as any[];
    const ids = objects.map((o) => `${o.kind}/${o.metadata.name}`);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining(['Service/voice-tts', 'Service/voice-agent']));
    expect(objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'voice-agent').data.TTS_URL).toBe(
      'http://voice-tts.voice.svc:8000',
    );
    expect(workloadFindings(objects)).toEqual([]);
  });

  test('the agent can be exposed through a Gateway API HTTPRoute to its own Service; off by default', () => {
    expect(helmTemplate(agent(), { release: 'agent', namespace: 'voice' }).map((o) => o.kind)).not.toContain(
      'HTTPRoute',
    );
    const objects = helmTemplate(agent(), {
      release: 'frontdoor',
      namespace: 'edge',
      values: {
        httpRoute: {
          enabled: true,
          parentRefs: [{ name: 'public', namespace: 'gateway', sectionName: 'https' }],
          hostnames: ['voice.example.com'],
          pathPrefix: '/v1',
        },
      },
    });
    const route = find(objects, 'HTTPRoute');
    const service = find(objects, 'Service');
    expect(route.spec).toEqual({
      parentRefs: [{ name: 'public', namespace: 'gateway', sectionName: 'https' }],
      hostnames: ['voice.example.com'],
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/v1' } }],
          backendRefs: [{ name: service.metadata.name, port: service.spec.ports[0].port }],
        },
      ],
    });
    expect(route.metadata.labels).toMatchObject({
      'app.kubernetes.io/instance': 'frontdoor',
      'app.kubernetes.io/name': 'agent',
    });
    expect(workloadFindings(objects)).toEqual([]);
  });

  test("metrics: a ServiceMonitor selects the release's Service on its http port; Prometheus may scrape a default-deny service", () => {
    const values = {
      metrics: {
        enabled: true,
        allowFrom: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
        serviceMonitor: { enabled: true, labels: { release: 'kube-prometheus' } },
      },
    };
    const objects = helmTemplate(tts(), { release: 'speech', namespace: 'voice', values });
    const monitor = find(objects, 'ServiceMonitor');
    const service = find(objects, 'Service');
    // A ServiceMonitor selects Services by their own labels: this release's Service, and no other.
    // Every series carries the pod's track and service: what the canary analysis compares (docs/MONITORING.md).
    expect(monitor.spec).toEqual({
      selector: { matchLabels: { 'app.kubernetes.io/name': 'tts', 'app.kubernetes.io/instance': 'speech' } },
      endpoints: [{ port: service.spec.ports[0].name, path: '/metrics', interval: '30s' }],
      podTargetLabels: ['voice-platform/track', 'app.kubernetes.io/name'],
    });
    expect(find(objects, 'Deployment').spec.template.metadata.labels).toMatchObject({
      'voice-platform/track': 'stable',
      'app.kubernetes.io/name': 'tts',
    });
    expect(service.metadata.labels).toMatchObject(monitor.spec.selector.matchLabels);
    // A replica-ratio canary's pods are scraped through the stable Service they join (a monitor of their own
    // would count each request twice); a weighted canary, reached through its own Service, keeps its monitor.
    const canaryOf = (joinStableService: boolean) =>
      helmTemplate(tts(), {
        release: 'speech-canary',
        namespace: 'voice',
        values: { ...values, canary: { enabled: true, stableRelease: 'speech', joinStableService } },
      });
    expect(canaryOf(true).map((o) => o.kind)).not.toContain('ServiceMonitor');
    expect(find(canaryOf(false), 'ServiceMonitor').spec.selector.matchLabels).toEqual({
      'app.kubernetes.io/name': 'tts',
      'app.kubernetes.io/instance': 'speech-canary',
    });
    expect(find(canaryOf(false), 'Deployment').spec.template.metadata.labels['voice-platform/track']).toBe('canary');
    expect(monitor.metadata.labels.release).toBe('kube-prometheus');
    const ingress = find(objects, 'NetworkPolicy').spec.ingress;
    expect(ingress).toHaveLength(2);
    expect(ingress[1]).toEqual({ from: values.metrics.allowFrom, ports: [{ port: 8000, protocol: 'TCP' }] });
    // The ServiceMonitor needs the Prometheus Operator: metrics alone leave it out.
    expect(
      helmTemplate(tts(), { release: 'tts', namespace: 'voice', values: { metrics: { enabled: true } } }).map(
        (o) => o.kind,
      ),
    ).not.toContain('ServiceMonitor');
    // An entry point closed to all but Prometheus still gets a rule list that admits only Prometheus.
    const closed = helmTemplate(agent(), {
      release: 'agent',
      namespace: 'voice',
      values: { networkPolicy: { allowAllIngress: false }, metrics: { allowFrom: values.metrics.allowFrom } },
    });
    expect(find(closed, 'NetworkPolicy').spec.ingress).toEqual([
      { from: values.metrics.allowFrom, ports: [{ port: 8080, protocol: 'TCP' }] },
    ]);
  });

  test.each([
    ['an HTTPRoute switched on without a Gateway to attach to', { httpRoute: { enabled: true } }, /parentRefs/],
    ['an HTTPRoute path that is not absolute', { httpRoute: { pathPrefix: 'v1' } }, /pathPrefix/],
    ['a scrape interval without a unit', { metrics: { serviceMonitor: { interval: '30' } } }, /interval/],
    ['metrics scrapers given as an empty peer', { metrics: { allowFrom: [{}] } }, /allowFrom/],
    ['extra egress that does not say where to', { networkPolicy: { extraEgress: [{ ports: [{ port: 443 }] }] } }, /to/],
    ['extra egress to an empty peer list', { networkPolicy: { extraEgress: [{ to: [] }] } }, /to/],
    ['extra ingress without from', { networkPolicy: { extraIngress: [{ ports: [{ port: 80 }] }] } }, /from/],
    ['a nodeSelector that is a list', { nodeSelector: ['pool=cpu'] }, /nodeSelector/],
    ['an extraEnvFrom that is neither a secret nor a ConfigMap', { extraEnvFrom: [{ fieldRef: {} }] }, /extraEnvFrom/],
    ['a probe timing that is not a number', { probes: { liveness: { timeoutSeconds: 'slow' } } }, /timeoutSeconds/],
    ['a dependency that is not in the model', { dependencies: { asr: { release: 'asr', namespace: '' } } }, /asr/],
    ['an unknown service type', { service: { type: 'ExternalName' } }, /type/],
  ])('Helm rejects %s, naming the field', (_label, values, message) => {
    const error = helmTemplateError(agent(), { release: 'agent', namespace: 'voice', values });
    expect(error).toMatch(/values don't meet the specifications of the schema/);
    expect(error).toMatch(message);
  });
});
