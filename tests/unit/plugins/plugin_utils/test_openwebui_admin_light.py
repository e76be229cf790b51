# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""openwebui_admin's light run (its action plugin) over HTTP, against the fake of test_webui_admin.py.

The light run is a check-mode run; the action plugin takes its answer only when the admin signed
in and nothing would change. Everything else (a first sign-up, a setting to put back, an account
that cannot sign in, which check mode does not fail on) goes to the module.
"""

from __future__ import annotations

import importlib.util
import json
import pathlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ansible_collections.homelab.ai_stack.plugins.action.openwebui_admin import ActionModule as AdminAction
from ansible_collections.homelab.ai_stack.plugins.action.pihole_lists import ActionModule as ListsAction

_spec = importlib.util.spec_from_file_location(
    "_webui_admin_tests", pathlib.Path(__file__).resolve().parents[1] / "module_utils" / "test_webui_admin.py"
)
_twa = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_twa)
ADMIN, FakeWebui = _twa.ADMIN, _twa.FakeWebui


@pytest.fixture
def webui():
    """A FakeWebui behind a real HTTP server on loopback; yields (url, fake)."""
    fake = FakeWebui(users={ADMIN["email"]: (ADMIN["password"], "admin")})

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _serve(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            auth = self.headers.get("Authorization", "")
            token = auth.split(" ", 1)[1] if auth.startswith("Bearer ") else None
            status, answer = fake.call(self.command, self.path, body, token=token)
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _serve

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", fake
    server.shutdown()
    server.server_close()


def args(url, **extra):
    return {"url": url, "email": ADMIN["email"], "password": ADMIN["password"], **extra}


def accepted(action, data):
    return action.accepts(object.__new__(action), data)


def test_admin_in_force_light_equals_the_module(webui, run_light, run_full):
    url, fake = webui
    light = run_light("openwebui_admin", args(url))
    assert light == run_full("openwebui_admin", args(url)) == {"changed": False, "how": "signin", "changes": []}
    assert accepted(AdminAction, light)
    assert ADMIN["password"] not in json.dumps(light)
    assert not [entry for entry in fake.log if entry.startswith("POST") and "signin" not in entry]


def test_anything_to_do_goes_to_the_module_and_the_light_run_posts_nothing(webui, run_light):
    url, fake = webui
    fake.signup = True  # changed in the admin panel: to be put back
    assert "would change" in run_light("openwebui_admin", args(url))["lite_needs_module"]
    assert fake.signup is True
    fake.users.clear()  # a first run: the admin is to be signed up
    assert "would change" in run_light("openwebui_admin", args(url))["lite_needs_module"]
    assert not fake.users


def test_an_account_that_cannot_sign_in_is_not_taken_from_check_mode(webui, run_light):
    url, fake = webui
    fake.users = {"other@home.arpa": ("pw", "admin")}
    light = run_light("openwebui_admin", args(url))
    # Check mode does not fail here (the module does): the action plugin must not take this answer.
    assert light == {"changed": False, "how": None, "changes": []}
    assert not accepted(AdminAction, light)


def test_pihole_lists_answers_taken_from_check_mode():
    assert accepted(ListsAction, {"compose_in_sync": True, "applied": True, "changed": False})
    assert accepted(ListsAction, {"compose_in_sync": False, "applied": False, "changed": False})
    # Without a project read, check mode cannot tell a missing container from nothing to do.
    assert not accepted(ListsAction, {"applied": True, "changed": False})
