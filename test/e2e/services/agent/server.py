"""Stand-in agent service for the end-to-end suite (a test fixture, not the product).

It honours the service contract in docs/service-contract.md: the health path answers 200 only when
tts answers its own health path at TTS_URL, the address the model wires in, so a wrong URL, a
missing network or a refused port shows up as an unhealthy agent. Standard library only.
"""
import os
import signal
import threading
import sys
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = int(os.environ["SERVICE_PORT"])
HEALTH_PATH = os.environ["HEALTH_PATH"]
TTS_URL = os.environ["TTS_URL"].rstrip("/")
TTS_HEALTH_PATH = os.environ["TTS_HEALTH_PATH"]
TIMEOUT = float(os.environ.get("AGENT_TTS_TIMEOUT_SECONDS", "10"))


def tts_problem() -> str:
    try:
        with urllib.request.urlopen(TTS_URL + TTS_HEALTH_PATH, timeout=min(TIMEOUT, 2.0)) as res:
            return "" if res.status == 200 else f"tts answered {res.status}"
    except (urllib.error.URLError, OSError) as error:
        return f"tts at {TTS_URL} unreachable: {error}"


class Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 keeps connections open, as the real services do: an HTTP/1.0 server closes each one
    # first, which leaves a TIME_WAIT on its fixed port per request.
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        print(f"agent {self.command} {self.path} {fmt % args}", flush=True)

    def answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path != HEALTH_PATH:
            return self.answer(404, b'{"error": "not found"}')
        problem = tts_problem()
        if problem:
            print(f"agent unhealthy: {problem}", flush=True)
            return self.answer(503, b'{"status": "tts unreachable"}')
        return self.answer(200, b'{"status": "ok"}')


def main() -> None:
    server = ThreadingHTTPServer(("0.0.0.0", PORT), Handler)
    print(f"agent stand-in listening on {PORT}, tts at {TTS_URL}", flush=True)
    # The contract: on SIGTERM, finish the requests in flight and exit (server_close joins their threads).
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    server.serve_forever()
    server.server_close()


if __name__ == "__main__":
    sys.exit(main())
