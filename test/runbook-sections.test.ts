import * as path from 'node:path';
import * as YAML from 'yaml';
import {
  ActionPins,
  CACHE_FAMILIES,
  credentialCatalogue,
  defaultRules,
  PipelineApp,
  Platform,
  runStep,
  secret,
  SecureWorkflow,
  setupNode,
  variable,
} from '../src';
import { cachesSection } from '../src/synth/docs/runbook-caches';
import { credentialsSection } from '../src/synth/docs/runbook-credentials';
import { emergencySection } from '../src/synth/docs/runbook-emergency';
import { renderedWorkflow } from '../src/synth/docs/workflow-facts';
import { buildPipelines } from '../workflows-gen';
import { PLATFORM } from '../workflows-gen/platform';

const pins = ActionPins.fromFile(path.join(__dirname, '..', 'actions.lock.json'));
const platform = Platform.fromDefinition(PLATFORM);

/** A workflow whose one job (in `environment`, if given) reads the given secrets and variables. */
function reading(o: { secrets?: string[]; variables?: string[]; environment?: string }): SecureWorkflow {
  const app = new PipelineApp({ pins, rules: defaultRules({ pins, requiredEcosystems: [] }) });
  const wf = new SecureWorkflow(app, 'reader', {
    name: 'Reader',
    description: 'd',
    triggers: { push: { branches: ['main'] } },
  });
  const env = Object.fromEntries([
    ...(o.secrets ?? []).map((n) => [n, secret(n)]),
    ...(o.variables ?? []).map((n) => [n, variable(n)]),
  ]);
  wf.addJob('read', {
    name: 'read',
    runsOn: 'ubuntu-24.04',
    permissions: {},
    timeoutMinutes: 5,
    environment: o.environment,
    steps: [runStep({ name: 's', env, run: 'true' })],
  });
  return wf;
}

describe("the runbook's rotation section", () => {
  test('a workflow reading a secret the catalogue does not describe fails synthesis, naming the job and the secret', () => {
    expect(() => credentialsSection(platform, [reading({ secrets: ['PAGER_TOKEN'] })])).toThrow(
      'RunbookDoc: reader.yml/read reads the secret PAGER_TOKEN, which src/synth/model/credentials.ts does not describe (what it is and how to rotate it)',
    );
  });

  test('a name the catalogue knows as a variable, read as a secret, is refused too', () => {
    expect(() => credentialsSection(platform, [reading({ secrets: ['APPLE_TEAM_ID'] })])).toThrow(
      'reads the secret APPLE_TEAM_ID',
    );
  });

  test("where it is set comes from the reading jobs: an environment's job needs the environment's value, a job without one the repository's", () => {
    const text = credentialsSection(platform, [
      reading({ secrets: ['SPARKLE_ED_PRIVATE_KEY'], environment: 'app-beta' }),
      reading({ variables: ['APPLE_TEAM_ID'] }),
    ]).join('\n');
    expect(text).toContain('| `SPARKLE_ED_PRIVATE_KEY` | secret | environment `app-beta` | reader.yml |');
    expect(text).toContain('Set it: `gh secret set SPARKLE_ED_PRIVATE_KEY --env app-beta`.');
    expect(text).toContain('Set it: `gh variable set APPLE_TEAM_ID --body <value>`.');
  });

  test("every deploy environment's cluster access is described, one entry per name shared by several environments", () => {
    const deployRole = credentialCatalogue(platform).get('DEPLOY_ROLE_ARN')!;
    expect(deployRole.kind).toBe('variable');
    for (const d of platform.deployments) expect(deployRole.what).toContain(`${d.githubEnvironment}: EKS`);
  });
});

describe("the runbook's cache section", () => {
  const withSteps = (steps: Parameters<SecureWorkflow['addJob']>[1]['steps']) => {
    const app = new PipelineApp({ pins, rules: defaultRules({ pins, requiredEcosystems: [] }) });
    const wf = new SecureWorkflow(app, 'cached', {
      name: 'Cached',
      description: 'd',
      triggers: { push: { branches: ['main'] } },
    });
    wf.addJob('j', { name: 'j', runsOn: 'ubuntu-24.04', permissions: {}, timeoutMinutes: 5, steps });
    return wf;
  };

  test('lists a family only when a workflow writes it, with its key prefix and the workflow', () => {
    const text = cachesSection([withSteps([setupNode({ nodeVersion: '20', cache: 'npm' })])]).join('\n');
    expect(text).toMatch(
      new RegExp(`\\| npm \\| \`${CACHE_FAMILIES.npm.keyPrefixes[0]}\` \\| .* \\| cached\\.yml \\|`),
    );
    expect(text).not.toContain('| uv |');
    expect(cachesSection([withSteps([setupNode({ nodeVersion: '20' })])]).join('\n')).not.toContain('| npm |');
  });
});

describe("the runbook's emergency section", () => {
  test('names as required checks the result job of each pull-request workflow, and only those', () => {
    const app = new PipelineApp({ pins, rules: defaultRules({ pins, requiredEcosystems: [] }) });
    const gate = (id: string, triggers: ConstructorParameters<typeof SecureWorkflow>[2]['triggers']) => {
      const wf = new SecureWorkflow(app, id, { name: id, description: 'd', triggers });
      wf.addJob('result', {
        name: `${id} result`,
        runsOn: 'ubuntu-24.04',
        permissions: {},
        timeoutMinutes: 5,
        steps: [runStep({ name: 's', run: 'true' })],
      });
      return wf;
    };
    const text = emergencySection([
      gate('checks', { pullRequest: {} }),
      gate('nightly', { schedule: ['0 3 * * *'] }),
    ]).join('\n');
    expect(text).toContain('`checks result`');
    expect(text).not.toContain('nightly result');
  });
});

describe('the workflows the docs read', () => {
  test("each workflow's plain data is exactly what its generated YAML reads back as (the docs read that, never parse)", () => {
    const app = buildPipelines();
    const workflows = app.node.findAll().filter((c): c is SecureWorkflow => c instanceof SecureWorkflow);
    expect(workflows.length).toBeGreaterThan(10);
    for (const w of workflows) {
      expect({ [w.node.id]: renderedWorkflow(w).data }).toEqual({ [w.node.id]: YAML.parse(w.render().text) });
    }
  });
});
