#!/usr/bin/env node
import { Command, Option } from 'commander';
import { appendText, assertWritable, readJsonFile, writeFileAtomic } from './files';
import { main, numberOption, PROCESS_IO, type CliIo } from './run-cli';
import { actionLockEntryFault } from '../../common/action-lock';
import { UPDATE_ACTION_PINS as C } from '../../common/cli-contracts';
import { CheckFailedError, InputError } from '../../common/cli-errors';
import { quoteInput } from '../../common/safe-text';
import { updatePins, updateSummary, type LockEntry } from '../pins/update-pins';

export function updateActionPinsCommand(io: CliIo = PROCESS_IO, now: () => Date = () => new Date()): Command {
  return (
    new Command(C.bin)
      .description(
        'Move every pinned action in actions.lock.json to its newest release (vX.Y.Z, no drafts or pre-releases) that has been ' +
          'public for the cooldown, resolved to the full commit SHA of its tag through the GitHub API (GITHUB_TOKEN from the environment ' +
          'if set). Then run npx projen to regenerate the workflows. Exit codes: 0 done (updated or nothing newer), 1 some lookups failed ' +
          '(the others are written), 2 usage or input error.',
      )
      .option(`${C.flags.lockFile} <file>`, 'the lock file', 'actions.lock.json')
      .addOption(
        new Option(`${C.flags.cooldownDays} <days>`, 'days a release must be public')
          .default(5)
          .argParser(numberOption(C.flags.cooldownDays, { min: 0, max: 90, integer: true })),
      )
      // GitHub's runners set GITHUB_API_URL (GitHub Enterprise Server's API on a server installation).
      .option(
        `${C.flags.apiUrl} <url>`,
        'GitHub API root (default: $GITHUB_API_URL, else https://api.github.com)',
        io.env.GITHUB_API_URL || 'https://api.github.com',
      )
      .option(`${C.flags.summary} <file>`, 'append the Markdown summary to this file (e.g. "$GITHUB_STEP_SUMMARY")')
      .addOption(
        new Option(
          `${C.flags.deadlineSeconds} <seconds>`,
          "the whole run's deadline: lookups still unanswered then fail (reported)",
        )
          .default(300)
          .argParser(numberOption(C.flags.deadlineSeconds, { min: 1, max: 3600 })),
      )
      .action(
        async (opts: {
          lockFile: string;
          cooldownDays: number;
          apiUrl: string;
          summary?: string;
          deadlineSeconds: number;
        }) => {
          // Every input is checked before the first request and the first write.
          let lock: { actions?: unknown };
          try {
            lock = readJsonFile(opts.lockFile) as { actions?: unknown };
          } catch (e) {
            throw e instanceof InputError ? new InputError(`${C.flags.lockFile} ${e.message}`) : e;
          }
          const actions = lock?.actions;
          if (typeof actions !== 'object' || actions === null || Array.isArray(actions)) {
            throw new InputError(`${C.flags.lockFile} ${quoteInput(opts.lockFile)}: no "actions" object`);
          }
          for (const [name, entry] of Object.entries(actions)) {
            const problem = lockEntryProblem(name, entry);
            if (problem) {
              throw new InputError(
                `${C.flags.lockFile} ${quoteInput(opts.lockFile)}: actions[${quoteInput(name)}] ${problem}`,
              );
            }
          }
          try {
            new URL(opts.apiUrl);
          } catch {
            throw new InputError(`${C.flags.apiUrl} ${quoteInput(opts.apiUrl)} is not a URL`);
          }
          assertWritable(opts.lockFile, C.flags.lockFile);
          if (opts.summary) assertWritable(opts.summary, C.flags.summary);
          const result = await updatePins(actions as Record<string, LockEntry>, {
            apiUrl: opts.apiUrl,
            token: io.env.GITHUB_TOKEN,
            cooldownDays: opts.cooldownDays,
            now: now(),
            deadline: Date.now() + opts.deadlineSeconds * 1000,
          });
          // Written whole through a fresh temporary file and renamed: a failure never leaves half a lock file.
          if (result.updated.length > 0) {
            writeFileAtomic(opts.lockFile, `${JSON.stringify({ ...lock, actions: result.entries }, null, 2)}\n`);
          }
          const summary = updateSummary(result, opts.cooldownDays);
          io.stdout(summary);
          if (opts.summary) appendText(opts.summary, summary);
          if (result.failed.length > 0) {
            throw new CheckFailedError(
              `${result.failed.length} action(s) could not be checked: ${result.failed.map((f) => f.action).join(', ')}`,
            );
          }
        },
      )
  );
}

/** What is wrong with a lock entry (the shared grammar: what may reach an API path and the workflows). */
function lockEntryProblem(name: string, entry: unknown): string | undefined {
  const e = entry as { version?: unknown; sha?: unknown; workflowJobs?: unknown };
  switch (actionLockEntryFault(name, entry)) {
    case 'key':
      return 'is not an owner/repo name';
    case 'entry':
      return 'must be an object with version and sha';
    case 'sha':
      return `sha ${JSON.stringify(e.sha)} must be a full commit SHA (40 hex digits)`;
    case 'version':
      return `version ${JSON.stringify(e.version)} must be a release tag such as v1.2.3`;
    case 'workflowJobs':
      return `workflowJobs ${JSON.stringify(e.workflowJobs)} must map .github/workflows/<file>.yml paths to positive integers`;
    default:
      return undefined;
  }
}

if (require.main === module) main(updateActionPinsCommand());
