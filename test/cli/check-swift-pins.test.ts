import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { TRANSPILE_HOOK_PATH } from '../../projenrc/transpile-hook';
import { findPin, parsePackageResolved } from '../../src/runtime';
import { checkSwiftPinsCommand } from '../../src/runtime/cli/check-swift-pins';
import { runCliInProcess } from '../support/run-cli';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'package-resolved');
const fixture = (name: string) => path.join(FIXTURES, name);
const run = (...args: string[]) => runCliInProcess(checkSwiftPinsCommand, args);

describe('parsePackageResolved', () => {
  test('normalizes v1, v2 and v3 pins', () => {
    const v1 = parsePackageResolved(JSON.parse(readFileSync(fixture('v1-version.json'), 'utf8')), 'v1');
    expect(v1.map((p) => [p.identity, p.kind, p.value])).toEqual([
      ['whisperkit', 'version', '0.9.4'],
      ['swift-transformers', 'branch', 'main'],
    ]);
    const v2 = parsePackageResolved(JSON.parse(readFileSync(fixture('v2-branch.json'), 'utf8')), 'v2');
    expect(v2.map((p) => [p.name, p.kind, p.value])).toEqual([
      ['WhisperKit', 'branch', 'main'],
      ['swift-argument-parser', 'version', '1.5.0'],
    ]);
    const v3 = parsePackageResolved(JSON.parse(readFileSync(fixture('v3-revision.json'), 'utf8')), 'v3');
    expect(findPin(v3, 'WhisperKit')).toMatchObject({
      kind: 'revision',
      value: '1f3e5a3b2c4d5e6f708192a3b4c5d6e7f8091a2b',
    });
  });
});

describe('check-swift-pins CLI', () => {
  test.each(['v1-version.json', 'v3-version.json'])(
    'WhisperKit pinned to a version (%s) → 0, with a table of every pin',
    async (file) => {
      const r = await run('--resolved', fixture(file), '--require', 'WhisperKit');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^package\s+pinned to\s+value\s+revision\s+required\s+verdict$/m);
      expect(r.stdout).toMatch(/^WhisperKit\s+version\s+0\.9\.4\s+1f3e5a3b2c4d\s+yes\s+ok$/m);
    },
  );

  test('WhisperKit tracking main (v2) → 1, naming the branch', async () => {
    const r = await run('--resolved', fixture('v2-branch.json'), '--require', 'WhisperKit');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^WhisperKit\s+branch\s+main\s+1f3e5a3b2c4d\s+yes\s+FAIL$/m);
    expect(r.stderr).toBe(
      'check-swift-pins: WhisperKit is pinned to branch "main", not a released version (pin it with .upToNextMinor(from:) or exact:)\n',
    );
  });

  test('WhisperKit on a bare revision (v3) → 1', async () => {
    const r = await run('--resolved', fixture('v3-revision.json'), '--require', 'whisperkit');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/WhisperKit is pinned to revision "1f3e5a3b2c4d5e6f708192a3b4c5d6e7f8091a2b"/);
  });

  test('a branch pin of a package that is not required does not fail', async () => {
    const r = await run('--resolved', fixture('v1-version.json'), '--require', 'WhisperKit');
    expect(r.stdout).toMatch(/^swift-transformers\s+branch\s+main/m);
    expect(r.code).toBe(0);
  });

  test('a required package that is missing → 1', async () => {
    const r = await run('--resolved', fixture('v3-version.json'), '--require', 'WhisperKit', 'swift-transformers');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/swift-transformers is not in .*v3-version\.json/);
  });

  test.each([
    ['{"version": 4, "pins": []}', /unsupported Package\.resolved version 4 \(supported: 1, 2, 3\)/],
    [
      '{"version": 2, "pins": [{"identity": "x", "location": "https://x", "state": {}}]}',
      /pins\[0\] \("x"\) state has no version, branch or revision/,
    ],
    ['{"version": 2', /malformed JSON/],
    ['{"version": 2, "pins": [null]}', /pins\[0\] must be an object, got null/],
    ['{"version": 1, "object": {"pins": [null]}}', /object\.pins\[0\] must be an object, got null/],
    [
      '{"version": 2, "pins": [{"identity": "whisperkit", "location": "https://github.com/argmaxinc/WhisperKit", "state": {"version": 1}}]}',
      /state\.version must be a string, got 1/,
    ],
    [
      '{"version": 2, "pins": [{"identity": "x", "location": "https://x/a\\n::error::boom", "state": {}}]}',
      /pins\[0\] \("a\\n:\u200b:error:\u200b:boom"\)/,
    ],
  ])('bad input %s → 2, one line, no trace', async (content, message) => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'pins-')), 'Package.resolved');
    writeFileSync(file, content);
    const r = await run('--resolved', file, '--require', 'WhisperKit');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at |internal error/);
  });

  test('a reader that closes early (EPIPE) does not turn a pass into a failure', async () => {
    const resolved = path.join(__dirname, '..', 'fixtures', 'package-resolved', 'v3-version.json');
    const r = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, [
        '--require',
        TRANSPILE_HOOK_PATH,
        path.join(__dirname, '..', '..', 'src', 'runtime', 'cli', 'check-swift-pins.ts'),
        '--resolved',
        resolved,
        '--require',
        'WhisperKit',
      ]);
      child.stdout.destroy(); // the reader is gone before the first write
      child.on('close', resolve);
    });
    expect(r).toBe(0);
  }, 30_000);

  test('a missing file → 2', async () => {
    const r = await run('--resolved', '/nonexistent/Package.resolved');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('check-swift-pins: "/nonexistent/Package.resolved": cannot read (no such file or folder)\n');
  });
});

describe('newer releases (--report-newer)', () => {
  /** A local bare repository with the given tags, standing in for WhisperKit's. */
  function releasesRepo(tags: readonly string[]): string {
    const dir = mkdtempSync(path.join(tmpdir(), 'whisperkit-'));
    const git = (...args: string[]) =>
      execFileSync('git', args, {
        cwd: dir,
        env: {
          ...process.env,
          GIT_AUTHOR_NAME: 't',
          GIT_AUTHOR_EMAIL: 't@t',
          GIT_COMMITTER_NAME: 't',
          GIT_COMMITTER_EMAIL: 't@t',
        },
      });
    git('init', '-q', '--bare', 'repo.git');
    git('init', '-q', 'work');
    const work = path.join(dir, 'work');
    execFileSync(
      'git',
      ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '--allow-empty', '-m', 'release'],
      { cwd: work },
    );
    for (const tag of tags) execFileSync('git', ['tag', tag], { cwd: work });
    execFileSync('git', ['push', '-q', '--tags', path.join(dir, 'repo.git')], { cwd: work });
    return path.join(dir, 'repo.git');
  }
  function resolvedPointingAt(location: string, version = '0.9.4'): string {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'pins-')), 'Package.resolved');
    writeFileSync(
      file,
      JSON.stringify({
        version: 2,
        pins: [
          {
            identity: 'whisperkit',
            kind: 'remoteSourceControl',
            location,
            state: { revision: 'a'.repeat(40), version },
          },
        ],
      }),
    );
    return file;
  }

  test('lists releases newer than the pin, newest first, without pre-releases or other tags; exit 0', async () => {
    const repo = releasesRepo(['v0.9.3', 'v0.9.4', '0.10.0', 'v0.10.1-beta.1', 'v0.11.0', 'nightly', 'v0.11.0-rc1']);
    const r = await runCliInProcess(checkSwiftPinsCommand, [
      '--resolved',
      resolvedPointingAt(repo),
      '--require',
      'WhisperKit',
      '--report-newer',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('WARNING: repo is pinned to 0.9.4; newer release(s): 0.11.0, 0.10.0\n');
  }, 30_000);

  test('on GitHub the report is a warning annotation', async () => {
    const repo = releasesRepo(['v1.0.0']);
    const r = await runCliInProcess(
      checkSwiftPinsCommand,
      ['--resolved', resolvedPointingAt(repo), '--require', 'whisperkit', '--report-newer'],
      { GITHUB_ACTIONS: 'true' },
    );
    expect(r.stdout).toContain('::warning title=repo is behind::repo is pinned to 0.9.4; newer release(s): 1.0.0\n');
  }, 30_000);

  test('the newest release pinned: no warning', async () => {
    const repo = releasesRepo(['v0.9.4', 'v0.9.5-beta']);
    const r = await runCliInProcess(checkSwiftPinsCommand, [
      '--resolved',
      resolvedPointingAt(repo),
      '--require',
      'WhisperKit',
      '--report-newer',
    ]);
    expect(r.stdout).toContain('repo 0.9.4 is the newest release\n');
    expect(r.stdout).not.toContain('WARNING');
  }, 30_000);

  test('an unreachable repository or a refused transport is a warning naming it, not a failure', async () => {
    for (const location of [path.join(tmpdir(), 'no-such-repo.git'), 'ext::sh -c touch% /tmp/pwned']) {
      const r = await runCliInProcess(checkSwiftPinsCommand, [
        '--resolved',
        resolvedPointingAt(location),
        '--require',
        'WhisperKit',
        '--report-newer',
      ]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(
        /WARNING: could not list the releases of .* \(git ls-remote .*\); its pin 0\.9\.4 was not compared/,
      );
    }
  }, 30_000);

  test('without --report-newer nothing is contacted', async () => {
    const r = await runCliInProcess(checkSwiftPinsCommand, [
      '--resolved',
      resolvedPointingAt(path.join(tmpdir(), 'no-such-repo.git')),
      '--require',
      'WhisperKit',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('WARNING');
  });
});
