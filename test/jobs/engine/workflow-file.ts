import { githubEngine } from './github-engine';
import { child } from './tokens';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** One workflow file as GitHub's parser reads it: the converted template and the raw token tree. */
export interface WorkflowFile {
  /** File name, e.g. `ci-test.yml`. */
  readonly file: string;
  /** Converted by the parser: jobs, needs, `if:` with GitHub's implicit `success() &&`, step ids, events. */
  readonly template: any;
  /** The validated token tree: every key the template leaves out (`with`, `shell`, `defaults`, `timeout-minutes`...). */
  readonly root: any;
}

/** Parses a workflow with GitHub's parser; any error fails, as GitHub would refuse the file. */
export async function parseWorkflowFile(file: string, content: string): Promise<WorkflowFile> {
  const { parser } = githubEngine();
  const parsed = parser.parseWorkflow({ name: file, content }, new parser.NoOperationTraceWriter());
  const errors = parsed.context.errors.getErrors().map((e: any) => e.message);
  if (errors.length > 0 || !parsed.value) throw new Error(`${file}: GitHub's parser refuses it: ${errors.join('; ')}`);
  const template = await parser.convertWorkflowTemplate(parsed.context, parsed.value);
  const more = [
    ...(template.errors ?? []).map((e: any) => e.Message),
    ...parsed.context.errors.getErrors().map((e: any) => e.message),
  ];
  if (more.length > 0) throw new Error(`${file}: GitHub's parser refuses it: ${more.join('; ')}`);
  return { file, template, root: parsed.value };
}

/** The raw mapping of job `id`. */
export function rawJob(wf: WorkflowFile, id: string): any {
  return child(child(wf.root, 'jobs'), id);
}

/** The raw step mappings of job `id`, in order (the template keeps the same order). */
export function rawSteps(wf: WorkflowFile, id: string): any[] {
  const steps = child(rawJob(wf, id), 'steps');
  return steps ? [...steps] : [];
}
