# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""module_utils/_webui_admin.py: the openwebui role's exchange, against a fake that answers as Open WebUI v0.6.33.

The answers (status codes, bodies) are the ones the contract suite records from
the real program (tests/contract: signin 400 for a wrong password, signup 403
once somebody signed up, the admin and image config forms); the contract suite
runs the same functions against the real Open WebUI.
"""

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from ansible_collections.homelab.ai_stack.plugins.module_utils._webui_admin import AdminError, ensure, http_caller

ADMIN = {"email": "admin@home.arpa", "password": "correct-horse-battery-staple", "name": "Admin"}
WORKFLOW = json.dumps({"3": {"class_type": "KSampler", "inputs": {"seed": 0}}})
NODES = [{"type": "prompt", "key": "text", "node_ids": ["6"]}]


class FakeWebui:
    """Open WebUI's auth, admin config and image config endpoints, with a request log."""

    def __init__(self, users=None, signup=False, images=None):
        self.users = dict(users or {})  # email -> (password, role)
        self.signup = signup
        comfyui = {"COMFYUI_WORKFLOW": "{}", "COMFYUI_WORKFLOW_NODES": []}
        self.images = images or {"enabled": False, "engine": "", "comfyui": comfyui}
        self.log = []

    def call(self, method, path, body=None, token=None):
        self.log.append(f"{method} {path}")
        admin = token is not None and self.users.get(token, ("", ""))[1] == "admin"
        if path == "/api/v1/auths/signin":
            user = self.users.get(body["email"])
            if not user or user[0] != body["password"]:
                return 400, {"detail": "The email or password provided is incorrect."}
            return 200, {"token": body["email"], "role": user[1]}
        if path == "/api/config":
            return 200, {"onboarding": not self.users, "features": {"enable_signup": self.signup}}
        if path == "/api/v1/auths/signup":
            if self.users:
                return 403, {"detail": "You do not have permission to access this resource."}
            self.users[body["email"]] = (body["password"], "admin")
            self.signup = False
            return 200, {"token": body["email"], "role": "admin"}
        if not admin:
            return 401, {"detail": "Not authenticated"}
        if path == "/api/v1/auths/admin/config":
            if method == "POST":
                self.signup = body["ENABLE_SIGNUP"]
            return 200, {"SHOW_ADMIN_DETAILS": True, "ENABLE_SIGNUP": self.signup}
        if path == "/api/v1/images/config":
            return 200, json.loads(json.dumps(self.images))
        if path == "/api/v1/images/config/update":
            self.images = body
            return 200, body
        return 404, {"detail": "Not Found"}


def run(fake, enable_signup=False, images=None, check_mode=False):
    return ensure(fake.call, ADMIN["email"], ADMIN["password"], ADMIN["name"], enable_signup, images, check_mode)


def test_first_run_signs_up_and_puts_signup_back():
    fake = FakeWebui()
    result = run(fake, enable_signup=True)
    assert result == {"changed": True, "how": "signup", "changes": ["signup", "ENABLE_SIGNUP: True"]}
    assert fake.users[ADMIN["email"]][1] == "admin" and fake.signup is True
    # The re-run: one sign-in and one read of the public config, nothing posted.
    fake.log.clear()
    assert run(fake, enable_signup=True) == {"changed": False, "how": "signin", "changes": []}
    assert fake.log == ["POST /api/v1/auths/signin", "GET /api/config"]


def test_signup_off_after_the_first_account_posts_nothing():
    fake = FakeWebui()
    assert run(fake)["changes"] == ["signup"]
    assert "POST /api/v1/auths/admin/config" not in fake.log


def test_panel_change_of_the_policy_is_put_back():
    fake = FakeWebui(users={ADMIN["email"]: (ADMIN["password"], "admin")}, signup=True)
    assert run(fake)["changes"] == ["ENABLE_SIGNUP: False"]
    assert fake.signup is False


def test_users_but_wrong_password_fails_and_creates_nothing():
    fake = FakeWebui(users={"other@home.arpa": ("pw", "admin")})
    refused = r"openwebui_admin_email admin@home.arpa cannot sign in as an admin \(HTTP 400\)"
    with pytest.raises(AdminError, match=refused):
        run(fake)
    assert "POST /api/v1/auths/signup" not in fake.log


def test_a_user_that_is_not_admin_fails():
    fake = FakeWebui(users={ADMIN["email"]: (ADMIN["password"], "user")})
    with pytest.raises(AdminError, match="role user"):
        run(fake)


def test_check_mode_reads_and_posts_nothing():
    fake = FakeWebui()
    assert run(fake, enable_signup=True, check_mode=True) == {
        "changed": True,
        "how": "would sign up",
        "changes": ["would sign up"],
    }
    assert not fake.users and all(not e.startswith("POST /api/v1/auths/signup") for e in fake.log)
    # Users there, wrong password: check mode reports nothing and does not fail (the real run does).
    fake = FakeWebui(users={"other@home.arpa": ("pw", "admin")})
    assert run(fake, check_mode=True) == {"changed": False, "how": None, "changes": []}
    fake = FakeWebui(users={ADMIN["email"]: (ADMIN["password"], "admin")}, signup=True)
    assert run(fake, check_mode=True)["changes"] == ["ENABLE_SIGNUP: False"]
    assert fake.signup is True


def test_images_posted_only_where_they_differ():
    fake = FakeWebui(users={ADMIN["email"]: (ADMIN["password"], "admin")})
    images = {"workflow": WORKFLOW, "nodes": NODES}
    assert run(fake, images=images)["changes"] == ["image generation: ComfyUI workflow and node map"]
    assert fake.images["enabled"] is True and fake.images["engine"] == "comfyui"
    assert fake.images["comfyui"]["COMFYUI_WORKFLOW_NODES"] == NODES
    # The same workflow written with other spacing is the same workflow.
    fake.images["comfyui"]["COMFYUI_WORKFLOW"] = json.dumps(json.loads(WORKFLOW), indent=2)
    fake.log.clear()
    assert run(fake, images=images)["changed"] is False
    assert "POST /api/v1/images/config/update" not in fake.log
    # A dict workflow is written as JSON text.
    fake.images["comfyui"]["COMFYUI_WORKFLOW_NODES"] = []
    assert run(fake, images={"workflow": json.loads(WORKFLOW), "nodes": NODES})["changed"] is True
    assert json.loads(fake.images["comfyui"]["COMFYUI_WORKFLOW"]) == json.loads(WORKFLOW)


def test_an_unexpected_answer_fails_with_its_status():
    fake = FakeWebui()
    fake.call = lambda method, path, body=None, token=None: (502, "Bad Gateway")
    with pytest.raises(AdminError, match="POST /api/v1/auths/signin answered HTTP 502: Bad Gateway"):
        run(fake)


class _Recorder(BaseHTTPRequestHandler):
    """Answers as Open WebUI's routes do (JSON, a 400 with a detail, a text page) and records each request."""

    seen = []

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.seen.append((self.command, self.path, self.headers.get("Authorization"), body))
        status, text = {
            "/base/api/config": (200, b'{"onboarding": false}'),
            "/base/api/v1/auths/signin": (400, b'{"detail": "The email or password provided is incorrect."}'),
        }.get(self.path, (404, b"<html>not found</html>"))
        self.send_response(status)
        self.send_header("Content-Length", str(len(text)))
        self.end_headers()
        self.wfile.write(text)

    do_GET = do_POST = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def recorder():
    server = HTTPServer(("127.0.0.1", 0), _Recorder)
    _Recorder.seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/base/", _Recorder.seen
    server.shutdown()
    server.server_close()


def test_http_caller_speaks_json_over_http_with_the_token(recorder):
    base, seen = recorder
    call = http_caller(base, 5)
    assert call("GET", "/api/config") == (200, {"onboarding": False})
    status, body = call("POST", "/api/v1/auths/signin", {"email": "a@b.c", "password": "p"}, token="tok")
    assert (status, body["detail"]) == (400, "The email or password provided is incorrect.")
    assert call("GET", "/nothing") == (404, "<html>not found</html>")
    assert seen[0] == ("GET", "/base/api/config", None, b"")
    assert seen[1][:3] == ("POST", "/base/api/v1/auths/signin", "Bearer tok")
    assert json.loads(seen[1][3]) == {"email": "a@b.c", "password": "p"}


def test_http_caller_turns_a_refused_connection_into_an_admin_error():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(AdminError, match=r"^GET /api/config: "):
        http_caller(f"http://127.0.0.1:{port}", 5)("GET", "/api/config")
