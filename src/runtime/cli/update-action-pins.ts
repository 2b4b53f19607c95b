#!/usr/bin/env node
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { Command, Option } from 'commander';
import { CheckFailedError, InputError } from '../../common/cli-errors';
import { UPDATE_ACTION_PINS as C } from '../../common/cli-contracts';
import { quoteInput } from '../../common/safe-text';
import { updatePins, updateSummary, type LockEntry } from '../pins/update-pins';
import { main, numberOption, PROCESS_IO, type CliIo } from './run-cli';

export function updateActionPinsCommand(io: CliIo = PROCESS_IO, now: () => Date = () => new Date()): Command {
  return new Command(C.bin)
    .description('Move every pinned action in actions.lock.json to its newest release (vX.Y.Z, no drafts or pre-releases) that has been '
      + 'public for the cooldown, resolved to the full commit SHA of its tag through the GitHub API (GITHUB_TOKEN from the environment '
      + 'if set). Then run npx projen to regenerate the workflows. Exit codes: 0 done (updated or nothing newer), 1 some lookups failed '
      + '(the others are written), 2 usage or input error.')
    .option(`${C.flags.lockFile} <file>`, 'the lock file', 'actions.lock.json')
    .addOption(new Option(`${C.flags.cooldownDays} <days>`, 'days a release must be public').default(5).argParser(numberOption(C.flags.cooldownDays, { min: 0, max: 90, integer: true })))
    // GitHub's runners set GITHUB_API_URL (GitHub Enterprise Server's API on a server installation).
    .option(`${C.flags.apiUrl} <url>`, 'GitHub API root (default: $GITHUB_API_URL, else https://api.github.com)', io.env.GITHUB_API_URL || 'https://api.github.com')
    .option(`${C.flags.summary} <file>`, 'append the Markdown summary to this file (e.g. "$GITHUB_STEP_SUMMARY")')
    .action(async (opts: { lockFile: string; cooldownDays: number; apiUrl: string; summary?: string }) => {
      let lock: { actions: Record<string, LockEntry> };
      try {
        lock = JSON.parse(readFileSync(opts.lockFile, 'utf8'));
      } catch (e) {
        throw new InputError(`${C.flags.lockFile} ${quoteInput(opts.lockFile)}: ${(e as Error).message}`);
      }
      if (typeof lock?.actions !== 'object' || lock.actions === null) throw new InputError(`${opts.lockFile}: no "actions" object`);
      try { new URL(opts.apiUrl); } catch { throw new InputError(`${C.flags.apiUrl} ${quoteInput(opts.apiUrl)} is not a URL`); }
      const result = await updatePins(lock.actions, { apiUrl: opts.apiUrl, token: io.env.GITHUB_TOKEN, cooldownDays: opts.cooldownDays, now: now() });
      if (result.updated.length > 0) {
        // Written whole and renamed: a failure never leaves half a lock file.
        const temp = `${opts.lockFile}.tmp`;
        writeFileSync(temp, `${JSON.stringify({ ...lock, actions: result.entries }, null, 2)}\n`);
        renameSync(temp, opts.lockFile);
      }
      const summary = updateSummary(result, opts.cooldownDays);
      io.stdout(summary);
      if (opts.summary) writeFileSync(opts.summary, summary, { flag: 'a' });
      if (result.failed.length > 0) throw new CheckFailedError(`${result.failed.length} action(s) could not be checked: ${result.failed.map((f) => f.action).join(', ')}`);
    });
}

if (require.main === module) main(updateActionPinsCommand());
