# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""pihole_lists with the compose_project read option: the lists only on a project compose_project would leave.

The project is the fake docker of test_compose_project.py (its ``host`` fixture and its ways of breaking a
deployed project); FTL's API is a small server on loopback that logs every call.
"""

from __future__ import annotations

import importlib.util
import json
import pathlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ansible_collections.homelab.ai_stack.plugins.modules import compose_project, pihole_lists

_spec = importlib.util.spec_from_file_location(
    "_compose_project_tests", pathlib.Path(__file__).with_name("test_compose_project.py")
)
_tcp = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_tcp)
host = _tcp.host  # the fixture: a compose root with a fake docker on PATH
SECRET, COMPOSE, BREAKS = _tcp.SECRET, _tcp.COMPOSE, _tcp.BREAKS


@pytest.fixture
def ftl():
    log = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _answer(self, body):
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            log.append(("POST", self.path))
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self._answer({"session": {"valid": True, "sid": "s1"}, "processed": {"errors": []}})

        def do_GET(self):
            log.append(("GET", self.path))
            self._answer({self.path.rsplit("/", 1)[-1]: []})

        def do_DELETE(self):
            log.append(("DELETE", self.path))
            self._answer({})

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/api", log
    server.shutdown()
    server.server_close()


def lists_args(host, base, **extra):
    read = {"project_src": str(host.path), "network": "self-hosted", "env": {"WEBUI_SECRET_KEY": SECRET}}
    args = {"api_url": base, "password": SECRET, "compose": COMPOSE, "compose_project": read, "groups": ["kids"]}
    return {**args, **extra}


@pytest.mark.parametrize(("name", "breaks"), BREAKS, ids=[b[0] for b in BREAKS])
def test_the_lists_are_applied_only_on_a_project_compose_project_would_leave(host, run_module, ftl, name, breaks):
    base, log = ftl
    run_module(compose_project.main, host.args())
    breaks(host)
    check = run_module(compose_project.main, host.args(), check_mode=True)
    result = run_module(pihole_lists.main, lists_args(host, base))
    assert result["rc"] == 0, result
    assert result["compose_in_sync"] is (not check["changed"]) is (name == "nothing"), result["compose_reasons"]
    assert SECRET not in json.dumps({k: v for k, v in result.items() if k != "invocation"})
    if name == "nothing":
        assert result["applied"] is True and result["changed"] is True
        assert result["calls"] == ["POST /api/groups (group kids)"]
        assert log[0] == ("POST", "/api/auth")
    else:
        # Nothing changed, no API called: the role deploys, then runs the module again.
        assert (result["applied"], result["changed"], result["calls"], log) == (False, False, [], [])
        run_module(compose_project.main, host.args())
        again = run_module(pihole_lists.main, lists_args(host, base))
        assert again["compose_in_sync"] is True and again["applied"] is True


def test_the_wanted_compose_text_and_data_directories_count(host, run_module, ftl, tmp_path):
    base, log = ftl
    run_module(compose_project.main, host.args())
    result = run_module(pihole_lists.main, lists_args(host, base, compose=COMPOSE + "# new\n"))
    assert (result["compose_in_sync"], result["applied"], log) == (False, False, [])
    dirs = {"root": str(tmp_path / "data"), "paths": [{"path": "."}, {"path": "etc-pihole", "owner": "1000"}]}
    read = dict(lists_args(host, base)["compose_project"], directories=dirs)
    result = run_module(pihole_lists.main, lists_args(host, base, compose_project=read))
    assert result["compose_reasons"] == [
        f"directories: {tmp_path}/data: missing",
        f"directories: {tmp_path}/data/etc-pihole: missing",
    ]
    # Without the read option the module applies the lists as before, and returns no read.
    plain = run_module(pihole_lists.main, {"api_url": base, "password": SECRET, "groups": ["kids"]})
    assert plain["applied"] is True and "compose_in_sync" not in plain
    # The option comes with the compose text.
    alone = run_module(pihole_lists.main, {"api_url": base, "password": SECRET, "compose": COMPOSE})
    assert alone["rc"] == 1 and "compose" in alone["msg"]
