import type { Expression } from '../expressions';
import { actionStep, type JobStep, type StepOptions } from '../steps';

/**
 * Inputs of github/codeql-action/upload-sarif (v4).
 * @see https://github.com/github/codeql-action/blob/v4.36.2/upload-sarif/action.yml
 */
export interface UploadSarifInputs {
  /** A SARIF file or a folder of them. */
  readonly sarifFile: string;
  /** Keeps results of different scans of one commit apart, e.g. `pip-audit/tts`. */
  readonly category: string;
}

/** Uploads SARIF to code scanning; the job needs `security-events: write` (and nothing else writes). */
export function uploadSarif(inputs: UploadSarifInputs, options: Partial<StepOptions> = {}): JobStep {
  return actionStep({
    name: `Upload SARIF (${inputs.category})`,
    ...options,
    action: 'github/codeql-action/upload-sarif',
    with: { sarif_file: inputs.sarifFile, category: inputs.category },
  });
}

/**
 * Inputs of aquasecurity/trivy-action (v0.36). Only the verified pin is used: the repository's
 * older tags were force-pushed to malicious commits in 2026-03 (GHSA-69fq-xp46-6x23).
 * @see https://github.com/aquasecurity/trivy-action/blob/v0.36.0/action.yaml
 */
export interface TrivyImageScanInputs {
  /** Image reference, by digest: `repo@sha256:…`. */
  readonly imageRef: string | Expression;
  /** Trivy version, pinned (the action's default moves with its releases). */
  readonly version: string;
  /** Severities to report (and to fail on, with exitCode 1). @default - all */
  readonly severity?: readonly ('UNKNOWN' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL')[];
  /** `table` or `sarif`. @default 'table' */
  readonly format?: 'table' | 'sarif';
  /** Report file. @default - stdout */
  readonly output?: string;
  /** Exit code when findings of `severity` remain. @default 0 (report only) */
  readonly exitCode?: 0 | 1;
  /** Skip installing Trivy again when an earlier step of the job did. @default false */
  readonly skipSetup?: boolean;
}

/**
 * Scans an image with Trivy. Caching is off (`cache: false`, the action's default is on): the scan
 * runs in workflows started by release tags, and the vulnerability DB downloads in seconds.
 */
export function trivyImageScan(inputs: TrivyImageScanInputs, options: Partial<StepOptions> = {}): JobStep {
  if (!/^v\d+\.\d+\.\d+$/.test(inputs.version)) {
    throw new Error(`trivyImageScan: version must be a pinned vX.Y.Z, got "${inputs.version}"`);
  }
  return actionStep({
    name: 'Scan with Trivy',
    ...options,
    action: 'aquasecurity/trivy-action',
    with: {
      'scan-type': 'image',
      'image-ref': inputs.imageRef,
      version: inputs.version,
      severity: inputs.severity?.join(','),
      format: inputs.format,
      output: inputs.output,
      'exit-code': inputs.exitCode ?? 0,
      'skip-setup-trivy': inputs.skipSetup,
      cache: false,
    },
  });
}

/**
 * Inputs of actions/dependency-review-action (v4).
 * @see https://github.com/actions/dependency-review-action/blob/v4.9.0/action.yml
 */
export interface DependencyReviewInputs {
  /** Fail when a pull request adds a dependency with a vulnerability of this severity or worse. */
  readonly failOnSeverity: 'low' | 'moderate' | 'high' | 'critical';
}

/** Reviews the dependencies a pull request changes (GitHub's dependency graph); pull requests only. */
export function dependencyReview(inputs: DependencyReviewInputs, options: Partial<StepOptions> = {}): JobStep {
  // No PR comment: that would need pull-requests: write in a workflow that runs PR code.
  return actionStep({
    name: 'Dependency review',
    ...options,
    action: 'actions/dependency-review-action',
    with: { 'fail-on-severity': inputs.failOnSeverity, 'comment-summary-in-pr': 'never' },
  });
}

/**
 * Inputs of github/codeql-action/init (v4).
 * @see https://github.com/github/codeql-action/blob/v4.36.2/init/action.yml
 */
export interface CodeqlInitInputs {
  /** e.g. `swift`. */
  readonly languages: string;
  /** `manual`: the job builds the code itself between init and analyze. */
  readonly buildMode: 'none' | 'autobuild' | 'manual';
}

/** Starts CodeQL tracing. TRAP and dependency caching stay off (no Actions cache writes from analysis). */
export function codeqlInit(inputs: CodeqlInitInputs, options: Partial<StepOptions> = {}): JobStep {
  return actionStep({
    name: 'Initialize CodeQL',
    ...options,
    action: 'github/codeql-action/init',
    with: {
      languages: inputs.languages,
      'build-mode': inputs.buildMode,
      'trap-caching': false,
      'dependency-caching': false,
    },
  });
}

/**
 * Inputs of github/codeql-action/analyze (v4).
 * @see https://github.com/github/codeql-action/blob/v4.36.2/analyze/action.yml
 */
export interface CodeqlAnalyzeInputs {
  /** e.g. `/language:swift`. */
  readonly category: string;
}

/** Finishes the analysis and uploads SARIF to code scanning (needs `security-events: write`). */
export function codeqlAnalyze(inputs: CodeqlAnalyzeInputs, options: Partial<StepOptions> = {}): JobStep {
  return actionStep({
    name: 'Analyze with CodeQL',
    ...options,
    action: 'github/codeql-action/analyze',
    with: { category: inputs.category },
  });
}
