# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""pihole_lists' transport: one kept-alive connection to the API, the container's address from the Docker socket.

Real HTTP on loopback (and on a UNIX socket in a temporary directory): a server that keeps connections
alive (FTL's civetweb does) and one that closes each (HTTP/1.0), so both paths are exercised.
"""

from __future__ import annotations

import json
import socketserver
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ansible_collections.homelab.ai_stack.plugins.modules import pihole_lists as m


def _handler(log, protocol):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = protocol

        def log_message(self, *args):
            pass

        def _answer(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _record(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            log.append((self.command, self.path, self.headers.get("X-FTL-SID"), body, self.client_address))
            return body

        def do_POST(self):
            body = self._record()
            if self.path == "/api/auth":
                valid = body == {"password": "pw"}
                return self._answer(
                    200 if valid else 401, {"session": {"valid": valid, "sid": "s1" if valid else None}}
                )
            return self._answer(201, {"processed": {"errors": []}})

        def do_GET(self):
            self._record()
            if self.path.startswith("/containers/"):
                if self.path != "/containers/pihole/json":
                    return self._answer(404, {"message": "No such container"})
                return self._answer(
                    200, {"NetworkSettings": {"Networks": {"self-hosted": {"IPAddress": "172.30.0.3"}}}}
                )
            kind = self.path.rsplit("/", 1)[-1]
            return self._answer(200, {kind: [{"id": 1}]} if self.headers.get("X-FTL-SID") == "s1" else {})

        def do_DELETE(self):
            self._record()
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

    return Handler


@pytest.fixture(params=["HTTP/1.1", "HTTP/1.0"])
def api_server(request):
    log = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(log, request.param))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/api", log, request.param
    server.shutdown()
    server.server_close()


def test_a_session_reads_every_kind_and_signs_out(api_server):
    base, log, protocol = api_server
    api = m.Api(base, 5)
    api.login("pw")
    assert api.read() == {kind: [{"id": 1}] for kind in m.KINDS}
    api.logout()
    assert [(method, path, sid) for method, path, sid, _body, _client in log] == [
        ("POST", "/api/auth", None),
        *[("GET", "/api/" + kind, "s1") for kind in m.KINDS],
        ("DELETE", "/api/auth", "s1"),
    ]
    assert log[0][3] == {"password": "pw"}
    ports = {client[1] for *_rest, client in log}
    # Kept alive: every call on one connection; closed by the server: a new one each time.
    assert len(ports) == (1 if protocol == "HTTP/1.1" else len(log))


def test_a_refused_password_and_an_unreachable_api_are_errors(api_server):
    base, _log, _protocol = api_server
    with pytest.raises(m.ApiError, match="answered 401"):
        m.Api(base, 5).login("wrong")
    with pytest.raises(m.ApiError, match=r"127\.0\.0\.1:9/api/auth"):
        m.Api("http://127.0.0.1:9/api", 5).login("pw")


class _NoDocker:
    def get_bin_path(self, name):
        return None


def test_the_container_address_comes_from_the_docker_socket(tmp_path):
    log = []
    path = str(tmp_path / "docker.sock")

    class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
        daemon_threads = True

    handler = _handler(log, "HTTP/1.1")

    class UnixHandler(handler):
        def address_string(self):
            return "unix"

    server = Server(path, UnixHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        assert m.container_address(_NoDocker(), "pihole", path) == "172.30.0.3"
        assert m.container_address(_NoDocker(), "other", path) is None
    finally:
        server.shutdown()
        server.server_close()
    assert [entry[1] for entry in log] == ["/containers/pihole/json", "/containers/other/json"]
    # No socket and no docker CLI: no address.
    assert m.container_address(_NoDocker(), "pihole", str(tmp_path / "none.sock")) is None
