#!/usr/bin/env node
import { spawnSync } from 'node:child_process';
import { Command, Option } from 'commander';
import { appendText, assertWritable } from './files';
import { main, PROCESS_IO, type CliIo } from './run-cli';
import { PIPELINES_PLAN as P, PIPELINES_WHAT_RUNS as W } from '../../common/cli-contracts';
import { InputError } from '../../common/cli-errors';
import { quoteInput } from '../../common/safe-text';
import {
  WHAT_RUNS_EVENTS,
  whatRuns,
  whatRunsMarkdown,
  whatRunsText,
  type WhatRunsEvent,
} from '../../common/what-runs/what-runs';
import { planMarkdown, planOf, planText } from '../plan/plan';
import {
  defaultBase,
  git,
  resolveCommit,
  snapshotAtRevision,
  snapshotOfWorkingTree,
  type GeneratedSnapshot,
} from '../plan/snapshot';

const FORMATS = ['text', 'markdown'] as const;

/**
 * The Helm to render charts with: --helm, else `helm` on the caller's PATH (the CLI's environment,
 * not the host process's), else none (the plan then compares values files).
 */
function findHelm(given: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (given) {
    if (spawnSync(given, ['version', '--short'], { env }).status !== 0) {
      throw new InputError(`--helm ${quoteInput(given)} does not run \`helm version\``);
    }
    return given;
  }
  return spawnSync('helm', ['version', '--short'], { env }).status === 0 ? 'helm' : undefined;
}

function snapshot(repo: string, rev: string | undefined): GeneratedSnapshot {
  return rev === undefined ? snapshotOfWorkingTree(repo) : snapshotAtRevision(repo, rev, P.flags.head);
}

function changedFiles(repo: string, base: string): string[] {
  const commit = resolveCommit(repo, base, W.flags.base);
  try {
    const tracked = git(repo, ['diff', '--name-only', '--no-renames', commit, '--']);
    const untracked = git(repo, ['ls-files', '--others', '--exclude-standard']);
    return [...new Set([...tracked.split('\n'), ...untracked.split('\n')].filter(Boolean))].sort();
  } catch {
    throw new InputError(`cannot list the files changed since ${quoteInput(base)}: is it a commit of this repository?`);
  }
}

export function pipelinesCommand(io: CliIo = PROCESS_IO): Command {
  const program = new Command(P.bin).description(
    'Review and reason about the generated pipelines. Exit codes: 0 done, 2 usage or input error.',
  );

  program
    .command(P.subcommand!)
    .description(
      'What a change does to the generated pipelines, not the text diff: workflows, jobs, triggers, permissions widened or narrowed ' +
        '(writes first), actions added or re-pinned, secrets and variables newly referenced, runners and their cost, Kubernetes objects and ' +
        'security-relevant fields per chart and values file, Dependabot. Reads generated files only (.projen/files.json). ' +
        'Exit codes: 0 plan printed (changes or none), 2 usage or input error.',
    )
    .option(
      `${P.flags.base} <ref>`,
      'the revision before the change (default: the merge base of HEAD with the default branch)',
    )
    .option(`${P.flags.head} <ref>`, 'the revision after the change (default: the working tree)')
    .addOption(new Option(`${P.flags.format} <format>`, 'output format').choices([...FORMATS]).default('text'))
    .option(
      `${P.flags.helm} <path>`,
      'helm binary to render the charts with (default: helm on PATH; without one, values files are compared)',
    )
    .option(`${P.flags.defaultBranch} <branch>`, 'the default branch, for the default base', 'main')
    .option(`${P.flags.out} <file>`, 'also write the plan to this file (e.g. "$GITHUB_STEP_SUMMARY", appended)')
    .option('--repo <dir>', 'the repository', '.')
    .action(
      (opts: {
        base?: string;
        head?: string;
        format: (typeof FORMATS)[number];
        helm?: string;
        defaultBranch: string;
        out?: string;
        repo: string;
      }) => {
        if (opts.out) assertWritable(opts.out, P.flags.out);
        const base = opts.base ?? defaultBase(opts.repo, opts.defaultBranch);
        const plan = planOf(snapshotAtRevision(opts.repo, base, P.flags.base), snapshot(opts.repo, opts.head), {
          helm: findHelm(opts.helm, io.env),
        });
        const text = opts.format === 'markdown' ? planMarkdown(plan) : planText(plan);
        io.stdout(text);
        if (opts.out) appendText(opts.out, text);
      },
    );

  program
    .command(W.subcommand!)
    .description(
      'Which workflows and jobs an event starts for some changed files, and why the others are skipped: triggers with their ' +
        "branch, tag and path filters, the change-detection filters, and each job's if: evaluated as GitHub would (the jobs that start " +
        'succeed). "maybe" means it depends on what only the run knows. Exit codes: 0 answered, 2 usage or input error.',
    )
    .addOption(new Option(`${W.flags.event} <event>`, 'the event').choices([...WHAT_RUNS_EVENTS]).makeOptionMandatory())
    .option(
      `${W.flags.ref} <ref>`,
      'branch pushed to, pull request base branch, or the tag (default: main; required for tag)',
    )
    .option(`${W.flags.changed} <path...>`, 'changed files (default: git diff of --base against the working tree)')
    .option(`${W.flags.base} <ref>`, 'list the changed files against this revision (default: the merge base with main)')
    .option(`${W.flags.label} <label...>`, 'labels of the pull request', [])
    .addOption(new Option(`${W.flags.format} <format>`, 'output format').choices([...FORMATS]).default('text'))
    .option('--repo <dir>', 'the repository', '.')
    .action(
      (opts: {
        event: WhatRunsEvent;
        ref?: string;
        changed?: string[];
        base?: string;
        label: string[];
        format: (typeof FORMATS)[number];
        repo: string;
      }) => {
        if (opts.event === 'tag' && !opts.ref) {
          throw new InputError(`${W.flags.event} tag needs ${W.flags.ref} <tag>, e.g. v1.2.3`);
        }
        const changed =
          opts.changed ??
          (['pull_request', 'push'].includes(opts.event)
            ? changedFiles(opts.repo, opts.base ?? defaultBase(opts.repo, 'main'))
            : []);
        const workflows = new Map(
          [...snapshotOfWorkingTree(opts.repo).files].filter(([f]) => /^\.github\/workflows\/[^/]+\.ya?ml$/.test(f)),
        );
        const q = { event: opts.event, ref: opts.ref ?? 'main', changed, labels: opts.label };
        const answers = whatRuns(workflows, q);
        io.stdout(opts.format === 'markdown' ? whatRunsMarkdown(q, answers) : whatRunsText(q, answers));
      },
    );
  return program;
}

if (require.main === module) main(pipelinesCommand());
