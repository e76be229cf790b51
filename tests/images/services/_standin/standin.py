# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""STAND-IN servers for the AI services, for tests only. Not Open WebUI, SearXNG or a TTS engine.

Our CI cannot reach any container registry, so the Molecule scenarios and the unit
tests run these small standard-library servers instead. Each answers only the
endpoints our roles and the health checks use, with the shapes of the real services:

  (Ollama: ../ollama/ollama_standin.py; ComfyUI: ../comfyui/comfyui_standin.py)
  standin.py open-webui /health, /api/config, /api/v1/auths/signup|signin, /ws/socket.io (websocket upgrade)
  standin.py searxng    /healthz, /search?format=json
  standin.py tts        /v1/models, /v1/audio/speech, /health

Test controls (stand-in only, under /standin/):
  GET  /standin/info                  argv, service env (secrets masked), pid
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import json
import os
import sqlite3
import sys
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STANDIN_VERSION = "0.0.0-standin"
WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_SECRET_WORDS = ("KEY", "SECRET", "PASSWORD", "TOKEN")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "standin"
    service = None  # set per subclass

    def log_message(self, fmt, *args):  # one short line a request; stderr keeps stdout for callers
        sys.stderr.write(f"{self.service} {fmt % args}\n")
        sys.stderr.flush()

    # -- helpers ---------------------------------------------------------
    def send_json(self, status, payload):
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_text(self, status, text, ctype="text/plain; charset=utf-8"):
        body = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def read_json(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not raw.strip():
            return {}
        try:
            data = json.loads(raw)
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    def info(self):
        env = {
            k: ("***" if any(w in k for w in _SECRET_WORDS) else v)
            for k, v in os.environ.items()
            if k.split("_")[0] in self.server.env_prefixes
        }
        self.send_json(
            200, {"service": self.service, "stand_in": True, "argv": sys.argv, "env": env, "pid": os.getpid()}
        )

    def route(self, method):
        path = urllib.parse.urlsplit(self.path).path
        if method == "GET" and path == "/standin/info":
            return self.info()
        handler = getattr(
            self,
            f"{method.lower()}_{path.strip('/').replace('/', '_').replace('.', '_').replace('-', '_') or 'root'}",
            None,
        )
        if handler is None:
            return self.send_json(404, {"detail": "Not Found"}) if method != "HEAD" else self.send_text(404, "")
        return handler()

    def do_GET(self):
        self.route("GET")

    def do_HEAD(self):
        self.route("HEAD")

    def do_POST(self):
        self.route("POST")

    def do_DELETE(self):
        self.route("DELETE")


# ---------------------------------------------------------------------------
# Open WebUI
# ---------------------------------------------------------------------------
class WebuiHandler(Handler):
    service = "open-webui"

    def db(self):
        return self.open_db(self.server.db_path)

    @staticmethod
    def open_db(path):
        conn = sqlite3.connect(path, timeout=10)
        conn.execute(
            "CREATE TABLE IF NOT EXISTS auth (id TEXT PRIMARY KEY, email TEXT UNIQUE, password TEXT, active INTEGER)"
        )
        conn.execute(
            "CREATE TABLE IF NOT EXISTS user"
            " (id TEXT PRIMARY KEY, name TEXT, email TEXT UNIQUE, role TEXT, created_at INTEGER)"
        )
        conn.execute("CREATE TABLE IF NOT EXISTS config (id INTEGER PRIMARY KEY, data TEXT, version INTEGER)")
        return conn

    def get_health(self):
        self.send_json(200, {"status": True})

    def get_api_config(self):
        with self.db() as conn:
            users = conn.execute("SELECT count(*) FROM user").fetchone()[0]
        self.send_json(
            200,
            {
                "status": True,
                "name": os.environ.get("WEBUI_NAME", "Open WebUI"),
                "version": STANDIN_VERSION,
                "default_locale": "",
                "onboarding": users == 0,
                "features": {
                    "auth": True,
                    "enable_signup": os.environ.get("ENABLE_SIGNUP", "True").lower() == "true",
                    "enable_websocket": True,
                },
            },
        )

    @staticmethod
    def _hash(password):
        return hashlib.sha256(password.encode()).hexdigest()

    def post_api_v1_auths_signup(self):
        data = self.read_json() or {}
        email, password = (data.get("email") or "").lower(), data.get("password") or ""
        if not email or not password:
            return self.send_json(400, {"detail": "Invalid email or password"})
        with self.db() as conn:
            users = conn.execute("SELECT count(*) FROM user").fetchone()[0]
            signup = os.environ.get("ENABLE_SIGNUP", "True").lower() == "true"
            if users and not signup:
                return self.send_json(403, {"detail": "You do not have permission to access this resource."})
            if conn.execute("SELECT 1 FROM user WHERE email = ?", (email,)).fetchone():
                return self.send_json(400, {"detail": "Uh-oh! This email is already registered."})
            role = "admin" if users == 0 else os.environ.get("DEFAULT_USER_ROLE", "pending")
            uid = str(uuid.uuid4())
            conn.execute("INSERT INTO auth VALUES (?, ?, ?, 1)", (uid, email, self._hash(password)))
            conn.execute(
                "INSERT INTO user VALUES (?, ?, ?, ?, ?)", (uid, data.get("name", ""), email, role, int(time.time()))
            )
        self.send_json(
            200, {"id": uid, "email": email, "name": data.get("name", ""), "role": role, "token": "standin-" + uid}
        )

    def post_api_v1_auths_signin(self):
        data = self.read_json() or {}
        email = (data.get("email") or "").lower()
        with self.db() as conn:
            row = conn.execute(
                "SELECT u.id, u.role, u.name FROM auth a JOIN user u ON a.id = u.id"
                " WHERE a.email = ? AND a.password = ?",
                (email, self._hash(data.get("password") or "")),
            ).fetchone()
        if not row:
            return self.send_json(400, {"detail": "The email or password provided is incorrect."})
        self.send_json(
            200, {"id": row[0], "email": email, "name": row[2], "role": row[1], "token": "standin-" + row[0]}
        )

    def get_ws_socket_io(self):
        key = self.headers.get("Sec-WebSocket-Key")
        if self.headers.get("Upgrade", "").lower() != "websocket" or not key:
            # Engine.IO long-polling handshake, as socket.io clients start with.
            return self.send_text(
                200, '0{"sid":"standin","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000}'
            )
        accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
        self.send_response(101, "Switching Protocols")
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept)
        self.end_headers()
        # One Engine.IO "open" text frame, then close: enough for a proxy check.
        payload = b'0{"sid":"standin"}'
        self.wfile.write(bytes([0x81, len(payload)]) + payload + bytes([0x88, 0x00]))
        self.close_connection = True
        return None


# ---------------------------------------------------------------------------
# SearXNG and TTS
# ---------------------------------------------------------------------------
class SearxHandler(Handler):
    service = "searxng"

    def get_healthz(self):
        self.send_text(200, "OK")

    def get_search(self):
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        if query.get("format", ["html"])[0] != "json":
            return self.send_text(403, "Forbidden")
        q = query.get("q", [""])[0]
        self.send_json(
            200,
            {
                "query": q,
                "number_of_results": 1,
                "results": [{"url": "https://example.invalid/", "title": q, "content": "stand-in"}],
            },
        )


class TtsHandler(Handler):
    service = "tts"

    def get_health(self):
        self.send_json(200, {"status": "ok"})

    def get_v1_models(self):
        self.send_json(
            200, {"object": "list", "data": [{"id": "tts-1", "object": "model"}, {"id": "tts-1-hd", "object": "model"}]}
        )

    def post_v1_audio_speech(self):
        data = self.read_json() or {}
        if not data.get("input"):
            return self.send_json(400, {"detail": "input is required"})
        body = b"ID3standin" + data["input"].encode()[:64]
        self.send_response(200)
        self.send_header("Content-Type", "audio/mpeg")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        return None


# ---------------------------------------------------------------------------
SERVICES = {
    "open-webui": (
        WebuiHandler,
        8080,
        (
            "OLLAMA",
            "WEBUI",
            "ENABLE",
            "DEFAULT",
            "WEBSOCKET",
            "REDIS",
            "SEARXNG",
            "WEB",
            "AUDIO",
            "COMFYUI",
            "IMAGE",
            "DATA",
            "PORT",
        ),
    ),
    "searxng": (SearxHandler, 8080, ("SEARXNG",)),
    "tts": (TtsHandler, 8000, ("TTS",)),
}


def make_server(service, host="0.0.0.0", port=None, **options):
    handler, default_port, prefixes = SERVICES[service]
    server = ThreadingHTTPServer((host, default_port if port is None else port), handler)
    server.daemon_threads = True
    server.env_prefixes = prefixes
    server.pull_delay = float(options.get("pull_delay", os.environ.get("STANDIN_PULL_DELAY", "0.02")))
    if service == "open-webui":
        data_dir = options.get("data_dir") or os.environ.get("DATA_DIR", "/app/backend/data")
        os.makedirs(data_dir, exist_ok=True)
        server.db_path = os.path.join(data_dir, "webui.db")
        # Open WebUI creates (and migrates) its database at start-up.
        WebuiHandler.open_db(server.db_path).close()
    return server


@contextlib.contextmanager
def running(service, **options):
    """Serve ``service`` on a free port of 127.0.0.1 in a thread (for pytest): yields (server, base_url)."""
    server = make_server(service, "127.0.0.1", 0, **options)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description="stand-in service servers (tests only)")
    parser.add_argument("service", choices=sorted(SERVICES))
    parser.add_argument("rest", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv[:1])
    host, port = "0.0.0.0", None
    if args.service == "open-webui":
        port = int(os.environ.get("PORT", "8080"))
    server = make_server(args.service, host or "0.0.0.0", port)
    print("STAND-IN {} listening on {}:{}".format(args.service, *server.server_address[:2]), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
