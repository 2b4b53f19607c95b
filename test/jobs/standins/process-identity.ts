import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A process by pid and start time. The job runner starts thousands of processes a run, so Linux's
 * pids (32768 here) come round within minutes: a pid kept in a state file can name another
 * scenario's server by the time it is signalled. Comparing the start time (field 22 of
 * /proc/<pid>/stat, in clock ticks since boot) tells the process we started from a newcomer.
 */
// A type, not an interface: state files hold it as JSON.
export type ProcessRef = {
  readonly pid: number;
  readonly start: string;
};

/** The start time of a live pid, or undefined when no such process exists. */
function startOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    return stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .at(22 - 3);
  } catch {
    return undefined;
  }
}

/** The identity of a process that is running now. */
export function processRef(pid: number): ProcessRef {
  const start = startOf(pid);
  if (start === undefined) throw new Error(`no process ${pid}`);
  return { pid, start };
}

/** Whether the very process `ref` names still exists (a zombie counts until it is reaped). */
export function isRunning(ref: ProcessRef): boolean {
  return startOf(ref.pid) === ref.start;
}

/** Signals the process `ref` names, never a newcomer under its pid; false when it is gone. */
export function signalProcess(ref: ProcessRef, signal: NodeJS.Signals): boolean {
  if (!isRunning(ref)) return false;
  try {
    process.kill(ref.pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** The identities of the children of this process that have not exited (an exited child's pid is free for reuse). */
export function childRefs(children: readonly ChildProcess[]): ProcessRef[] {
  return children
    .filter((c) => c.pid !== undefined && c.exitCode === null && c.signalCode === null)
    .flatMap((c) => {
      try {
        return [processRef(c.pid!)];
      } catch {
        return []; // exited meanwhile
      }
    });
}

/** Stops processes: SIGTERM, then SIGKILL for any still alive after `graceMs`; resolves once they are gone. */
export async function stopProcesses(procs: readonly ProcessRef[], graceMs = 5_000): Promise<void> {
  for (const p of procs) signalProcess(p, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (procs.some(isRunning) && Date.now() < deadline) await sleep(20);
  for (const p of procs) signalProcess(p, 'SIGKILL');
  // An unreaped killed process (a zombie) is still listed, so bound the wait.
  const killed = Date.now() + 2_000;
  while (procs.some(isRunning) && Date.now() < killed) await sleep(20);
}
