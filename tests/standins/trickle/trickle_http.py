# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A file server that sends slowly: the slow model download of the tests.

Serves the files of a folder over HTTP with Content-Length, honours ``Range: bytes=N-``
(206, as the model hosts do), and sends ``rate`` bytes a second in small blocks.
``/drop/<name>`` sends the first half of the file and closes the connection (a dropped
download); every request is logged (method, path, Range) to ``requests``.

    python3 trickle_http.py --root DIR --port 18081 --rate 20000   # molecule/ai prepare
    with running(root, rate=...) as (server, url): ...              # the unit tests
"""

from __future__ import annotations

import argparse
import contextlib
import http.server
import os
import threading
import time


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        server = self.server
        server.requests.append((self.command, self.path, self.headers.get("Range")))
        drop = self.path.startswith("/drop/")
        name = self.path[len("/drop/") :] if drop else self.path.lstrip("/")
        path = os.path.join(server.root, os.path.basename(name))
        if not os.path.isfile(path):
            self.send_error(404, "not found")
            return
        with open(path, "rb") as f:
            data = f.read()
        start = 0
        wanted = self.headers.get("Range") or ""
        if wanted.startswith("bytes=") and wanted.endswith("-") and server.ranges:
            start = int(wanted[len("bytes=") : -1])
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if drop:
            body = body[: len(body) // 2]
        block = max(1, server.rate // 10)
        for pos in range(0, len(body), block):
            self.wfile.write(body[pos : pos + block])
            self.wfile.flush()
            time.sleep(block / server.rate)
        if drop:
            self.close_connection = True


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, root, rate, ranges=True):
        super().__init__(address, Handler)
        self.root = root
        self.rate = max(1, int(rate))
        self.ranges = ranges
        self.requests = []


@contextlib.contextmanager
def running(root, rate=10**9, ranges=True):
    server = Server(("127.0.0.1", 0), root, rate, ranges)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", required=True)
    parser.add_argument("--address", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=18081)
    parser.add_argument("--rate", type=int, default=20000, help="bytes a second")
    opts = parser.parse_args()
    Server((opts.address, opts.port), opts.root, opts.rate).serve_forever()


if __name__ == "__main__":
    main()
