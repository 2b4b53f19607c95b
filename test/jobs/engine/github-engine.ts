import { loadEsmBundle } from '../../support/esm-bundle';

/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * GitHub's own workflow parser and expression engine, bundled once into CommonJS (both are ESM
 * only). One bundle, so the parser's tokens and the evaluator share one copy of the data classes.
 */
export interface GitHubEngine {
  parser: any;
  expressions: any;
  truthy(d: unknown): boolean;
}

let engine: GitHubEngine | undefined;

export function githubEngine(): GitHubEngine {
  engine ??= loadEsmBundle<GitHubEngine>(
    'github-engine',
    [
      "export * as parser from '@actions/workflow-parser';",
      "export * as expressions from '@actions/expressions';",
      "export { truthy } from '@actions/expressions/result';",
    ].join('\n'),
    '@actions/workflow-parser',
  );
  return engine;
}
