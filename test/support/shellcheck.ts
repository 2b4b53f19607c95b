import { spawnSync } from 'node:child_process';

/** Whether the shellcheck binary (Debian package `shellcheck`, installed by .ci/run) is available. */
export function hasShellcheck(): boolean {
  return spawnSync('shellcheck', ['--version']).status === 0;
}

/**
 * shellcheck findings for one script, checked as bash the way GitHub runs `run:` steps
 * (`bash -e -o pipefail`). Returns `line:col: level: message [SCxxxx]` lines.
 */
export function shellcheckFindings(script: string): string[] {
  const result = spawnSync('shellcheck', ['--shell=bash', '--format=gcc', '-'], { input: script, encoding: 'utf8' });
  if (result.error) throw result.error;
  return result.stdout.split('\n').filter(Boolean).map((line) => line.replace(/^-:/, ''));
}
