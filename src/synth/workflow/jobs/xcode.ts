import { runStep, type JobStep, type StepOptions } from '../steps';

/**
 * The build settings that turn code signing off: CI has no signing identity and needs none to
 * build and test. Every xcodebuild the kit writes carries them.
 */
export const CODE_SIGNING_OFF = 'CODE_SIGN_IDENTITY="" CODE_SIGNING_REQUIRED=NO CODE_SIGNING_ALLOWED=NO';

/** Props of {@link selectXcode}. */
export interface SelectXcodeProps {
  /** e.g. `16.4`: the runner image's `/Applications/Xcode_16.4.app`. */
  readonly version: string;
}

/** Selects an Xcode of the macOS runner image, without a third-party action. */
export function selectXcode(props: SelectXcodeProps): JobStep {
  return runStep({
    name: `Select Xcode ${props.version}`,
    env: { XCODE_APP: `/Applications/Xcode_${props.version}.app` },
    run: 'sudo xcode-select --switch "$XCODE_APP/Contents/Developer"\nxcodebuild -version',
  });
}

/** Props of {@link xcodebuildStep}. */
export interface XcodebuildProps extends Partial<StepOptions> {
  /** `build`, `build-for-testing`, `test`, `test-without-building`. */
  readonly action: 'build' | 'build-for-testing' | 'test' | 'test-without-building';
  /** `.xcodeproj` or `.xcworkspace`. */
  readonly project: string;
  readonly scheme: string;
  /** @default 'platform=macOS' */
  readonly destination?: string;
  /** Where build products go, shared by build-for-testing and test-without-building. @default 'build/DerivedData' */
  readonly derivedDataPath?: string;
  /** `.xcresult` to write. @default - none */
  readonly resultBundle?: string;
  /** `-only-testing:` target. @default - every test of the scheme */
  readonly onlyTesting?: string;
  /** JUnit report written by xcbeautify (preinstalled on GitHub's macOS images). @default - none */
  readonly junitReport?: string;
  /**
   * Instrument the build and record line coverage in the result bundle (`-enableCodeCoverage YES`):
   * on build-for-testing and on the test runs that read its products alike.
   * @default false
   */
  readonly codeCoverage?: boolean;
}

/** An xcodebuild command line and the env it reads its arguments from. */
export interface XcodebuildInvocation {
  readonly env: Record<string, string>;
  /** The command, signing off, arguments from `env`, without the output filter. */
  readonly command: string;
}

/**
 * The xcodebuild command of {@link xcodebuildStep}, for steps that run it in a loop of their own
 * (one test run per model): the same flags and signing settings as every other invocation.
 */
export function xcodebuildInvocation(
  props: Omit<XcodebuildProps, keyof StepOptions | 'junitReport'>,
): XcodebuildInvocation {
  const { action, project, scheme, destination, derivedDataPath, resultBundle, onlyTesting, codeCoverage } = props;
  const flag = project.endsWith('.xcworkspace') ? '-workspace' : '-project';
  const words = [
    `xcodebuild ${action}`,
    `${flag} "$XCODE_PROJECT"`,
    '-scheme "$XCODE_SCHEME"',
    '-destination "$XCODE_DESTINATION"',
    '-derivedDataPath "$DERIVED_DATA"',
    ...(resultBundle ? ['-resultBundlePath "$RESULT_BUNDLE"'] : []),
    ...(onlyTesting ? ['-only-testing:"$ONLY_TESTING"'] : []),
    ...(codeCoverage ? ['-enableCodeCoverage YES'] : []),
    CODE_SIGNING_OFF,
  ];
  return {
    env: {
      XCODE_PROJECT: project,
      XCODE_SCHEME: scheme,
      XCODE_DESTINATION: destination ?? 'platform=macOS',
      DERIVED_DATA: derivedDataPath ?? 'build/DerivedData',
      ...(resultBundle ? { RESULT_BUNDLE: resultBundle } : {}),
      ...(onlyTesting ? { ONLY_TESTING: onlyTesting } : {}),
    },
    command: words.join(' \\\n  '),
  };
}

/** xcbeautify with GitHub annotations (preinstalled on GitHub's macOS images). */
export const XCBEAUTIFY = 'xcbeautify --renderer github-actions';

/**
 * One xcodebuild invocation with code signing off, its arguments passed through env. Output goes
 * through xcbeautify (GitHub annotations; JUnit when asked) with pipefail, so a failing build
 * still fails the step.
 */
export function xcodebuildStep(props: XcodebuildProps): JobStep {
  const {
    action,
    project,
    scheme,
    destination,
    derivedDataPath,
    resultBundle,
    onlyTesting,
    junitReport,
    codeCoverage,
    ...options
  } = props;
  const invocation = xcodebuildInvocation({
    action,
    project,
    scheme,
    destination,
    derivedDataPath,
    resultBundle,
    onlyTesting,
    codeCoverage,
  });
  const beautify = junitReport
    ? `| ${XCBEAUTIFY} --report junit --report-path "$(dirname "$JUNIT_REPORT")" --junit-report-filename "$(basename "$JUNIT_REPORT")"`
    : `| ${XCBEAUTIFY}`;
  return runStep({
    name: options.name ?? `xcodebuild ${action}`,
    ...options,
    env: {
      ...options.env,
      ...invocation.env,
      ...(junitReport ? { JUNIT_REPORT: junitReport } : {}),
    },
    run: ['set -o pipefail', `${invocation.command} \\\n  ${beautify}`].join('\n'),
  });
}
