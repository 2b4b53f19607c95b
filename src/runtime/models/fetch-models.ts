import { createHash } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  type WriteStream,
  mkdirSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import * as path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { backOff } from 'exponential-backoff';
import { Agent, interceptors, request, type Dispatcher } from 'undici';
import { modelUrl, type ModelEntry } from './manifest';

/** What happened to one model. */
export interface ModelFetchResult {
  readonly id: string;
  /** `cached`: a verified file was already there; `downloaded`; `failed`. */
  readonly outcome: 'cached' | 'downloaded' | 'failed';
  readonly attempts: number;
  /** Why it failed (last attempt). */
  readonly error?: string;
  /** The verified file. */
  readonly file?: string;
}

/** Options of {@link fetchModels}. */
export interface FetchModelsOptions {
  readonly models: readonly ModelEntry[];
  /** Folder the verified files are kept in (the Actions cache restores and saves it). */
  readonly cacheDir: string;
  /** Host of the model repositories. */
  readonly baseUrl: URL;
  /** Tries per model (a 404 is not retried). */
  readonly attempts: number;
  /** First retry delay, doubling. */
  readonly initialDelayMs: number;
  /** Longest wait for the next bytes (an idle stream fails; a slow but steady one does not). */
  readonly idleTimeoutMs: number;
  /** Progress lines. */
  readonly log: (line: string) => void;
}

class PermanentError extends Error {}

/** The file a model is kept under: id and hash, so a new version of a model never reuses an old file. */
export function cachedFileOf(cacheDir: string, model: ModelEntry): string {
  return path.join(cacheDir, `${model.id}-${model.sha256.slice(0, 16)}${path.extname(model.source.file)}`);
}

async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/** Whether the file is there with the manifest's size and hash. */
async function isVerified(file: string, model: ModelEntry): Promise<boolean> {
  if (!existsSync(file)) return false;
  const stat = statSync(file);
  return stat.isFile() && stat.size === model.sizeBytes && (await sha256OfFile(file)) === model.sha256;
}

/**
 * Downloads one model to a temporary name beside the final one, hashing as it streams and
 * refusing more bytes than the manifest's size; only a file of the right size and hash is renamed
 * to its final name. Anything else is deleted.
 */
async function downloadOnce(
  dispatcher: Dispatcher,
  url: URL,
  model: ModelEntry,
  finalFile: string,
  idleTimeoutMs: number,
): Promise<void> {
  const partial = `${finalFile}.partial-${process.pid}`;
  let out: WriteStream | undefined;
  try {
    const { statusCode, body } = await request(url, {
      method: 'GET',
      headersTimeout: idleTimeoutMs,
      bodyTimeout: idleTimeoutMs,
      dispatcher,
    });
    if (statusCode === 404 || statusCode === 410 || statusCode === 401 || statusCode === 403) {
      await body.dump();
      throw new PermanentError(`HTTP ${statusCode} from ${url.href}`);
    }
    if (statusCode !== 200) {
      await body.dump();
      throw new Error(`HTTP ${statusCode} from ${url.href}`);
    }
    const hash = createHash('sha256');
    let received = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        received += chunk.length;
        if (received > model.sizeBytes) {
          done(new Error(`more than the manifest's ${model.sizeBytes} bytes`));
          return;
        }
        hash.update(chunk);
        done(null, chunk);
      },
    });
    out = createWriteStream(partial, { mode: 0o644 });
    await pipeline(body, meter, out);
    if (received !== model.sizeBytes) throw new Error(`truncated: ${received} of ${model.sizeBytes} bytes`);
    const digest = hash.digest('hex');
    if (digest !== model.sha256) throw new Error(`sha256 mismatch: got ${digest}, the manifest says ${model.sha256}`);
    renameSync(partial, finalFile);
  } finally {
    // A write stream opens its file asynchronously: when the body fails early, the file can appear
    // after the failure, so the clean-up waits until the stream has closed it.
    const stream = out;
    if (stream && !stream.closed) await new Promise<void>((closed) => stream.once('close', () => closed()));
    rmSync(partial, { force: true });
  }
}

/**
 * Makes every model available in the cache folder, verified: a file already there with the right
 * size and hash is reused; otherwise it is downloaded with bounded retries and backoff (a 404 or
 * 403 is not retried). Models are fetched one after another (they are large; parallel downloads
 * would only share the runner's bandwidth). Never throws for a model: each gets a result.
 */
export async function fetchModels(options: FetchModelsOptions): Promise<ModelFetchResult[]> {
  mkdirSync(options.cacheDir, { recursive: true });
  // Model hosts answer with a redirect to their CDN: follow a few.
  const agent = new Agent();
  const dispatcher = agent.compose(interceptors.redirect({ maxRedirections: 5 }));
  try {
    return await fetchEach(options, dispatcher);
  } finally {
    await agent.close();
  }
}

async function fetchEach(options: FetchModelsOptions, dispatcher: Dispatcher): Promise<ModelFetchResult[]> {
  const results: ModelFetchResult[] = [];
  for (const model of options.models) {
    const file = cachedFileOf(options.cacheDir, model);
    if (await isVerified(file, model)) {
      options.log(`${model.id}: cached and verified (${file})`);
      results.push({ id: model.id, outcome: 'cached', attempts: 0, file });
      continue;
    }
    rmSync(file, { force: true }); // a file of the wrong size or hash is not a cache hit
    const url = modelUrl(options.baseUrl, model);
    let attempts = 0;
    try {
      await backOff(
        async () => {
          attempts++;
          await downloadOnce(dispatcher, url, model, file, options.idleTimeoutMs);
        },
        {
          numOfAttempts: options.attempts,
          startingDelay: options.initialDelayMs,
          timeMultiple: 2,
          retry: (e: Error, attempt) => {
            const retry = !(e instanceof PermanentError) && attempt < options.attempts;
            options.log(`${model.id}: attempt ${attempt} failed (${e.message})${retry ? '; retrying' : ''}`);
            return retry;
          },
        },
      );
      options.log(`${model.id}: downloaded and verified (${model.sizeBytes} bytes)`);
      results.push({ id: model.id, outcome: 'downloaded', attempts, file });
    } catch (e) {
      results.push({ id: model.id, outcome: 'failed', attempts, error: (e as Error).message });
    }
  }
  return results;
}
