import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

// The package index also loads its CLI log formatter (ESM-only chalk), which Jest's CommonJS
// runtime cannot require, and its exports map hides the linter module; load that file directly.
const RUN_LINT = path.join(__dirname, '..', '..', 'node_modules', '@tktco', 'node-actionlint', 'build', 'run-lint.js');

interface LintResult {
  readonly message: string;
  readonly line: number;
  readonly column: number;
  readonly kind: string;
}

/**
 * actionlint's Go runtime (WebAssembly) never exits and keeps scheduling timers, which would keep
 * the test worker alive after its tests (jest then force-exits it). It runs in a worker thread
 * instead, which {@link stopActionlint} terminates, timers and all. Its module is compiled by V8's
 * baseline compiler only: the optimizing tier-up of the large module went on in the background for
 * about 2 s after the last lint and held the process's exit (and costs more than it saves here). V8 flags
 * are per process, not per thread: nothing else in the suite runs WebAssembly.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
require('node:v8').setFlagsFromString('--liftoff-only');
const { runLint } = require(${JSON.stringify(RUN_LINT)});
parentPort.on('message', ({ id, content, filePath }) => {
  runLint(content, filePath).then(
    (results) => parentPort.postMessage({ id, results }),
    (error) => parentPort.postMessage({ id, error: String((error && error.stack) || error) }),
  );
});
`;

let worker: Worker | undefined;
let nextId = 0;
const pending = new Map<number, { resolve: (r: LintResult[]) => void; reject: (e: Error) => void }>();

function lintWorker(): Worker {
  if (worker) return worker;
  const w = new Worker(WORKER_SOURCE, { eval: true });
  w.on('message', (m: { id: number; results?: LintResult[]; error?: string }) => {
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.error !== undefined) p?.reject(new Error(`actionlint failed: ${m.error}`));
    else p?.resolve(m.results ?? []);
  });
  const fail = (e: Error) => {
    for (const p of pending.values()) p.reject(e);
    pending.clear();
    if (worker === w) worker = undefined;
  };
  w.on('error', fail);
  // An exit with lints pending (the thread died without an error event) fails them instead of hanging.
  w.on('exit', (code) => fail(new Error(`actionlint's worker thread exited (${code}) with lints pending`)));
  return (worker = w);
}

/** actionlint (compiled to WebAssembly) findings for one workflow file, as `line:col kind: message`. */
export async function actionlintFindings(filePath: string, content: string): Promise<string[]> {
  const w = lintWorker();
  const id = nextId++;
  const results = await new Promise<LintResult[]>((resolve, reject) => {
    pending.set(id, { resolve, reject });
    w.postMessage({ id, content, filePath });
  });
  return results.filter((r) => r.message).map((r) => `${r.line}:${r.column} ${r.kind}: ${r.message}`);
}

/** Stops actionlint's worker thread (call in `afterAll`); the next finding starts a new one. */
export async function stopActionlint(): Promise<void> {
  const w = worker;
  worker = undefined;
  await w?.terminate();
}
