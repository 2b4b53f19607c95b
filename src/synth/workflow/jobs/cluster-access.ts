import { secret, variable } from '../expressions';
import { runStep, type JobStep } from '../steps';

/**
 * How a job reaches a Kubernetes cluster. `aws-oidc` stores no credential: the job trades its
 * GitHub OIDC token for a one-hour role session (the role's trust policy names the GitHub
 * environment, so only jobs of that environment can assume it). `kubeconfig` reads a kubeconfig
 * from a secret of the GitHub environment.
 */
export type ClusterAccessProps =
  | {
      readonly kind: 'aws-oidc';
      readonly region: string;
      /** EKS cluster name. */
      readonly cluster: string;
      /** The `vars.*` variable (of the GitHub environment) holding the role ARN. */
      readonly roleArnVariable: string;
    }
  | {
      readonly kind: 'kubeconfig';
      /** The secret (of the GitHub environment) holding the kubeconfig. */
      readonly secret: string;
    };

/** The id of the step that leaves `KUBECONFIG` set: a later step may ask whether the cluster is reachable. */
export const CLUSTER_ACCESS_STEP_ID = 'cluster-access';

/** Where the kubeconfig is written; `KUBECONFIG` points there for the job's later steps. */
const KUBECONFIG_PATH = '"$RUNNER_TEMP/kubeconfig"';

/**
 * Steps that leave `KUBECONFIG` set for the rest of the job. The AWS way needs `id-token: write`
 * and uses only the AWS CLI and kubectl of GitHub's Ubuntu image (no third-party action); the
 * credentials are masked and exported to the job's environment, as the EKS token plugin reads them.
 */
export function clusterAccessSteps(access: ClusterAccessProps): JobStep[] {
  if (access.kind === 'kubeconfig') {
    return [
      runStep({
        name: "Cluster access (kubeconfig from the environment's secret)",
        id: CLUSTER_ACCESS_STEP_ID,
        env: { KUBECONFIG_CONTENT: secret(access.secret) },
        run: [
          '[[ -n "$KUBECONFIG_CONTENT" ]] || { echo "::error::the environment has no kubeconfig secret (or it is empty)"; exit 1; }',
          `umask 077 && printf '%s\\n' "$KUBECONFIG_CONTENT" > ${KUBECONFIG_PATH}`,
          `echo "KUBECONFIG=${KUBECONFIG_PATH.slice(1, -1)}" >> "$GITHUB_ENV"`,
        ].join('\n'),
      }),
    ];
  }
  return [
    runStep({
      name: 'Cluster access (AWS role through GitHub OIDC, EKS)',
      id: CLUSTER_ACCESS_STEP_ID,
      env: { ROLE_ARN: variable(access.roleArnVariable), AWS_REGION: access.region, CLUSTER: access.cluster },
      run: [
        `[[ "$ROLE_ARN" == arn:aws:iam::* ]] || { echo "::error::vars.${access.roleArnVariable} of the environment must hold the deploy role's ARN"; exit 1; }`,
        'token="$(curl -sSf -H "Authorization: bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN" "$ACTIONS_ID_TOKEN_REQUEST_URL&audience=sts.amazonaws.com" | jq -r .value)"',
        'creds="$(aws sts assume-role-with-web-identity --role-arn "$ROLE_ARN" --role-session-name "github-$GITHUB_RUN_ID-$GITHUB_RUN_ATTEMPT" \\',
        '  --web-identity-token "$token" --duration-seconds 3600 --query Credentials --output json)"',
        'for pair in AWS_ACCESS_KEY_ID:AccessKeyId AWS_SECRET_ACCESS_KEY:SecretAccessKey AWS_SESSION_TOKEN:SessionToken; do',
        '  value="$(jq -r ".${pair#*:}" <<< "$creds")"',
        '  echo "::add-mask::$value"',
        '  echo "${pair%%:*}=$value" >> "$GITHUB_ENV"',
        'done',
        'echo "AWS_REGION=$AWS_REGION" >> "$GITHUB_ENV"',
        `AWS_ACCESS_KEY_ID="$(jq -r .AccessKeyId <<< "$creds")" AWS_SECRET_ACCESS_KEY="$(jq -r .SecretAccessKey <<< "$creds")" AWS_SESSION_TOKEN="$(jq -r .SessionToken <<< "$creds")" \\`,
        `  aws eks update-kubeconfig --name "$CLUSTER" --region "$AWS_REGION" --kubeconfig ${KUBECONFIG_PATH}`,
        `chmod 600 ${KUBECONFIG_PATH}`,
        `echo "KUBECONFIG=${KUBECONFIG_PATH.slice(1, -1)}" >> "$GITHUB_ENV"`,
      ].join('\n'),
    }),
  ];
}

/** What each way of access needs from the job's token. */
export function clusterAccessPermissions(access: ClusterAccessProps): { idToken?: 'write' } {
  return access.kind === 'aws-oidc' ? { idToken: 'write' } : {};
}
