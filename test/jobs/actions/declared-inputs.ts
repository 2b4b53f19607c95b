import { readFileSync } from 'node:fs';
import * as path from 'node:path';

const LOCK = path.join(__dirname, '..', '..', '..', 'actions.lock.json');

export interface LockEntry {
  readonly version: string;
  readonly sha: string;
  /** Inputs each action of the repository declares in its action.yml at `sha`, by path ('.' for the root). */
  readonly inputs?: Record<string, string[]>;
}

let lock: Record<string, LockEntry> | undefined;

/** The committed actions.lock.json's entries, read once. */
export function lockedActions(): Record<string, LockEntry> {
  lock ??= (JSON.parse(readFileSync(LOCK, 'utf8')) as { actions: Record<string, LockEntry> }).actions;
  return lock;
}

/**
 * Resolves `owner/repo[/path]@sha` against actions.lock.json: the SHA must be the pinned one, and
 * the action's declared inputs (recorded beside the pin) are returned for checking `with:`.
 */
export function pinnedAction(uses: string): { action: string; inputs: string[] } {
  const at = uses.lastIndexOf('@');
  if (at < 0) throw new Error(`${uses}: not pinned`);
  const action = uses.slice(0, at);
  const ref = uses.slice(at + 1);
  const repo = action.split('/').slice(0, 2).join('/');
  const sub = action.split('/').slice(2).join('/') || '.';
  const entry = lockedActions()[repo];
  if (!entry) throw new Error(`${uses}: ${repo} is not in actions.lock.json`);
  if (ref !== entry.sha && ref !== entry.version) {
    throw new Error(`${uses}: the lock pins ${repo} at ${entry.sha} (${entry.version})`);
  }
  const inputs = entry.inputs?.[sub];
  if (!inputs) {
    throw new Error(
      `${uses}: actions.lock.json records no declared inputs for ${repo} ${sub === '.' ? '' : `(${sub})`}`,
    );
  }
  return { action, inputs };
}

/** Refuses an input the action does not declare, as the runner warns and the action ignores it. */
export function checkInputs(uses: string, given: Record<string, string>): void {
  const { inputs } = pinnedAction(uses);
  const unknown = Object.keys(given).filter((k) => !inputs.includes(k));
  if (unknown.length > 0) {
    throw new Error(
      `${uses}: unexpected input(s) ${unknown.join(', ')}; ${uses.split('@')[0]} declares ${inputs.join(', ')}`,
    );
  }
}
