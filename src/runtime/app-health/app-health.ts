import { APP_HEALTH_SCHEMA, type AppBuildHealth, type AppHealthReport } from '../../common/app-health';
import { parseWithSchema } from '../../common/schema-validator';

export { APP_HEALTH_SCHEMA, type AppBuildHealth, type AppHealthReport };

export function parseAppHealth(data: unknown, source: string): AppHealthReport {
  return parseWithSchema<AppHealthReport>(APP_HEALTH_SCHEMA, data, source);
}

/** What a stage requires of a build. */
export interface AppHealthLimits {
  /** Lowest crash-free sessions allowed, in percent. */
  readonly minCrashFreeSessionsPct: number;
  /** Sessions a build needs before its figure is judged. */
  readonly minSessions: number;
}

/** The gate's answer for one build. */
export interface AppHealthVerdict {
  readonly pass: boolean;
  /** One line saying why, with the figures. */
  readonly reason: string;
  readonly build?: AppBuildHealth;
}

/**
 * Judges a build: it passes only with enough sessions and a crash-free share at or above the
 * limit. A build the report does not list, or too few sessions to tell, fails: a rollout widens
 * only on evidence, never on silence.
 */
export function judgeBuild(report: AppHealthReport, version: string, limits: AppHealthLimits): AppHealthVerdict {
  const build = report.builds.find((b) => b.version === version);
  if (!build) {
    return {
      pass: false,
      reason: `build ${version} is not in the report (generated ${report.generatedAt}; it lists ${report.builds.map((b) => b.version).join(', ') || 'no build'})`,
    };
  }
  const pct = Number((build.crashFreeSessions * 100).toFixed(3));
  if (build.sessions < limits.minSessions) {
    return {
      pass: false,
      build,
      reason: `build ${version} has ${build.sessions} session(s); at least ${limits.minSessions} are needed to judge it`,
    };
  }
  if (pct < limits.minCrashFreeSessionsPct) {
    return {
      pass: false,
      build,
      reason: `build ${version}: ${pct} % crash-free sessions over ${build.sessions}, below the ${limits.minCrashFreeSessionsPct} % the stage requires`,
    };
  }
  return {
    pass: true,
    build,
    reason: `build ${version}: ${pct} % crash-free sessions over ${build.sessions} (at least ${limits.minCrashFreeSessionsPct} % required)`,
  };
}
