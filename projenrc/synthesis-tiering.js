// V8's tiering for a synthesis process, applied when this module loads: load it before the
// synthesis code (bundled-run.js does, and the scale bench measures synthesis the same way).
//
// A synthesis runs most of its code for a fraction of a second. With V8's default interrupt budget
// TurboFan compiles many of those lukewarm functions on its background thread, and the compiled code
// is barely used before the process ends. Eight times the budget optimizes only what stays hot (the
// loops of a large platform): a synthesis of the real platform takes 0.70 CPU-s instead of 0.82,
// and one of 60 services 2.25 instead of 2.59, at the same wall time (paired runs, README).
//
// Set at run time, not on node's command line: V8 ignores a flag it does not know (a later Node may
// rename it), where `node --unknown-flag` refuses to start. Set before anything is compiled: V8's
// code cache records the flags, so a flag set after the bundle's compile would reject every cache.
'use strict';
const v8 = require('node:v8');

/** The V8 flags of a synthesis process (default interrupt budget: 66 KB in Node 20). */
const SYNTHESIS_V8_FLAGS = ['--interrupt-budget=540672'];

for (const flag of SYNTHESIS_V8_FLAGS) v8.setFlagsFromString(flag);

module.exports = { SYNTHESIS_V8_FLAGS };
