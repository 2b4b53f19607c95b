import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as fc from 'fast-check';
import { fetchModelsCommand } from '../../src/runtime/cli/fetch-models';
import { modelsManifestCommand } from '../../src/runtime/cli/models-manifest';
import { cachedFileOf } from '../../src/runtime/models/fetch-models';
import {
  modelsMatrix,
  modelUrl,
  MODELS_MANIFEST_SCHEMA,
  parseModelsManifest,
  type ModelEntry,
} from '../../src/runtime/models/manifest';
import { schemaErrors } from '../support/json-schema';
import { startModelHost, type Behaviour, type ModelHostFixture } from '../support/model-host-fixture';
import { runCliInProcess, runCliProcess } from '../support/run-cli';

const REVISION = 'a'.repeat(40);
const body = (seed: string, size = 64 * 1024) => Buffer.alloc(size, seed);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function entry(id: string, content: Buffer, extra: Partial<ModelEntry> = {}): ModelEntry {
  return {
    id,
    provider: 'whisperkit',
    version: '1.0.0',
    source: { repository: 'argmaxinc/whisperkit-coreml', revision: REVISION, file: `${id}.zip` },
    sha256: sha(content),
    sizeBytes: content.length,
    ...extra,
  };
}
const pathOf = (m: ModelEntry) => `/argmaxinc/whisperkit-coreml/resolve/${REVISION}/${m.id}.zip`;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'models-'));
});
const writeManifest = (data: unknown) => {
  const file = path.join(dir, 'models.json');
  writeFileSync(file, typeof data === 'string' ? data : JSON.stringify(data));
  return file;
};

describe('models manifest', () => {
  const good = {
    schemaVersion: 1,
    models: [
      entry('openai_whisper-base', body('b')),
      entry('openai_whisper-small', body('s'), { provider: 'whisperkit-pro' }),
    ],
  };

  test('the shipped schema is strict JSON schema and accepts a good manifest', () => {
    expect(schemaErrors(MODELS_MANIFEST_SCHEMA, good)).toEqual([]);
    expect(parseModelsManifest(good, 'models.json').models).toHaveLength(2);
  });

  test('the matrix lists every model in manifest order', () => {
    expect(modelsMatrix(parseModelsManifest(good, 'm'))).toEqual({
      include: [
        { id: 'openai_whisper-base', provider: 'whisperkit', version: '1.0.0' },
        { id: 'openai_whisper-small', provider: 'whisperkit-pro', version: '1.0.0' },
      ],
    });
  });

  test.each([
    [
      'a branch as revision',
      { source: { repository: 'a/b', revision: 'main', file: 'x.zip' } },
      /models\.0\.source\.revision must match pattern .*, got "main"/,
    ],
    ['a short SHA', { source: { repository: 'a/b', revision: 'abc1234', file: 'x.zip' } }, /revision/],
    [
      'a path leaving the repository',
      { source: { repository: 'a/b', revision: REVISION, file: '../../secrets' } },
      /file/,
    ],
    ['an absolute path', { source: { repository: 'a/b', revision: REVISION, file: '/etc/passwd' } }, /file/],
    ['an upper-case sha256', { sha256: 'A'.repeat(64) }, /sha256/],
    ['a size of zero', { sizeBytes: 0 }, /sizeBytes/],
    ['an unknown field', { url: 'https://x' }, /models\.0\.url is not a known field/],
  ])('rejects %s, naming the field', (_label, patch, message) => {
    const bad = { schemaVersion: 1, models: [{ ...entry('m', body('m')), ...patch }] };
    expect(() => parseModelsManifest(bad, 'models.json')).toThrow(message);
  });

  test('rejects duplicate ids', () => {
    const m = entry('m', body('m'));
    expect(() => parseModelsManifest({ schemaVersion: 1, models: [m, m] }, 'models.json')).toThrow(
      /models\[1\]\.id: duplicate id "m" \(also models\[0\]\)/,
    );
  });

  test('URLs stay on the host, whatever the ids and files (property)', () => {
    const base = new URL('https://huggingface.co');
    fc.assert(
      fc.property(
        fc
          .stringMatching(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,40}$/)
          .filter((f) => !f.startsWith('/') && !/(^|\/)\.\.(\/|$)/.test(f)),
        (file) => {
          const m = entry('m', body('m'), { source: { repository: 'a/b', revision: REVISION, file } });
          expect(parseModelsManifest({ schemaVersion: 1, models: [m] }, 'm').models).toHaveLength(1);
          const url = modelUrl(base, m);
          expect(url.origin).toBe(base.origin);
          expect(url.pathname.startsWith(`/a/b/resolve/${REVISION}/`)).toBe(true);
        },
      ),
    );
  });

  test('models-manifest CLI: 0 with a report, --matrix prints JSON; exit 2 for missing, malformed and invalid', async () => {
    const file = writeManifest(good);
    const ok = await runCliInProcess(modelsManifestCommand, ['--manifest', file]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/2 model\(s\) valid/);
    const matrix = await runCliInProcess(modelsManifestCommand, ['--manifest', file, '--matrix']);
    expect(JSON.parse(matrix.stdout)).toEqual(modelsMatrix(parseModelsManifest(good, 'm')));
    expect((await runCliInProcess(modelsManifestCommand, ['--manifest', path.join(dir, 'none.json')])).stderr).toMatch(
      /cannot read/,
    );
    expect((await runCliInProcess(modelsManifestCommand, ['--manifest', writeManifest('{"models": [')])).code).toBe(2);
    const invalid = await runCliInProcess(modelsManifestCommand, [
      '--manifest',
      writeManifest({ schemaVersion: 2, models: [] }),
    ]);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/schemaVersion/);
  });
});

describe('fetch-models', () => {
  let host: ModelHostFixture;
  const base = body('B');
  const small = body('S', 32 * 1024);
  const serve = async (models: Record<string, { model: ModelEntry; content: Buffer; behaviours: Behaviour[] }>) => {
    host = await startModelHost(
      Object.fromEntries(
        Object.values(models).map((m) => [pathOf(m.model), { body: m.content, behaviours: m.behaviours }]),
      ),
    );
  };
  afterEach(() => host?.close());
  const cache = () => path.join(dir, 'cache');
  const run = (manifest: string, ...extra: string[]) =>
    runCliInProcess(fetchModelsCommand, [
      '--manifest',
      manifest,
      '--cache-dir',
      cache(),
      '--base-url',
      host.url,
      '--initial-delay-ms',
      '0',
      '--timeout-ms',
      '2000',
      ...extra,
    ]);
  const noPartials = () =>
    expect(existsSync(cache()) ? readdirSync(cache()).filter((f) => f.includes('.partial-')) : []).toEqual([]);

  test('downloads and verifies every model, then reuses the verified files without a request', async () => {
    const a = entry('base', base);
    const b = entry('small', small);
    await serve({
      a: { model: a, content: base, behaviours: [{ kind: 'ok' }] },
      b: { model: b, content: small, behaviours: [{ kind: 'ok' }] },
    });
    const manifest = writeManifest({ schemaVersion: 1, models: [a, b] });
    const first = await run(manifest);
    expect(first.code).toBe(0);
    expect(readFileSync(cachedFileOf(cache(), a)).equals(base)).toBe(true);
    const second = await run(manifest);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/base: cached and verified[\s\S]*small: cached and verified/);
    expect(host.requests.get(pathOf(a))).toBe(1);
  });

  test('flaky: a 503 then a good answer → retried, exit 0', async () => {
    const a = entry('base', base);
    await serve({ a: { model: a, content: base, behaviours: [{ kind: 'status', status: 503 }, { kind: 'ok' }] } });
    const r = await run(writeManifest({ schemaVersion: 1, models: [a] }));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/attempt 1 failed \(HTTP 503/);
    expect(host.requests.get(pathOf(a))).toBe(2);
  });

  test("follows the host's redirect to its CDN", async () => {
    const a = entry('base', base);
    host = await startModelHost({
      [pathOf(a)]: { body: base, behaviours: [{ kind: 'redirect', to: '/cdn/base.zip' }] },
      '/cdn/base.zip': { body: base, behaviours: [{ kind: 'ok' }] },
    });
    expect((await run(writeManifest({ schemaVersion: 1, models: [a] }))).code).toBe(0);
  });

  test('404 → not retried, exit 1 naming the model, no file', async () => {
    const a = entry('base', base);
    await serve({ a: { model: a, content: base, behaviours: [{ kind: 'status', status: 404 }] } });
    const r = await run(writeManifest({ schemaVersion: 1, models: [a] }));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/could not fetch base \(HTTP 404/);
    expect(host.requests.get(pathOf(a))).toBe(1);
    expect(existsSync(cachedFileOf(cache(), a))).toBe(false);
  });

  test('truncated every time → retried up to --attempts, exit 1, no partial file left', async () => {
    const a = entry('base', base);
    await serve({ a: { model: a, content: base, behaviours: [{ kind: 'truncate', bytes: 1000 }] } });
    const r = await run(writeManifest({ schemaVersion: 1, models: [a] }), '--attempts', '3');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/could not fetch base/);
    expect(host.requests.get(pathOf(a))).toBe(3);
    expect(existsSync(cachedFileOf(cache(), a))).toBe(false);
    noPartials();
  });

  test('corrupt bytes → sha256 mismatch named, no file under the final name; a good model beside it still lands', async () => {
    const a = entry('base', base);
    const b = entry('small', small);
    await serve({
      a: { model: a, content: base, behaviours: [{ kind: 'corrupt' }] },
      b: { model: b, content: small, behaviours: [{ kind: 'ok' }] },
    });
    const r = await run(writeManifest({ schemaVersion: 1, models: [a, b] }), '--attempts', '2');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/could not fetch base \(sha256 mismatch/);
    expect(r.stderr).not.toMatch(/small/);
    expect(existsSync(cachedFileOf(cache(), a))).toBe(false);
    expect(existsSync(cachedFileOf(cache(), b))).toBe(true);
    noPartials();
  });

  test('slow but steady succeeds; a stalled stream hits the idle timeout and fails', async () => {
    const a = entry('base', base);
    const b = entry('small', small);
    await serve({
      a: { model: a, content: base, behaviours: [{ kind: 'slow', chunkBytes: 16 * 1024, delayMs: 50 }] },
      b: { model: b, content: small, behaviours: [{ kind: 'stall', afterBytes: 100 }] },
    });
    const r = await run(writeManifest({ schemaVersion: 1, models: [a, b] }), '--attempts', '2', '--timeout-ms', '300');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/base: downloaded and verified/);
    expect(r.stderr).toMatch(/could not fetch small/);
    noPartials();
  }, 20000);

  test('a cached file of the wrong size or hash is not reused: it is replaced', async () => {
    const a = entry('base', base);
    await serve({ a: { model: a, content: base, behaviours: [{ kind: 'ok' }] } });
    const manifest = writeManifest({ schemaVersion: 1, models: [a] });
    expect((await run(manifest)).code).toBe(0);
    writeFileSync(cachedFileOf(cache(), a), 'tampered');
    const r = await run(manifest);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/base: downloaded and verified/);
    expect(readFileSync(cachedFileOf(cache(), a)).equals(base)).toBe(true);
  });

  // Guards a past defect: a file as the cache folder was an internal error with a stack.
  test('exit 2 before any request: a --cache-dir that is a file, a --summary that is a folder', async () => {
    const a = entry('base', base);
    await serve({ a: { model: a, content: base, behaviours: [{ kind: 'ok' }] } });
    const manifest = writeManifest({ schemaVersion: 1, models: [a] });
    const file = path.join(dir, 'not-a-folder');
    writeFileSync(file, 'x');
    const r = await runCliInProcess(fetchModelsCommand, [
      '--manifest',
      manifest,
      '--cache-dir',
      file,
      '--base-url',
      host.url,
    ]);
    expect([r.code, r.stderr]).toEqual([
      2,
      expect.stringMatching(/^fetch-models: --cache-dir ".*not-a-folder": cannot (create the folder|write in it) \(/),
    ]);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    const summary = await run(manifest, '--summary', dir);
    expect([summary.code, summary.stderr]).toEqual([
      2,
      expect.stringMatching(/--summary ".*": cannot write \(is a folder\)/),
    ]);
    expect(host.requests.size).toBe(0);
  });

  test('exit 2: an unknown --model, a bad --base-url, an invalid manifest', async () => {
    const a = entry('base', base);
    await serve({ a: { model: a, content: base, behaviours: [{ kind: 'ok' }] } });
    const manifest = writeManifest({ schemaVersion: 1, models: [a] });
    const unknown = await run(manifest, '--model', 'tiny');
    expect([unknown.code, unknown.stderr]).toEqual([2, expect.stringMatching(/--model: "tiny" not in .*; ids: base/)]);
    const badUrl = await runCliInProcess(fetchModelsCommand, [
      '--manifest',
      manifest,
      '--cache-dir',
      cache(),
      '--base-url',
      'ftp://x',
    ]);
    expect([badUrl.code, badUrl.stderr]).toEqual([2, expect.stringMatching(/--base-url must be http or https/)]);
    const invalid = await run(writeManifest({ schemaVersion: 1, models: [{ ...a, sha256: 'nope' }] }));
    expect([invalid.code, invalid.stderr]).toEqual([2, expect.stringMatching(/sha256/)]);
    expect(host.requests.size).toBe(0);
  });

  test('as a process: the bin fetches and verifies', async () => {
    const a = entry('base', base);
    await serve({ a: { model: a, content: base, behaviours: [{ kind: 'ok' }] } });
    const r = await runCliProcess('fetch-models', [
      '--manifest',
      writeManifest({ schemaVersion: 1, models: [a] }),
      '--cache-dir',
      cache(),
      '--base-url',
      host.url,
    ]);
    expect(r.code).toBe(0);
    expect(existsSync(cachedFileOf(cache(), a))).toBe(true);
  }, 30000);
});
