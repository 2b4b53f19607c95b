import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { makeWav } from '../../src/runtime/smoke/wav';

/** Switches of the fixture; change them between requests. */
export interface FixtureBehaviour {
  /** Status of GET /health. @default 200 */
  healthStatus: number;
  /** The first N health checks answer 503 (a service still starting). @default 0 */
  unhealthyFirst: number;
  /** Delay of every synthesis answer. @default 0 */
  slowMs: number;
  /** Server stalls: for `forMs` out of every `everyMs`, answers wait until the stall ends. @default - none */
  stall?: { everyMs: number; forMs: number };
  /** Every Nth synthesis request answers 500. @default - never */
  failEvery?: number;
  /** Answer 200 and then: drop the connection halfway, trickle a byte every 100 ms, or stream forever. @default - a whole answer */
  bodyFault?: 'reset' | 'trickle' | 'endless';
  /** Body of the 500 answers. @default '{"error":"synthesis failed"}' */
  errorBody?: string;
  /** Serve broken audio. @default - valid WAV */
  badAudio?: 'not-wav' | 'empty-data' | 'wrong-content-type';
}

/**
 * A small server speaking the tts service's contract on 127.0.0.1: GET /health and
 * POST /v1/synthesize {"text"} → audio/wav. Used by the CLI integration tests and the benchmark.
 */
export class TtsFixture {
  public static readonly SYNTHESIS_PATH = '/v1/synthesize';

  public static async start(behaviour: Partial<FixtureBehaviour> = {}): Promise<TtsFixture> {
    const fixture = new TtsFixture(behaviour);
    await new Promise<void>((resolve) => fixture.server.listen(0, '127.0.0.1', resolve));
    return fixture;
  }

  public readonly behaviour: FixtureBehaviour;
  public synthesisRequests = 0;
  /** Path and query of the last synthesis request. */
  public lastSynthesisUrl: string | undefined;
  public healthRequests = 0;
  private readonly server: Server;
  private readonly started = Date.now();
  private readonly audio = makeWav({ seconds: 0.25 });

  private constructor(behaviour: Partial<FixtureBehaviour>) {
    this.behaviour = { healthStatus: 200, unhealthyFirst: 0, slowMs: 0, ...behaviour };
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = 5000;
  }

  public get baseUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  public async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Milliseconds until the current stall window ends (0 outside a stall). */
  private stallRemaining(): number {
    const s = this.behaviour.stall;
    if (!s) return 0;
    const phase = (Date.now() - this.started) % s.everyMs;
    const stallStart = s.everyMs - s.forMs; // the stall sits at the end of each period
    return phase >= stallStart ? s.everyMs - phase : 0;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    if (req.method === 'GET' && req.url === '/health') {
      this.healthRequests++;
      const status = this.healthRequests <= this.behaviour.unhealthyFirst ? 503 : this.behaviour.healthStatus;
      res
        .writeHead(status, { 'content-type': 'application/json' })
        .end(JSON.stringify({ status: status === 200 ? 'ok' : 'unhealthy' }));
      return;
    }
    if (req.method !== 'POST' || req.url?.split('?')[0] !== TtsFixture.SYNTHESIS_PATH) {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      this.synthesisRequests++;
      this.lastSynthesisUrl = req.url;
      const n = this.synthesisRequests;
      const delay = this.behaviour.slowMs + this.stallRemaining();
      const answer = () => this.answer(res, n, Buffer.concat(chunks).toString('utf8'));
      if (delay > 0) {
        // A client that gave up (a timeout test) must not leave the answer pending: it would keep the worker alive.
        const timer = setTimeout(answer, delay);
        res.on('close', () => clearTimeout(timer));
      } else {
        answer();
      }
    });
  }

  private faultyBody(res: ServerResponse, fault: 'reset' | 'trickle' | 'endless'): void {
    res.writeHead(200, {
      'content-type': 'audio/wav',
      ...(fault === 'endless' ? {} : { 'content-length': this.audio.length }),
    });
    if (fault === 'reset') {
      res.write(this.audio.subarray(0, Math.floor(this.audio.length / 2)), () => res.socket?.destroy());
      return;
    }
    let i = 0;
    const chunk = Buffer.alloc(64 * 1024, 1);
    const timer = setInterval(
      () => {
        if (res.destroyed || res.writableEnded) return clearInterval(timer);
        if (fault === 'trickle') {
          res.write(this.audio.subarray(i, ++i));
        } else {
          while (res.write(chunk)) {
            /* fill the socket buffer, then wait for the next tick */
          }
        }
      },
      fault === 'trickle' ? 100 : 1,
    );
    res.on('close', () => clearInterval(timer));
  }

  private answer(res: ServerResponse, n: number, body: string): void {
    let text: unknown;
    try {
      text = (JSON.parse(body) as { text?: unknown }).text;
    } catch {
      text = undefined;
    }
    if (typeof text !== 'string' || text === '') {
      res.writeHead(422, { 'content-type': 'application/json' }).end('{"error":"text is required"}');
      return;
    }
    if (this.behaviour.failEvery && n % this.behaviour.failEvery === 0) {
      res
        .writeHead(500, { 'content-type': 'application/json' })
        .end(this.behaviour.errorBody ?? '{"error":"synthesis failed"}');
      return;
    }
    if (this.behaviour.bodyFault) {
      this.faultyBody(res, this.behaviour.bodyFault);
      return;
    }
    switch (this.behaviour.badAudio) {
      case 'not-wav':
        res.writeHead(200, { 'content-type': 'audio/wav' }).end('<html>not audio</html>');
        return;
      case 'empty-data': {
        const header = Buffer.from(this.audio.subarray(0, 44));
        header.writeUInt32LE(0, 40);
        header.writeUInt32LE(36, 4);
        res.writeHead(200, { 'content-type': 'audio/wav' }).end(header);
        return;
      }
      case 'wrong-content-type':
        res.writeHead(200, { 'content-type': 'application/json' }).end(this.audio);
        return;
      default:
        res.writeHead(200, { 'content-type': 'audio/wav', 'content-length': this.audio.length }).end(this.audio);
    }
  }
}
