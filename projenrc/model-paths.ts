import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { Platform } from '../src';

/**
 * The model's folders and files (services, the app) live in the platform's monorepo, whose
 * pipeline layer this repository is. Where they are missing from the checkout, synthesis still
 * succeeds, but says so once: a typo in a path would otherwise only show on GitHub.
 * Returns the warning block, or undefined when every path exists.
 */
export function missingModelPathsWarning(platform: Platform, root: string): string | undefined {
  const missing = platform.modelPaths.filter((p) => !existsSync(path.join(root, p.path)));
  if (missing.length === 0) return undefined;
  return [
    `warning: ${missing.length} path(s) of the platform model are not in this checkout (fine when this is the pipeline layer`,
    'only; the generated workflows expect them in the monorepo they run in):',
    ...missing.map((p) => `  - ${p.field}: ${p.path}`),
    '',
  ].join('\n');
}
