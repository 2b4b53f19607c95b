import { oneLine } from '../../common/safe-text';

/**
 * Why a request failed, in a word or a short line: `timed out` for a deadline, the system error's
 * code (`ECONNREFUSED`) when there is one, else the message. Node's fetch wraps the system error
 * in a TypeError ("fetch failed") as its `cause`: the cause says more, so it is read first.
 */
export function networkReason(e: unknown): string {
  const error = e as Error & { code?: string; cause?: unknown };
  if (error?.name === 'TimeoutError' || /timeout/i.test(error?.name ?? '')) return 'timed out';
  const cause = error?.cause as (Error & { code?: string }) | undefined;
  if (cause && typeof cause === 'object') {
    if (cause.name === 'TimeoutError' || /timeout/i.test(cause.name ?? '')) return 'timed out';
    if (cause.code) return cause.code;
    if (cause.message === 'bad port') return 'the port is one the Fetch standard blocks (6000, 10080…)';
    if (cause.message) return oneLine(cause.message.slice(0, 200));
  }
  if (error?.code) return error.code;
  return oneLine(String(error?.message ?? e).slice(0, 200));
}
