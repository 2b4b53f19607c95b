// Shared by the synthesis caches (transpile-cache.js, bundled-run.js) and the job runner's stand-in state (typed in write-atomically.d.ts).
'use strict';
const { renameSync, writeFileSync } = require('node:fs');

/** Writes under a temporary name and renames: a parallel run never reads half a file. */
function writeAtomically(file, contents) {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, contents);
  renameSync(tmp, file);
}

module.exports = { writeAtomically };
