/**
 * Each job machine's own loopback (engine/machine-networks.ts): two machines bind one fixed port
 * side by side and each is answered by its own server, while both reach the host's servers.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MachineNetworks, type MachineNetwork } from './engine/machine-networks';

const networks = new MachineNetworks();
afterAll(() => networks.stop());

/** Runs `script` with bash inside the machine; resolves to its standard output. */
function inMachine(machine: MachineNetwork, script: string): Promise<string> {
  const [cmd, args] = machine.command('bash', ['-c', script]);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}: ${out}`))));
  });
}

/** A server on the machine's 127.0.0.1:<port> answering `name`, then a request to it from the same machine. */
const serveAndAsk = (port: number, name: string) => `
python3 -c '
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.end_headers(); self.wfile.write(b"${name}")
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", ${port}), H).serve_forever()' &
server=$!
for _ in $(seq 100); do curl -sf http://127.0.0.1:${port}/ && break; sleep 0.05; done
kill $server`;

describe('machine networks', () => {
  let host: Server;
  let hostPort: number;
  beforeAll(async () => {
    host = createServer((_req, res) => res.end('host'));
    await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
    hostPort = (host.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((resolve) => host.close(resolve)));

  test('two machines bind the same fixed port at once, each answered by its own server', async () => {
    const [a, b] = await Promise.all([networks.open([]), networks.open([])]);
    try {
      expect(a.net).not.toBe(b.net);
      await expect(
        Promise.all([inMachine(a, serveAndAsk(18080, 'a')), inMachine(b, serveAndAsk(18080, 'b'))]),
      ).resolves.toEqual(['a', 'b']);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  }, 30_000);

  test("a machine reaches the host's servers it was given at the same address, and no others", async () => {
    const machine = await networks.open([hostPort]);
    try {
      await expect(inMachine(machine, `curl -sf http://127.0.0.1:${hostPort}/`)).resolves.toBe('host');
      // The host's loopback is not the machine's: a port it was not given refuses.
      await expect(inMachine(machine, `curl -s http://127.0.0.1:${hostPort + 1}/ || echo "refused $?"`)).resolves.toBe(
        'refused 7\n',
      );
    } finally {
      await machine.close();
    }
  }, 30_000);

  test('a port the machine was given is its: binding it inside fails, as a taken port does', async () => {
    const machine = await networks.open([hostPort]);
    try {
      await expect(
        inMachine(machine, `python3 -c 'import socket; socket.socket().bind(("127.0.0.1", ${hostPort}))' 2>&1 || true`),
      ).resolves.toContain('Address already in use');
    } finally {
      await machine.close();
    }
  }, 30_000);

  test('a machine that cannot be made is an error naming why, and the relay goes on serving', async () => {
    await expect(networks.open([hostPort, hostPort])).rejects.toThrow(
      /a job machine's network namespace could not be made \(\[Errno 98\] Address already in use\)/,
    );
    const machine = await networks.open([hostPort]);
    try {
      await expect(inMachine(machine, `curl -sf http://127.0.0.1:${hostPort}/`)).resolves.toBe('host');
    } finally {
      await machine.close();
    }
  }, 30_000);

  test('without its interpreter the relay does not start, and opening a machine says so instead of hanging', async () => {
    const alone = new MachineNetworks('/nonexistent/python3');
    try {
      await expect(alone.open([])).rejects.toThrow(
        /the machine network relay did not start: spawn \/nonexistent\/python3 ENOENT/,
      );
    } finally {
      alone.stop();
    }
  });
});
