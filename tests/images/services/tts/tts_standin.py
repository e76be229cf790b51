# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""STAND-IN for openedai-speech 0.18.2 (OpenAI-compatible TTS), for tests only.

/health, /v1/models, /v1/audio/speech on port 8000 (CONTRACT.md). It proves
nothing about any TTS engine.
"""

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write(f"tts {fmt % args}\n")

    def send(self, status, body, ctype="application/json"):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/health":
            return self.send(200, b'{"status": "ok"}')
        if self.path == "/v1/models":
            models = [{"id": "tts-1", "object": "model"}, {"id": "tts-1-hd", "object": "model"}]
            return self.send(200, json.dumps({"object": "list", "data": models}).encode())
        return self.send(404, b'{"detail": "Not Found"}')

    def do_POST(self):
        if self.path != "/v1/audio/speech":
            return self.send(404, b'{"detail": "Not Found"}')
        length = int(self.headers.get("Content-Length") or 0)
        try:
            data = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            data = {}
        if not data.get("input"):
            return self.send(400, b'{"detail": "input is required"}')
        return self.send(200, b"ID3standin" + data["input"].encode()[:64], "audio/mpeg")


def main():
    server = ThreadingHTTPServer(("0.0.0.0", 8000), Handler)
    server.daemon_threads = True
    print("STAND-IN tts listening on 0.0.0.0:8000", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
