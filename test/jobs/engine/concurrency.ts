/**
 * GitHub's concurrency groups and environment reviews, for runs that overlap in a scenario.
 *
 * Concurrency, as GitHub documents it: in a group at most one run (or job) is in progress and one is
 * pending. A newcomer with `cancel-in-progress` cancels the one in progress and starts; otherwise it
 * becomes the pending one, and the run that was pending is cancelled ("a higher priority waiting
 * request exists"). When the one in progress ends, the pending one starts.
 *
 * Reviews: a job whose environment requires reviewers waits until a reviewer approves (it runs) or
 * rejects it (it fails). Scenarios hold the environments they want to park at; any other review is
 * approved at once.
 */

/** Thrown into a run or job that GitHub cancels while it waits. */
export class Cancelled extends Error {}

interface Waiter {
  readonly id: string;
  readonly cancel: (why: string) => void;
}

interface Group {
  running?: Waiter;
  pending?: Waiter & { readonly admit: () => void };
}

export class ConcurrencyGroups {
  private readonly groups = new Map<string, Group>();
  /** What happened, in order, for the scenarios' assertions: `<id> started|pending|cancelled … in <group>`. */
  readonly log: string[] = [];

  /**
   * Asks to enter `group` as `id`. Resolves with the release to call when the run or job ends;
   * rejects with Cancelled when a newer run replaces this one while it is pending. `cancelRunning`
   * is how the one in progress is stopped if the newcomer has cancel-in-progress.
   */
  async enter(
    group: string,
    id: string,
    cancelInProgress: boolean,
    cancelRunning: (why: string) => void,
    wait: <T>(p: Promise<T>) => Promise<T>,
  ): Promise<() => void> {
    const g = this.groups.get(group) ?? {};
    this.groups.set(group, g);
    const release = () => {
      if (g.running?.id !== id) return;
      g.running = undefined;
      const next = g.pending;
      g.pending = undefined;
      next?.admit();
    };
    if (g.running && cancelInProgress) {
      this.log.push(`${g.running.id} cancelled in ${group}: ${id} has cancel-in-progress`);
      g.running.cancel(`Canceling since a higher priority waiting request for '${group}' exists`);
      g.running = undefined;
    }
    if (!g.running) {
      g.running = { id, cancel: cancelRunning };
      this.log.push(`${id} started in ${group}`);
      return release;
    }
    if (g.pending) {
      this.log.push(`${g.pending.id} cancelled in ${group}: replaced by ${id}`);
      g.pending.cancel(`Canceling since a higher priority waiting request for '${group}' exists`);
    }
    this.log.push(`${id} pending in ${group}`);
    await wait(
      new Promise<void>((resolve, reject) => {
        g.pending = { id, admit: resolve, cancel: (why) => reject(new Cancelled(why)) };
      }),
    );
    g.running = { id, cancel: cancelRunning };
    this.log.push(`${id} started in ${group}`);
    return release;
  }
}

/** Jobs waiting for a reviewer in the environments a scenario holds. */
export class Reviews {
  private readonly waiting: {
    job: string;
    environment: string;
    decide: (approved: boolean) => void;
    cancel: (why: string) => void;
  }[] = [];
  readonly log: string[] = [];

  constructor(private readonly held: readonly string[]) {}

  /** Resolves when the job may run; rejects with an Error when rejected, with Cancelled when its run is cancelled. */
  async review(
    job: string,
    environment: string,
    wait: <T>(p: Promise<T>) => Promise<T>,
    onCancel: (cancel: (why: string) => void) => void,
  ): Promise<void> {
    if (!this.held.includes(environment)) return;
    this.log.push(`${job} waiting for a review in ${environment}`);
    await wait(
      new Promise<void>((resolve, reject) => {
        const entry = {
          job,
          environment,
          decide: (approved: boolean) =>
            approved ? resolve() : reject(new Error(`The deployment to ${environment} was rejected by a reviewer`)),
          cancel: (why: string) => reject(new Cancelled(why)),
        };
        this.waiting.push(entry);
        onCancel((why) => {
          this.waiting.splice(this.waiting.indexOf(entry), 1);
          entry.cancel(why);
        });
      }),
    );
  }

  /** A reviewer's decision on every job now waiting whose label ends with `job`. */
  decide(job: string, approved: boolean): void {
    const matching = this.waiting.filter((w) => w.job.endsWith(job));
    if (matching.length === 0) {
      throw new Error(
        `no job waiting for a review matches ${job} (waiting: ${this.waiting.map((w) => w.job).join(', ') || 'none'})`,
      );
    }
    for (const w of matching) {
      this.waiting.splice(this.waiting.indexOf(w), 1);
      this.log.push(`${w.job} ${approved ? 'approved' : 'rejected'}`);
      w.decide(approved);
    }
  }

  get pending(): string[] {
    return this.waiting.map((w) => w.job);
  }
}
