/**
 * The runbook's commands, run as a person would type them: every `gh workflow run …` in
 * docs/ci-cd-runbook.md, its placeholders filled with the values below, dispatched at the ref it
 * names, through the environments' rules the runbook sets up.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { digestOf } from '../actions/registry-state';
import type { World } from '../engine/world';
import { platform, type Scenario, type ScenarioEvent } from '../harness';

const RUNBOOK = path.join(__dirname, '..', '..', '..', 'docs', 'ci-cd-runbook.md');

/** What a person types for each `<placeholder>` of a command, by workflow and input. */
const TYPED: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'ci-smoke-test.yml': { tag: 'v1.2.2' },
  // The release before the stable one: revision 3, signed by v1.2.1 (installStable).
  'cd-rollback.yml': { environment: 'production', service: 'tts', revision: '3', digest: digestOf('older', 'tts') },
  'app-rollback.yml': { build: '1', tag: 'app-v1.3.0' },
  'ci-performance.yml': { rate: '5', duration: '3' },
  // The release the runbook names (RUNBOOK_RELEASE_TAG) deployed again, by the digests its release notes list.
  'cd-deploy-production.yml': {
    digests: JSON.stringify(Object.fromEntries(platform.services.map((s) => [s.name, digestOf('older', s.name)]))),
  },
};

/** The release tag the runbook's commands name (`v<version>` of the model). */
export const RUNBOOK_RELEASE_TAG = `${platform.releaseTagPrefix}${platform.version}`;

export interface RunbookCommand {
  readonly line: string;
  readonly workflow: string;
  readonly ref: string;
  readonly inputs: Record<string, string>;
}

/** Parses `gh workflow run <file> --ref <ref> [-f name=value]…` as gh does; anything else in such a command is refused. */
export function parseRunbookCommand(line: string): RunbookCommand {
  const [gh, workflowWord, run, workflow, ...rest] = line.split(/\s+/);
  if (gh !== 'gh' || workflowWord !== 'workflow' || run !== 'run' || !workflow?.endsWith('.yml')) {
    throw new Error(`runbook: not a gh workflow run command: ${line}`);
  }
  let ref: string | undefined;
  const inputs: Record<string, string> = {};
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i];
    const value = rest[++i];
    if (value === undefined) throw new Error(`runbook: ${flag} needs a value in: ${line}`);
    if (flag === '--ref' || flag === '-r') {
      ref = value;
    } else if (flag === '-f' || flag === '--raw-field' || flag === '-F' || flag === '--field') {
      const eq = value.indexOf('=');
      if (eq < 1) throw new Error(`runbook: ${flag} ${value} is not name=value in: ${line}`);
      const name = value.slice(0, eq);
      let typed = value.slice(eq + 1);
      if (/^<[^>]+>$/.test(typed)) {
        const fill = TYPED[workflow]?.[name];
        if (fill === undefined) {
          throw new Error(
            `runbook: no value to type for ${name} of ${workflow} (add it to TYPED in ${path.basename(__filename)})`,
          );
        }
        typed = fill;
      }
      inputs[name] = typed;
    } else {
      throw new Error(`runbook: gh workflow run has no flag ${flag}: ${line}`);
    }
  }
  // gh dispatches at the repository's default branch without --ref.
  return { line, workflow, ref: ref ?? platform.defaultBranch, inputs };
}

/** Every `gh workflow run` command of the runbook, in the order it gives them. */
export function runbookCommands(text = readFileSync(RUNBOOK, 'utf8')): RunbookCommand[] {
  return [...text.matchAll(/`(gh workflow run [^`]+)`/g)].map((m) => parseRunbookCommand(m[1].trim()));
}

/**
 * One scenario dispatching every runbook command, in a world with what the commands act on: stable
 * releases in every environment, a released app build, the models cache, tagged images.
 */
export function runbookScenario(
  prepare: (world: World, run: (e: ScenarioEvent) => Promise<unknown>) => Promise<void>,
  failing: Record<string, string>,
): Scenario {
  const commands = runbookCommands();
  return {
    name: 'runbook-commands',
    setup: async (world, tools) => prepare(world, tools.run),
    events: commands.map((c) => ({ kind: 'workflow_dispatch', workflow: c.workflow, ref: c.ref, inputs: c.inputs })),
    failing,
    effects: ({ runs }) => {
      const dispatched = runs.map((r) => r.file);
      for (const c of commands) {
        expect({ command: c.line, ran: dispatched.includes(c.workflow) }).toEqual({ command: c.line, ran: true });
      }
    },
  };
}
