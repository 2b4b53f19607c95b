// `node projenrc/tuned-bin.js <bin> [args…]`: runs a bin of node_modules/.bin (a node program:
// tsc, eslint, jest) with V8's tiering for short runs (v8-tiering.js), passing its exit code on.
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { nodeFlags } = require('./v8-tiering');

/** A bin of this package's node_modules/.bin. */
const binPath = (bin) => path.join(__dirname, '..', 'node_modules', '.bin', bin);

/** The command line that runs `bin` of this package's node_modules with the tiering flags. */
function tunedBinCommand(bin, args) {
  const file = binPath(bin);
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run npm ci`);
  return [process.execPath, [...nodeFlags(), fs.realpathSync(file), ...args]];
}

if (require.main === module) {
  const [bin, ...args] = process.argv.slice(2);
  if (!bin) {
    process.stderr.write('usage: node projenrc/tuned-bin.js <bin> [args…]\n');
    process.exit(2);
  }
  const [command, argv] = tunedBinCommand(bin, args);
  const child = spawn(command, argv, { stdio: 'inherit' });
  // A Ctrl-C reaches the child through the terminal's process group: this process waits for it to
  // end. A SIGTERM is sent to this process alone (a parent stopping the task): it is passed on.
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('error', (e) => {
    process.stderr.write(`${bin} could not start: ${e.message}\n`);
    process.exitCode = 1;
  });
  child.on('close', (code, signal) => {
    if (signal) process.stderr.write(`${bin} ended by ${signal}\n`);
    process.exitCode = code ?? 1;
  });
}

module.exports = { binPath, tunedBinCommand };
