# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The openwebui role's exchange with Open WebUI's API (v0.6.33), one step after the other.

Plain functions (no Ansible imports): the module openwebui_admin runs them in
one run on the host, and tests/contract runs the same functions against the
real Open WebUI (PyPI) and the stand-in. ``call(method, path, body=None,
token=None)`` makes one request and returns ``(status, decoded JSON body)``.

Open WebUI refuses every sign-up while ENABLE_SIGNUP is false, except the very
first account when ENABLE_INITIAL_ADMIN_SIGNUP is true (routers/auths.py
signup); the first account becomes the admin and Open WebUI then switches
sign-up off at runtime. So: sign in; if that fails and nobody has signed up
yet, sign up; then put ENABLE_SIGNUP back to the wanted value and, with
ComfyUI, the image generation workflow and its node map (utils/images/comfyui.py).
"""

from __future__ import annotations

import json
from http.client import HTTPConnection, HTTPException, HTTPSConnection
from urllib.parse import urlsplit

# What POST /api/v1/auths/signin answers for wrong credentials (400), a
# pending or unknown account (401, 403); anything else is an error.
SIGNIN_STATUSES = (200, 400, 401, 403)


class AdminError(Exception):
    """Open WebUI answered something the role cannot go on from."""


def http_caller(base, timeout):
    """``call(method, path, body=None, token=None) -> (status, decoded JSON body)`` on Open WebUI at ``base``.

    Plain ``http.client`` (one connection per request, no proxy, no redirects: the role calls the
    container's address on the stack network): ansible's ``open_url`` built an SSL context and loaded
    the CA certificates for each request, and its import alone cost a tenth of a second per run.
    A body that is not JSON comes back as text; a connection that fails raises AdminError.
    """
    parts = urlsplit(base)
    connection = HTTPSConnection if parts.scheme == "https" else HTTPConnection
    prefix = parts.path.rstrip("/")

    def call(method, path, body=None, token=None):
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        conn = connection(parts.hostname, parts.port, timeout=timeout)
        try:
            conn.request(method, prefix + path, body=data, headers=headers)
            resp = conn.getresponse()
            status, text = resp.status, resp.read()
        except (OSError, HTTPException) as exc:
            raise AdminError(f"{method} {path}: {exc}") from None
        finally:
            conn.close()
        try:
            return status, json.loads(text or b"null")
        except ValueError:
            return status, text.decode("utf-8", "replace")

    return call


def _expect(answer, what, statuses=(200,)):
    status, body = answer
    if status not in statuses:
        detail = body.get("detail", "") if isinstance(body, dict) else str(body)[:300]
        raise AdminError(f"{what} answered HTTP {status}: {detail}")
    return body if isinstance(body, dict) else {}


def sign_in_or_up(call, email, password, name, check_mode=False):
    """Sign in as the admin; when that fails and nobody has signed up yet, sign up.

    Returns ``token`` (empty when none: check mode), ``role``, ``how`` (signin,
    signup; in check mode ``would sign up``, or None when it cannot tell),
    ``signup_on`` (the public config's enable_signup before) and ``changed``.
    Raises AdminError when the account cannot sign in as an admin and Open
    WebUI already has users (the role never creates it then).
    """
    status, body = call("POST", "/api/v1/auths/signin", {"email": email, "password": password})
    _expect((status, body), "POST /api/v1/auths/signin", SIGNIN_STATUSES)
    config = _expect(call("GET", "/api/config"), "GET /api/config")
    out = {"token": "", "role": None, "how": None, "changed": False}
    out["signup_on"] = bool((config.get("features") or {}).get("enable_signup", False))
    if status == 200:
        out.update(token=body.get("token", ""), role=body.get("role"), how="signin")
        if out["role"] == "admin":
            return out
    elif config.get("onboarding"):
        if check_mode:
            out.update(how="would sign up", changed=True)
            return out
        form = {"name": name, "email": email, "password": password}
        signed = _expect(call("POST", "/api/v1/auths/signup", form), "POST /api/v1/auths/signup")
        out.update(token=signed.get("token", ""), role=signed.get("role", "admin"), how="signup", changed=True)
    elif check_mode:
        return out
    if out["how"] is None or out["role"] != "admin":
        raise AdminError(
            f"openwebui_admin_email {email} cannot sign in as an admin (HTTP {status}"
            f"{', role ' + str(out['role']) if out['role'] else ''}) and Open WebUI already has users, so the "
            "role will not create it. Fix the credentials or create the account in the admin panel."
        )
    return out


def put_signup_back(call, token, want, check_mode=False):
    """Read the admin settings; post them back with ENABLE_SIGNUP = want when it differs. Returns changed."""
    conf = _expect(call("GET", "/api/v1/auths/admin/config", token=token), "GET /api/v1/auths/admin/config")
    if conf.get("ENABLE_SIGNUP") == want:
        return False
    if not check_mode:
        form = dict(conf, ENABLE_SIGNUP=want)
        _expect(call("POST", "/api/v1/auths/admin/config", form, token=token), "POST /api/v1/auths/admin/config")
    return True


def images_step(call, token, workflow, nodes, check_mode=False):
    """Read the image settings; post the ComfyUI workflow and node map only where they differ.

    ``workflow`` is the API-format workflow as JSON text, ``nodes`` the node
    map. Returns ``(changed, the settings after)``.
    """
    if not isinstance(workflow, str):
        workflow = json.dumps(workflow)
    conf = _expect(call("GET", "/api/v1/images/config", token=token), "GET /api/v1/images/config")
    comfy = conf.get("comfyui") or {}
    try:
        current = json.loads(comfy.get("COMFYUI_WORKFLOW") or "null")
    except ValueError:
        current = None
    if (
        comfy.get("COMFYUI_WORKFLOW_NODES") == nodes
        and current == json.loads(workflow)
        and conf.get("enabled")
        and conf.get("engine") == "comfyui"
    ):
        return False, conf
    want = dict(conf, enabled=True, engine="comfyui")
    want["comfyui"] = dict(comfy, COMFYUI_WORKFLOW=workflow, COMFYUI_WORKFLOW_NODES=nodes)
    if check_mode:
        return True, want
    path = "/api/v1/images/config/update"
    return True, _expect(call("POST", path, want, token=token), f"POST {path}")


def ensure(call, email, password, name, enable_signup, images=None, check_mode=False):
    """The whole exchange of the role: the admin, the sign-up policy, the image settings.

    Sign-up is put back when the public config shows another policy than
    ``enable_signup``, or right after the first account (Open WebUI switched
    it off). ``images``: ``{workflow, nodes}`` or None. Returns ``changed``,
    ``how`` (signin, signup, would sign up or None) and ``changes`` (what was
    or would be done).
    """
    admin = sign_in_or_up(call, email, password, name, check_mode)
    changes = [] if admin["how"] in ("signin", None) else [admin["how"]]
    token = admin["token"]
    due = admin["signup_on"] != enable_signup or admin["how"] == "signup"
    if token and due and put_signup_back(call, token, enable_signup, check_mode):
        changes.append(f"ENABLE_SIGNUP: {enable_signup}")
    if token and images is not None and images_step(call, token, images["workflow"], images["nodes"], check_mode)[0]:
        changes.append("image generation: ComfyUI workflow and node map")
    return {"changed": bool(changes), "how": admin["how"], "changes": changes}
