import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as fc from 'fast-check';
import { schemaProblems } from '../../src/common/schema-validator';
import {
  BUILD_METADATA_SCHEMA,
  collectBuildMetadata,
  InputError,
  repositoryFromRemote,
  type GitReader,
} from '../../src/runtime';
import { generateBuildMetadataCommand } from '../../src/runtime/cli/generate-build-metadata';
import { runCliInProcess, runCliProcess } from '../support/run-cli';

const SHA = 'a'.repeat(40);
const ACTIONS_ENV = {
  GITHUB_SHA: SHA,
  GITHUB_REF: 'refs/heads/main',
  GITHUB_REPOSITORY: 'voice-platform/voice-platform',
  GITHUB_RUN_ID: '123456',
  GITHUB_RUN_ATTEMPT: '2',
  GITHUB_WORKFLOW_REF: 'voice-platform/voice-platform/.github/workflows/ci-build-push.yml@refs/heads/main',
  GITHUB_SERVER_URL: 'https://github.com',
  RUNNER_OS: 'Linux',
  RUNNER_ARCH: 'ARM64',
  SOURCE_DATE_EPOCH: '1763690400',
};
const NO_GIT: GitReader = { headCommit: () => undefined, headRef: () => undefined, originRepository: () => undefined };
const FIXED_NOW = () => new Date('2026-11-21T00:00:00Z');

describe('collectBuildMetadata', () => {
  test('collects every field from the Actions environment', () => {
    expect(
      collectBuildMetadata({ env: ACTIONS_ENV, git: NO_GIT, matrix: '{"platform":"linux/arm64"}', now: FIXED_NOW }),
    ).toEqual({
      schemaVersion: 1,
      commit: SHA,
      ref: 'refs/heads/main',
      repository: 'voice-platform/voice-platform',
      workflowRun: {
        id: '123456',
        attempt: 2,
        workflowRef: ACTIONS_ENV.GITHUB_WORKFLOW_REF,
        url: 'https://github.com/voice-platform/voice-platform/actions/runs/123456/attempts/2',
      },
      matrix: { platform: 'linux/arm64' },
      builder: { id: `https://github.com/${ACTIONS_ENV.GITHUB_WORKFLOW_REF}`, runnerOs: 'Linux', runnerArch: 'ARM64' },
      timestamp: '2025-11-21T02:00:00.000Z',
    });
  });

  test('falls back to git for commit, ref and repository', () => {
    const git: GitReader = {
      headCommit: () => 'b'.repeat(40),
      headRef: () => 'refs/tags/v1.2.3',
      originRepository: () => 'o/r',
    };
    const { GITHUB_SHA, GITHUB_REF, GITHUB_REPOSITORY, ...rest } = ACTIONS_ENV;
    const m = collectBuildMetadata({ env: rest, git, now: FIXED_NOW });
    expect([m.commit, m.ref, m.repository]).toEqual(['b'.repeat(40), 'refs/tags/v1.2.3', 'o/r']);
    expect(m.matrix).toEqual({});
  });

  test('names what is missing when neither the environment nor git can tell', () => {
    expect(() => collectBuildMetadata({ env: {}, git: NO_GIT, now: FIXED_NOW })).toThrow(
      'missing GITHUB_SHA (and git could not tell), GITHUB_REF (and git could not tell), GITHUB_REPOSITORY (and git could not tell), GITHUB_RUN_ID, GITHUB_RUN_ATTEMPT, GITHUB_WORKFLOW_REF; run inside GitHub Actions or set them',
    );
  });

  test('names the variable behind an invalid value', () => {
    expect(() =>
      collectBuildMetadata({ env: { ...ACTIONS_ENV, GITHUB_SHA: 'abc' }, git: NO_GIT, now: FIXED_NOW }),
    ).toThrow(/GITHUB_SHA: commit must match pattern/);
    expect(() =>
      collectBuildMetadata({ env: { ...ACTIONS_ENV, GITHUB_RUN_ATTEMPT: '0' }, git: NO_GIT, now: FIXED_NOW }),
    ).toThrow(/GITHUB_RUN_ATTEMPT: workflowRun\.attempt must be >= 1/);
    expect(() =>
      collectBuildMetadata({ env: { ...ACTIONS_ENV, SOURCE_DATE_EPOCH: 'yesterday' }, git: NO_GIT, now: FIXED_NOW }),
    ).toThrow(/SOURCE_DATE_EPOCH must be whole seconds/);
    expect(() =>
      collectBuildMetadata({ env: { ...ACTIONS_ENV, BUILD_MATRIX: '[1]' }, git: NO_GIT, now: FIXED_NOW }),
    ).toThrow(/BUILD_MATRIX: must be a JSON object/);
  });

  test('the repository is parsed from https, ssh and scp-style remotes', () => {
    expect(repositoryFromRemote('https://github.com/o/r.git')).toBe('o/r');
    expect(repositoryFromRemote('git@github.com:o/r.git')).toBe('o/r');
    expect(repositoryFromRemote('ssh://git@github.com/o/r')).toBe('o/r');
    expect(repositoryFromRemote('https://gitlab.com/o/r.git')).toBeUndefined();
  });

  test('for any environment the output validates against the schema, or collection fails with an InputError', () => {
    const value = fc.oneof(
      fc.constant(undefined),
      fc.constant(''),
      fc.string({ maxLength: 12 }),
      fc.constantFrom('0', '7', '-1', SHA, 'refs/heads/x', 'o/r', '{}', '{"a":1}', '1763690400'),
    );
    const env = fc.record(
      Object.fromEntries(
        [...Object.keys(ACTIONS_ENV), 'BUILD_MATRIX'].map((k) => [
          k,
          fc.oneof(value, fc.constant((ACTIONS_ENV as Record<string, string>)[k])),
        ]),
      ),
    );
    const git = fc.record({
      commit: fc.option(fc.constantFrom(SHA, 'zz')),
      ref: fc.option(fc.constantFrom('refs/heads/a', 'main')),
      repo: fc.option(fc.constantFrom('o/r', 'bad')),
    });
    let valid = 0;
    fc.assert(
      fc.property(env, git, (e, g) => {
        const reader: GitReader = {
          headCommit: () => g.commit ?? undefined,
          headRef: () => g.ref ?? undefined,
          originRepository: () => g.repo ?? undefined,
        };
        try {
          const m = collectBuildMetadata({ env: e as Record<string, string | undefined>, git: reader, now: FIXED_NOW });
          valid++;
          return schemaProblems(BUILD_METADATA_SCHEMA, m).length === 0;
        } catch (err) {
          return err instanceof InputError;
        }
      }),
      { numRuns: 500 },
    );
    expect(valid).toBeGreaterThan(0); // both branches of the property were exercised
  });
});

describe('generate-build-metadata CLI', () => {
  test('writes the file, falling back to the git repository it runs in', async () => {
    const repo = mkdtempSync(path.join(tmpdir(), 'meta-repo-'));
    const git = (...args: string[]) =>
      execFileSync('git', args, {
        cwd: repo,
        env: { ...process.env, GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z', GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z' },
      });
    git('init', '-q', '-b', 'main');
    git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '--allow-empty', '-m', 'x');
    git('remote', 'add', 'origin', 'https://github.com/voice-platform/voice-platform.git');
    const head = git('rev-parse', 'HEAD').toString().trim();
    const { GITHUB_SHA, GITHUB_REF, GITHUB_REPOSITORY, ...env } = ACTIONS_ENV;
    const out = path.join(repo, 'out', 'metadata.json');
    const r = await runCliProcess(
      'generate-build-metadata',
      ['--out', out, '--matrix', '{"platform":"linux/amd64"}'],
      env,
      repo,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const written = JSON.parse(readFileSync(out, 'utf8'));
    expect(written).toMatchObject({
      commit: head,
      ref: 'refs/heads/main',
      repository: 'voice-platform/voice-platform',
      matrix: { platform: 'linux/amd64' },
    });
  });

  test('exits 2 naming what is missing, and writes nothing', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'meta-empty-'));
    const out = path.join(dir, 'metadata.json');
    writeFileSync(path.join(dir, 'keep'), '');
    const r = await runCliProcess(
      'generate-build-metadata',
      ['--out', out],
      { GITHUB_SHA: SHA, GITHUB_REF: 'refs/heads/main', GITHUB_REPOSITORY: 'o/r' },
      dir,
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'generate-build-metadata: missing GITHUB_RUN_ID, GITHUB_RUN_ATTEMPT, GITHUB_WORKFLOW_REF; run inside GitHub Actions or set them\n',
    );
    expect(existsSync(out)).toBe(false);
  });

  describe('bad input: exit 2, one line, nothing written', () => {
    const cases: [string, string[], NodeJS.ProcessEnv, RegExp][] = [
      ['an output path that is a folder', ['--out', 'FOLDER'], ACTIONS_ENV, /: cannot write \(/],
      ['a malformed --matrix', ['--out', 'OUT', '--matrix', '{"platform":'], ACTIONS_ENV, /--matrix/],
      ['a matrix that is not an object', ['--out', 'OUT', '--matrix', '[1]'], ACTIONS_ENV, /--matrix/],
      ['a bad SOURCE_DATE_EPOCH', ['--out', 'OUT'], { ...ACTIONS_ENV, SOURCE_DATE_EPOCH: 'soon' }, /SOURCE_DATE_EPOCH/],
      ['a commit that is no SHA', ['--out', 'OUT'], { ...ACTIONS_ENV, GITHUB_SHA: 'main\n::error::x' }, /GITHUB_SHA/],
      // Guards a past defect: --out was written, then --labels failed.
      [
        'a --labels path that is a folder',
        ['--out', 'OUT', '--labels', 'FOLDER'],
        ACTIONS_ENV,
        /--labels ".*": cannot write \(is a folder\)/,
      ],
    ];
    test.each(cases)('%s', async (_, args, env, message) => {
      const dir = mkdtempSync(path.join(tmpdir(), 'meta-bad-'));
      mkdirSync(path.join(dir, 'folder'));
      const out = path.join(dir, 'metadata.json');
      const argv = args.map((a) => (a === 'OUT' ? out : a === 'FOLDER' ? path.join(dir, 'folder') : a));
      const r = await runCliInProcess((io) => generateBuildMetadataCommand(io, NO_GIT, FIXED_NOW), argv, env);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).not.toMatch(/(^|\n)::error::/);
      expect(existsSync(out)).toBe(false);
    });
  });
});
