import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { evaluateCondition, partial, UNKNOWN } from '../../src/common/what-runs/github-expression';
import { whatRuns, type WhatRunsQuery } from '../../src/common/what-runs/what-runs';
import { pipelinesCommand } from '../../src/runtime/cli/pipelines';
import { helmBinary } from '../support/helm';
import { synthProject } from '../support/project';
import { runCliInProcess } from '../support/run-cli';

const files = synthProject();
const generated = Object.keys(files).filter((f) => /^(\.github|charts|deploy|docs)\//.test(f));

/** A git repository whose commits hold the given generated files (and projen's list of them). */
function repoWith(...revisions: Record<string, string>[]): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'plan-repo-'));
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  for (const [i, rev] of revisions.entries()) {
    for (const f of Object.keys(rev)) {
      mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      writeFileSync(path.join(dir, f), rev[f]!);
    }
    mkdirSync(path.join(dir, '.projen'), { recursive: true });
    writeFileSync(path.join(dir, '.projen/files.json'), JSON.stringify({ files: Object.keys(rev) }));
    git('add', '--all');
    git('commit', '-q', '--allow-empty', '-m', `revision ${i}`);
  }
  return dir;
}

const baseRevision = Object.fromEntries(generated.map((f) => [f, files[f]!]));
const editYaml = (text: string, edit: (doc: any) => void) => {
  const doc = YAML.parse(text);
  edit(doc);
  return YAML.stringify(doc);
};

describe('pipelines plan, on real revisions in a temporary repository', () => {
  let repo: string;
  beforeAll(() => {
    const head = { ...baseRevision };
    // A widened permission, a new action and secret, a new trigger, a removed job.
    head['.github/workflows/ci-test.yml'] = editYaml(files['.github/workflows/ci-test.yml']!, (d) => {
      d.jobs['test-tts'].permissions = { contents: 'write' };
      d.jobs['test-tts'].steps.push({
        name: 'Upload coverage',
        uses: 'codecov/codecov-action@0565863a31f2c772f9f0395002a31e3f06189574',
        with: { token: '${{ secrets.CODECOV_TOKEN }}' },
      });
    }).replace(/uses: codecov\/codecov-action@(\w+)/, 'uses: codecov/codecov-action@$1 # v5.4.0');
    head['.github/workflows/ci.yml'] = editYaml(files['.github/workflows/ci.yml']!, (d) => {
      d.on.schedule = [{ cron: '0 4 * * *' }];
      delete d.jobs.plan;
    });
    // A chart change a security review must see: the root filesystem made writable.
    head['charts/tts/templates/deployment.yaml'] = files['charts/tts/templates/deployment.yaml']!.replace(
      'readOnlyRootFilesystem: true',
      'readOnlyRootFilesystem: false',
    );
    repo = repoWith(baseRevision, head);
  });
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  const plan = (...args: string[]) =>
    runCliInProcess(pipelinesCommand, ['plan', '--repo', repo, '--helm', helmBinary(), ...args]);

  test('shows each change, the widened permission and the new secret first', async () => {
    const r = await plan('--base', 'HEAD~1', '--head', 'HEAD');
    expect(r.code).toBe(0);
    const attention = r.stdout.slice(r.stdout.indexOf('Needs a reviewer'), r.stdout.indexOf('\n\n.github'));
    expect(attention).toContain('! .github/workflows/ci-test.yml: job test-tts permission contents: read → write');
    expect(attention).toContain('! .github/workflows/ci-test.yml: newly references secrets.CODECOV_TOKEN');
    expect(r.stdout).toContain(
      '~ action codecov/codecov-action added at v5.4.0 (0565863a31f2c772f9f0395002a31e3f06189574)',
    );
    expect(r.stdout).toContain('+ trigger on.schedule: (none) → [{"cron":"0 4 * * *"}]');
    expect(r.stdout).toContain('- job plan removed');
    for (const values of ['values.yaml', 'values-staging.yaml', 'values-production.yaml']) {
      expect(r.stdout).toContain(
        `~ ${values}: Deployment/tts containers.tts.securityContext.readOnlyRootFilesystem: true → false`,
      );
    }
    expect(r.stdout).not.toContain('charts/agent');
  });

  test('as Markdown for the job summary, appended to --out', async () => {
    const out = path.join(repo, 'summary.md');
    writeFileSync(out, '# before\n');
    const r = await plan('--base', 'HEAD~1', '--head', 'HEAD', '--format', 'markdown', '--out', out);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^### Pipeline plan: `HEAD~1` → `HEAD`/);
    expect(r.stdout).toContain('| widened | job test-tts permission contents: read → write |');
    expect(readFileSync(out, 'utf8')).toBe(`# before\n${r.stdout}`);
  });

  test('identical revisions give an empty plan', async () => {
    const r = await plan('--base', 'HEAD', '--head', 'HEAD');
    expect(r).toMatchObject({ code: 0, stdout: 'No changes to the generated pipelines between HEAD and HEAD.\n' });
  });

  test('without Helm, a chart change is shown by template and values file', async () => {
    const r = await runCliInProcess(pipelinesCommand, ['plan', '--repo', repo, '--base', 'HEAD~1', '--head', 'HEAD'], {
      PATH: '/nonexistent',
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('template templates/deployment.yaml changed');
  });

  test('bad input exits 2 naming it', async () => {
    const r = await plan('--base', 'no-such-ref', '--head', 'HEAD');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`pipelines: --base "no-such-ref" is not a commit of ${repo}\n`);
    expect((await plan('--format', 'html')).code).toBe(2);
  });

  // Guards a past defect: an --out that is a folder ended in a stack trace.
  test('--out naming a folder exits 2 in one line, before any work', async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'plan-out-'));
    const r = await plan('--base', 'HEAD~1', '--head', 'HEAD', '--out', folder);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`pipelines: --out "${folder}": cannot write (is a folder)\n`);
  });

  // Guards a past defect: an entry of the file list outside the repository was read.
  test.each([
    ['charts/../../outside.txt', 'which is not a path inside the repository'],
    // Files at a revision are read one name per line: a line break in a name could name another object.
    ['charts/a\nHEAD:other', 'a path with a line break'],
  ])('a file list naming %j is refused, naming the entry', async (entry, why) => {
    const manifest = path.join(repo, '.projen', 'files.json');
    const before = readFileSync(manifest, 'utf8');
    try {
      writeFileSync(manifest, JSON.stringify({ files: ['.github/workflows/ci-test.yml', entry] }));
      const r = await runCliInProcess(pipelinesCommand, ['plan', '--repo', repo, '--base', 'HEAD']);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`pipelines: working tree: .projen/files.json lists ${JSON.stringify(entry)}, ${why}\n`);
    } finally {
      writeFileSync(manifest, before);
    }
  });

  // Guards a past defect: a revision that git would read as an option wrote a file.
  test.each([
    ['plan', '--base=--output=OUT'],
    ['plan', '--head=--output=OUT'],
    ['what-runs', '--base=--output=OUT'],
  ])('%s %s is refused as a revision and writes nothing', async (command, arg) => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'inject-')), 'x');
    const extra = command === 'what-runs' ? ['--event', 'push'] : ['--base', 'HEAD~1'];
    const r = await runCliInProcess(pipelinesCommand, [command, '--repo', repo, ...extra, arg.replace('OUT', out)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^pipelines: --(base|head) "--output=.*" is not a revision\n$/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('pipelines what-runs, on the generated workflows', () => {
  const workflows = new Map(Object.entries(files).filter(([f]) => f.startsWith('.github/workflows/')));
  const ask = (q: Partial<WhatRunsQuery> & Pick<WhatRunsQuery, 'event'>) => {
    const answers = whatRuns(workflows, { ref: 'main', changed: [], ...q });
    const job = (wf: string, id: string) =>
      answers.find((a) => a.file === `.github/workflows/${wf}.yml`)?.jobs.find((j) => j.id === id)?.verdict;
    const workflow = (wf: string) => answers.find((a) => a.file === `.github/workflows/${wf}.yml`)!;
    return { answers, job, workflow };
  };

  test('a pull request that changes one chart lints that chart only; the kind cluster waits for its label', () => {
    const a = ask({ event: 'pull_request', changed: ['charts/tts/values.yaml'] });
    expect(a.job('ci-helm-validate', 'lint-tts')).toBe('runs');
    expect(a.job('ci-helm-validate', 'lint-agent')).toBe('skipped');
    expect(a.job('ci-helm-validate', 'kind')).toBe('skipped');
    expect(a.job('ci-test', 'test-tts')).toBe('skipped');
    expect(a.job('ci-helm-validate', 'result')).toBe('runs');
    expect(
      ask({ event: 'pull_request', changed: ['charts/tts/values.yaml'], labels: ['kind'] }).job(
        'ci-helm-validate',
        'kind',
      ),
    ).toBe('runs');
  });

  test('a pull request that changes a service tests and builds that service, and pushes nothing', () => {
    const a = ask({ event: 'pull_request', changed: ['services/tts/app/main.py'] });
    expect(a.job('ci-test', 'test-tts')).toBe('runs');
    expect(a.job('ci-test', 'test-agent')).toBe('skipped');
    expect(a.job('ci-build', 'pr-build-tts-amd64')).toBe('runs');
    expect(a.job('ci-build', 'pr-build-agent-amd64')).toBe('skipped');
    expect(a.workflow('ci-build-push')).toMatchObject({ verdict: 'skipped', reason: 'no pull_request trigger' });
    expect(a.workflow('ci-smoke-test').verdict).toBe('skipped');
    expect(a.workflow('ci-performance')).toMatchObject({ verdict: 'skipped', reason: 'no pull_request trigger' });
  });

  test('a release tag builds, signs and attests, through the reusable workflows; branch-only workflows stay quiet', () => {
    const a = ask({ event: 'tag', ref: 'v1.2.3' });
    expect(a.job('ci-release', 'provenance')).toBe('runs');
    expect(a.job('ci-release', 'slsa-tts')).toBe('runs');
    expect(a.job('ci-release', 'verify')).toBe('runs');
    expect(a.job('ci-release', 'deploy-production')).toBe('runs');
    expect(a.workflow('ci-provenance')).toMatchObject({
      verdict: 'runs',
      reason: 'called by Release images (provenance)',
    });
    expect(a.workflow('ci-smoke-test').verdict).toBe('runs');
    expect(a.workflow('ci-build-push').verdict).toBe('skipped');
    expect(a.workflow('ci-test')).toMatchObject({ verdict: 'skipped', reason: 'push only for branches' });
    // A push to main publishes, signs (staging verifies the signature) and deploys to staging, never to production.
    const main = ask({ event: 'push', changed: ['services/agent/x.py'] });
    expect(main.job('ci-build-push', 'provenance')).toBe('runs');
    expect(main.job('ci-build-push', 'deploy-staging')).toBe('runs');
    expect(main.workflow('ci-release').verdict).toBe('skipped');
    expect(main.workflow('cd-deploy-production').verdict).toBe('skipped');
  });

  test('the nightly schedule runs the performance workflows, not the pull-request checks', () => {
    const a = ask({ event: 'schedule' });
    expect(a.workflow('ci-performance').verdict).toBe('runs');
    expect(a.workflow('ci-test').verdict).toBe('skipped');
  });

  test('a manual run of the chart checks lints every chart and skips kind unless asked', () => {
    const a = ask({ event: 'workflow_dispatch' });
    expect(a.job('ci-helm-validate', 'lint-tts')).toBe('runs');
    expect(a.job('ci-helm-validate', 'kind')).toBe('skipped');
  });
});

describe('GitHub expressions, three-valued', () => {
  const ctx = {
    github: partial({ event_name: 'push', event: partial({}) }),
    needs: { 'lint-tts': { result: 'skipped' } },
    inputs: {},
  };
  test.each([
    ["github.event_name == 'PUSH'", true], // strings compare without case
    ["contains(needs.*.result, 'skipped')", true],
    ["needs.lint-tts.result == 'success'", false],
    ['inputs.kind', false], // a missing input is null
    ['github.event.pull_request.head.repo.fork == true', UNKNOWN], // only the run knows
    ["github.event.pull_request.head.repo.fork && github.event_name == 'pull_request'", false],
    ['always() || github.event.x', true],
    ["format('{0}-{1}', 'a', 'b') == 'a-b'", true],
    ["'it''s' == 'IT''S'", true],
  ] as const)('%s → %s', (expression, expected) => {
    expect(evaluateCondition(`\${{ ${expression} }}`, ctx as any, { success: true })).toBe(expected);
  });

  test('success() is implied: a job whose needs were skipped is skipped unless its condition says otherwise', () => {
    expect(evaluateCondition("github.event_name == 'push'", ctx as any, { success: false })).toBe(false);
    expect(evaluateCondition("!cancelled() && github.event_name == 'push'", ctx as any, { success: false })).toBe(true);
  });
});

describe('what-runs follows workflow_run', () => {
  const workflows = new Map(Object.entries(files).filter(([f]) => f.startsWith('.github/workflows/')));
  test('a scheduled run on the default branch raises the alert job; a pull request does not', () => {
    const alerts = (q: WhatRunsQuery) => whatRuns(workflows, q).find((a) => a.file === '.github/workflows/alerts.yml')!;
    expect(alerts({ event: 'schedule', ref: 'main', changed: [] }).jobs[0]).toMatchObject({
      id: 'alert',
      verdict: 'runs',
    });
    expect(alerts({ event: 'pull_request', ref: 'main', changed: ['README.md'] }).verdict).toBe('skipped');
    // A push to main runs watched workflows, but the alert is for scheduled runs only.
    expect(alerts({ event: 'push', ref: 'main', changed: ['apps/VoiceTranscriber/App.swift'] }).jobs[0]).toMatchObject({
      verdict: 'skipped',
    });
  });
});
