# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A recording ComfyUI endpoint for the contract suite (tests only).

It speaks the part of ComfyUI's API Open WebUI v0.6.33 uses for one image
(utils/images/comfyui.py): the /ws?clientId= websocket, POST /prompt (recorded),
an "executing" message with node null on the websocket once the prompt is
queued, /history/<id> with one image, /view with a tiny PNG.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import queue
import threading
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def ws_frame(text):
    data = text.encode()
    head = bytes([0x81])
    if len(data) < 126:
        head += bytes([len(data)])
    else:
        head += bytes([126]) + len(data).to_bytes(2, "big")
    return head + data


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def send(self, status, body, ctype="application/json"):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        rec = self.server.recorder
        if url.path == "/ws":
            key = self.headers.get("Sec-WebSocket-Key", "")
            accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
            self.send_response(101, "Switching Protocols")
            self.send_header("Upgrade", "websocket")
            self.send_header("Connection", "Upgrade")
            self.send_header("Sec-WebSocket-Accept", accept)
            self.end_headers()
            self.wfile.write(ws_frame(json.dumps({"type": "status", "data": {"sid": "rec"}})))
            self.wfile.flush()
            try:
                prompt_id = rec.queued.get(timeout=60)
            except queue.Empty:
                self.close_connection = True
                return
            msg = {"type": "executing", "data": {"node": None, "prompt_id": prompt_id}}
            self.wfile.write(ws_frame(json.dumps(msg)))
            self.wfile.flush()
            # Stay open until the client closes (it sends a close frame).
            with contextlib.suppress(OSError):
                self.rfile.read(2)
            self.close_connection = True
            return
        if url.path.startswith("/history/"):
            prompt_id = url.path.rsplit("/", 1)[1]
            image = {"filename": "rec_00001_.png", "subfolder": "", "type": "output"}
            return self.send(200, json.dumps({prompt_id: {"outputs": {"9": {"images": [image]}}}}).encode())
        if url.path == "/view":
            return self.send(200, PNG, "image/png")
        if url.path == "/object_info":
            return self.send(200, b"{}")
        return self.send(404, b"{}")

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        if self.path != "/prompt":
            return self.send(404, b"{}")
        data = json.loads(body)
        prompt_id = str(uuid.uuid4())
        self.server.recorder.prompts.append(data)
        self.server.recorder.queued.put(prompt_id)
        return self.send(200, json.dumps({"prompt_id": prompt_id, "number": 0, "node_errors": {}}).encode())


class Recorder:
    def __init__(self):
        self.prompts = []
        self.queued = queue.Queue()


@contextlib.contextmanager
def running():
    """Serve on a free port of 127.0.0.1: yields (recorder, base_url)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.recorder = Recorder()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.recorder, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
