import {
  checkout, Expression, github, input, kindCluster, READ_CONTENTS, runStep, SecureWorkflow, setupHelm,
  type Construct, type HelmChart, type JobStep, type Platform,
} from '../src';

/**
 * `.github/workflows/ci-helm-validate.yml`: helm lint --strict, helm template and kubeconform for
 * every chart with every values file; optionally (manual input or the `kind` PR label) installs
 * the charts in a kind cluster with --wait and runs their `helm test` hooks.
 */
export function ciHelmValidateWorkflow(scope: Construct, platform: Platform, charts: readonly HelmChart[]): SecureWorkflow {
  const self = '.github/workflows/ci-helm-validate.yml';
  const paths = ['charts/**', self];
  const t = platform.toolchain;
  const workflow = new SecureWorkflow(scope, 'ci-helm-validate', {
    name: 'CI – Helm charts',
    description: 'Lints and renders every chart with every values file and validates the output with kubeconform; on request installs the charts in a kind cluster and runs helm test.',
    triggers: {
      push: { branches: [platform.defaultBranch], paths },
      pullRequest: { paths, types: ['opened', 'synchronize', 'reopened', 'labeled'] },
      workflowDispatch: { inputs: { kind: { description: 'Also install the charts in a kind cluster and run helm test', type: 'boolean', default: false } } },
    },
  });
  const environments = platform.definition.environments.map((e) => e.name);
  const installKubeconform = runStep({
    name: `Install kubeconform ${t.kubeconform}`,
    // go install verifies the module against the Go checksum database: pinned by version and checksum.
    env: { KUBECONFORM_VERSION: t.kubeconform },
    run: 'go install "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION"\necho "$(go env GOPATH)/bin" >> "$GITHUB_PATH"',
  });

  const lintJobs = charts.map((chart) => {
    const name = chart.serviceName;
    const check = (set: string, valuesArgs: string): JobStep => runStep({
      name: `Lint, render and validate (${set} values)`,
      env: { CHART: chart.directory, RELEASE: name, VALUES_SET: set, KUBERNETES_VERSION: t.kubernetes },
      run: [
        `helm lint --strict "$CHART"${valuesArgs}`,
        'mkdir -p rendered',
        `helm template "$RELEASE" "$CHART"${valuesArgs} > "rendered/$RELEASE-$VALUES_SET.yaml"`,
        'kubeconform -strict -summary -kubernetes-version "$KUBERNETES_VERSION" "rendered/$RELEASE-$VALUES_SET.yaml"',
      ].join('\n'),
    });
    return workflow.addJob(`lint-${name}`, {
      name: `Lint and validate (${name})`,
      runsOn: platform.runners.linux,
      permissions: READ_CONTENTS,
      timeoutMinutes: 10,
      steps: [
        checkout(),
        setupHelm({ version: t.helm }),
        installKubeconform,
        check('default', ''),
        ...environments.map((env) => check(env, ` --values "$CHART/values-${env}.yaml"`)),
      ],
    });
  });

  // Install order: a service before the services that call it.
  const ordered = [...charts].sort((a, b) => platform.service(a.serviceName).calls.length - platform.service(b.serviceName).calls.length);
  const clusterName = 'charts';
  workflow.addJob('kind', {
    name: 'Install in kind and run helm test',
    runsOn: platform.runners.linux,
    permissions: READ_CONTENTS,
    timeoutMinutes: 30,
    needs: lintJobs,
    if: github.eventName.eq('workflow_dispatch').and(input('kind'))
      .or(Expression.raw("contains(github.event.pull_request.labels.*.name, 'kind')")),
    steps: [
      checkout(),
      setupHelm({ version: t.helm }),
      kindCluster({ version: t.kind, clusterName }),
      ...ordered.flatMap((chart): JobStep[] => {
        const name = chart.serviceName;
        const env = { RELEASE: name, CHART: chart.directory, CONTEXT: platform.service(name).path, IMAGE: chart.values.image.repository, CLUSTER: clusterName };
        return [
          runStep({
            name: `Build and load the ${name} image`,
            env,
            run: 'docker build --tag "$IMAGE:kind" "$CONTEXT"\nkind load docker-image "$IMAGE:kind" --name "$CLUSTER"',
          }),
          runStep({
            name: `Install ${name} and wait until ready`,
            env,
            run: 'helm install "$RELEASE" "$CHART" --set image.tag=kind --set image.pullPolicy=Never --wait --timeout 5m',
          }),
        ];
      }),
      ...ordered.map((chart) => runStep({ name: `helm test ${chart.serviceName}`, env: { RELEASE: chart.serviceName }, run: 'helm test "$RELEASE" --logs --timeout 2m' })),
      runStep({ name: 'Cluster state on failure', if: Expression.raw('failure()'), run: 'kubectl get all,networkpolicy,pdb,hpa -o wide\nkubectl describe pods\nkubectl logs --all-containers --selector app.kubernetes.io/managed-by=Helm --tail 200 || true' }),
    ],
  });
  return workflow;
}
