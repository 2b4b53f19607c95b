import { Cvss2, Cvss3P0, Cvss3P1, Cvss4P0 } from 'ae-cvss-calculator';

/** Severity levels, lowest first; `unknown` when no source rates the vulnerability. */
export const SEVERITIES = ['unknown', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Severities a gate can fail on (`unknown` always fails: see the CLI's help). */
export const GATE_SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type GateSeverity = (typeof GATE_SEVERITIES)[number];

/** A rating and the score behind it (CVSS base score, or a representative one for a named level). */
export interface Rating {
  readonly severity: Severity;
  /** 0.0–10.0, as code scanning's `security-severity` reads it. */
  readonly score?: number;
  /** Where it came from, e.g. `CVSS_V3 of GHSA-…` or `GitHub advisory severity`. */
  readonly source?: string;
}

/** CVSS qualitative bands (FIRST, CVSS v3.1 §5 and v4.0). */
export function severityOfScore(score: number): Severity {
  if (score >= 9) return 'critical';
  if (score >= 7) return 'high';
  if (score >= 4) return 'medium';
  if (score > 0) return 'low';
  return 'unknown';
}

/** Named levels (GitHub advisories say MODERATE) and the score code scanning gets for them: each band's midpoint. */
const NAMED: Readonly<Record<string, { severity: Severity; score: number }>> = {
  LOW: { severity: 'low', score: 2.0 },
  MODERATE: { severity: 'medium', score: 5.5 },
  MEDIUM: { severity: 'medium', score: 5.5 },
  HIGH: { severity: 'high', score: 8.0 },
  CRITICAL: { severity: 'critical', score: 9.5 },
};

export function ratingOfName(name: unknown, source: string): Rating | undefined {
  const named = typeof name === 'string' ? NAMED[name.toUpperCase()] : undefined;
  return named && { ...named, source };
}

/** The base score of a CVSS vector of the given OSV type, or undefined when it is not a valid vector. */
export function cvssBaseScore(type: string, vector: string): number | undefined {
  try {
    let calculator: { calculateScores(): { base?: number; overall?: number } } | undefined;
    if (type === 'CVSS_V4' && vector.startsWith('CVSS:4.0/')) calculator = new Cvss4P0(vector);
    else if (type === 'CVSS_V3' && vector.startsWith('CVSS:3.1/')) calculator = new Cvss3P1(vector);
    else if (type === 'CVSS_V3' && vector.startsWith('CVSS:3.0/')) calculator = new Cvss3P0(vector);
    else if (type === 'CVSS_V2' && /^(AV:|\(AV:)/.test(vector)) calculator = new Cvss2(vector);
    const score = calculator?.calculateScores().base;
    return typeof score === 'number' && Number.isFinite(score) && score >= 0 && score <= 10 ? score : undefined;
  } catch {
    return undefined; // a vector the calculator cannot read rates nothing
  }
}

/** The worse of two ratings (the higher severity, then the higher score). */
export function worse(a: Rating | undefined, b: Rating | undefined): Rating | undefined {
  if (!a) return b;
  if (!b) return a;
  const rank = (r: Rating) => SEVERITIES.indexOf(r.severity);
  if (rank(a) !== rank(b)) return rank(a) > rank(b) ? a : b;
  return (a.score ?? 0) >= (b.score ?? 0) ? a : b;
}

/** Whether a rating reaches the gate's level. */
export function reaches(rating: Rating, failOn: GateSeverity): boolean {
  return rating.severity === 'unknown' || SEVERITIES.indexOf(rating.severity) >= SEVERITIES.indexOf(failOn);
}
