import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { need, parseArgs, ToolError } from './args';
import { CORPUS, mishear } from './corpus';
import { fault, load, save } from './state';

const out = (s: string) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);

function requireMac(tool: string): void {
  if (process.env.STANDIN_RUNNER_OS !== 'macOS') {
    throw new ToolError(`${tool}: command not found (it exists only on macOS runners)`, 127);
  }
}

/** xcodebuild's argument style: single-dash options with a value, build settings `KEY=VALUE`, actions. */
function xcodeArgs(args: string[]): {
  actions: string[];
  options: Record<string, string>;
  settings: Record<string, string>;
  flags: Set<string>;
} {
  const VALUE = [
    '-project',
    '-workspace',
    '-scheme',
    '-configuration',
    '-destination',
    '-derivedDataPath',
    '-resultBundlePath',
    '-archivePath',
    '-exportOptionsPlist',
    '-exportPath',
    '-testPlan',
    '-enableCodeCoverage',
  ];
  const FLAGS = ['-version', '-exportArchive', '-quiet', '-skipPackagePluginValidation'];
  const ACTIONS = ['build', 'build-for-testing', 'test-without-building', 'test', 'archive', 'clean'];
  const options: Record<string, string> = {};
  const settings: Record<string, string> = {};
  const flags = new Set<string>();
  const actions: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (VALUE.includes(a)) {
      if (args[i + 1] === undefined) {
        throw new ToolError(`xcodebuild: error: option '${a}' requires at least one argument`, 64);
      }
      options[a] = args[++i];
    } else if (FLAGS.includes(a)) {
      flags.add(a);
    } else if (/^-only-testing:.+/.test(a) || /^-skip-testing:.+/.test(a)) {
      options[a.split(':')[0]] = a.split(':').slice(1).join(':');
    } else if (ACTIONS.includes(a)) {
      actions.push(a);
    } else if (/^[A-Z_][A-Z0-9_]*=/.test(a)) {
      settings[a.split('=')[0]] = a.slice(a.indexOf('=') + 1);
    } else {
      throw new ToolError(`xcodebuild: error: invalid option '${a}'`, 64);
    }
  }
  return { actions, options, settings, flags };
}

/**
 * xcodebuild: checks the project or workspace exists, the options are xcodebuild's, signing is off
 * where the CI asks for it; writes result bundles and archives where the real tool writes them, and,
 * standing in for the app's performance target, the samples file its contract names.
 */
export function xcodebuild(args: string[]): number {
  requireMac('xcodebuild');
  const x = xcodeArgs(args);
  const selected = load<{ developerDir?: string }>('xcode', {});
  if (!selected.developerDir) {
    throw new ToolError('xcode-select: error: no Xcode selected (sudo xcode-select --switch first)');
  }
  if (x.flags.has('-version')) {
    out(`Xcode ${/Xcode_([\d.]+)\.app/.exec(selected.developerDir)?.[1] ?? '16.4'}\nBuild version 16F6`);
    return 0;
  }
  if (x.flags.has('-exportArchive')) {
    const archive = need({ flags: x.options } as never, 'xcodebuild', '-archivePath');
    if (!existsSync(archive)) throw new ToolError(`error: archive not found at path '${archive}'`, 65);
    const plist = need({ flags: x.options } as never, 'xcodebuild', '-exportOptionsPlist');
    if (!existsSync(plist) || !readFileSync(plist, 'utf8').includes('developer-id')) {
      throw new ToolError('error: exportOptionsPlist error: method developer-id expected', 65);
    }
    const app = path.join(need({ flags: x.options } as never, 'xcodebuild', '-exportPath'), 'VoiceTranscriber.app');
    mkdirSync(path.join(app, 'Contents'), { recursive: true });
    writeFileSync(
      path.join(app, 'Contents', 'Info.plist'),
      '<plist><dict><key>CFBundleVersion</key><string>1</string></dict></plist>',
    );
    return 0;
  }
  const project = x.options['-project'] ?? x.options['-workspace'];
  if (!project || !existsSync(project)) throw new ToolError(`xcodebuild: error: '${project}' does not exist.`, 66);
  if (!x.options['-scheme']) throw new ToolError('xcodebuild: error: a scheme is required', 64);
  if (x.actions.length !== 1) {
    throw new ToolError(`xcodebuild: error: expected one action, got ${x.actions.join(' ') || 'none'}`, 64);
  }
  const [action] = x.actions;
  if (action !== 'archive' && x.settings.CODE_SIGNING_ALLOWED !== 'NO') {
    throw new ToolError(
      'error: No signing certificate "Mac Development" found (CI builds must pass CODE_SIGNING_ALLOWED=NO)',
      65,
    );
  }
  if (action === 'archive') {
    const keychains = load<string[]>('keychains', []);
    if (keychains.length === 0) {
      throw new ToolError('error: No signing certificate "Developer ID Application" found', 65);
    }
    mkdirSync(need({ flags: x.options } as never, 'xcodebuild', '-archivePath'), { recursive: true });
    return 0;
  }
  const coverage = x.options['-enableCodeCoverage'];
  if (coverage !== undefined && coverage !== 'YES' && coverage !== 'NO') {
    throw new ToolError(`xcodebuild: error: invalid value '${coverage}' for -enableCodeCoverage (YES or NO)`, 64);
  }
  const products = x.options['-derivedDataPath'] && path.join(x.options['-derivedDataPath'], 'Build', 'Products');
  if (products) mkdirSync(products, { recursive: true });
  // Coverage needs instrumented products: build-for-testing with the flag leaves them so.
  if (products && action === 'build-for-testing' && coverage === 'YES') {
    writeFileSync(path.join(products, '.instrumented'), '');
  }
  if (action === 'test-without-building') {
    if (!x.options['-derivedDataPath'] || !existsSync(path.join(x.options['-derivedDataPath'], 'Build', 'Products'))) {
      throw new ToolError('xcodebuild: error: no test products: build-for-testing first', 65);
    }
    const model = process.env.TEST_RUNNER_MODEL_ID;
    if (model && process.env.TEST_RUNNER_MODELS_DIR && !existsSync(process.env.TEST_RUNNER_MODELS_DIR)) {
      throw new ToolError(`Test failed: models dir ${process.env.TEST_RUNNER_MODELS_DIR} missing`, 65);
    }
    if (process.env.TEST_RUNNER_METRICS_PATH) {
      // The app's performance target (its contract: transcription samples v1 at METRICS_PATH).
      mkdirSync(path.dirname(process.env.TEST_RUNNER_METRICS_PATH), { recursive: true });
      const slow = fault(`slow-model:${model}`) ? 3 : 1;
      const heard = fault(`misheard:${model}`) ? mishear : (text: string) => text;
      const leak = fault(`leaky-switch:${model}`) ? LEAKED_PER_SWITCH_BYTES : 0;
      writeFileSync(process.env.TEST_RUNNER_METRICS_PATH, JSON.stringify(standinSamples(model!, slow, heard, leak)));
    }
    if (x.options['-resultBundlePath']) {
      mkdirSync(x.options['-resultBundlePath'], { recursive: true });
      if (coverage === 'YES' && products && existsSync(path.join(products, '.instrumented'))) {
        writeFileSync(
          path.join(x.options['-resultBundlePath'], 'coverage.json'),
          JSON.stringify(standinCoverage(fault('low-coverage') ? 0.4 : 0.72)),
        );
      }
    }
    if (fault(`xctest:${model ?? 'unit'}`)) {
      out(`Test Case '-[${model ?? 'VoiceTranscriberTests'}] testRouting' failed`);
      throw new ToolError('** TEST EXECUTE FAILED **', 65);
    }
    out(
      `Test Suite 'All tests' passed.\nTest Case '-[VoiceTranscriberTests.Routing${model ? `_${model}` : ''}] testRoute' passed (0.010 seconds).\n** TEST EXECUTE SUCCEEDED **`,
    );
    return 0;
  }
  out(`** ${action.toUpperCase()} SUCCEEDED **`);
  return 0;
}

/** xcbeautify: reads xcodebuild's output, writes the JUnit report where asked. */
export function xcbeautify(args: string[]): number {
  const p = parseArgs('xcbeautify', args, {
    values: ['--renderer', '--report', '--report-path', '--junit-report-filename'],
    bools: ['--quiet', '-q'],
  });
  const input = readFileSync(0, 'utf8');
  process.stdout.write(input);
  if (p.flags['--report'] === 'junit') {
    const dir = need(p, 'xcbeautify', '--report-path');
    mkdirSync(dir, { recursive: true });
    const passed = (input.match(/' passed/g) ?? []).length;
    const failed = (input.match(/' failed/g) ?? []).length;
    writeFileSync(
      path.join(dir, p.flags['--junit-report-filename'] ?? 'junit.xml'),
      `<testsuites><testsuite name="All" tests="${passed + failed}" failures="${failed}" errors="0" skipped="0" time="0.1"/></testsuites>`,
    );
  }
  return 0;
}

/** security: a keychain file per create-keychain, deleted by delete-keychain; the state lists live keychains. */
export function security(args: string[]): number {
  requireMac('security');
  const [cmd, ...rest] = args;
  const keychains = load<string[]>('keychains', []);
  switch (cmd) {
    case 'create-keychain': {
      const p = parseArgs('security create-keychain', rest, { values: ['-p'], positionals: 1 });
      need(p, 'security', '-p');
      writeFileSync(p.positionals[0], 'keychain');
      save('keychains', [...keychains, p.positionals[0]]);
      return 0;
    }
    case 'set-keychain-settings':
      parseArgs('security set-keychain-settings', rest, {
        bools: ['-lut', '-l', '-u'],
        values: ['-t'],
        positionals: [0, 2],
      });
      return 0;
    case 'unlock-keychain':
      parseArgs('security unlock-keychain', rest, { values: ['-p'], positionals: 1 });
      return 0;
    case 'import': {
      const p = parseArgs('security import', rest, { values: ['-k', '-P', '-f'], multi: ['-T'], positionals: 1 });
      if (!existsSync(p.positionals[0])) throw new ToolError(`security: ${p.positionals[0]}: no such file`);
      if (!keychains.includes(need(p, 'security', '-k'))) {
        throw new ToolError('security: SecKeychainItemImport: The specified keychain could not be found.');
      }
      if (fault('security:bad-password')) {
        throw new ToolError(
          'security: SecKeychainItemImport: MAC verification failed during PKCS12 import (wrong password?)',
        );
      }
      return 0;
    }
    case 'set-key-partition-list':
      parseArgs('security set-key-partition-list', rest, { values: ['-S', '-k'], bools: ['-s'], positionals: 1 });
      return 0;
    case 'list-keychains': {
      const p = parseArgs('security list-keychains', rest, { values: ['-d'], multi: ['-s'], positionals: [0, 10] });
      if (!p.multi['-s']) {
        out(['"/Users/runner/Library/Keychains/login.keychain-db"', ...keychains.map((k) => `"${k}"`)].join('\n'));
      }
      return 0;
    }
    case 'delete-keychain': {
      const p = parseArgs('security delete-keychain', rest, { positionals: 1 });
      if (!keychains.includes(p.positionals[0])) {
        throw new ToolError('security: SecKeychainDelete: The specified keychain could not be found.', 50);
      }
      rmSync(p.positionals[0], { force: true });
      save(
        'keychains',
        keychains.filter((k) => k !== p.positionals[0]),
      );
      return 0;
    }
    default:
      throw new ToolError(`security: unknown command ${cmd}`);
  }
}

export function plutil(args: string[]): number {
  requireMac('plutil');
  if (args[0] === '-create' && args[1] === 'xml1' && args.length === 3) {
    writeFileSync(args[2], '<plist><dict></dict></plist>');
    return 0;
  }
  if (args[0] === '-insert' && args[2] === '-string' && args.length === 5) {
    if (!existsSync(args[4])) throw new ToolError(`${args[4]}: file does not exist or is not readable`);
    writeFileSync(
      args[4],
      readFileSync(args[4], 'utf8').replace('</dict>', `<key>${args[1]}</key><string>${args[3]}</string></dict>`),
    );
    return 0;
  }
  throw new ToolError(`plutil: unrecognized arguments ${args.join(' ')}`);
}

export function ditto(args: string[]): number {
  requireMac('ditto');
  const p = parseArgs('ditto', args, { bools: ['-c', '-k', '--keepParent', '-x'], positionals: 2 });
  if (!existsSync(p.positionals[0])) throw new ToolError(`ditto: ${p.positionals[0]}: No such file or directory`);
  mkdirSync(path.dirname(p.positionals[1]), { recursive: true });
  writeFileSync(
    p.positionals[1],
    `zip of ${path.basename(p.positionals[0])}${existsSync(path.join(p.positionals[0], '.stapled')) ? ' (stapled)' : ''}`,
  );
  return 0;
}

export function xcrun(args: string[]): number {
  requireMac('xcrun');
  const [tool, cmd, ...rest] = args;
  if (tool === 'notarytool' && cmd === 'submit') {
    const p = parseArgs('notarytool submit', rest, {
      values: ['--apple-id', '--password', '--team-id', '--output-format', '--timeout'],
      bools: ['--wait'],
      positionals: 1,
    });
    for (const f of ['--apple-id', '--password', '--team-id']) need(p, 'notarytool', f);
    // notarytool: --timeout only bounds --wait, in seconds or with an s/m/h unit.
    const timeout = p.flags['--timeout'];
    if (timeout !== undefined && !p.bools.has('--wait')) {
      throw new ToolError('Error: --timeout can only be used with --wait', 64);
    }
    if (timeout !== undefined && !/^\d+[smh]?$/.test(timeout)) {
      throw new ToolError(`Error: The value '${timeout}' is invalid for '--timeout <timeout>'`, 64);
    }
    const format = p.flags['--output-format'];
    if (format !== undefined && !['json', 'plist', 'text'].includes(format)) {
      throw new ToolError(`Error: The value '${format}' is invalid for '--output-format <output-format>'`, 64);
    }
    if (!existsSync(p.positionals[0])) throw new ToolError(`Error: File ${p.positionals[0]} does not exist`);
    const rejected = fault('notarytool:invalid');
    const result = {
      id: '2d5c-stand-in',
      status: rejected ? 'Invalid' : 'Accepted',
      message: rejected ? 'Processing complete' : 'Processing complete',
    };
    out(p.flags['--output-format'] === 'json' ? JSON.stringify(result) : `status: ${result.status}`);
    return rejected ? 1 : 0;
  }
  if (tool === 'notarytool' && cmd === 'log') {
    parseArgs('notarytool log', rest, { values: ['--apple-id', '--password', '--team-id'], positionals: 1 });
    out('{"issues":[{"message":"The binary is not signed with a valid Developer ID certificate."}]}');
    return 0;
  }
  if (tool === 'xccov' && cmd === 'view') {
    const p = parseArgs('xccov view', rest, { bools: ['--report', '--json', '--only-targets'], positionals: 1 });
    if (!p.bools.has('--report')) throw new ToolError('xccov: the stand-in answers view --report only', 64);
    const file = path.join(p.positionals[0], 'coverage.json');
    if (!existsSync(p.positionals[0])) throw new ToolError(`Error: ${p.positionals[0]}: no such result bundle`, 1);
    if (!existsSync(file)) {
      throw new ToolError(
        `Error: Failed to load coverage report from ${p.positionals[0]}: no coverage data (was -enableCodeCoverage YES given to the build and the test run?)`,
        1,
      );
    }
    const report = JSON.parse(readFileSync(file, 'utf8')) as {
      targets: { name: string; coveredLines: number; executableLines: number; lineCoverage: number }[];
    };
    out(
      p.bools.has('--json')
        ? JSON.stringify(report)
        : report.targets
            .map((t) => `${t.name} ${(t.lineCoverage * 100).toFixed(2)}% (${t.coveredLines}/${t.executableLines})`)
            .join('\n'),
    );
    return 0;
  }
  if (tool === 'xcresulttool' && cmd === 'merge') {
    const p = parseArgs('xcresulttool merge', rest, { values: ['--output-path'], positionals: [2, 64] });
    const outPath = need(p, 'xcresulttool merge', '--output-path');
    const reports = p.positionals.map((b) => {
      if (!existsSync(b)) throw new ToolError(`Error: ${b}: no such result bundle`, 1);
      const f = path.join(b, 'coverage.json');
      return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as ReturnType<typeof standinCoverage>) : undefined;
    });
    mkdirSync(outPath, { recursive: true });
    // Merged coverage: a line is covered when any bundle covered it (the stand-in's bundles cover the same lines or more).
    if (reports.every((r) => r)) {
      writeFileSync(
        path.join(outPath, 'coverage.json'),
        JSON.stringify(reports.reduce((a, b) => (a!.coveredLines >= b!.coveredLines ? a : b))),
      );
    }
    return 0;
  }
  if (tool === 'stapler' && (cmd === 'staple' || cmd === 'validate')) {
    const p = parseArgs(`stapler ${cmd}`, rest, { positionals: 1 });
    if (!existsSync(p.positionals[0])) throw new ToolError(`${p.positionals[0]} does not exist`, 65);
    if (cmd === 'staple') {
      writeFileSync(path.join(p.positionals[0], '.stapled'), 'ticket');
    } else if (!existsSync(path.join(p.positionals[0], '.stapled'))) {
      throw new ToolError(`${p.positionals[0]} does not have a ticket stapled to it.`, 65);
    }
    out(`The ${cmd} action worked!`);
    return 0;
  }
  throw new ToolError(`xcrun: error: unable to find utility "${tool} ${cmd}"`, 72);
}

export function spctl(args: string[]): number {
  requireMac('spctl');
  const p = parseArgs('spctl', args, { bools: ['--assess'], values: ['--type', '--verbose'], positionals: 1 });
  if (!existsSync(path.join(p.positionals[0], '.stapled'))) {
    throw new ToolError(`${p.positionals[0]}: rejected\nsource=Unnotarized Developer ID`, 3);
  }
  out(`${p.positionals[0]}: accepted\nsource=Notarized Developer ID`);
  return 0;
}

/** sudo: only `xcode-select --switch <Xcode>/Contents/Developer`, which must be an installed Xcode of the runner image. */
export function sudo(args: string[]): number {
  requireMac('sudo xcode-select');
  if (args[0] !== 'xcode-select' || args[1] !== '--switch' || args.length !== 3) {
    throw new ToolError(`sudo: ${args.join(' ')}: not a command the workflows may run`);
  }
  if (!/^\/Applications\/Xcode_\d+(\.\d+)*\.app\/Contents\/Developer$/.test(args[2])) {
    throw new ToolError(`xcode-select: error: invalid developer directory '${args[2]}'`);
  }
  save('xcode', { developerDir: args[2] });
  return 0;
}

/** swiftlint lint in its container: the folder must hold Swift sources. */
export function swiftlint(args: string[]): number {
  const p = parseArgs('swiftlint', args.slice(1), {
    bools: ['--strict', '--quiet'],
    values: ['--reporter', '--config'],
  });
  if (args[0] !== 'lint') throw new ToolError(`swiftlint: unknown command ${args[0]}`);
  if (p.flags['--reporter'] && !['github-actions-logging', 'xcode', 'json', 'sarif'].includes(p.flags['--reporter'])) {
    throw new ToolError(`swiftlint: unknown reporter ${p.flags['--reporter']}`);
  }
  if (fault('swiftlint:violation')) {
    out('::error file=Sources/App.swift,line=1::Line Length Violation');
    return 2;
  }
  out('Done linting! Found 0 violations, 0 serious in 3 files.');
  return 0;
}

/** What a leaking model switch keeps in the stand-in, per cycle (fault `leaky-switch:<model>`). */
const LEAKED_PER_SWITCH_BYTES = 48 * 1024 * 1024;
const SWITCH_CYCLES = 3;

/**
 * What the stand-in performance test writes for a model: transcription samples v1 over the corpus,
 * with its memory (a 600 MiB peak; switching keeps nothing unless it leaks).
 */
export function standinSamples(
  model: string,
  slow = 1,
  heard: (text: string) => string = (text) => text,
  leakedPerSwitch = 0,
) {
  return {
    schemaVersion: 1 as const,
    modelId: model,
    startedAt: '2026-12-01T02:00:00Z',
    clips: CORPUS.map((c, i) => ({
      name: c.name,
      audioSeconds: c.audioSeconds,
      elapsedMs: (1500 + i * 10) * slow,
      ok: true,
      transcript: heard(c.text),
    })),
    memory: {
      peakFootprintBytes: 600 * 1024 * 1024,
      switchCycles: SWITCH_CYCLES,
      switchGrowthBytes: leakedPerSwitch * (SWITCH_CYCLES - 1),
    },
  };
}

/** xccov's JSON report of the stand-in app: its target at `share` line coverage, and the test bundle. */
function standinCoverage(share: number) {
  const executable = 2000;
  const covered = Math.round(executable * share);
  return {
    coveredLines: covered + 300,
    executableLines: executable + 300,
    lineCoverage: (covered + 300) / (executable + 300),
    targets: [
      {
        name: 'VoiceTranscriber.app',
        coveredLines: covered,
        executableLines: executable,
        lineCoverage: covered / executable,
        files: [],
      },
      { name: 'VoiceTranscriberTests.xctest', coveredLines: 300, executableLines: 300, lineCoverage: 1, files: [] },
    ],
  };
}
