#!/usr/bin/env node
import { Command } from 'commander';
import { CheckFailedError } from '../../common/cli-errors';
import { CHECK_SWIFT_PINS as C } from '../../common/cli-contracts';
import { readJsonFile } from './files';
import { main, PROCESS_IO, type CliIo } from './run-cli';
import { textTable } from '../../common/text-table';
import { findPin, parsePackageResolved, type SwiftPin } from '../swift/package-resolved';

export function checkSwiftPinsCommand(io: CliIo = PROCESS_IO): Command {
  return new Command(C.bin)
    .description('Check that required Swift packages are pinned to a released version, not a branch or a bare '
      + 'revision. Reads Package.resolved v1, v2 and v3 and prints every pin. '
      + 'Exit codes: 0 all required packages pinned to versions, 1 a required package is unpinned or missing, '
      + '2 usage or input error.')
    .requiredOption(`${C.flags.resolved} <file>`, 'path of Package.resolved')
    .option(`${C.flags.require} <package...>`, 'packages that must be pinned to a version (identity or name)', [])
    .action((opts: { resolved: string; require: string[] }) => {
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
        if (!pin) problems.push(`${name} is not in ${opts.resolved}`);
        else if (pin.kind !== 'version') problems.push(`${pin.name} is pinned to ${pin.kind} "${pin.value}", not a released version (pin it with .upToNextMinor(from:) or exact:)`);
      }
      if (problems.length > 0) throw new CheckFailedError(problems.join('; '));
      io.stdout(`${opts.require.length} required package(s) pinned to released versions\n`);
    });
}

if (require.main === module) main(checkSwiftPinsCommand());
