// The construct kits and the platform model: what synthesis loads. The helper CLIs' logic is
// exported from ./helpers, so synthesis never loads their HTTP, histogram or schema libraries.
export * from './errors';
export * from './model/platform-definition';
export * from './model/platform';
export * from './model/cron';
export * from './output/generated-file';
export * from './output/pipeline-app';
export * from './output/yaml';
export * from './policy/policy';
export * from './policy/rules';
export * from './workflow/expressions';
export * from './workflow/permissions';
export * from './workflow/triggers';
export * from './workflow/steps';
export * from './workflow/job';
export * from './workflow/workflow';
export * from './workflow/actions';
export * from './dependabot/dependabot-config';
export * from './codeowners/code-owners';
export * from './workflow/jobs';
export { Construct } from 'constructs';
export * from './cli/contracts';
export * from './regression/thresholds';
export * from './k8s/service-chart';
export * from './k8s/helm/values';
export * from './k8s/helm/templates';
export * from './k8s/helm/helm-chart';
export * from './k8s/workload-rules';
