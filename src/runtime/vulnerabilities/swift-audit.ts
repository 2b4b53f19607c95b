import { rateVulnerability, type OsvClient, type OsvQuery, type OsvRecord } from './osv-client';
import { mapPool, type Finding, type ScanTool } from './sarif-report';
import type { SwiftPin } from '../swift/package-resolved';

/** OSV's ecosystem of Swift packages, named by their repository URL. */
export const SWIFT_URL_ECOSYSTEM = 'SwiftURL';

/**
 * A package's name in OSV's SwiftURL ecosystem: the repository URL without scheme, credentials,
 * trailing slash or `.git`, as the GitHub Advisory Database writes it (`github.com/argmaxinc/WhisperKit`).
 * SSH locations (`git@github.com:owner/repo.git`) map to the same name.
 */
export function swiftUrlName(location: string): string {
  const ssh = /^[^@/]+@([^:/]+):(.+)$/.exec(location);
  const bare = ssh ? `${ssh[1]}/${ssh[2]}` : location.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/^[^@/]+@/, '');
  return bare.replace(/\/+$/, '').replace(/\.git$/, '');
}

/** The packages' scan, for SARIF and the summary. */
export const SWIFT_AUDIT_TOOL: ScanTool = {
  name: 'swift-audit-sarif',
  informationUri: 'https://osv.dev',
  fingerprint: 'swiftAudit/v1',
  acceptRisk: 'record an accepted risk with --ignore-vuln in the workflow definition',
  skipReason: 'pinned to a branch without a revision',
  normalizeName: (name) => name.toLowerCase(),
};

/**
 * What OSV is asked about a pin: the package at its version, or, for a pin without a version (a
 * branch or a bare revision), the commit it resolved to, which OSV matches against git ranges.
 */
export function osvQueryOf(pin: SwiftPin): OsvQuery | undefined {
  if (pin.kind === 'version') {
    return { package: { ecosystem: SWIFT_URL_ECOSYSTEM, name: swiftUrlName(pin.location) }, version: pin.value };
  }
  return pin.revision && /^[0-9a-f]{40}$/i.test(pin.revision) ? { commit: pin.revision } : undefined;
}

/** The versions that fix `record` for the package, from its ranges' `fixed` events. */
export function fixedVersions(record: OsvRecord | undefined, packageName: string): string[] {
  const fixed = new Set<string>();
  for (const affected of record?.affected ?? []) {
    const name = affected.package?.name;
    if (
      affected.package?.ecosystem === SWIFT_URL_ECOSYSTEM &&
      name !== undefined &&
      swiftUrlName(name).toLowerCase() !== packageName.toLowerCase()
    ) {
      continue;
    }
    for (const range of affected.ranges ?? []) {
      for (const event of range.events ?? []) if (typeof event.fixed === 'string') fixed.add(event.fixed);
    }
  }
  return [...fixed];
}

/** Line of each pin in Package.resolved's text (its `identity` or v1 `package` key), by identity. */
function pinLines(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  text.split('\n').forEach((line, i) => {
    const m = /"(?:identity|package)"\s*:\s*"([^"]+)"/.exec(line);
    if (m && !lines.has(m[1]!.toLowerCase())) lines.set(m[1]!.toLowerCase(), i + 1);
  });
  return lines;
}

/** Options of {@link auditSwiftPins}. */
export interface SwiftAuditOptions {
  readonly pins: readonly SwiftPin[];
  readonly client: OsvClient;
  /** Package.resolved's text, to point each finding at its pin. @default - line 1 */
  readonly resolvedText?: string;
  /** IDs (or aliases) accepted as risks: left out of the findings. @default none */
  readonly ignore?: readonly string[];
  /** Records fetched at once. @default 8 */
  readonly concurrency?: number;
}

/** The result of {@link auditSwiftPins}. */
export interface SwiftAudit {
  readonly findings: Finding[];
  /** Pins OSV could not be asked about (a branch with no resolved revision). */
  readonly skipped: readonly SwiftPin[];
  /** Findings left out by `ignore`, as `package ID`. */
  readonly ignored: readonly string[];
}

/** Asks OSV about every pin in one batch, then rates each vulnerability found from its record. */
export async function auditSwiftPins(options: SwiftAuditOptions): Promise<SwiftAudit> {
  const queried = options.pins.map((pin) => ({ pin, query: osvQueryOf(pin) }));
  const asked = queried.filter((q): q is { pin: SwiftPin; query: OsvQuery } => q.query !== undefined);
  const idsPerPin = await options.client.queryBatch(asked.map((q) => q.query));
  const ids = [...new Set(idsPerPin.flat())];
  // rateVulnerability reads the record (and its aliases' where it has no rating); the client caches each.
  const rated = new Map(
    await mapPool(
      ids,
      options.concurrency ?? 8,
      async (id) =>
        [
          id,
          { ...(await rateVulnerability(options.client, id, [])), record: await options.client.record(id) },
        ] as const,
    ),
  );
  const lines = options.resolvedText ? pinLines(options.resolvedText) : new Map<string, number>();
  const ignore = new Set(options.ignore ?? []);
  const findings: Finding[] = [];
  const ignored: string[] = [];
  asked.forEach(({ pin }, i) => {
    for (const id of new Set(idsPerPin[i])) {
      const { rating, known, summary, record } = rated.get(id)!;
      const aliases = record?.aliases ?? [];
      if ([id, ...aliases].some((a) => ignore.has(a))) {
        ignored.push(`${pin.name} ${id}`);
        continue;
      }
      findings.push({
        id,
        aliases,
        packageName: pin.name,
        version: pin.value,
        fixVersions: fixedVersions(record, swiftUrlName(pin.location)),
        summary,
        rating,
        known,
        line: lines.get(pin.identity),
      });
    }
  });
  return { findings, skipped: queried.filter((q) => q.query === undefined).map((q) => q.pin), ignored };
}
