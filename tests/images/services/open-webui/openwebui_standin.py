# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""STAND-IN for Open WebUI v0.6.33, for tests only. Not Open WebUI.

It holds the contract in CONTRACT.md (read from upstream at v0.6.33) for what the
openwebui role relies on, and tests/contract/ checks it against the real program:

- sign-up gates: ENABLE_SIGNUP / ENABLE_INITIAL_ADMIN_SIGNUP / users exist (403),
  email format (400), password over 72 bytes (500), taken email (400); the first
  account becomes admin and switches sign-up off at runtime;
- PersistentConfig: at start each setting is the database's value when
  ENABLE_PERSISTENT_CONFIG is true (default) and one is stored, else the
  environment's; the ComfyUI node map is the PersistentConfig of the module
  open_webui.config (open_webui/config.py here), where a start hook sees it;
  with REDIS_URL every read prefers the Redis key <REDIS_KEY_PREFIX>:config:<NAME>,
  every write sets it;
- HS256 session tokens signed with WEBUI_SECRET_KEY (default "t0p-s3cr3t";
  the image's start.sh generates .webui_secret_key in its working directory
  when the variable is unset);
- /health, /api/config, /api/v1/auths/ (signup, signin, session, admin/config),
  /api/v1/images/config(/update), /api/v1/images/generations through ComfyUI's
  /ws, /prompt, /history and /view with the workflow filled by the node map.

Run: openwebui_standin.py [--host H] [--port P]   (default: 0.0.0.0 and $PORT or 8080)
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import os
import random
import re
import socket
import sqlite3
import sys
import time
import urllib.parse
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

VERSION = "0.6.33"
WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
ACCESS_PROHIBITED = (
    "You do not have permission to access this resource. Please contact your administrator for assistance."
)
INVALID_EMAIL_FORMAT = (
    "The email format you entered is invalid. Please double-check and make sure you're using a valid "
    "email address (e.g., yourname@example.com)."
)
EMAIL_TAKEN = (
    "Uh-oh! This email is already registered. Sign in with your existing account or choose another email to start anew."
)
INVALID_CRED = "The email or password provided is incorrect. Please check for typos and try logging in again."
SIGNUP_ERROR = "An internal error occurred during signup."

DEFAULT_WORKFLOW = json.dumps(
    {
        "3": {
            "inputs": {
                "seed": 0,
                "steps": 20,
                "cfg": 8,
                "sampler_name": "euler",
                "scheduler": "normal",
                "denoise": 1,
                "model": ["4", 0],
                "positive": ["6", 0],
                "negative": ["7", 0],
                "latent_image": ["5", 0],
            },
            "class_type": "KSampler",
        },
        "4": {"inputs": {"ckpt_name": "model.safetensors"}, "class_type": "CheckpointLoaderSimple"},
        "5": {"inputs": {"width": 512, "height": 512, "batch_size": 1}, "class_type": "EmptyLatentImage"},
        "6": {"inputs": {"text": "Prompt", "clip": ["4", 1]}, "class_type": "CLIPTextEncode"},
        "7": {"inputs": {"text": "", "clip": ["4", 1]}, "class_type": "CLIPTextEncode"},
        "8": {"inputs": {"samples": ["3", 0], "vae": ["4", 2]}, "class_type": "VAEDecode"},
        "9": {"inputs": {"filename_prefix": "ComfyUI", "images": ["8", 0]}, "class_type": "SaveImage"},
    }
)


def env_bool(name, default):
    return os.environ.get(name, default).lower() == "true"


# ---------------------------------------------------------------------------
# A Redis client of four commands (RESP), enough for AppConfig's keys.
# ---------------------------------------------------------------------------
class Redis:
    def __init__(self, url):
        u = urllib.parse.urlsplit(url)
        self.addr = (u.hostname or "127.0.0.1", u.port or 6379)
        self.db = int((u.path or "/0").strip("/") or 0)

    def call(self, *args):
        with socket.create_connection(self.addr, timeout=5) as s:
            f = s.makefile("rb")
            for cmd in (("SELECT", str(self.db)), args):
                s.sendall(
                    b"*%d\r\n" % len(cmd) + b"".join(b"$%d\r\n%s\r\n" % (len(a.encode()), a.encode()) for a in cmd)
                )
                reply = self._read(f)
            return reply

    def _read(self, f):
        line = f.readline().rstrip(b"\r\n")
        kind, rest = line[:1], line[1:]
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else f.read(n + 2)[:-2].decode()
        if kind == b"*":
            return [self._read(f) for _attempt in range(int(rest))]
        if kind == b"-":
            raise RuntimeError(rest.decode())
        return rest.decode()

    def get(self, key):
        return self.call("GET", key)

    def set(self, key, value):
        return self.call("SET", key, value)


# ---------------------------------------------------------------------------
# Settings: PersistentConfig + AppConfig (config.py)
# ---------------------------------------------------------------------------
class Config:
    # name: (config path, value from the environment)
    def __init__(self, db_path):
        self.db_path = db_path
        self.specs = {
            "ENABLE_SIGNUP": ("ui.enable_signup", env_bool("ENABLE_SIGNUP", "True")),
            "ENABLE_LOGIN_FORM": ("ui.ENABLE_LOGIN_FORM", env_bool("ENABLE_LOGIN_FORM", "True")),
            "DEFAULT_USER_ROLE": ("ui.default_user_role", os.environ.get("DEFAULT_USER_ROLE", "pending")),
            "WEBUI_URL": ("webui.url", os.environ.get("WEBUI_URL", "")),
            "SHOW_ADMIN_DETAILS": ("auth.admin.show", env_bool("SHOW_ADMIN_DETAILS", "true")),
            "ENABLE_API_KEY": ("auth.api_key.enable", env_bool("ENABLE_API_KEY", "True")),
            "JWT_EXPIRES_IN": ("auth.jwt_expiry", os.environ.get("JWT_EXPIRES_IN", "4w")),
            "ENABLE_IMAGE_GENERATION": ("image_generation.enable", env_bool("ENABLE_IMAGE_GENERATION", "")),
            "IMAGE_GENERATION_ENGINE": ("image_generation.engine", os.environ.get("IMAGE_GENERATION_ENGINE", "openai")),
            "IMAGE_GENERATION_MODEL": ("image_generation.model", os.environ.get("IMAGE_GENERATION_MODEL", "")),
            "IMAGE_SIZE": ("image_generation.size", os.environ.get("IMAGE_SIZE", "512x512")),
            "IMAGE_STEPS": ("image_generation.steps", int(os.environ.get("IMAGE_STEPS", 50))),
            "COMFYUI_BASE_URL": ("image_generation.comfyui.base_url", os.environ.get("COMFYUI_BASE_URL", "")),
            "COMFYUI_API_KEY": ("image_generation.comfyui.api_key", os.environ.get("COMFYUI_API_KEY", "")),
            "COMFYUI_WORKFLOW": (
                "image_generation.comfyui.workflow",
                os.environ.get("COMFYUI_WORKFLOW", DEFAULT_WORKFLOW),
            ),
            # No environment variable: always [] unless the database has it.
            "COMFYUI_WORKFLOW_NODES": ("image_generation.comfyui.nodes", []),
        }
        # As upstream, the node map is the PersistentConfig of open_webui.config,
        # created when that module is imported (where a start hook can see it).
        from open_webui import config as upstream_layout

        self.data = self._load()
        persistent = env_bool("ENABLE_PERSISTENT_CONFIG", "True")
        self.values = {}
        for name, (path, env_value) in self.specs.items():
            stored = self._get(path)
            self.values[name] = stored if (stored is not None and persistent) else env_value
        self.values["COMFYUI_WORKFLOW_NODES"] = upstream_layout.COMFYUI_WORKFLOW_NODES.value
        url = os.environ.get("REDIS_URL", "")
        self.redis = Redis(url) if url else None
        self.prefix = os.environ.get("REDIS_KEY_PREFIX", "open-webui")

    def _conn(self):
        return sqlite3.connect(self.db_path, timeout=10)

    def _load(self):
        with self._conn() as c:
            row = c.execute("SELECT data FROM config ORDER BY id DESC LIMIT 1").fetchone()
        return json.loads(row[0]) if row else {"version": 0, "ui": {}}

    def _get(self, path):
        cur = self.data
        for part in path.split("."):
            if not isinstance(cur, dict) or part not in cur:
                return None
            cur = cur[part]
        return cur

    def __getitem__(self, name):
        if self.redis:
            raw = self.redis.get(f"{self.prefix}:config:{name}")
            if raw is not None:
                self.values[name] = json.loads(raw)
        return self.values[name]

    def __setitem__(self, name, value):
        self.values[name] = value
        cur = self.data
        parts = self.specs[name][0].split(".")
        for part in parts[:-1]:
            cur = cur.setdefault(part, {})
        cur[parts[-1]] = value
        with self._conn() as c:
            row = c.execute("SELECT id FROM config ORDER BY id DESC LIMIT 1").fetchone()
            if row:
                c.execute("UPDATE config SET data = ? WHERE id = ?", (json.dumps(self.data), row[0]))
            else:
                c.execute("INSERT INTO config (data, version) VALUES (?, 0)", (json.dumps(self.data),))
        if self.redis:
            self.redis.set(f"{self.prefix}:config:{name}", json.dumps(value))


# ---------------------------------------------------------------------------
# Sessions (utils/auth.py: HS256 JWT with WEBUI_SECRET_KEY)
# ---------------------------------------------------------------------------
def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def create_token(secret, user_id):
    head = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = _b64(json.dumps({"id": user_id, "exp": int(time.time()) + 28 * 86400}).encode())
    sig = _b64(hmac.new(secret.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest())
    return f"{head}.{body}.{sig}"


def decode_token(secret, token):
    try:
        head, body, sig = token.split(".")
    except ValueError:
        return None
    want = _b64(hmac.new(secret.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest())
    if not hmac.compare_digest(want, sig):
        return None
    data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    return data if data.get("exp", 0) > time.time() else None


def validate_email_format(email):  # utils/misc.py
    if email.endswith("@localhost"):
        return True
    return bool(re.match(r"[^@]+@[^@]+\.[^@]+", email))


# ---------------------------------------------------------------------------
# ComfyUI client (utils/images/comfyui.py)
# ---------------------------------------------------------------------------
def fill_workflow(workflow, nodes, model, form):
    for node in nodes:
        kind, key, ids = node.get("type"), node.get("key"), node.get("node_ids", [])
        defaults = {"prompt": "text", "negative_prompt": "text", "width": "width", "height": "height"}
        defaults.update({"n": "batch_size", "steps": "steps"})
        values = {
            "model": model,
            "prompt": form["prompt"],
            "negative_prompt": form.get("negative_prompt"),
            "width": form["width"],
            "height": form["height"],
            "n": form["n"],
            "steps": form.get("steps"),
            "seed": form.get("seed") or random.randint(0, 1125899906842624),
        }
        for node_id in ids:
            if not kind:
                workflow[node_id]["inputs"][key] = node.get("value")
            elif kind in values:
                workflow[node_id]["inputs"][key or defaults.get(kind, key)] = values[kind]
    return workflow


def comfyui_generate(base_url, client_id, workflow):
    """Connect the websocket first (as upstream: no websocket, no prompt), queue, wait, read the history."""
    u = urllib.parse.urlsplit(base_url)
    sock = socket.create_connection((u.hostname, u.port or 80), timeout=30)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            f"GET /ws?clientId={client_id} HTTP/1.1\r\nHost: {u.netloc}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    f = sock.makefile("rb")
    if b" 101 " not in f.readline():
        sock.close()
        return None
    while f.readline() not in (b"\r\n", b""):
        pass
    req = urllib.request.Request(
        f"{base_url}/prompt", data=json.dumps({"prompt": workflow, "client_id": client_id}).encode()
    )
    with urllib.request.urlopen(req, timeout=30) as r:
        prompt_id = json.load(r)["prompt_id"]
    while True:
        b0, b1 = f.read(2)
        n = b1 & 0x7F
        if n == 126:
            n = int.from_bytes(f.read(2), "big")
        elif n == 127:
            n = int.from_bytes(f.read(8), "big")
        payload = f.read(n)
        if b0 & 0x0F == 0x1:
            msg = json.loads(payload)
            data = msg.get("data") or {}
            if msg.get("type") == "executing" and data.get("node") is None and data.get("prompt_id") == prompt_id:
                break
        elif b0 & 0x0F == 0x8:
            break
    sock.close()
    with urllib.request.urlopen(f"{base_url}/history/{prompt_id}", timeout=30) as r:
        history = json.load(r)[prompt_id]
    out = []
    for node_output in history["outputs"].values():
        for image in node_output.get("images", []):
            q = urllib.parse.urlencode(
                {"filename": image["filename"], "subfolder": image["subfolder"], "type": image["type"]}
            )
            out.append({"url": f"{base_url}/view?{q}"})
    return {"data": out}


# ---------------------------------------------------------------------------
class WebuiHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "uvicorn"

    def log_message(self, fmt, *args):
        sys.stderr.write(f"open-webui {fmt % args}\n")

    def send_json(self, status, payload):
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def read_json(self):
        length = int(self.headers.get("Content-Length") or 0)
        try:
            data = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    @property
    def cfg(self):
        return self.server.config

    def db(self):
        return sqlite3.connect(self.server.db_path, timeout=10)

    def user(self):
        auth = self.headers.get("Authorization", "")
        data = decode_token(self.server.secret, auth[7:]) if auth.startswith("Bearer ") else None
        if not data:
            return None
        with self.db() as c:
            row = c.execute("SELECT id, email, name, role FROM user WHERE id = ?", (data["id"],)).fetchone()
        return dict(zip(("id", "email", "name", "role"), row, strict=False)) if row else None

    def route(self, method):
        path = urllib.parse.urlsplit(self.path).path.rstrip("/") or "/"
        name = f"{method}_{path.strip('/').replace('/', '_').replace('.', '_')}"
        handler = getattr(self, name, None)
        if handler is None:
            return self.send_json(404 if method != "POST" else 405, {"detail": "Not Found"})
        return handler()

    def do_GET(self):
        self.route("get")

    def do_HEAD(self):
        self.route("get")

    def do_POST(self):
        self.route("post")

    # -- endpoints ------------------------------------------------------
    def get_ws_socket_io(self):
        """Engine.IO: the long-polling handshake, or a websocket upgrade (one "open" frame, then close)."""
        key = self.headers.get("Sec-WebSocket-Key")
        if self.headers.get("Upgrade", "").lower() != "websocket" or not key:
            body = b'0{"sid":"standin","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000}'
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=UTF-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return None
        accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
        self.send_response(101, "Switching Protocols")
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept)
        self.end_headers()
        payload = b'0{"sid":"standin"}'
        self.wfile.write(bytes([0x81, len(payload)]) + payload + bytes([0x88, 0x00]))
        self.close_connection = True
        return None

    def get_health(self):
        self.send_json(200, {"status": True})

    def get_api_config(self):
        with self.db() as c:
            users = c.execute("SELECT count(*) FROM user").fetchone()[0]
        payload = {"status": True, "name": "Open WebUI", "version": VERSION, "default_locale": ""}
        if users == 0:
            payload["onboarding"] = True
        payload["features"] = {
            "auth": True,
            "enable_signup": self.cfg["ENABLE_SIGNUP"],
            "enable_login_form": self.cfg["ENABLE_LOGIN_FORM"],
            "enable_websocket": env_bool("ENABLE_WEBSOCKET_SUPPORT", "True"),
        }
        self.send_json(200, payload)

    def session(self, row, status=200):
        token = create_token(self.server.secret, row["id"])
        self.send_json(status, {**row, "token": token, "token_type": "Bearer"})

    def post_api_v1_auths_signup(self):
        form = self.read_json()
        if form is None or not all(isinstance(form.get(k), str) for k in ("name", "email", "password")):
            return self.send_json(422, {"detail": [{"type": "missing", "msg": "Field required"}]})
        with self.db() as c:
            has_users = c.execute("SELECT count(*) FROM user").fetchone()[0] > 0
        if not self.cfg["ENABLE_SIGNUP"] or not self.cfg["ENABLE_LOGIN_FORM"]:  # noqa: SIM102 (as upstream)
            if has_users or not env_bool("ENABLE_INITIAL_ADMIN_SIGNUP", "False"):
                return self.send_json(403, {"detail": ACCESS_PROHIBITED})
        email = form["email"].lower()
        if not validate_email_format(email):
            return self.send_json(400, {"detail": INVALID_EMAIL_FORMAT})
        with self.db() as c:
            if c.execute("SELECT 1 FROM user WHERE email = ?", (email,)).fetchone():
                return self.send_json(400, {"detail": EMAIL_TAKEN})
        if len(form["password"].encode("utf-8")) > 72:
            # upstream raises 400 inside its try block, which turns every error into this 500
            return self.send_json(500, {"detail": SIGNUP_ERROR})
        role = "admin" if not has_users else self.cfg["DEFAULT_USER_ROLE"]
        uid = str(uuid.uuid4())
        salt = os.urandom(16).hex()
        digest = hashlib.pbkdf2_hmac("sha256", form["password"].encode(), bytes.fromhex(salt), 1000).hex()
        with self.db() as c:
            c.execute("INSERT INTO auth VALUES (?, ?, ?, 1)", (uid, email, f"{salt}${digest}"))
            c.execute("INSERT INTO user VALUES (?, ?, ?, ?, ?)", (uid, form["name"], email, role, int(time.time())))
        if not has_users:
            self.cfg["ENABLE_SIGNUP"] = False  # "Disable signup after the first user is created"
        self.session({"id": uid, "email": email, "name": form["name"], "role": role})

    def post_api_v1_auths_signin(self):
        form = self.read_json() or {}
        email = str(form.get("email", "")).lower()
        with self.db() as c:
            row = c.execute(
                "SELECT u.id, u.email, u.name, u.role, a.password FROM auth a JOIN user u ON a.id = u.id"
                " WHERE a.email = ?",
                (email,),
            ).fetchone()
        if row:
            salt, _sep, digest = row[4].partition("$")
            got = hashlib.pbkdf2_hmac("sha256", str(form.get("password", "")).encode(), bytes.fromhex(salt), 1000)
            if hmac.compare_digest(got.hex(), digest):
                return self.session(dict(zip(("id", "email", "name", "role"), row[:4], strict=False)))
        self.send_json(400, {"detail": INVALID_CRED})

    def get_api_v1_auths(self):
        user = self.user()
        if not user:
            return self.send_json(401, {"detail": "Not authenticated"})
        return self.send_json(200, user)

    def admin(self):
        user = self.user()
        if not user or user["role"] != "admin":
            self.send_json(401, {"detail": "401 Unauthorized"})
            return None
        return user

    ADMIN_KEYS = ("SHOW_ADMIN_DETAILS", "WEBUI_URL", "ENABLE_SIGNUP", "ENABLE_API_KEY", "DEFAULT_USER_ROLE")

    def admin_config(self):
        out = {k: self.cfg[k] for k in self.ADMIN_KEYS}
        out.update({"JWT_EXPIRES_IN": self.cfg["JWT_EXPIRES_IN"], "API_KEY_ALLOWED_ENDPOINTS": ""})
        out.update({"ENABLE_API_KEY_ENDPOINT_RESTRICTIONS": False, "ENABLE_COMMUNITY_SHARING": True})
        out.update({"ENABLE_MESSAGE_RATING": True, "ENABLE_CHANNELS": False, "ENABLE_NOTES": True})
        out.update({"ENABLE_USER_WEBHOOKS": True, "PENDING_USER_OVERLAY_TITLE": "", "RESPONSE_WATERMARK": ""})
        out.update({"PENDING_USER_OVERLAY_CONTENT": ""})
        return out

    def get_api_v1_auths_admin_config(self):
        if self.admin():
            self.send_json(200, self.admin_config())

    def post_api_v1_auths_admin_config(self):
        if not self.admin():
            return
        form = self.read_json() or {}
        required = ("SHOW_ADMIN_DETAILS", "WEBUI_URL", "ENABLE_SIGNUP", "ENABLE_API_KEY", "DEFAULT_USER_ROLE")
        if any(k not in form for k in required):
            return self.send_json(422, {"detail": [{"type": "missing", "msg": "Field required"}]})
        for key in ("SHOW_ADMIN_DETAILS", "WEBUI_URL", "ENABLE_SIGNUP", "ENABLE_API_KEY"):
            self.cfg[key] = form[key]
        if form["DEFAULT_USER_ROLE"] in ("pending", "user", "admin"):
            self.cfg["DEFAULT_USER_ROLE"] = form["DEFAULT_USER_ROLE"]
        self.send_json(200, self.admin_config())

    def images_config(self):
        return {
            "enabled": self.cfg["ENABLE_IMAGE_GENERATION"],
            "engine": self.cfg["IMAGE_GENERATION_ENGINE"],
            "prompt_generation": True,
            "openai": {"OPENAI_API_BASE_URL": "", "OPENAI_API_VERSION": "", "OPENAI_API_KEY": ""},
            "automatic1111": {
                "AUTOMATIC1111_BASE_URL": "",
                "AUTOMATIC1111_API_AUTH": "",
                "AUTOMATIC1111_CFG_SCALE": None,
                "AUTOMATIC1111_SAMPLER": None,
                "AUTOMATIC1111_SCHEDULER": None,
            },
            "comfyui": {k: self.cfg[k] for k in ("COMFYUI_BASE_URL", "COMFYUI_API_KEY", "COMFYUI_WORKFLOW")}
            | {"COMFYUI_WORKFLOW_NODES": self.cfg["COMFYUI_WORKFLOW_NODES"]},
            "gemini": {"GEMINI_API_BASE_URL": "", "GEMINI_API_KEY": ""},
        }

    def get_api_v1_images_config(self):
        if self.admin():
            self.send_json(200, self.images_config())

    def post_api_v1_images_config_update(self):
        if not self.admin():
            return
        form = self.read_json() or {}
        comfy = form.get("comfyui") or {}
        if not {"enabled", "engine", "comfyui"} <= form.keys() or not isinstance(
            comfy.get("COMFYUI_WORKFLOW_NODES"), list
        ):
            return self.send_json(422, {"detail": [{"type": "missing", "msg": "Field required"}]})
        self.cfg["IMAGE_GENERATION_ENGINE"] = form["engine"]
        self.cfg["ENABLE_IMAGE_GENERATION"] = form["enabled"]
        self.cfg["COMFYUI_BASE_URL"] = comfy["COMFYUI_BASE_URL"].strip("/")
        self.cfg["COMFYUI_API_KEY"] = comfy["COMFYUI_API_KEY"]
        self.cfg["COMFYUI_WORKFLOW"] = comfy["COMFYUI_WORKFLOW"]
        self.cfg["COMFYUI_WORKFLOW_NODES"] = comfy["COMFYUI_WORKFLOW_NODES"]
        self.send_json(200, self.images_config())

    def post_api_v1_images_generations(self):
        user = self.user()
        if not user:
            return self.send_json(401, {"detail": "Not authenticated"})
        form = self.read_json() or {}
        size = self.cfg["IMAGE_SIZE"] if "x" in str(self.cfg["IMAGE_SIZE"]) else "512x512"
        if form.get("size") and "x" in form["size"]:
            size = form["size"]
        width, height = map(int, size.split("x"))
        if self.cfg["IMAGE_GENERATION_ENGINE"] != "comfyui":
            return self.send_json(400, {"detail": "stand-in: only the comfyui engine"})
        data = {"prompt": form.get("prompt", ""), "width": width, "height": height, "n": form.get("n", 1)}
        data["steps"] = self.cfg["IMAGE_STEPS"]
        workflow = fill_workflow(
            json.loads(self.cfg["COMFYUI_WORKFLOW"]),
            self.cfg["COMFYUI_WORKFLOW_NODES"],
            self.cfg["IMAGE_GENERATION_MODEL"] or "",
            data,
        )
        try:
            res = comfyui_generate(self.cfg["COMFYUI_BASE_URL"], user["id"], workflow)
            images = [{"url": "/api/v1/files/standin/content"} for _attempt in res["data"]]
        except Exception as exc:  # upstream answers 400 with the error text
            return self.send_json(400, {"detail": str(exc)})
        self.send_json(200, images)


def open_db(path):
    with sqlite3.connect(path) as c:
        c.execute(
            "CREATE TABLE IF NOT EXISTS auth (id TEXT PRIMARY KEY, email TEXT UNIQUE, password TEXT, active INTEGER)"
        )
        c.execute(
            "CREATE TABLE IF NOT EXISTS user"
            " (id TEXT PRIMARY KEY, name TEXT, email TEXT UNIQUE, role TEXT, created_at INTEGER)"
        )
        c.execute("CREATE TABLE IF NOT EXISTS config (id INTEGER PRIMARY KEY, data TEXT, version INTEGER)")


def secret_key():
    """env.py: WEBUI_SECRET_KEY, else WEBUI_JWT_SECRET_KEY, else t0p-s3cr3t (start.sh writes a key file first)."""
    return os.environ.get("WEBUI_SECRET_KEY", os.environ.get("WEBUI_JWT_SECRET_KEY", "t0p-s3cr3t"))


def make_server(host, port):
    data_dir = os.environ.get("DATA_DIR", "/app/backend/data")
    os.makedirs(data_dir, exist_ok=True)
    db_path = os.path.join(data_dir, "webui.db")
    open_db(db_path)
    server = ThreadingHTTPServer((host, port), WebuiHandler)
    server.daemon_threads = True
    server.db_path = db_path
    server.config = Config(db_path)
    server.secret = secret_key()
    return server


def main(argv=None):
    parser = argparse.ArgumentParser(description="Open WebUI stand-in (tests only)")
    parser.add_argument("--host", default="0.0.0.0")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8080")))
    args = parser.parse_args(argv)
    server = make_server(args.host, args.port)
    print(f"STAND-IN open-webui {VERSION} listening on {args.host}:{server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
