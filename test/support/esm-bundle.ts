import { mkdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { buildSync } from 'esbuild';

const ROOT = path.join(__dirname, '..', '..');

/**
 * Loads ESM-only packages (GitHub's workflow parser, kubernetes-models) into Jest's CommonJS
 * runtime: the entry code is bundled once into .cache/<name>.cjs with esbuild and rebuilt when
 * the package it depends on is newer than the bundle.
 */
export function loadEsmBundle<T>(name: string, entry: string, dependsOn: string): T {
  const bundle = path.join(ROOT, '.cache', `${name}.cjs`);
  const pkg = path.join(ROOT, 'node_modules', dependsOn, 'package.json');
  let fresh = false;
  try {
    fresh = statSync(bundle).mtimeMs >= statSync(pkg).mtimeMs;
  } catch {
    fresh = false;
  }
  if (!fresh) {
    mkdirSync(path.dirname(bundle), { recursive: true });
    buildSync({
      stdin: { contents: entry, resolveDir: ROOT },
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      outfile: bundle,
      logLevel: 'error',
    });
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(bundle) as T;
}
