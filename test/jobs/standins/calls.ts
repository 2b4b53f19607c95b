import { appendFileSync } from 'node:fs';

/** One stand-in call, one JSON line of the calls file: written by {@link recordCall}, read by the world's `calls()`. */
export interface CallRecord {
  readonly tool: string;
  readonly args: string[];
  readonly cwd: string;
  /** The job that made the call (`STANDIN_JOB`); added by {@link recordCall}. */
  readonly job?: string;
  readonly exit: number;
  /** CPU the call took: its whole process, or its share of the warm server. */
  readonly cpu: NodeJS.CpuUsage;
  /** Seconds from the call's start to its end. */
  readonly uptime: number;
  /** Run in the warm stand-in server rather than a process of its own. */
  readonly served?: true;
}

/** Appends a call to the calls file the call's environment names (`STANDIN_CALLS`), under its job (`STANDIN_JOB`). */
export function recordCall(env: NodeJS.ProcessEnv, call: Omit<CallRecord, 'job'>): void {
  if (!env.STANDIN_CALLS) return;
  appendFileSync(env.STANDIN_CALLS, `${JSON.stringify({ ...call, job: env.STANDIN_JOB })}\n`);
}
