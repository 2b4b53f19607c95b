import { oneLine } from '../../common/safe-text';

/**
 * Why a request failed, in a word or a short line: `timed out` for a deadline, the system error's
 * code (`ECONNREFUSED`) when there is one, else the message. A request its deadline aborted fails
 * with an AbortError whose `cause` is the deadline's TimeoutError: the cause says more, so it is read first.
 */
export function networkReason(e: unknown): string {
  const error = e as Error & { code?: string; cause?: unknown };
  if (error?.name === 'TimeoutError' || /timeout/i.test(error?.name ?? '')) return 'timed out';
  const cause = error?.cause as (Error & { code?: string }) | undefined;
  if (cause && typeof cause === 'object') {
    if (cause.name === 'TimeoutError' || /timeout/i.test(cause.name ?? '')) return 'timed out';
    if (cause.code) return cause.code;
    if (cause.message) return oneLine(cause.message.slice(0, 200));
  }
  if (error?.code) return error.code;
  return oneLine(String(error?.message ?? e).slice(0, 200));
}
