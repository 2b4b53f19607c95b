import { loadEsmBundle } from './esm-bundle';

interface ParserModule {
  NoOperationTraceWriter: new () => unknown;
  parseWorkflow(file: { name: string; content: string }, trace: unknown): { context: ParserContext; value: unknown };
  convertWorkflowTemplate(context: ParserContext, root: unknown): Promise<{ errors?: { Message: string }[] }>;
}
interface ParserContext {
  errors: { getErrors(): { message: string }[] };
}

let parser: ParserModule | undefined;

function load(): ParserModule {
  parser ??= loadEsmBundle<ParserModule>(
    'workflow-parser',
    "export * from '@actions/workflow-parser';",
    '@actions/workflow-parser',
  );
  return parser;
}

/** Parses and converts a workflow the way GitHub does; returns every error message. */
export async function workflowParserErrors(name: string, content: string): Promise<string[]> {
  const p = load();
  const result = p.parseWorkflow({ name, content }, new p.NoOperationTraceWriter());
  const errors = result.context.errors.getErrors().map((e) => e.message);
  if (errors.length === 0 && result.value) {
    const template = await p.convertWorkflowTemplate(result.context, result.value);
    errors.push(
      ...(template.errors ?? []).map((e) => e.Message),
      ...result.context.errors.getErrors().map((e) => e.message),
    );
  }
  return [...new Set(errors)];
}
