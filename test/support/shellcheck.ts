import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/** Whether the shellcheck binary (Debian package `shellcheck`, installed by .ci/run) is available. */
export function hasShellcheck(): boolean {
  return spawnSync('shellcheck', ['--version']).status === 0;
}

/**
 * shellcheck findings for each script, checked as bash the way GitHub runs `run:` steps
 * (`bash -e -o pipefail`): `line:col: level: message [SCxxxx]` lines per script, in the scripts'
 * order. One shellcheck process reads every distinct script (a process per script cost a
 * tenth of a second each, for 220 scripts of which many are the same per service).
 */
export function shellcheckFindingsOfAll(scripts: readonly string[]): string[][] {
  const distinct = [...new Set(scripts)];
  if (distinct.length === 0) return [];
  const dir = mkdtempSync(path.join(tmpdir(), 'shellcheck-'));
  try {
    const files = distinct.map((script, i) => {
      const file = path.join(dir, `${i}.sh`);
      writeFileSync(file, script);
      return file;
    });
    const result = spawnSync('shellcheck', ['--shell=bash', '--format=gcc', ...files], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    if (result.error) throw result.error;
    // 0: no finding, 1: findings; anything else is shellcheck failing to run.
    if (result.status !== 0 && result.status !== 1) {
      throw new Error(`shellcheck exited ${result.status}: ${result.stderr}`);
    }
    const byFile = new Map<string, string[]>(files.map((f) => [f, []]));
    for (const line of result.stdout.split('\n').filter(Boolean)) {
      const file = files.find((f) => line.startsWith(`${f}:`));
      if (!file) throw new Error(`shellcheck printed a line for no script: ${line}`);
      byFile.get(file)!.push(line.slice(file.length + 1));
    }
    return scripts.map((script) => byFile.get(files[distinct.indexOf(script)]!)!);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** shellcheck findings for one script (see {@link shellcheckFindingsOfAll}). */
export function shellcheckFindings(script: string): string[] {
  return shellcheckFindingsOfAll([script])[0]!;
}
