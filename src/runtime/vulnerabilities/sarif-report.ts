import { createHash } from 'node:crypto';
import { rateVulnerability, type OsvClient } from './osv-client';
import { normalizePackageName, type PipAuditReport } from './pip-audit-report';
import { reaches, SEVERITIES, type GateSeverity, type Rating } from './severity';

/** The scanner a SARIF run and a summary name: what differs between pip-audit's and the Swift packages' reports. */
export interface ScanTool {
  /** SARIF driver name and the summary's title, e.g. `pip-audit`. */
  readonly name: string;
  readonly informationUri: string;
  /** Key of the partial fingerprint, stable per tool so code scanning keeps one alert per package and ID. */
  readonly fingerprint: string;
  /** How a team records an accepted risk, in each rule's help. */
  readonly acceptRisk: string;
  /** Why the tool skips a dependency, in the summary. */
  readonly skipReason: string;
  /** How package names compare (fingerprints). */
  readonly normalizeName: (name: string) => string;
}

/** pip-audit's reports, rated through OSV (`pip-audit-sarif`). */
export const PIP_AUDIT_TOOL: ScanTool = {
  name: 'pip-audit',
  informationUri: 'https://github.com/pypa/pip-audit',
  fingerprint: 'pipAudit/v1',
  acceptRisk: 'record an accepted risk with pip-audit --ignore-vuln',
  skipReason: 'not on PyPI, or no version',
  normalizeName: normalizePackageName,
};

/** One vulnerable package version, rated. */
export interface Finding {
  readonly id: string;
  readonly aliases: readonly string[];
  readonly packageName: string;
  readonly version: string;
  readonly fixVersions: readonly string[];
  readonly description?: string;
  readonly summary?: string;
  readonly rating: Rating;
  /** Whether OSV knows the ID itself. */
  readonly known: boolean;
  /** Line of the package in the lock file, when one was given and names it. */
  readonly line?: number;
}

/** Options of {@link auditReport}. */
export interface AuditOptions {
  readonly report: PipAuditReport;
  readonly client: OsvClient;
  /** The lock file the findings point at, as a path from the repository root (SARIF locations). */
  readonly lockfileUri: string;
  /** Its text, to point each finding at the package's entry. @default - line 1 */
  readonly lockfileText?: string;
  /** Records fetched at once. @default 8 */
  readonly concurrency?: number;
}

/** Line numbers of `name = "<package>"` entries in a uv.lock (or `name==` in a requirements file). */
function packageLines(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  text.split('\n').forEach((line, i) => {
    const m = /^\s*name\s*=\s*"([^"]+)"/.exec(line) ?? /^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*==/.exec(line);
    const name = m && normalizePackageName(m[1]!);
    if (name && !lines.has(name)) lines.set(name, i + 1);
  });
  return lines;
}

/** `fn` over `items`, at most `size` at once, results in the items' order. */
export async function mapPool<T, R>(items: readonly T[], size: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker));
  return out;
}

/** Rates every vulnerability of a pip-audit report through OSV, each ID once. */
export async function auditReport(options: AuditOptions): Promise<Finding[]> {
  const lines = options.lockfileText ? packageLines(options.lockfileText) : new Map<string, number>();
  const entries = options.report.dependencies.flatMap((dep) => (dep.vulns ?? []).map((v) => ({ dep, v })));
  const ids = [...new Set(entries.map(({ v }) => v.id))];
  const aliasesOf = new Map(entries.map(({ v }) => [v.id, v.aliases ?? []]));
  const ratings = new Map(
    await mapPool(
      ids,
      options.concurrency ?? 8,
      async (id) => [id, await rateVulnerability(options.client, id, aliasesOf.get(id) ?? [])] as const,
    ),
  );
  return entries.map(({ dep, v }) => {
    const rated = ratings.get(v.id)!;
    return {
      id: v.id,
      aliases: v.aliases ?? [],
      packageName: dep.name,
      version: dep.version ?? 'unknown',
      fixVersions: v.fix_versions,
      description: v.description,
      summary: rated.summary,
      rating: rated.rating,
      known: rated.known,
      line: lines.get(normalizePackageName(dep.name)),
    };
  });
}

/** The findings that fail a gate at `failOn` (an unrated one always does). */
export function failingFindings(findings: readonly Finding[], failOn: GateSeverity): Finding[] {
  return findings.filter((f) => reaches(f.rating, failOn));
}

const LEVEL: Readonly<Record<Rating['severity'], 'error' | 'warning' | 'note'>> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  unknown: 'warning',
};

/** Where a finding's ID is documented. */
export function advisoryUrl(id: string): string {
  return `https://osv.dev/vulnerability/${encodeURIComponent(id)}`;
}

/** Text of a finding, one line: what, which version, how bad, how to fix. */
export function findingMessage(f: Finding): string {
  const fix = f.fixVersions.length > 0 ? `fixed in ${f.fixVersions.join(', ')}` : 'no fixed version yet';
  const severity =
    f.rating.severity === 'unknown'
      ? `severity unknown${f.known ? '' : ' (OSV does not know this ID)'}`
      : `${f.rating.severity}${f.rating.score !== undefined ? ` (${f.rating.score.toFixed(1)})` : ''}`;
  const what = f.summary ?? f.description?.split('\n')[0];
  return `${f.packageName} ${f.version}: ${f.id}${f.aliases.length > 0 ? ` (${f.aliases.join(', ')})` : ''}, ${severity}; ${fix}.${what ? ` ${what.slice(0, 300)}` : ''}`;
}

/** SARIF 2.1.0 of the findings: one rule per vulnerability ID, one result per vulnerable package. */
export function toSarif(
  findings: readonly Finding[],
  lockfileUri: string,
  tool: ScanTool = PIP_AUDIT_TOOL,
): Record<string, unknown> {
  const rules = new Map<string, Record<string, unknown>>();
  for (const f of findings) {
    if (rules.has(f.id)) continue;
    const text = f.summary ?? f.description?.split('\n')[0] ?? `Vulnerability ${f.id}`;
    rules.set(f.id, {
      id: f.id,
      name: f.id.replace(/[^A-Za-z0-9]/g, ''),
      shortDescription: { text: text.slice(0, 1000) },
      fullDescription: { text: (f.description ?? text).slice(0, 10000) },
      helpUri: advisoryUrl(f.id),
      help: { text: `See ${advisoryUrl(f.id)}. Upgrade to a fixed version, or ${tool.acceptRisk}.` },
      defaultConfiguration: { level: LEVEL[f.rating.severity] },
      properties: {
        tags: ['security', 'vulnerability', `severity:${f.rating.severity}`],
        // What code scanning sorts and filters security alerts by.
        ...(f.rating.score !== undefined ? { 'security-severity': f.rating.score.toFixed(1) } : {}),
      },
    });
  }
  const ruleIndex = new Map([...rules.keys()].map((id, i) => [id, i]));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: tool.name, informationUri: tool.informationUri, rules: [...rules.values()] } },
        results: findings.map((f) => ({
          ruleId: f.id,
          ruleIndex: ruleIndex.get(f.id),
          level: LEVEL[f.rating.severity],
          message: { text: findingMessage(f) },
          locations: [
            { physicalLocation: { artifactLocation: { uri: lockfileUri }, region: { startLine: f.line ?? 1 } } },
          ],
          // Stable across runs, so code scanning tracks one alert per package and ID.
          partialFingerprints: {
            [tool.fingerprint]: createHash('sha256')
              .update(`${tool.normalizeName(f.packageName)}\0${f.id}`)
              .digest('hex'),
          },
        })),
      },
    ],
  };
}

const cell = (text: string) => text.replace(/[|\r\n]/g, ' ');

/** A Markdown summary for the job page. */
export function summaryMarkdown(
  findings: readonly Finding[],
  failOn: GateSeverity,
  skipped: number,
  tool: ScanTool = PIP_AUDIT_TOOL,
): string {
  const failing = new Set(failingFindings(findings, failOn));
  const rows = [...findings]
    .sort(
      (a, b) =>
        SEVERITIES.indexOf(b.rating.severity) - SEVERITIES.indexOf(a.rating.severity) ||
        a.packageName.localeCompare(b.packageName),
    )
    .map(
      (f) =>
        `| ${failing.has(f) ? '❌' : '⚠️'} | ${cell(`${f.packageName} ${f.version}`)} | [${f.id}](${advisoryUrl(f.id)}) | ${f.rating.severity} | ${cell(f.fixVersions.join(', ')) || '—'} |`,
    );
  return [
    `### ${tool.name}: ${findings.length} vulnerabilit${findings.length === 1 ? 'y' : 'ies'}, ${failing.size} at or above ${failOn}`,
    '',
    ...(rows.length > 0
      ? ['| | package | ID | severity | fixed in |', '| --- | --- | --- | --- | --- |', ...rows, '']
      : []),
    ...(skipped > 0
      ? [
          `${skipped} dependenc${skipped === 1 ? 'y was' : 'ies were'} skipped by ${tool.name} (${tool.skipReason}).`,
          '',
        ]
      : []),
  ].join('\n');
}
