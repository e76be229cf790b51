# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""STAND-IN for SearXNG (searxng/searxng image), for tests only. Not SearXNG.

Holds the contract in CONTRACT.md: reads $SEARXNG_SETTINGS_PATH, refuses to
start while server.secret_key is still "ultrasecretkey", answers /healthz and
/search, where format=json is 403 unless search.formats lists json, and
listens on $GRANIAN_HOST:$GRANIAN_PORT (image default "::", which fails where
IPv6 is off). The settings are read line by line (the test image has no YAML
library): `secret_key:` and the list under `formats:`.
"""

import json
import os
import socket
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def read_settings(path):
    secret, formats, in_formats = None, [], False
    with open(path, encoding="utf-8") as fh:
        for raw in fh:
            line = raw.split("#", 1)[0].rstrip()
            stripped = line.strip()
            if stripped.startswith("secret_key:"):
                secret = stripped.split(":", 1)[1].strip().strip("\"'")
            if in_formats and stripped.startswith("- "):
                formats.append(stripped[2:].strip())
                continue
            in_formats = stripped == "formats:"
    return secret, formats or ["html"]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write(f"searxng {fmt % args}\n")

    def send(self, status, body, ctype):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/healthz":
            return self.send(200, b"OK", "text/plain")
        if url.path == "/search":
            query = urllib.parse.parse_qs(url.query)
            fmt = query.get("format", ["html"])[0]
            if fmt not in self.server.formats:
                return self.send(403, b"Forbidden", "text/plain")
            q = query.get("q", [""])[0]
            if fmt == "json":
                body = {
                    "query": q,
                    "number_of_results": 1,
                    "results": [{"url": "https://example.invalid/", "title": q}],
                }
                return self.send(200, json.dumps(body).encode(), "application/json")
            return self.send(200, f"<html>{q}</html>".encode(), "text/html")
        return self.send(404, b"Not Found", "text/plain")


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, host, port):
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        super().__init__((host, port), Handler)


def main():
    path = os.environ.get("SEARXNG_SETTINGS_PATH", "/etc/searxng/settings.yml")
    secret, formats = read_settings(path)
    secret = os.environ.get("SEARXNG_SECRET") or secret
    if not secret or secret == "ultrasecretkey":
        print("server.secret_key is not changed. Please use something else instead of ultrasecretkey.", file=sys.stderr)
        return 1
    host, port = os.environ.get("GRANIAN_HOST", "::"), int(os.environ.get("GRANIAN_PORT", "8080"))
    server = Server(host, port)
    server.formats = formats
    print(f"STAND-IN searxng listening on {host}:{port} formats={formats}", flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
