import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/** An HTTP server on 127.0.0.1 and a URL on it; `close` ends its connections too, so no request outlives a test. */
export async function serveLocal(
  listener: http.RequestListener,
  urlPath = '/',
): Promise<{ url: URL; close: () => void }> {
  const server = http.createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: new URL(`http://127.0.0.1:${port}${urlPath}`),
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}
