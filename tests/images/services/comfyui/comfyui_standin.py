# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ComfyUI STAND-IN (main.py of the stand-in bundle), for tests only. It is not ComfyUI.

It sits where the image keeps ComfyUI (/default-comfyui-bundle/ComfyUI/main.py,
copied to /root/ComfyUI by the entrypoint) and does what our roles rely on
(CONTRACT.md):

- parses the launch flags ComfyUI parses (--listen [IP], --port, the exclusive
  VRAM-mode group, --reserve-vram FLOAT, ...), refusing what ComfyUI refuses;
- loads every package in custom_nodes/ at start (import of its __init__.py,
  NODE_CLASS_MAPPINGS), logging "IMPORT FAILED" and going on when one fails,
  with the user site (/root/.local, PIP_USER) on sys.path like Python does;
- opens user/comfyui.db (ComfyUI's default --database-url) and keeps a start
  counter there;
- answers /, /system_stats (argv shows the flags), /object_info (the loaded
  node classes) and POST /prompt (the graph is kept in user/standin-prompts.jsonl).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sqlite3
import sys
import time
import traceback
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
VERSION_FILE = os.path.join(HERE, "comfyui_version.py")
NODE_CLASS_MAPPINGS = {}
IMPORT_FAILED = []


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="main.py")
    parser.add_argument("--listen", type=str, default="127.0.0.1", nargs="?", const="0.0.0.0,::")
    parser.add_argument("--port", type=int, default=8188)
    vram = parser.add_mutually_exclusive_group()
    for flag in ("--gpu-only", "--highvram", "--normalvram", "--lowvram", "--novram", "--cpu"):
        vram.add_argument(flag, action="store_true")
    parser.add_argument("--reserve-vram", type=float, default=None)
    parser.add_argument("--preview-method", type=str, default="none")
    parser.add_argument("--database-url", type=str, default="sqlite:///" + os.path.join(HERE, "user", "comfyui.db"))
    return parser.parse_args(argv)


def version():
    try:
        with open(VERSION_FILE, encoding="utf-8") as handle:
            return handle.read().split('"')[1]
    except (OSError, IndexError):
        return "0.0.0-standin"


def load_custom_nodes():
    """nodes.py init_external_custom_nodes(): import each module of custom_nodes/."""
    base = os.path.join(HERE, "custom_nodes")
    for name in sorted(os.listdir(base)) if os.path.isdir(base) else []:
        path = os.path.join(base, name)
        if name.startswith(".") or name == "__pycache__" or not os.path.isfile(os.path.join(path, "__init__.py")):
            continue
        started = time.time()
        try:
            spec = importlib.util.spec_from_file_location(name, os.path.join(path, "__init__.py"))
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
            NODE_CLASS_MAPPINGS.update(getattr(module, "NODE_CLASS_MAPPINGS", {}) or {})
            print(f"{time.time() - started:6.1f} seconds: {path}", flush=True)
        except Exception:
            traceback.print_exc()
            print(f"Cannot import {path} module for custom nodes", flush=True)
            IMPORT_FAILED.append(path)
            print(f"{time.time() - started:6.1f} seconds (IMPORT FAILED): {path}", flush=True)


def open_database(url):
    path = url[len("sqlite:///") :] if url.startswith("sqlite:///") else None
    if not path:
        return
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS standin_starts (at INTEGER)")
        conn.execute("INSERT INTO standin_starts VALUES (?)", (int(time.time()),))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "comfyui-standin"

    def log_message(self, fmt, *args):
        sys.stderr.write("comfyui " + (fmt % args) + "\n")

    def _send(self, status, payload, ctype="application/json"):
        body = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self):
        path = self.path.split("?")[0]
        if path == "/":
            return self._send(200, "<!DOCTYPE html><html><title>ComfyUI (stand-in)</title></html>", "text/html")
        if path == "/system_stats":
            return self._send(
                200,
                {
                    "system": {
                        "os": "posix",
                        "python_version": sys.version,
                        "embedded_python": False,
                        "comfyui_version": version(),
                        "argv": ["main.py", *sys.argv[1:]],
                    },
                    "devices": [{"name": "cpu", "type": "cpu", "index": None, "vram_total": 0, "vram_free": 0}],
                },
            )
        if path == "/object_info":
            info = {name: {"name": name, "python_module": "custom_nodes"} for name in NODE_CLASS_MAPPINGS}
            return self._send(200, info)
        if path == "/standin/info":
            return self._send(
                200, {"stand_in": True, "argv": sys.argv, "import_failed": IMPORT_FAILED, "version": version()}
            )
        return self._send(404, "404: Not Found", "text/plain")

    do_HEAD = do_GET

    def do_POST(self):
        if self.path.split("?")[0] != "/prompt":
            return self._send(404, "404: Not Found", "text/plain")
        length = int(self.headers.get("Content-Length") or 0)
        try:
            data = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            return self._send(400, {"error": {"type": "invalid_prompt", "message": "Invalid JSON"}})
        prompt_id = str(uuid.uuid4())
        with open(os.path.join(HERE, "user", "standin-prompts.jsonl"), "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"prompt_id": prompt_id, "prompt": data.get("prompt")}) + "\n")
        return self._send(200, {"prompt_id": prompt_id, "number": 0, "node_errors": {}})


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    os.chdir(HERE)
    open_database(args.database_url)
    load_custom_nodes()
    host = args.listen.split(",")[0]
    server = ThreadingHTTPServer((host, args.port), Handler)
    server.daemon_threads = True
    print(f"STAND-IN ComfyUI {version()} listening on {host}:{args.port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
