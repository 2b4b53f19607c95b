import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

/** Reads a stand-in state file of the scenario's world (cluster, GitHub, keychains...). */
export function load<T>(name: string, fallback: T): T {
  const file = path.join(process.env.STANDIN_STATE!, `${name}.json`);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : fallback;
}

export function save(name: string, value: unknown): void {
  writeJsonWhole(path.join(process.env.STANDIN_STATE!, `${name}.json`), value);
}

/**
 * Writes a state file whole: to a file of this process, then renamed over the old one, so that a
 * stand-in of a parallel job reading it meanwhile sees the old state or the new one, never a truncated file.
 */
export function writeJsonWhole(file: string, value: unknown): void {
  const partial = `${file}.${process.pid}.partial`;
  writeFileSync(partial, JSON.stringify(value, null, 2));
  renameSync(partial, file);
}

/** Faults the scenario set (`tool:what`), so a stand-in fails as the real tool would on that fault. */
export function fault(name: string): boolean {
  return (process.env.STANDIN_FAULTS ?? '').split(',').includes(name);
}
