import * as path from 'node:path';

/** The runner of a TypeScript entry point from one cached bundle (bundled-run.js): synthesis. */
export const BUNDLED_RUN = './projenrc/bundled-run.js';

/** The launcher of a package bin (tsc, eslint, jest) with V8's tiering for short runs (tuned-bin.js). */
export const TUNED_BIN = './projenrc/tuned-bin.js';

/** The require hook that runs TypeScript sources (transpile-cache.js), as the repository's tasks name it. */
export const TRANSPILE_HOOK = './projenrc/transpile-cache.js';

/** Its absolute path, for node processes the tests and benches start. */
export const TRANSPILE_HOOK_PATH = path.join(__dirname, 'transpile-cache.js');
