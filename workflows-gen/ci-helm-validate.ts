import {
  serviceJobId,
  addChangeDetectionJob,
  addResultsGateJob,
  checkout,
  CRD_SCHEMA_LOCATION,
  Expression,
  github,
  kindCluster,
  KUBERNETES_MINIMUM,
  READ_CONTENTS,
  runStep,
  SecureWorkflow,
  setupHelm,
  status,
  type Construct,
  type HelmChart,
  type JobStep,
  type Platform,
  type WorkflowJob,
} from '../src';

/**
 * `.github/workflows/ci-helm-validate.yml`: helm lint --strict, helm template and kubeconform for
 * every chart with every values file; optionally (manual input or the `kind` PR label) installs
 * the charts in a kind cluster with --wait and runs their `helm test` hooks. It runs on every pull
 * request and skips with `if:` when no chart changed, so its `result` job can be a required check
 * (a workflow skipped by `on.paths` would leave that check pending forever).
 */
export function ciHelmValidateWorkflow(
  scope: Construct,
  platform: Platform,
  charts: readonly HelmChart[],
): SecureWorkflow {
  const t = platform.toolchain;
  const workflow = new SecureWorkflow(scope, 'ci-helm-validate', {
    name: 'CI – Helm charts',
    description:
      'Lints and renders every chart with every values file and validates the output with kubeconform; on request installs the charts in a kind cluster and runs helm test.',
    triggers: {
      push: { branches: [platform.defaultBranch] },
      pullRequest: { types: ['opened', 'synchronize', 'reopened', 'labeled'] },
      workflowDispatch: {
        inputs: {
          kind: {
            description: 'Also install the charts in a kind cluster and run helm test',
            type: 'boolean',
            default: false,
          },
        },
      },
    },
  });
  const changes = addChangeDetectionJob(workflow, {
    runsOn: platform.runners.linux,
    filters: Object.fromEntries(charts.map((chart) => [chart.serviceName, [chart.directory, workflow.filePath]])),
  });
  const installKubeconform = runStep({
    name: `Install kubeconform ${t.kubeconform}`,
    // The release binary, checked against the checksum the model pins (not one downloaded beside it).
    env: { KUBECONFORM_VERSION: t.kubeconform, KUBECONFORM_SHA256: t.kubeconformSha256 },
    run: [
      'curl --fail --silent --show-error --location --retry 3 --output "$RUNNER_TEMP/kubeconform.tar.gz" \\',
      '  "https://github.com/yannh/kubeconform/releases/download/$KUBECONFORM_VERSION/kubeconform-linux-amd64.tar.gz"',
      'echo "$KUBECONFORM_SHA256  $RUNNER_TEMP/kubeconform.tar.gz" | sha256sum --check --strict',
      'mkdir -p "$RUNNER_TEMP/bin"',
      'tar --extract --gzip --file "$RUNNER_TEMP/kubeconform.tar.gz" --directory "$RUNNER_TEMP/bin" kubeconform',
      'echo "$RUNNER_TEMP/bin" >> "$GITHUB_PATH"',
    ].join('\n'),
  });

  const lintJobs = charts.map((chart) => {
    const name = chart.serviceName;
    const check = (set: string, valuesFile?: string): JobStep => {
      const valuesArgs = valuesFile ? ' --values "$VALUES_FILE"' : '';
      return runStep({
        name: `Lint, render and validate (${set} values)`,
        // Both ends of the supported range: the charts' minimum (kubeVersion) and the newest (kind's).
        // Custom resources (ServiceMonitor, HTTPRoute) against their CRDs' schemas: without a schema kubeconform fails them.
        env: {
          CHART: chart.directory,
          RELEASE: name,
          VALUES_SET: set,
          ...(valuesFile ? { VALUES_FILE: valuesFile } : {}),
          KUBERNETES_VERSIONS: `${KUBERNETES_MINIMUM}.0 ${t.kubernetes}`,
          CRD_SCHEMAS: CRD_SCHEMA_LOCATION,
        },
        run: [
          `helm lint --strict "$CHART"${valuesArgs}`,
          'mkdir -p rendered',
          `helm template "$RELEASE" "$CHART"${valuesArgs} > "rendered/$RELEASE-$VALUES_SET.yaml"`,
          'for version in $KUBERNETES_VERSIONS; do',
          '  kubeconform -strict -summary -kubernetes-version "$version" -schema-location default -schema-location "$CRD_SCHEMAS" "rendered/$RELEASE-$VALUES_SET.yaml"',
          'done',
        ].join('\n'),
      });
    };
    return workflow.addJob(serviceJobId('chart-lint', name), {
      name: `Lint and validate (${name})`,
      runsOn: platform.runners.linux,
      permissions: READ_CONTENTS,
      timeoutMinutes: 10,
      needs: [changes.job],
      if: changes.changed(name),
      steps: [
        checkout(),
        setupHelm({ version: t.helm }),
        installKubeconform,
        check('default'),
        ...[...chart.environmentValuesFiles].map(([env, file]) => check(env, file)),
      ],
    });
  });

  // Install order: a service before the services that call it (the model lists them so).
  const order = platform.services.map((s) => s.name);
  const ordered = [...charts].sort((a, b) => order.indexOf(a.serviceName) - order.indexOf(b.serviceName));
  const clusterName = 'charts';
  const kind = workflow.addJob('kind', {
    name: 'Install in kind and run helm test',
    runsOn: platform.runners.linux,
    permissions: READ_CONTENTS,
    timeoutMinutes: 30,
    needs: lintJobs,
    // After the lint jobs passed or were skipped (no chart changed): a requested cluster test runs regardless.
    if: status.notCancelled
      .and(Expression.raw("!contains(needs.*.result, 'failure')"))
      .and(
        github.eventName
          .eq('workflow_dispatch')
          .and(workflow.input('kind'))
          .or(Expression.raw("contains(github.event.pull_request.labels.*.name, 'kind')")),
      ),
    steps: [
      checkout(),
      setupHelm({ version: t.helm }),
      kindCluster({ version: t.kind, nodeImage: `kindest/node:v${t.kubernetes}@${t.kindNodeDigest}`, clusterName }),
      ...ordered.flatMap((chart): JobStep[] => {
        const name = chart.serviceName;
        const service = platform.service(name);
        const env = {
          RELEASE: kindRelease(name),
          NAMESPACE: kindNamespace(name),
          CHART: chart.directory,
          CONTEXT: service.path,
          IMAGE: chart.values.image.repository,
          CLUSTER: clusterName,
        };
        // Release names and namespaces differ from the service names, so the wiring between
        // releases (URL, egress, callers' namespaces) is exercised as a real install sees it.
        const wiring = [
          ...service.calls.flatMap((c) => [
            `dependencies.${c}.release=${kindRelease(c)}`,
            `dependencies.${c}.namespace=${kindNamespace(c)}`,
          ]),
          ...Object.keys(chart.values.callers).map((c) => `callers.${c}.namespace=${kindNamespace(c)}`),
        ];
        return [
          runStep({
            name: `Build and load the ${name} image`,
            env,
            run: 'docker build --tag "$IMAGE:kind" "$CONTEXT"\nkind load docker-image "$IMAGE:kind" --name "$CLUSTER"',
          }),
          runStep({
            name: `Install ${name} as ${kindRelease(name)} in ${kindNamespace(name)} and wait until ready`,
            env: { ...env, ...(wiring.length > 0 ? { WIRING: wiring.join(',') } : {}) },
            run: `helm install "$RELEASE" "$CHART" --namespace "$NAMESPACE" --create-namespace --set image.tag=kind --set image.pullPolicy=Never${wiring.length > 0 ? ' --set "$WIRING"' : ''} --wait --timeout 5m`,
          }),
        ];
      }),
      ...ordered.map((chart) =>
        runStep({
          name: `helm test ${chart.serviceName}`,
          env: { RELEASE: kindRelease(chart.serviceName), NAMESPACE: kindNamespace(chart.serviceName) },
          run: 'helm test "$RELEASE" --namespace "$NAMESPACE" --logs --timeout 2m',
        }),
      ),
      runStep({
        name: 'Cluster state on failure',
        if: status.failure,
        env: { NAMESPACES: ordered.map((c) => kindNamespace(c.serviceName)).join(' ') },
        run: [
          'kubectl get all,networkpolicy,pdb,hpa --all-namespaces -o wide',
          'for ns in $NAMESPACES; do',
          '  kubectl describe pods --namespace "$ns"',
          '  kubectl logs --namespace "$ns" --all-containers --selector app.kubernetes.io/managed-by=Helm --tail 200 || true',
          'done',
        ].join('\n'),
      }),
    ],
  });
  const gated: WorkflowJob[] = [changes.job, ...lintJobs, kind];
  addResultsGateJob(workflow, { runsOn: platform.runners.linux, jobs: gated, name: 'CI – Helm charts result' });
  return workflow;
}

/** The kind job's release of a service: not the service's name, as in a real cluster. */
function kindRelease(service: string): string {
  return `${service}-kind`;
}

/** The kind job's namespace of a service: one per service, so cross-namespace wiring is exercised. */
function kindNamespace(service: string): string {
  return `kind-${service}`;
}
