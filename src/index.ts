// Synthesis: the platform model and the construct kits (src/synth), with what they share with the
// CLI runtime (src/common). The CLIs' logic is exported from ./runtime, so synthesis never loads
// their HTTP, histogram or schema libraries.
export { Construct } from 'constructs';
export * from './common/errors';
export * from './common/cli-contracts';
export * from './common/build-metadata-attestation';
export * from './common/regression-thresholds';
export * from './common/performance-scenarios';
export * from './common/canary-metrics';
export * from './synth/model/platform-definition';
export * from './synth/model/platform';
export * from './synth/model/cron';
export * from './synth/model/naming';
export * from './synth/model/credentials';
export * from './synth/model/cache-families';
export {
  ACTIONS_UPDATE_TOKEN,
  APP_HEALTH_SETTINGS,
  APP_RELEASE_SECRETS,
  APPLE_TEAM_VARIABLE,
  BRANCH_PUSH_ATTEMPTS,
  CANARY_CHECK_INTERVAL_SECONDS,
  CANARY_RELEASE_SUFFIX,
  CRD_SCHEMA_LOCATION,
  DEFAULT_METRICS_PATH,
  IMAGES_PER_JOB,
  KUBERNETES_MINIMUM,
  PROMETHEUS_SETTINGS,
  SERVES_LABEL,
  WATCH_RATE_RPS,
  WEEKDAYS,
} from './synth/model/limits';
export * from './synth/pins/action-pins';
export * from './synth/output/generated-file';
export * from './synth/output/pipeline-app';
export * from './synth/output/yaml';
export * from './synth/policy/policy';
export * from './synth/policy/github-limits';
export * from './synth/policy/guards';
export * from './synth/policy/rules/index';
export * from './synth/workflow/expressions';
export * from './synth/workflow/permissions';
export * from './synth/workflow/triggers';
export * from './synth/workflow/steps';
export * from './synth/workflow/cli-step';
export * from './synth/workflow/job-base';
export * from './synth/workflow/job';
export * from './synth/workflow/call-job';
export * from './synth/workflow/workflow';
export * from './synth/workflow/actions/index';
export * from './synth/workflow/jobs/index';
export * from './synth/dependabot/dependabot-config';
export * from './synth/codeowners/code-owners';
export * from './synth/compose/compose-file';
export * from './synth/k8s/service-chart';
export * from './synth/k8s/helm/values';
export * from './synth/k8s/helm/values-ref';
export type { ValueContext, ValueRow, ValueSpec, ValuesOf, ValuesTable } from './synth/k8s/helm/values-table';
export * from './synth/k8s/helm/templates';
export * from './synth/k8s/helm/helm-chart';

export * from './synth/docs/cicd-catalogue';
export * from './synth/docs/service-contract';
export * from './synth/docs/runbook';
export * from './synth/docs/monitoring';
