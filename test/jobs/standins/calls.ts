import { appendFileSync } from 'node:fs';

/** One stand-in call as the calls file records it (one JSON line each), for the assertions and for profiling. */
export interface CallRecord {
  readonly tool: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly exit: number;
  /** CPU the call took: its whole process, or its share of the warm server. */
  readonly cpu: NodeJS.CpuUsage;
  /** Seconds from the call's start to its end. */
  readonly uptime: number;
  /** Run in the warm stand-in server rather than a process of its own. */
  readonly served?: true;
}

/** Appends a call to the calls file the call's environment names (`STANDIN_CALLS`), under its job (`STANDIN_JOB`). */
export function recordCall(env: NodeJS.ProcessEnv, call: CallRecord): void {
  if (!env.STANDIN_CALLS) return;
  const { tool, args, cwd, exit, cpu, uptime, served } = call;
  appendFileSync(
    env.STANDIN_CALLS,
    `${JSON.stringify({ tool, args, cwd, job: env.STANDIN_JOB, exit, cpu, uptime, ...(served ? { served } : {}) })}\n`,
  );
}
