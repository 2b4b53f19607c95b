import { status } from '../expressions';
import { runStep, type JobStep } from '../steps';

/**
 * Python (stdlib only) that turns a JUnit XML file and a Cobertura coverage file into a
 * Markdown table in the job summary. Missing files are reported, not fatal: the summary
 * must not hide the real failure of the test step.
 */
const SUMMARY_SCRIPT = `import os, xml.etree.ElementTree as ET
junit, coverage, title = os.environ["JUNIT_XML"], os.environ["COVERAGE_XML"], os.environ["SUMMARY_TITLE"]
lines = [f"### {title}", ""]
try:
    root = ET.parse(junit).getroot()
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    total = {k: sum(int(s.get(k, 0)) for s in suites) for k in ("tests", "failures", "errors", "skipped")}
    seconds = sum(float(s.get("time", 0)) for s in suites)
    passed = total["tests"] - total["failures"] - total["errors"] - total["skipped"]
    lines += ["| tests | passed | failed | errors | skipped | time |", "| --- | --- | --- | --- | --- | --- |",
              f"| {total['tests']} | {passed} | {total['failures']} | {total['errors']} | {total['skipped']} | {seconds:.1f} s |"]
except (OSError, ET.ParseError) as e:
    lines.append(f"No test results ({e}).")
if coverage:
    try:
        rate = float(ET.parse(coverage).getroot().get("line-rate", 0))
        lines += ["", f"Line coverage: **{rate * 100:.1f} %**"]
    except (OSError, ET.ParseError, ValueError) as e:
        lines += ["", f"No coverage report ({e})."]
with open(os.environ["GITHUB_STEP_SUMMARY"], "a", encoding="utf-8") as out:
    out.write("\\n".join(lines) + "\\n")
`;

/** Props of {@link testSummaryStep}. */
export interface TestSummaryProps {
  readonly title: string;
  /** JUnit XML path, relative to workingDirectory. */
  readonly junitXml: string;
  /** Cobertura XML path, relative to workingDirectory. @default - no coverage line */
  readonly coverageXml?: string;
  /** @default - the workspace */
  readonly workingDirectory?: string;
}

/** Writes test counts and coverage to the job summary, even when tests failed. */
export function testSummaryStep(props: TestSummaryProps): JobStep {
  return runStep({
    name: 'Summarize test results',
    if: status.notCancelled,
    shell: 'python',
    workingDirectory: props.workingDirectory,
    env: { JUNIT_XML: props.junitXml, COVERAGE_XML: props.coverageXml ?? '', SUMMARY_TITLE: props.title },
    run: SUMMARY_SCRIPT,
  });
}
