/** One track's figures over a window, as Prometheus reported them. */
export interface TrackFigures {
  /** Requests answered (an increase of a counter: may be fractional). */
  readonly requests: number;
  /** Of those, server errors. */
  readonly errors: number;
  /** p95 request duration in seconds; undefined without requests. */
  readonly p95Seconds?: number;
}

/** What a watch window requires of the new release. */
export interface CanaryLimits {
  /** Highest error rate, in percent. */
  readonly maxErrorRatePct: number;
  /** Highest rise of the p95 latency over the baseline's, in percent. */
  readonly maxP95IncreasePct: number;
  /**
   * A rise of the p95 at most this large (milliseconds) never fails, whatever its percentage: at a few
   * milliseconds, bucket interpolation alone moves the quantile by more than the limit.
   */
  readonly latencySlackMs: number;
  /** Requests the new release must answer before it is judged. */
  readonly minRequests: number;
}

/** The answer of one check. `continue`: nothing failed yet and the window is not over. */
export interface CanaryVerdict {
  readonly state: 'pass' | 'fail' | 'continue';
  /** Why, with the figures: one sentence each. */
  readonly reasons: readonly string[];
  /** Undefined without requests. */
  readonly errorRatePct?: number;
  /** The p95's rise over the baseline's, in percent; undefined when either has no figure. */
  readonly p95IncreasePct?: number;
}

const ms = (seconds: number) =>
  Number.isFinite(seconds) ? `${Math.round(seconds * 1000)} ms` : 'beyond the highest bucket';
const round = (n: number) => Number(n.toFixed(2));

/**
 * Judges the new release's figures against the baseline's (the stable release over the same
 * window, or the release before a promotion). It fails as soon as a figure passes its limit with
 * at least `minRequests` requests behind it; at the end of the window (`final`), too few requests
 * fail too — a release is promoted on evidence, never on silence. A baseline without requests
 * leaves the latency uncompared (said in the reasons); the error rate is judged alone.
 */
export function judgeCanary(
  current: TrackFigures,
  baseline: TrackFigures,
  limits: CanaryLimits,
  final: boolean,
): CanaryVerdict {
  const errorRatePct = current.requests > 0 ? round((100 * current.errors) / current.requests) : undefined;
  const p95IncreasePct =
    current.p95Seconds !== undefined && baseline.p95Seconds !== undefined && baseline.p95Seconds > 0
      ? Number.isFinite(current.p95Seconds)
        ? round((100 * (current.p95Seconds - baseline.p95Seconds)) / baseline.p95Seconds)
        : Infinity
      : undefined;
  const figures = { errorRatePct, p95IncreasePct };
  const requests = Math.round(current.requests);
  if (current.requests < limits.minRequests) {
    return final
      ? {
          state: 'fail',
          ...figures,
          reasons: [
            `only ${requests} request(s) reached the new release in the window; at least ${limits.minRequests} are needed to judge it`,
          ],
        }
      : { state: 'continue', ...figures, reasons: [`${requests} of the ${limits.minRequests} requests needed so far`] };
  }
  const failures: string[] = [];
  const passes: string[] = [];
  if (errorRatePct! > limits.maxErrorRatePct) {
    failures.push(
      `error rate ${errorRatePct} % (${Math.round(current.errors)} of ${requests} requests) is above the ${limits.maxErrorRatePct} % limit`,
    );
  } else {
    passes.push(`error rate ${errorRatePct} % of ${requests} requests (limit ${limits.maxErrorRatePct} %)`);
  }
  if (p95IncreasePct === undefined) {
    passes.push(
      current.p95Seconds === undefined
        ? 'p95 latency: no histogram figures'
        : 'p95 latency not compared: the baseline answered no requests in the window',
    );
  } else {
    const riseMs = (current.p95Seconds! - baseline.p95Seconds!) * 1000;
    const text = `p95 latency ${ms(current.p95Seconds!)} against the baseline's ${ms(baseline.p95Seconds!)} (${p95IncreasePct > 0 ? '+' : ''}${p95IncreasePct} %)`;
    if (p95IncreasePct > limits.maxP95IncreasePct && riseMs > limits.latencySlackMs) {
      failures.push(`${text} is above the +${limits.maxP95IncreasePct} % limit`);
    } else {
      passes.push(`${text}, limit +${limits.maxP95IncreasePct} %`);
    }
  }
  if (failures.length) return { state: 'fail', ...figures, reasons: failures };
  return { state: final ? 'pass' : 'continue', ...figures, reasons: passes };
}
