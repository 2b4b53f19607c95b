import { mkdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { buildSync } from 'esbuild';

/**
 * GitHub's own workflow parser (@actions/workflow-parser) is ESM with a JSON import, which
 * Jest's CommonJS runtime cannot load. It is bundled once into .cache/ with esbuild and
 * required from there; the bundle is rebuilt when the installed package changes.
 */
const ROOT = path.join(__dirname, '..', '..');
const BUNDLE = path.join(ROOT, '.cache', 'workflow-parser.cjs');
const ENTRY = path.join(ROOT, 'node_modules', '@actions', 'workflow-parser', 'package.json');

interface ParserModule {
  parseWorkflow(file: { name: string; content: string }, trace: unknown): { context: ParserContext; value: unknown };
  convertWorkflowTemplate(context: ParserContext, root: unknown): Promise<{ errors?: { Message: string }[] }>;
  NoOperationTraceWriter: new () => unknown;
}
interface ParserContext {
  errors: { getErrors(): { message: string }[] };
}

let parser: ParserModule | undefined;

function load(): ParserModule {
  if (parser) return parser;
  const fresh = (() => {
    try {
      return statSync(BUNDLE).mtimeMs >= statSync(ENTRY).mtimeMs;
    } catch {
      return false;
    }
  })();
  if (!fresh) {
    mkdirSync(path.dirname(BUNDLE), { recursive: true });
    buildSync({
      stdin: { contents: "export * from '@actions/workflow-parser';", resolveDir: ROOT },
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      outfile: BUNDLE,
      logLevel: 'error',
    });
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  parser = require(BUNDLE) as ParserModule;
  return parser;
}

/** Parses and converts a workflow the way GitHub does; returns every error message. */
export async function workflowParserErrors(name: string, content: string): Promise<string[]> {
  const p = load();
  const result = p.parseWorkflow({ name, content }, new p.NoOperationTraceWriter());
  const errors = result.context.errors.getErrors().map((e) => e.message);
  if (errors.length === 0 && result.value) {
    const template = await p.convertWorkflowTemplate(result.context, result.value);
    errors.push(...(template.errors ?? []).map((e) => e.Message), ...result.context.errors.getErrors().map((e) => e.message));
  }
  return [...new Set(errors)];
}
