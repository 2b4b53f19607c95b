import type { IConstruct } from 'constructs';
import type { PolicyTarget } from '../policy/policy';

/** The text of one generated file, before the generated-file marker is added. */
export interface RenderedFile {
  /** Path from the repository root, e.g. `.github/workflows/ci-test.yml`. */
  readonly filePath: string;
  /** Decides the marker's comment syntax. */
  readonly format: 'yaml' | 'markdown' | 'text' | 'json' | 'gotemplate';
  readonly text: string;
  /** Reviewed in pull requests: not collapsed as linguist-generated. */
  readonly reviewed: boolean;
  /** Construct path of the file's construct. */
  readonly constructPath: string;
  /** What the policy rules check. @default - no policy applies */
  readonly policyTarget?: PolicyTarget;
}

const GENERATED_FILE = Symbol.for('voice-platform-pipelines.GeneratedFile');

/** A construct that renders one file. */
export interface IGeneratedFile extends IConstruct {
  readonly filePath: string;
  render(): RenderedFile;
}

/** Marks a construct as a generated file (like CDK's `Stack.isStack`). */
export function markGeneratedFile(file: IGeneratedFile): void {
  Object.defineProperty(file, GENERATED_FILE, { value: true });
}

export function isGeneratedFile(x: unknown): x is IGeneratedFile {
  return typeof x === 'object' && x !== null && GENERATED_FILE in x;
}
