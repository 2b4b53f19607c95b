import { existsSync, readFileSync } from 'node:fs';

/**
 * Reads a GITHUB_OUTPUT / GITHUB_ENV file as the runner does: `name=value` lines, and
 * `name<<DELIMITER` … `DELIMITER` blocks for multi-line values. A block without its delimiter
 * fails the step, as on GitHub ("Matching delimiter not found").
 */
export function readKeyValueFile(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!existsSync(file)) return out;
  const lines = readFileSync(file, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line === '') continue;
    const heredoc = line.indexOf('<<');
    const eq = line.indexOf('=');
    if (heredoc > 0 && (eq < 0 || heredoc < eq)) {
      const name = line.slice(0, heredoc);
      const delimiter = line.slice(heredoc + 2);
      const value: string[] = [];
      let closed = false;
      for (i++; i < lines.length; i++) {
        if (lines[i] === delimiter) {
          closed = true;
          break;
        }
        value.push(lines[i]);
      }
      if (!closed) throw new Error(`Matching delimiter not found '${delimiter}'`);
      out[name] = value.join('\n');
    } else if (eq > 0) {
      out[line.slice(0, eq)] = line.slice(eq + 1);
    } else {
      throw new Error(`Invalid format '${line}'`);
    }
  }
  return out;
}

/** GITHUB_PATH: one directory per line. */
export function readPathFile(file: string): string[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}

/** A workflow command printed by a step (`::error::…`), as the runner reads it from any output line. */
export interface WorkflowCommand {
  readonly command: string;
  readonly properties: string;
  readonly message: string;
}

export function parseWorkflowCommands(output: string): WorkflowCommand[] {
  const out: WorkflowCommand[] = [];
  for (const line of output.split('\n')) {
    const m = /^\s*::([a-z-]+)( [^:]*)?::(.*)$/.exec(line);
    if (m) out.push({ command: m[1], properties: (m[2] ?? '').trim(), message: m[3] });
  }
  return out;
}
