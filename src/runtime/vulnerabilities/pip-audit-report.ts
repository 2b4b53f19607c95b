import { parseWithSchema } from '../../common/schema-validator';

/** One vulnerability pip-audit found in a dependency. */
export interface PipAuditVulnerability {
  /** e.g. `PYSEC-2023-100` or `GHSA-xxxx-xxxx-xxxx`. */
  readonly id: string;
  readonly fix_versions: readonly string[];
  /** Other IDs of the same vulnerability (CVE, GHSA). */
  readonly aliases?: readonly string[];
  readonly description?: string;
}

/** A dependency pip-audit audited (`vulns`) or skipped (`skip_reason`). */
export interface PipAuditDependency {
  readonly name: string;
  readonly version?: string;
  readonly vulns?: readonly PipAuditVulnerability[];
  readonly skip_reason?: string;
}

/** `pip-audit --format json` output (pip-audit 2.x). */
export interface PipAuditReport {
  readonly dependencies: readonly PipAuditDependency[];
  readonly fixes?: readonly unknown[];
}

/** The shape we rely on; extra fields pip-audit may add are allowed. */
export const PIP_AUDIT_REPORT_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'pip-audit JSON report (the fields read)',
  type: 'object',
  required: ['dependencies'],
  properties: {
    dependencies: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name'],
        properties: {
          name: { type: 'string', minLength: 1 },
          version: { type: 'string' },
          skip_reason: { type: 'string' },
          vulns: {
            type: 'array',
            items: {
              type: 'object',
              required: ['id', 'fix_versions'],
              properties: {
                id: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$', maxLength: 100 },
                fix_versions: { type: 'array', items: { type: 'string' } },
                aliases: {
                  type: 'array',
                  items: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$', maxLength: 100 },
                },
                description: { type: 'string' },
              },
            },
          },
        },
      },
    },
    fixes: { type: 'array' },
  },
} as const;

/** Validates parsed pip-audit JSON; an InputError names the file and the field. */
export function parsePipAuditReport(data: unknown, file: string): PipAuditReport {
  return parseWithSchema<PipAuditReport>(PIP_AUDIT_REPORT_SCHEMA, data, file);
}

/** A package name in PEP 503 normal form: `Foo_Bar.baz` → `foo-bar-baz`. */
export function normalizePackageName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}
