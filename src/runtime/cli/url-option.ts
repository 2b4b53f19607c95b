import { InputError } from '../../common/cli-errors';
import { quoteInput } from '../../common/safe-text';

/** Options of {@link parseHttpUrl}. */
export interface HttpUrlOptions {
  /**
   * Require https, except http to this machine (a test server on 127.0.0.1): for addresses whose
   * answers decide a release.
   * @default false (http or https)
   */
  readonly httpsOnly?: boolean;
}

/** A CLI's URL option, checked once for every CLI: a URL, over http or https; errors name the flag. */
export function parseHttpUrl(raw: string, flag: string, example: string, o: HttpUrlOptions = {}): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InputError(`${flag} ${quoteInput(raw)} is not a URL such as ${example}`);
  }
  if (o.httpsOnly) {
    const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
      throw new InputError(`${flag} must be an https URL, got ${quoteInput(raw)}`);
    }
  } else if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InputError(`${flag} must be http or https, got ${url.protocol}`);
  }
  return url;
}
