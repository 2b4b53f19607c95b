// `node ./projenrc/bundled-run.js <file.ts> [args…]`: runs a TypeScript entry point (synthesis:
// .projenrc.ts) from one esbuild bundle of it and every module it loads. Loading the ~670 modules
// of synthesis one by one (finding, reading and wrapping each; projen and cdk8s each bring their
// own copy of yaml) cost about 0.3 CPU-s more than one file, and compiling it 0.1 more than a
// run with V8's code cache.
//
// The bundle is fresh when every input esbuild read (its metafile) has the size and mtime it had at
// the build, as make decides: a checkout, an edit or an install changes them. (A new file that an
// unchanged import would now resolve to first, foo.ts beside foo/index.ts, is not seen: delete
// node_modules/.cache/bundled-run.) Each module keeps its own __dirname and __filename, and stack
// traces name the .ts lines (a source map beside the bundle, read only for a trace). Without
// esbuild (an install that skipped its binary) or a writable cache, the entry runs through the
// transpile hook, unbundled.
'use strict';
// First: V8 applies its tiering flags to what it compiles after them (this file included).
require('./v8-tiering');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const Module = require('node:module');
const { SourceMap } = Module;
const path = require('node:path');
const vm = require('node:vm');
const { writeAtomically } = require('./write-atomically');

const CACHE_DIR =
  process.env.BUNDLED_RUN_CACHE_DIR || path.join(__dirname, '..', 'node_modules', '.cache', 'bundled-run');

/** The files of the entry point keyed `key` in the cache folder: one naming rule for building, running and removing. */
function cacheFiles(key) {
  const bundle = path.join(CACHE_DIR, `${key}.js`);
  return {
    bundle,
    map: `${bundle}.map`,
    codeCache: `${bundle}.v8-cache`,
    manifest: path.join(CACHE_DIR, `${key}.inputs.json`),
  };
}

/** [path, size, mtimeMs] of a file now, or undefined when it is gone. */
function stamp(file) {
  try {
    const s = fs.statSync(file);
    return [file, s.size, s.mtimeMs];
  } catch {
    return undefined;
  }
}

/** Whether the bundle and its map exist and every input recorded in the manifest is as it was at the build. */
function isFresh(files) {
  if (!fs.existsSync(files.bundle) || !fs.existsSync(files.map)) return false;
  let manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(files.manifest, 'utf8'));
  } catch {
    return false;
  }
  // An input gone while the build recorded it (null) is never fresh.
  return manifest.inputs.every((recorded) => {
    if (recorded === null) return false;
    const now = stamp(recorded[0]);
    return now !== undefined && now[1] === recorded[1] && now[2] === recorded[2];
  });
}

/** A module's own __dirname and __filename, declared in its scope (the bundle's would name the cache folder). */
const ownPathsPlugin = {
  name: 'own-paths',
  setup(build) {
    build.onLoad({ filter: /\.(c?js|ts)$/ }, (args) => {
      const text = fs.readFileSync(args.path, 'utf8');
      if (!/\b__(dirname|filename)\b/.test(text)) return undefined;
      const own = `var __dirname = ${JSON.stringify(path.dirname(args.path))}, __filename = ${JSON.stringify(args.path)};`;
      // On the first line, so every later line keeps its number.
      return { contents: `${own}${text}`, loader: args.path.endsWith('.ts') ? 'ts' : 'js' };
    });
  },
};

/** The version of the package whose package.json is `file`, or undefined. */
function versionOf(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')).version;
  } catch {
    return undefined;
  }
}

/** A path inside a package under node_modules: the folder holding it, and the package name. */
const IN_PACKAGE = /^(.*\/node_modules\/)((?:@[^/]+\/)?[^/]+)\//;

/**
 * A package installed twice at one version is bundled once: projen and cdk8s each ship their own
 * copy of yaml (bundled dependencies, which npm cannot dedupe), loaded beside the project's.
 * A nested copy is replaced by the top-level one only when both declare the same version.
 */
const samePackageOncePlugin = {
  name: 'same-package-once',
  setup(build) {
    const topLevel = path.join(process.cwd(), 'node_modules');
    build.onResolve({ filter: /^[@a-z]/ }, async (args) => {
      if (args.pluginData === 'same-package-once') return undefined;
      const resolved = await build.resolve(args.path, {
        kind: args.kind,
        resolveDir: args.resolveDir,
        importer: args.importer,
        pluginData: 'same-package-once',
      });
      const m = IN_PACKAGE.exec(resolved.path);
      if (resolved.errors.length > 0 || !m || m[1] === `${topLevel}/`) return resolved;
      const top = path.join(topLevel, m[2]);
      if (versionOf(path.join(m[1], m[2], 'package.json')) !== versionOf(path.join(top, 'package.json')))
        return resolved;
      // Its real path, as esbuild resolves every other import: a package linked into node_modules
      // (the job runner's checkouts) would otherwise be bundled twice, by link and by target.
      return { path: fs.realpathSync(path.join(top, resolved.path.slice(m[0].length))) };
    });
  },
};

/**
 * Removes the bundles of entry points that no longer exist: each checkout has its own (the job
 * runner synthesizes in a workspace per job, linked to this node_modules), about 13 MB each.
 */
function removeOrphans() {
  for (const file of fs.readdirSync(CACHE_DIR).filter((f) => f.endsWith('.inputs.json'))) {
    let entry;
    try {
      entry = JSON.parse(fs.readFileSync(path.join(CACHE_DIR, file), 'utf8')).entry;
    } catch {
      continue; // Being written by a parallel run.
    }
    if (typeof entry === 'string' && fs.existsSync(entry)) continue;
    for (const orphan of Object.values(cacheFiles(file.slice(0, -'.inputs.json'.length)))) {
      fs.rmSync(orphan, { force: true });
    }
  }
}

async function build(esbuild, entry, files) {
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: `node${process.versions.node.split('.')[0]}`,
    outfile: files.bundle,
    sourcemap: 'external',
    metafile: true,
    write: false,
    plugins: [samePackageOncePlugin, ownPathsPlugin],
    logLevel: 'error',
  });
  const root = process.cwd();
  const inputs = [__filename, ...Object.keys(result.metafile.inputs).map((f) => path.resolve(root, f))].map(stamp);
  // The map before the bundle and the manifest last: a run reads no manifest of another build.
  const outputs = [...result.outputFiles].sort(
    (a, b) => Number(b.path.endsWith('.map')) - Number(a.path.endsWith('.map')),
  );
  for (const out of outputs) writeAtomically(out.path, out.contents);
  fs.rmSync(files.codeCache, { force: true });
  writeAtomically(files.manifest, JSON.stringify({ entry, inputs }));
  removeOrphans();
}

async function main() {
  const [entryArg, ...args] = process.argv.slice(2);
  if (!entryArg) {
    process.stderr.write('usage: node projenrc/bundled-run.js <file.ts> [args…]\n');
    process.exit(2);
  }
  const entry = path.resolve(entryArg);
  process.argv = [process.argv[0], entry, ...args];
  const runUnbundled = () => {
    require('./transpile-cache');
    require(entry);
  };
  const files = cacheFiles(createHash('sha256').update(entry).digest('hex').slice(0, 16));
  if (!isFresh(files)) {
    // Loaded only to build (25 ms).
    let esbuild;
    try {
      esbuild = require('esbuild');
    } catch {
      return runUnbundled();
    }
    try {
      fs.mkdirSync(CACHE_DIR, { recursive: true });
      await build(esbuild, entry, files);
    } catch (e) {
      if (['EACCES', 'EPERM', 'EROFS'].includes(e.code)) return runUnbundled();
      // esbuild has printed what it refused (a syntax error, an unresolved import), with file and line.
      if (!e.errors) throw e;
      process.exitCode = 1;
      return;
    }
  }
  mapStackTraces(files);
  runWithCodeCache(files);
}

/**
 * Stack traces name the .ts lines: a frame in the bundle is looked up in its source map. Node maps
 * only what `require` compiled, and the bundle is compiled with a code cache; the map is read on
 * the first trace that needs it, so a run without an error never parses it.
 */
function mapStackTraces({ bundle, map: mapFile }) {
  let map;
  Error.prepareStackTrace = (error, frames) => {
    const lines = frames.map((frame) => {
      if (frame.getFileName() !== bundle) return `    at ${frame}`;
      map ??= new SourceMap(JSON.parse(fs.readFileSync(mapFile, 'utf8')));
      const entry = map.findEntry(frame.getLineNumber() - 1, frame.getColumnNumber() - 1);
      if (!entry.originalSource) return `    at ${frame}`;
      const where = `${path.resolve(path.dirname(bundle), entry.originalSource)}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
      const name = frame.getFunctionName();
      return name ? `    at ${name} (${where})` : `    at ${where}`;
    });
    return [String(error), ...lines].join('\n');
  };
}

/**
 * Runs the bundle as `require` would, compiled with V8's code cache of the last run (about 0.1
 * CPU-s less compiling). The cache is written at exit when there was none or V8 refused it (V8
 * checks it against the source and its own version and flags).
 */
function runWithCodeCache({ bundle, codeCache: cacheFile }) {
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    // First run of this bundle.
  }
  const script = new vm.Script(Module.wrap(fs.readFileSync(bundle, 'utf8')), { filename: bundle, cachedData });
  if (cachedData === undefined || script.cachedDataRejected) {
    process.once('exit', () => {
      try {
        writeAtomically(cacheFile, script.createCachedData());
      } catch {
        // A read-only tree runs without the cache.
      }
    });
  }
  const mod = new Module(bundle, module);
  mod.filename = bundle;
  mod.paths = Module._nodeModulePaths(path.dirname(bundle));
  script.runInThisContext()(mod.exports, Module.createRequire(bundle), mod, bundle, path.dirname(bundle));
}

void main();
