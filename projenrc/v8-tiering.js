// V8's tiering for this repository's short runs: synthesis, jest, eslint and tsc. Loading this
// module applies it to the process that loads it (load it first: V8 applies the flags to what it
// compiles afterwards); `nodeFlags()` gives the same flags for a node command line (tuned-bin.js).
//
// These runs execute much of their code for a fraction of a second. With V8's default interrupt
// budget TurboFan compiles many of those lukewarm functions on a background thread, and the result
// is barely used before the process ends. Eight times the budget optimizes only what stays hot. On
// Node 20 here (paired runs, README): synthesis 0.82 -> 0.70 CPU-s at the same wall time, 60
// services 2.59 -> 2.25; eslint 0.80 x the CPU, tsc 0.79 x, the unit suite 0.91 x, each a little
// faster in wall time too.
//
// In this process the flags are set at run time: V8 ignores one it does not know (a later Node may
// rename it). V8's code cache records the flags, so they are set before anything is compiled
// from a cache (bundled-run.js loads this module first).
'use strict';
const { spawnSync } = require('node:child_process');
const v8 = require('node:v8');

/** The flags (Node 20's default interrupt budget is 66 KB). */
const SHORT_RUN_V8_FLAGS = ['--interrupt-budget=540672'];

for (const flag of SHORT_RUN_V8_FLAGS) v8.setFlagsFromString(flag);

let v8Options;

/**
 * The flags for a node command line, those this node's V8 knows: node refuses to start with one
 * it does not know (one `node --v8-options`, 0.05 CPU-s, the first time).
 */
function nodeFlags(flags = SHORT_RUN_V8_FLAGS) {
  v8Options ??= spawnSync(process.execPath, ['--v8-options'], { encoding: 'utf8' }).stdout ?? '';
  return flags.filter((flag) => {
    const name = flag.split('=')[0];
    return v8Options.split('\n').some((line) => line.trimStart().startsWith(`${name} `));
  });
}

module.exports = { SHORT_RUN_V8_FLAGS, nodeFlags };
