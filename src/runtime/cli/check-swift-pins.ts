#!/usr/bin/env node
import { Command } from 'commander';
import { readJsonFile } from './files';
import { main, PROCESS_IO, writeWarning, type CliIo } from './run-cli';
import { CHECK_SWIFT_PINS as C } from '../../common/cli-contracts';
import { CheckFailedError } from '../../common/cli-errors';
import { textTable } from '../../common/text-table';
import { listTags, newerReleases } from '../releases/newer-releases';
import { findPin, parsePackageResolved, type SwiftPin } from '../swift/package-resolved';

export function checkSwiftPinsCommand(io: CliIo = PROCESS_IO): Command {
  return new Command(C.bin)
    .description(
      'Check that required Swift packages are pinned to a released version, not a branch or a bare ' +
        'revision. Reads Package.resolved v1, v2 and v3 and prints every pin. ' +
        'With --report-newer, also list the releases of each required package newer than its pin (git ls-remote of its ' +
        'repository; https or local only), as warnings: for apps whose pins Dependabot cannot see. ' +
        'Exit codes: 0 all required packages pinned to versions (newer releases and unreachable repositories are ' +
        'warnings), 1 a required package is unpinned or missing, 2 usage or input error.',
    )
    .requiredOption(`${C.flags.resolved} <file>`, 'path of Package.resolved')
    .option(`${C.flags.require} <package...>`, 'packages that must be pinned to a version (identity or name)', [])
    .option(C.flags.reportNewer, 'warn about releases of the required packages newer than their pins')
    .action(async (opts: { resolved: string; require: string[]; reportNewer?: boolean }) => {
      const pins = parsePackageResolved(readJsonFile(opts.resolved), opts.resolved);
      const required = new Map(opts.require.map((r) => [r, findPin(pins, r)] as const));
      const requiredPins = new Set([...required.values()].filter((p): p is SwiftPin => p !== undefined));
      const rows: string[][] = [];
      for (const pin of [...pins].sort((a, b) => a.identity.localeCompare(b.identity))) {
        const isRequired = requiredPins.has(pin);
        const verdict = !isRequired ? '' : pin.kind === 'version' ? 'ok' : 'FAIL';
        rows.push([pin.name, pin.kind, pin.value, pin.revision?.slice(0, 12) ?? '', isRequired ? 'yes' : '', verdict]);
      }
      io.stdout(textTable(['package', 'pinned to', 'value', 'revision', 'required', 'verdict'], rows));
      const problems: string[] = [];
      for (const [name, pin] of required) {
        if (!pin) {
          problems.push(`${name} is not in ${opts.resolved}`);
        } else if (pin.kind !== 'version') {
          problems.push(
            `${pin.name} is pinned to ${pin.kind} "${pin.value}", not a released version (pin it with .upToNextMinor(from:) or exact:)`,
          );
        }
      }
      if (problems.length > 0) throw new CheckFailedError(problems.join('; '));
      io.stdout(`${opts.require.length} required package(s) pinned to released versions\n`);
      if (opts.reportNewer) await reportNewer([...requiredPins], io);
    });
}

/** Warns (never fails) about newer releases, and about a repository that could not be listed. */
async function reportNewer(pins: readonly SwiftPin[], io: CliIo): Promise<void> {
  const warn = (title: string, message: string) => writeWarning(io, message, title);
  for (const pin of pins) {
    let tags: string[];
    try {
      tags = await listTags(pin.location);
    } catch (e) {
      warn(
        `${pin.name}: releases unknown`,
        `could not list the releases of ${pin.name} (${(e as Error).message}); its pin ${pin.value} was not compared`,
      );
      continue;
    }
    const newer = newerReleases(pin.value, tags);
    if (newer.length === 0) {
      io.stdout(`${pin.name} ${pin.value} is the newest release\n`);
    } else {
      warn(
        `${pin.name} is behind`,
        `${pin.name} is pinned to ${pin.value}; newer release(s): ${newer.slice(0, 5).join(', ')}${newer.length > 5 ? ` and ${newer.length - 5} more` : ''}`,
      );
    }
  }
}

if (require.main === module) main(checkSwiftPinsCommand());
