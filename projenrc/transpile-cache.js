// `node --require ./projenrc/transpile-cache.js`: sucrase's TypeScript hook (the transforms of
// `sucrase/register/ts`) with a content-addressed cache, for synthesis and the bench. A file is
// transpiled once per content: the key is a hash of the sucrase version, the path and the source,
// so an edited file, a moved file or a new sucrase never reads a stale entry. With every file
// cached, sucrase itself is not even loaded. No source maps: the imports and typescript transforms
// keep every line where it was, so stack traces point at the right lines of the .ts files.
'use strict';
const { createHash } = require('node:crypto');
const { mkdirSync, readFileSync } = require('node:fs');
const path = require('node:path');
const { addHook } = require('pirates');
const { writeAtomically } = require('./write-atomically');

const SUCRASE_VERSION = require('sucrase/package.json').version;
// TRANSPILE_CACHE_DIR: another folder (the tests use their own, to read and change its entries).
const CACHE_DIR =
  process.env.TRANSPILE_CACHE_DIR || path.join(__dirname, '..', 'node_modules', '.cache', 'transpiled-ts');
const TRANSFORMS = ['imports', 'typescript'];

function transpiled(code, filePath) {
  const key = createHash('sha256')
    .update(`${SUCRASE_VERSION}\0${TRANSFORMS.join(',')}\0${filePath}\0${code}`)
    .digest('hex');
  const entry = path.join(CACHE_DIR, `${key}.js`);
  try {
    return readFileSync(entry, 'utf8');
  } catch {
    // Not cached yet: transpile below.
  }
  const out = require('sucrase').transform(code, { transforms: TRANSFORMS, filePath }).code;
  try {
    mkdirSync(CACHE_DIR, { recursive: true });
    writeAtomically(entry, out);
  } catch {
    // A read-only tree still synthesizes, uncached.
  }
  return out;
}

addHook(transpiled, { exts: ['.ts'] });
