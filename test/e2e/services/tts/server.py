"""Stand-in tts service for the end-to-end suite (a test fixture, not the product).

It honours the service contract in docs/service-contract.md: the health path answers 200, and a
POST of {"text": ...} to the synthesis path answers a PCM WAV file. Standard library only, so the
image needs nothing but Python. STANDIN_FAULT breaks it on purpose for the suite's negative cases.
"""
import io
import json
import math
import os
import signal
import threading
import sys
import tempfile
import wave
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = int(os.environ["SERVICE_PORT"])
HEALTH_PATH = os.environ["HEALTH_PATH"]
SYNTHESIS_PATH = os.environ["SYNTHESIS_PATH"]
SAMPLE_RATE = int(os.environ.get("TTS_SAMPLE_RATE", "22050"))
MAX_TEXT = int(os.environ.get("TTS_MAX_TEXT_LENGTH", "2000"))
FAULT = os.environ.get("STANDIN_FAULT", "")


def tone(text: str) -> bytes:
    """A short 16-bit mono sine, longer for longer text: real WAV audio, not a placeholder."""
    seconds = min(0.2 + len(text) / 200, 2.0)
    frames = int(SAMPLE_RATE * seconds)
    samples = bytearray()
    for i in range(frames):
        value = int(12000 * math.sin(2 * math.pi * 440 * i / SAMPLE_RATE))
        samples += value.to_bytes(2, "little", signed=True)
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(bytes(samples))
    return out.getvalue()


class Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 keeps connections open, as the real services do: an HTTP/1.0 server closes each one
    # first, which leaves a TIME_WAIT on its fixed port per request.
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # one line per request on stdout, as the real service logs
        print(f"tts {self.command} {self.path} {fmt % args}", flush=True)

    def answer(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path != HEALTH_PATH:
            return self.answer(404, b'{"error": "not found"}', "application/json")
        if FAULT == "unhealthy":
            return self.answer(503, b'{"status": "model not loaded"}', "application/json")
        return self.answer(200, b'{"status": "ok"}', "application/json")

    def do_POST(self):
        if self.path != SYNTHESIS_PATH:
            return self.answer(404, b'{"error": "not found"}', "application/json")
        length = int(self.headers.get("Content-Length", "0"))
        try:
            text = json.loads(self.rfile.read(length) or b"{}")["text"]
        except (ValueError, KeyError, TypeError):
            return self.answer(400, b'{"error": "expected {\\"text\\": ...}"}', "application/json")
        if not isinstance(text, str) or not text or len(text) > MAX_TEXT:
            return self.answer(422, b'{"error": "text must be 1 to TTS_MAX_TEXT_LENGTH characters"}', "application/json")
        if FAULT == "not-wav":
            return self.answer(200, b"ID3\x04\x00\x00\x00\x00\x00\x00 mp3 frames", "audio/wav")
        return self.answer(200, tone(text), "audio/wav")


def main() -> None:
    # Scratch files go to /tmp, the one writable path (a tmpfs in compose, an emptyDir in the chart).
    with tempfile.NamedTemporaryFile(dir="/tmp", prefix="tts-warmup-") as scratch:
        scratch.write(tone("warm up"))
    if FAULT == "writes-root":
        # What a service that caches models next to its code does: fails on a read-only root.
        with open("/app/voices.cache", "wb") as cache:
            cache.write(b"cache")
    server = ThreadingHTTPServer(("0.0.0.0", PORT), Handler)
    print(f"tts stand-in listening on {PORT} (uid {os.getuid()})", flush=True)
    # The contract: on SIGTERM, finish the requests in flight and exit (server_close joins their threads).
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    server.serve_forever()
    server.server_close()


if __name__ == "__main__":
    sys.exit(main())
