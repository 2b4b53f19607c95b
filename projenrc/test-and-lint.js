// The test task: jest and the eslint task side by side, because eslint runs on one core for about
// 20 s and one after the other left a core idle (the figures are in the README). jest
// writes to the terminal as it goes; eslint's output is held and printed after jest's, so the two
// never interleave. The task fails when either fails. Arguments go to jest (as before: `npx projen
// test --json --outputFile=…`).
'use strict';
const { spawn } = require('node:child_process');
const { binPath, tunedBinCommand } = require('./tuned-bin');

/** Resolves with the exit code (1 when a signal ended the process or it could not start). */
function exited(child, name) {
  return new Promise((resolve) => {
    child.on('error', (e) => {
      process.stderr.write(`${name} could not start: ${e.message}\n`);
      resolve(1);
    });
    child.on('close', (code, signal) => {
      if (signal) process.stderr.write(`${name} ended by ${signal}\n`);
      resolve(code ?? 1);
    });
  });
}

async function main() {
  // The eslint task, so its arguments and environment stay declared once (projenrc/project.ts).
  const lint = spawn(binPath('projen'), ['eslint'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const held = [];
  lint.stdout.on('data', (d) => held.push([process.stdout, d]));
  lint.stderr.on('data', (d) => held.push([process.stderr, d]));
  const lintDone = exited(lint, 'eslint');

  // With V8's tiering for short runs (v8-tiering.js); jest's workers inherit node's flags.
  const jest = spawn(...tunedBinCommand('jest', ['--ci', ...process.argv.slice(2)]), { stdio: 'inherit' });
  const jestCode = await exited(jest, 'jest');
  const lintCode = await lintDone;
  for (const [stream, chunk] of held) stream.write(chunk);
  if (lintCode !== 0) process.stderr.write(`eslint failed (exit ${lintCode})\n`);
  process.exitCode = jestCode !== 0 ? jestCode : lintCode;
}

void main();
