import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { PLATFORM } from '../workflows-gen/platform';
import { GENERATED_FOLDERS, generatedPaths, REPO_ROOT, synthProject } from './support/project';

const files = synthProject();
const generated = generatedPaths(files);
// Files projen manages (it also writes a sample README.md once, which is then ours to edit).
const managed: string[] = [...JSON.parse(files['.projen/files.json']!).files, '.projen/files.json'].sort();

describe('generated files', () => {
  test('the expected files are generated', () => {
    const chart = (name: string) =>
      [
        'Chart.yaml',
        'README.md',
        'templates/NOTES.txt',
        'templates/_helpers.tpl',
        'templates/configmap.yaml',
        'templates/deployment.yaml',
        'templates/hpa.yaml',
        'templates/httproute.yaml',
        'templates/servicemonitor.yaml',
        'templates/networkpolicy.yaml',
        'templates/pdb.yaml',
        'templates/service.yaml',
        'templates/serviceaccount.yaml',
        'templates/tests/test-connection.yaml',
        'values-production.yaml',
        'values-staging.yaml',
        'values.schema.json',
        'values.yaml',
      ].map((f) => `charts/${name}/${f}`);
    expect(generated).toEqual(
      [
        '.github/CODEOWNERS',
        '.github/dependabot.yml',
        '.github/workflows/cache-cleanup.yml',
        '.github/workflows/ci-app-codeql.yml',
        '.github/workflows/ci-app-performance.yml',
        '.github/workflows/ci-app.yml',
        '.github/workflows/ci-build.yml',
        '.github/workflows/ci-build-push.yml',
        '.github/workflows/ci-release.yml',
        '.github/workflows/ci-helm-validate.yml',
        '.github/workflows/ci-performance.yml',
        '.github/workflows/ci-provenance.yml',
        '.github/workflows/ci-security-deps.yml',
        '.github/workflows/ci-security-images.yml',
        '.github/workflows/ci-smoke-test.yml',
        '.github/workflows/ci-test.yml',
        '.github/workflows/ci.yml',
        '.github/workflows/update-actions.yml',
        '.github/workflows/alerts.yml',
        '.github/workflows/cd-deploy-staging.yml',
        '.github/workflows/cd-deploy-production.yml',
        '.github/workflows/cd-rollback.yml',
        '.github/workflows/app-release.yml',
        '.github/workflows/app-rollback.yml',
        'deploy/compose.yaml',
        'docs/CICD.md',
        'docs/service-contract.md',
        'docs/ci-cd-runbook.md',
        'docs/MONITORING.md',
        ...PLATFORM.services.flatMap((s) => chart(s.name)),
      ].sort(),
    );
  });

  // One snapshot per file, so a review shows exactly which file changed.
  test.each(generated)('%s matches its snapshot', (file) => {
    expect(files[file]).toMatchSnapshot();
  });

  test('docs/CICD.md lists every generated workflow and chart', () => {
    for (const file of generated.filter((f) => f.startsWith('.github/workflows/') || f.endsWith('/Chart.yaml'))) {
      expect(files['docs/CICD.md']).toContain(
        `\`${file.endsWith('Chart.yaml') ? file.replace('/Chart.yaml', '') : file}\``,
      );
    }
  });

  test('every workflow has a Mermaid graph of its jobs in the catalogue, and a section in the runbook and the monitoring page', () => {
    for (const file of generated.filter((f) => f.startsWith('.github/workflows/'))) {
      const wf = YAML.parse(files[file]!);
      const section = files['docs/CICD.md']!.split(/^## /m).find((s) => s.startsWith(`${wf.name}\n`))!;
      expect(section).toContain('```mermaid\nflowchart LR');
      for (const [id, job] of Object.entries<any>(wf.jobs)) {
        for (const need of [job.needs ?? []].flat()) {
          expect(section).toContain(`  ${need.replace(/-/g, '_')} --> ${id.replace(/-/g, '_')}`);
        }
      }
      expect(files['docs/ci-cd-runbook.md']).toContain(`### ${wf.name}\n`);
      expect(files['docs/ci-cd-runbook.md']).toContain(`File: \`${file}\`.`);
      expect(files['docs/MONITORING.md']).toContain(`| ${wf.name} |`);
    }
  });

  test('the runbook verifies a release image with exactly the commands the release workflow runs for every image', () => {
    // The verify job runs each check for every image in a loop; the runbook gives the loop's body, for one image.
    const verify = YAML.parse(files['.github/workflows/ci-release.yml']!).jobs.verify.steps.filter((s: any) =>
      s.name.startsWith('Verify'),
    );
    expect(verify.map((s: any) => s.name)).toEqual([
      'Verify the cosign signature (every image)',
      'Verify the build metadata attestation (every image)',
      'Verify the GitHub build-provenance attestation (every image)',
      'Verify the SLSA provenance (every image)',
    ]);
    const runbook = files['docs/ci-cd-runbook.md']!;
    for (const step of verify) {
      const lines: string[] = step.run.trimEnd().split('\n');
      expect(lines.slice(0, 2)).toEqual([
        'for subject in $SUBJECTS; do',
        '  IMAGE="${subject%@*}" DIGEST="${subject##*@}"',
      ]);
      expect(lines[lines.length - 1]).toBe('done');
      const body = lines
        .slice(2, -1)
        .map((l) => l.replace(/^ {2}/, ''))
        .join('\n');
      expect(runbook).toContain(`${step.name.replace(' (every image)', '')}:\n\n\`\`\`bash\nexport `);
      expect(runbook).toContain(`\n${body}\n\`\`\``);
      // The images the loop runs over: every service's, by the digest its publish job output.
      expect(step.env.SUBJECTS).toBe(
        ['tts', 'agent']
          .map((s) => `ghcr.io/voice-platform/${s}@\${{ needs.publish-1.outputs.${s}-digest }}`)
          .join(' '),
      );
    }
    expect(runbook).toContain(
      "SIGNER_IDENTITY='https://github.com/voice-platform/voice-platform/.github/workflows/ci-provenance.yml@refs/tags/v0.1.0'",
    );
  });

  // JSON has no comments: values.schema.json is listed as generated in .projen/files.json only.
  test.each(generated.filter((f) => !f.endsWith('.json')))('%s carries the generated-file marker', (file) => {
    expect(files[file]).toMatch(
      /^(# |<!-- |\{\{- \/\* )~~ Generated by projen\. To modify, edit \.projenrc\.ts and run "npx projen"\./,
    );
  });
});

describe('drift', () => {
  // Every file projen manages (package.json, tasks, tsconfigs, generated YAML) equals a fresh synthesis.
  test('every generated file is managed by projen', () => {
    expect(generated.filter((f) => !managed.includes(f))).toEqual([]);
  });

  test.each(managed)('committed %s equals a fresh synthesis', (file) => {
    const onDisk = path.join(REPO_ROOT, file);
    expect(existsSync(onDisk)).toBe(true);
    expect(readFileSync(onDisk, 'utf8')).toBe(files[file]);
  });

  test.each([...GENERATED_FOLDERS])('generated folder %s holds no stray file', (folder) => {
    const listed = new Set(
      JSON.parse(readFileSync(path.join(REPO_ROOT, '.projen', 'files.json'), 'utf8')).files as string[],
    );
    const onDisk = readdirSync(path.join(REPO_ROOT, folder), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => path.relative(REPO_ROOT, path.join(e.parentPath, e.name)));
    const stray = onDisk.filter((f) => !listed.has(f));
    expect(stray).toEqual([]);
  });

  test('reviewed YAML is not collapsed as linguist-generated in pull requests', () => {
    const attributes = files['.gitattributes'];
    for (const file of generated) {
      expect(attributes).not.toMatch(new RegExp(`^/${file.replace(/\./g, '\\.')} .*linguist-generated`, 'm'));
    }
    expect(attributes).toMatch(/^\/package\.json linguist-generated$/m);
  });
});
