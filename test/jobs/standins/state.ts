import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { writeAtomically } from '../../../projenrc/write-atomically';

/** Reads a stand-in state file of the scenario's world (cluster, GitHub, keychains...). */
export function load<T>(name: string, fallback: T): T {
  const file = path.join(process.env.STANDIN_STATE!, `${name}.json`);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : fallback;
}

/** Written whole (see writeJsonWhole): a stand-in of a parallel job never reads a truncated state file. */
export function save(name: string, value: unknown): void {
  writeJsonWhole(path.join(process.env.STANDIN_STATE!, `${name}.json`), value);
}

/** A state file as JSON, through the synthesis caches' atomic write (temporary name, then rename). */
export function writeJsonWhole(file: string, value: unknown): void {
  writeAtomically(file, JSON.stringify(value, null, 2));
}

/** Faults the scenario set (`tool:what`), so a stand-in fails as the real tool would on that fault. */
export function fault(name: string): boolean {
  return (process.env.STANDIN_FAULTS ?? '').split(',').includes(name);
}
