import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as path from 'node:path';
import { createInterface } from 'node:readline';

/**
 * A job machine's own loopback (see machine_networks.py): the network namespace its processes run
 * in, with the host ports it was given relayed to the host's loopback.
 */
export interface MachineNetwork {
  /** The namespace file `nsenter --net=` enters. */
  readonly net: string;
  /** The command line that runs `cmd args` inside the namespace (nsenter execs it: same pid, same group). */
  command(cmd: string, args: readonly string[]): [string, string[]];
  /** Ends the namespace once the processes left in it exit. */
  close(): Promise<void>;
}

type Answer = { id: number; net?: string; closed?: true; error?: string };

/**
 * The relay process that makes every machine of this test process. Started on first use; it exits
 * when this process closes its standard input ({@link MachineNetworks.stop}) or exits.
 */
export class MachineNetworks {
  private child?: ChildProcessWithoutNullStreams;
  private nextId = 1;
  private readonly waiting = new Map<number, (a: Answer) => void>();
  private exited?: string;

  /**
   * @param python the interpreter that runs the relay
   * @default 'python3'
   */
  constructor(private readonly python = 'python3') {}

  /** A new machine whose loopback reaches `hostPorts` of the host's loopback. */
  async open(hostPorts: readonly number[]): Promise<MachineNetwork> {
    const id = this.nextId++;
    const answer = await this.request(id, { open: id, ports: hostPorts });
    if (answer.error || !answer.net) {
      throw new Error(
        `a job machine's network namespace could not be made (${answer.error ?? 'no answer'}): the job runner ` +
          "needs root, or namespaces of its own: unshare --user --map-root-user --net sh -c 'ip link set lo up && npx projen test:jobs'",
      );
    }
    const net = answer.net;
    let closed: Promise<void> | undefined;
    return {
      net,
      command: (cmd, args) => ['nsenter', [`--net=${net}`, '--', cmd, ...args]],
      close: () =>
        (closed ??= this.request(id, { close: id }).then((a) => {
          if (a.error) throw new Error(`closing a job machine's network: ${a.error}`);
        })),
    };
  }

  /** Ends the relay process (machines still open end with it). */
  stop(): void {
    this.child?.stdin.end();
    this.child = undefined;
  }

  private request(id: number, message: object): Promise<Answer> {
    const child = this.start();
    return new Promise((resolve, reject) => {
      if (this.exited) {
        reject(new Error(this.exited));
        return;
      }
      this.waiting.set(id, resolve);
      this.holdOpen(true);
      child.stdin.write(`${JSON.stringify(message)}\n`);
    });
  }

  private start(): ChildProcessWithoutNullStreams {
    if (this.child) return this.child;
    const child = spawn(this.python, [path.join(__dirname, 'machine_networks.py')], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const answer = JSON.parse(line) as Answer;
      const resolve = this.waiting.get(answer.id);
      this.waiting.delete(answer.id);
      if (this.waiting.size === 0) this.holdOpen(false);
      resolve?.(answer);
    });
    const ended = (why: string) => {
      this.exited = why;
      for (const [id, resolve] of this.waiting) resolve({ id, error: why });
      this.waiting.clear();
    };
    child.on('exit', (code, signal) => ended(`the machine network relay exited (${code ?? signal}): ${stderr.trim()}`));
    // Written to after it ended: the exit above reports why, the pipe's own error adds nothing.
    child.stdin.on('error', () => undefined);
    // No such interpreter: an error event, not an exit.
    child.on('error', (e) => ended(`the machine network relay did not start: ${e.message}`));
    this.child = child;
    this.holdOpen(false);
    return child;
  }

  /** The relay keeps this process alive only while an answer is awaited (never once the tests are done). */
  private holdOpen(hold: boolean): void {
    const child = this.child;
    if (!child) return;
    const handles = [child, child.stdin, child.stdout, child.stderr] as unknown as { ref(): void; unref(): void }[];
    for (const handle of handles) {
      if (hold) handle.ref();
      else handle.unref();
    }
  }
}

/** The machines of this test process's jobs. */
export const machineNetworks = new MachineNetworks();
