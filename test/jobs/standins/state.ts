import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

/** Reads a stand-in state file of the scenario's world (cluster, GitHub, keychains...). */
export function load<T>(name: string, fallback: T): T {
  const file = path.join(process.env.STANDIN_STATE!, `${name}.json`);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : fallback;
}

export function save(name: string, value: unknown): void {
  writeFileSync(path.join(process.env.STANDIN_STATE!, `${name}.json`), JSON.stringify(value, null, 2));
}

/** Faults the scenario set (`tool:what`), so a stand-in fails as the real tool would on that fault. */
export function fault(name: string): boolean {
  return (process.env.STANDIN_FAULTS ?? '').split(',').includes(name);
}
