import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { generatedPaths, synthProject } from './support/project';

const files = synthProject();
const workflow = YAML.parse(files['.github/workflows/cache-cleanup.yml']!) as {
  jobs: Record<string, any>;
  on: Record<string, unknown>;
};
const job = workflow.jobs.cleanup;
const script: string = job.steps.find(
  (s: any) => s.name === 'Delete caches of older models and closed pull requests',
).run;

const CURRENT = 'models-3f2a';
const caches = [
  { id: 1, key: CURRENT, ref: 'refs/heads/main', sizeInBytes: 900 * 1048576 },
  { id: 2, key: 'models-0ld1', ref: 'refs/heads/main', sizeInBytes: 800 * 1048576 },
  { id: 3, key: 'swiftpm-macOS-ab', ref: 'refs/pull/7/merge', sizeInBytes: 10 * 1048576 },
  { id: 4, key: 'swiftpm-macOS-cd', ref: 'refs/pull/8/merge', sizeInBytes: 10 * 1048576 },
  { id: 5, key: 'node-cache-Linux', ref: 'refs/heads/main', sizeInBytes: 50 * 1048576 },
  { id: 6, key: 'npm-x', ref: 'refs/pull/17/merge', sizeInBytes: 1048576 },
];

/** Runs the generated script with a stand-in `gh` that serves the caches above and records deletions. */
function runCleanup(env: Record<string, string>) {
  const dir = mkdtempSync(path.join(tmpdir(), 'cache-cleanup-'));
  const bin = path.join(dir, 'bin');
  spawnSync('mkdir', [bin]);
  writeFileSync(path.join(dir, 'caches.json'), JSON.stringify(caches));
  writeFileSync(
    path.join(bin, 'gh'),
    [
      '#!/usr/bin/env bash',
      'case "$1 $2" in',
      `  "cache list") cat "${dir}/caches.json" ;;`,
      '  "pr list") echo "[8, 70]" ;;', // open pull requests (--jq already applied)
      `  "cache delete") echo "$3" >> "${dir}/deleted" ;;`,
      '  *) echo "unexpected gh $*" >&2; exit 3 ;;',
      'esac',
    ].join('\n'),
  );
  chmodSync(path.join(bin, 'gh'), 0o755);
  const summary = path.join(dir, 'summary.md');
  writeFileSync(path.join(dir, 'step.sh'), script);
  // As GitHub runs a `shell: bash` step.
  const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', path.join(dir, 'step.sh')], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: `${bin}:${process.env.PATH}`,
      GITHUB_STEP_SUMMARY: summary,
      MODELS_PREFIX: 'models-',
      CURRENT_MODELS_KEY: CURRENT,
      DRY_RUN: '',
      ...env,
    },
    encoding: 'utf8',
    timeout: 30_000,
  });
  const deleted = existsSync(path.join(dir, 'deleted'))
    ? readFileSync(path.join(dir, 'deleted'), 'utf8').trim().split('\n').map(Number)
    : [];
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    deleted,
    summary: existsSync(summary) ? readFileSync(summary, 'utf8') : '',
  };
}

describe('cache-cleanup workflow', () => {
  test('is generated, scheduled and on demand, and holds only the grants it uses', () => {
    expect(generatedPaths(files)).toContain('.github/workflows/cache-cleanup.yml');
    expect(Object.keys(workflow.on).sort()).toEqual(['schedule', 'workflow_dispatch']);
    expect(job.permissions).toEqual({ actions: 'write', contents: 'read', 'pull-requests': 'read' });
  });

  test('deletes models of an older models.json and caches of closed pull requests, keeps the rest', () => {
    const r = runCleanup({});
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.deleted.sort()).toEqual([2, 3, 6]);
    expect(r.summary).toContain('| models-0ld1 | refs/heads/main | 800 | models of an older models.json |');
    expect(r.summary).toContain('| swiftpm-macOS-ab | refs/pull/7/merge | 10 | pull request #7 is closed |');
    expect(r.summary).toContain('Deleted 3 cache(s), 811 MB.');
  });

  test('a dry run lists and deletes nothing', () => {
    const r = runCleanup({ DRY_RUN: 'true' });
    expect(r.status).toBe(0);
    expect(r.deleted).toEqual([]);
    expect(r.summary).toContain('pull request #17 is closed');
    expect(r.summary).toContain('Dry run: nothing deleted.');
  });

  test('without models.json (an empty hash) it deletes nothing and fails', () => {
    const r = runCleanup({ CURRENT_MODELS_KEY: 'models-' });
    expect(r.status).toBe(1);
    expect(r.deleted).toEqual([]);
    expect(r.stdout).toContain('::error::models.json not found');
  });
});
