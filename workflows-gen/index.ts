import * as path from 'node:path';
import { alertsWorkflow } from './alerts';
import { appReleaseWorkflow, appRollbackWorkflow } from './app-release';
import { cacheCleanupWorkflow } from './cache-cleanup';
import { cdDeployWorkflows } from './cd-deploy';
import { cdRollbackWorkflow } from './cd-rollback';
import { serviceCharts } from './charts';
import { repoCiWorkflow } from './ci';
import { ciAppWorkflow } from './ci-app';
import { ciAppCodeqlWorkflow } from './ci-app-codeql';
import { ciAppPerformanceWorkflow } from './ci-app-performance';
import { ciBuildWorkflow } from './ci-build';
import { ciBuildPushWorkflow } from './ci-build-push';
import { ciHelmValidateWorkflow } from './ci-helm-validate';
import { ciPerformanceWorkflow } from './ci-performance';
import { ciProvenanceWorkflow } from './ci-provenance';
import { ciReleaseWorkflow, releaseVerificationSteps } from './ci-release';
import { ciSecurityDepsWorkflow } from './ci-security-deps';
import { ciSecurityImagesWorkflow } from './ci-security-images';
import { ciSmokeTestWorkflow } from './ci-smoke-test';
import { ciTestWorkflow } from './ci-test';
import { codeOwners, dependabotConfig, ecosystemsOf } from './dependabot';
import { PLATFORM } from './platform';
import { updateActionsWorkflow } from './update-actions';
import {
  ActionPins,
  CicdCatalogue,
  Expression,
  ComposeFile,
  defaultRules,
  MonitoringDoc,
  PipelineApp,
  Platform,
  RunbookDoc,
  ServiceContractDoc,
  type PlatformDefinition,
} from '../src';

/** Options of {@link buildPipelines}. */
export interface BuildPipelinesOptions {
  /** @default - the embedded platform definition (workflows-gen/platform.ts) */
  readonly definition?: PlatformDefinition;
  /** @default - actions.lock.json at the repository root */
  readonly pinsFile?: string;
}

/** The lock file of pinned actions. */
export const ACTIONS_LOCK = path.join(__dirname, '..', 'actions.lock.json');

/** Builds the whole construct tree of this platform's pipelines. Call `synth()` on the result. */
export function buildPipelines(options: BuildPipelinesOptions = {}): PipelineApp {
  const platform = Platform.fromDefinition(options.definition ?? PLATFORM);
  const pins = ActionPins.fromFile(options.pinsFile ?? ACTIONS_LOCK);
  const app = new PipelineApp({ pins, rules: defaultRules({ pins, requiredEcosystems: ecosystemsOf(platform) }) });
  const charts = serviceCharts(app, platform);
  const compose = new ComposeFile(app, 'compose', { platform });
  const smokeTest = ciSmokeTestWorkflow(app, platform, compose);
  const imageScan = ciSecurityImagesWorkflow(app, platform);
  const provenance = ciProvenanceWorkflow(app, platform);
  const deploy = cdDeployWorkflows(app, platform);
  const appPerformance = ciAppPerformanceWorkflow(app, platform);
  const release = ciReleaseWorkflow(app, platform, pins, { smokeTest, imageScan, provenance, deploy });
  const workflows = [
    ciTestWorkflow(app, platform),
    ciBuildWorkflow(app, platform),
    ciBuildPushWorkflow(app, platform, { smokeTest, imageScan, provenance, deploy }),
    release,
    smokeTest,
    imageScan,
    provenance,
    ...deploy.values(),
    cdRollbackWorkflow(app, platform),
    appReleaseWorkflow(app, platform, appPerformance),
    appRollbackWorkflow(app, platform),
    ciSecurityDepsWorkflow(app, platform),
    ciAppWorkflow(app, platform),
    ciAppCodeqlWorkflow(app, platform),
    appPerformance,
    cacheCleanupWorkflow(app, platform),
    ciPerformanceWorkflow(app, platform, compose),
    ciHelmValidateWorkflow(app, platform, charts),
    repoCiWorkflow(app, platform),
    updateActionsWorkflow(app, platform),
  ].filter((w) => w !== undefined);
  // Scheduled workflows report their failures as issues, from one workflow that alone may write them.
  const alerts = alertsWorkflow(
    app,
    platform,
    workflows.filter((x) => (x.triggers.schedule ?? []).length > 0),
  );
  workflows.push(alerts);
  dependabotConfig(app, platform);
  codeOwners(app, platform);
  const [firstService] = platform.services;
  new CicdCatalogue(app, 'cicd-catalogue', {
    workflows,
    charts,
    defaultBranch: platform.defaultBranch,
    releaseTag: `v${platform.version}`,
    changeKinds: [
      ...(firstService
        ? [{ label: `a service (\`${firstService.path}/\`)`, files: [`${firstService.path}/app/main.py`] }]
        : []),
      ...charts
        .slice(0, 1)
        .map((c) => ({ label: `a chart (\`${c.directory}/\`)`, files: [`${c.directory}/values.yaml`] })),
      { label: `the app (\`${platform.app.path}/\`)`, files: [`${platform.app.path}/Sources/App.swift`] },
      {
        label: 'the pipeline definitions (`workflows-gen/`, regenerated YAML)',
        files: ['workflows-gen/ci-test.ts', '.github/workflows/ci-test.yml'],
      },
      { label: 'docs only (`README.md`)', files: ['README.md'] },
    ],
  });
  new ServiceContractDoc(app, 'service-contract', { platform });
  new RunbookDoc(app, 'runbook', {
    platform,
    workflows,
    // The commands for one image: the runbook has the person set IMAGE and DIGEST, so the subject's are left out.
    releaseVerification: platform.services[0]
      ? releaseVerificationSteps(platform, pins, {
          service: platform.services[0].name,
          image: platform.services[0].imageRepository,
          digest: Expression.raw('env.DIGEST'),
        })
      : undefined,
    actionUpdates: workflows.find((w) => w.filePath.endsWith('/update-actions.yml')),
  });
  new MonitoringDoc(app, 'monitoring', { platform, workflows, alerts });
  return app;
}
