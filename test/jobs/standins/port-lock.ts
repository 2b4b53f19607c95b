import { mkdirSync, readFileSync, rmdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ToolError } from './args';
import { isRunning, processRef, signalProcess, type ProcessRef } from './process-identity';

/**
 * Fixed loopback ports (the compose file's published ports, a workflow's port-forward) are one
 * machine-wide resource, while scenarios run two at a time in separate worlds. A stand-in that binds
 * one claims it first: a lock file naming the processes that hold the port (by pid and start time,
 * see ProcessRef). The claim ends when it is released or when every one of those processes has
 * exited (a job that never ran `down`).
 */
// Shared by every test run and stand-in on the machine: the base temporary directory, not a run's own root.
const LOCK_DIR = path.join(process.env.VOICE_TEST_TMPDIR_BASE ?? tmpdir(), 'voice-job-ports');
const MUTEX = path.join(LOCK_DIR, '.mutex');

/** The claim file of a port. */
export const lockFile = (port: number) => path.join(LOCK_DIR, `${port}.json`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A short critical section over every lock file, so a stale claim is never taken by two waiters. */
async function withMutex<T>(work: () => T): Promise<T> {
  mkdirSync(LOCK_DIR, { recursive: true });
  for (;;) {
    try {
      mkdirSync(MUTEX);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      // A holder that died inside the section (a few file operations) left it behind.
      try {
        if (Date.now() - statSync(MUTEX).mtimeMs > 10_000) rmdirSync(MUTEX);
      } catch {
        /* released meanwhile */
      }
      await sleep(10);
    }
  }
  try {
    return work();
  } finally {
    rmdirSync(MUTEX);
  }
}

/** Waits until the ports are free of other claims, then claims them for `pids` (in port order, so two claimants never deadlock). */
export async function claimPorts(
  ports: readonly number[],
  pids: readonly number[],
  timeoutMs = 300_000,
): Promise<void> {
  const procs = pids.map(processRef);
  const deadline = Date.now() + timeoutMs;
  for (const port of [...new Set(ports)].sort((a, b) => a - b)) {
    for (;;) {
      const claimed = await withMutex(() => {
        try {
          const holder = JSON.parse(readFileSync(lockFile(port), 'utf8')) as { procs: ProcessRef[] };
          if (holder.procs.some(isRunning)) return false;
        } catch {
          /* no claim */
        }
        writeFileSync(lockFile(port), JSON.stringify({ procs }));
        return true;
      });
      if (claimed) break;
      if (Date.now() > deadline) {
        throw new ToolError(`port ${port} stayed in use by another scenario for ${timeoutMs / 1000} s`);
      }
      await sleep(50);
    }
  }
}

/** The processes a port's claim names, or undefined when nobody claims it. */
function holderOf(port: number): ProcessRef[] | undefined {
  try {
    return (JSON.parse(readFileSync(lockFile(port), 'utf8')) as { procs: ProcessRef[] }).procs;
  } catch {
    return undefined;
  }
}

/** Whether a claim names one of `owners` (the same process: pid and start time). */
function claimedBy(holder: readonly ProcessRef[], owners: readonly ProcessRef[]): boolean {
  return holder.some((h) => owners.some((o) => o.pid === h.pid && o.start === h.start));
}

/**
 * Names the processes that now hold the ports (the servers started after the claim). Only a claim of
 * this process or of `procs` is rewritten: a claim another scenario holds is never overwritten, and
 * the stand-in fails, naming the port, instead of serving beside a server it does not know.
 */
export async function holdPorts(ports: readonly number[], procs: readonly ProcessRef[]): Promise<void> {
  const owners = [processRef(process.pid), ...procs];
  const lost = await withMutex(() => {
    const taken = ports.find((port) => {
      const holder = holderOf(port);
      return holder !== undefined && !claimedBy(holder, owners);
    });
    if (taken !== undefined) return taken;
    for (const port of ports) writeFileSync(lockFile(port), JSON.stringify({ procs }));
    return undefined;
  });
  if (lost !== undefined) {
    throw new ToolError(`port ${lost} is claimed by another scenario's processes, not this stand-in's`);
  }
}

/**
 * Stops the processes holding ports and then releases the claims: a claim released while its
 * server still listens would let another scenario's server fail to bind while this one answers.
 * SIGTERM, then SIGKILL for any still alive after `graceMs`.
 */
export async function stopAndRelease(
  procs: readonly ProcessRef[],
  ports: readonly number[],
  graceMs = 5_000,
): Promise<void> {
  for (const p of procs) signalProcess(p, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (procs.some(isRunning) && Date.now() < deadline) await sleep(20);
  for (const p of procs) signalProcess(p, 'SIGKILL');
  // A killed process has closed its sockets; an unreaped one (a zombie) is still listed, so bound the wait.
  const killed = Date.now() + 2_000;
  while (procs.some(isRunning) && Date.now() < killed) await sleep(20);
  await releasePorts(ports, [processRef(process.pid), ...procs]);
}

/**
 * Ends this process's (or `owners'`) claims on the ports. A claim another scenario holds stays: a
 * stand-in that never got its port, or lost it as stale, must not free the port under a live server.
 */
export async function releasePorts(
  ports: readonly number[],
  owners: readonly ProcessRef[] = [processRef(process.pid)],
): Promise<void> {
  await withMutex(() => {
    for (const port of ports) {
      const holder = holderOf(port);
      if (holder === undefined || !claimedBy(holder, owners)) continue;
      try {
        unlinkSync(lockFile(port));
      } catch {
        /* not held */
      }
    }
  });
}
