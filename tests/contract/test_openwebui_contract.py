# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The openwebui role's exchanges, run against the real Open WebUI (PyPI, pinned version) and the stand-in.

Every test runs twice, [real] and [standin], with the environment the role
renders (tests/contract/render.yml) and the same requests the role's tasks
make (tasks/admin.yml: the functions of plugins/module_utils/_webui_admin.py
that the module openwebui_admin runs). Each asserts what upstream does; the
transcripts of both runs are compared at the end, so the stand-in cannot drift
from the real program without a failure.
"""

from __future__ import annotations

import json

import pytest
from comfyui_recorder import running as comfyui_running
from conftest import REPO, redis_keys, render_env

from ansible_collections.homelab.ai_stack.plugins.module_utils._webui_admin import (
    ensure,
    images_step,
    put_signup_back,
    sign_in_or_up,
)

ADMIN = {"name": "Admin", "email": "admin@home.arpa", "password": "correct-horse-battery-staple"}
KEY = "k" * 64
TRANSCRIPTS: dict[str, dict[str, list]] = {}
# The role's start hook, mounted at PYTHONPATH=/app/ai-stack in the container.
HOOK = REPO / "roles/openwebui/files/startup"


def note(kind, test, *entry):
    TRANSCRIPTS.setdefault(test, {}).setdefault(kind, []).append(list(entry))


def role_signin_or_signup(srv):
    """The role's step _webui_admin.sign_in_or_up: sign in; when that fails and nobody signed up yet, sign up."""
    out = sign_in_or_up(srv.call, ADMIN["email"], ADMIN["password"], ADMIN["name"])
    return out["token"], out["role"], out["how"]


def role_put_signup_back(srv, token, want):
    """The role's step _webui_admin.put_signup_back (ENABLE_SIGNUP = want). Returns what is in force."""
    put_signup_back(srv.call, token, want)
    status, conf = srv.call("GET", "/api/v1/auths/admin/config", token=token)
    assert status == 200, conf
    return conf["ENABLE_SIGNUP"]


def role_rerun(srv, want):
    """The role's whole exchange on a re-run (_webui_admin.ensure, as the module openwebui_admin runs it)."""
    return ensure(srv.call, ADMIN["email"], ADMIN["password"], ADMIN["name"], want)


def signup_policy(srv):
    return srv.call("GET", "/api/config")[1]["features"]["enable_signup"]


def test_first_admin_with_signup_off(kind, server_factory, tmp_path):
    """Issue 14 item 1: the role's environment lets the first admin in with sign-up off, and nobody after."""
    env = render_env(tmp_path, openwebui_admin_email=ADMIN["email"], openwebui_admin_password=ADMIN["password"])
    assert env["ENABLE_SIGNUP"] == "false" and env["ENABLE_INITIAL_ADMIN_SIGNUP"] == "true"
    srv = server_factory(env).start(WEBUI_SECRET_KEY=KEY)
    t = "first_admin"
    _status, config = srv.call("GET", "/api/config")
    note(kind, t, "onboarding", config.get("onboarding"), config["features"]["enable_signup"])
    token, role, how = role_signin_or_signup(srv)
    note(kind, t, "admin", role, how)
    assert (role, how) == ("admin", "signup")
    status, _body = srv.call("POST", "/api/v1/auths/signup", {"name": "B", "email": "b@home.arpa", "password": "pw"})
    note(kind, t, "second signup", status)
    assert status == 403
    status, _body = srv.call("POST", "/api/v1/auths/signin", {"email": ADMIN["email"], "password": "wrong"})
    note(kind, t, "bad signin", status)
    assert status == 400
    assert role_signin_or_signup(srv)[1:] == ("admin", "signin")
    rerun = role_rerun(srv, False)
    note(kind, t, "re-run", rerun)
    assert rerun == {"changed": False, "how": "signin", "changes": []}
    status, me = srv.call("GET", "/api/v1/auths/", token=token)
    note(kind, t, "session", status, me.get("role") if isinstance(me, dict) else None)
    assert status == 200
    # Restart with the same key (the role keeps it): the session still holds, sign-up still off.
    srv.restart(WEBUI_SECRET_KEY=KEY)
    status, _body = srv.call("GET", "/api/v1/auths/", token=token)
    note(kind, t, "session after restart, same key", status, signup_policy(srv))
    assert status == 200 and signup_policy(srv) is False
    # Without the kept key every session ends.
    srv.restart(WEBUI_SECRET_KEY="x" * 64)
    status, _body = srv.call("GET", "/api/v1/auths/", token=token)
    note(kind, t, "session after restart, other key", status)
    assert status == 401


def test_without_initial_admin_signup_the_first_admin_is_refused(kind, server_factory, tmp_path):
    """What the role did before: ENABLE_SIGNUP=false alone refuses even the first account (403)."""
    env = render_env(tmp_path)
    assert "ENABLE_INITIAL_ADMIN_SIGNUP" not in env or env["ENABLE_INITIAL_ADMIN_SIGNUP"] == "false"
    srv = server_factory(env).start(WEBUI_SECRET_KEY=KEY)
    status, _body = srv.call("POST", "/api/v1/auths/signup", ADMIN)
    note(kind, "no_initial_admin", "first signup", status)
    assert status == 403


@pytest.mark.parametrize("redis", [False, True], ids=["no-redis", "redis"])
def test_signup_policy_holds_after_the_run_and_restarts(kind, server_factory, tmp_path, redis, request):
    """Items 2 and 3: openwebui_enable_signup true is in force after the run and after restarts, Redis or not."""
    role_vars = {
        "openwebui_admin_email": ADMIN["email"],
        "openwebui_admin_password": ADMIN["password"],
        "openwebui_enable_signup": True,
        "openwebui_redis_enabled": redis,
    }
    env = render_env(tmp_path, **role_vars)
    assert "REDIS_URL" not in env
    overrides = {"WEBUI_SECRET_KEY": KEY}
    if redis:
        url = request.getfixturevalue("redis_server")
        assert env["WEBSOCKET_REDIS_URL"] == "redis://redis:6379/1"
        overrides["WEBSOCKET_REDIS_URL"] = url + "/1"
    t = f"policy_{'redis' if redis else 'plain'}"
    srv = server_factory(env).start(**overrides)
    token, _role, _extra = role_signin_or_signup(srv)
    note(kind, t, "after first account", signup_policy(srv))
    assert signup_policy(srv) is False  # upstream switches sign-up off by itself
    assert role_put_signup_back(srv, token, True) is True
    note(kind, t, "after the role", signup_policy(srv))
    assert signup_policy(srv) is True
    assert role_rerun(srv, True)["changed"] is False
    # What the server refuses (the pre-flight refuses the same for the admin).
    cases = [
        ("no dot", {"name": "C", "email": "c@home", "password": "pw"}, 400),
        ("localhost", {"name": "L", "email": "l@localhost", "password": "pw"}, 200),
        ("73 bytes", {"name": "D", "email": "d@home.arpa", "password": "p" * 73}, 500),
        ("72 bytes", {"name": "E", "email": "e@home.arpa", "password": "é" * 36}, 200),
        ("taken", {"name": "E", "email": "E@home.arpa", "password": "pw"}, 400),
    ]
    for label, form, want in cases:
        status, body = srv.call("POST", "/api/v1/auths/signup", form)
        note(kind, t, label, status, body.get("role") if status == 200 else None)
        assert status == want, (label, body)
        if status == 200:
            assert body["role"] == "pending"
    # An admin turns sign-up off in the panel; the environment wins at the next start.
    assert role_put_signup_back(srv, token, False) is False
    srv.restart(**overrides)
    note(kind, t, "after restart", signup_policy(srv))
    assert signup_policy(srv) is True
    if redis:
        keys = redis_keys(url, "open-webui:config:*")
        note(kind, t, "redis config keys", keys)
        assert keys == []


def test_redis_url_makes_redis_win_over_the_environment(kind, server_factory, tmp_path, redis_server):
    """Upstream (why the role sets no REDIS_URL): AppConfig reads open-webui:config:* over the environment."""
    env = render_env(tmp_path, openwebui_admin_email=ADMIN["email"], openwebui_admin_password=ADMIN["password"])
    env["ENABLE_SIGNUP"] = "true"
    srv = server_factory(env).start(WEBUI_SECRET_KEY=KEY, REDIS_URL=redis_server + "/0")
    role_signin_or_signup(srv)
    srv.restart(WEBUI_SECRET_KEY=KEY, REDIS_URL=redis_server + "/0")
    keys = redis_keys(redis_server, "open-webui:config:ENABLE_SIGNUP")
    note(kind, "redis_url", "after restart", signup_policy(srv), keys)
    assert signup_policy(srv) is False and keys == ["open-webui:config:ENABLE_SIGNUP"]


def test_persistent_config_on_keeps_the_database(kind, server_factory, tmp_path):
    """openwebui_persistent_config true: the database wins over the environment after the first start."""
    role_vars = {
        "openwebui_admin_email": ADMIN["email"],
        "openwebui_admin_password": ADMIN["password"],
        "openwebui_enable_signup": True,
        "openwebui_persistent_config": True,
    }
    env = render_env(tmp_path, **role_vars)
    assert env["ENABLE_PERSISTENT_CONFIG"] == "true"
    srv = server_factory(env).start(WEBUI_SECRET_KEY=KEY)
    role_signin_or_signup(srv)
    srv.restart(WEBUI_SECRET_KEY=KEY)
    note(kind, "persistent_on", "after restart", signup_policy(srv))
    assert signup_policy(srv) is False


def role_images_step(srv, token, env):
    """The role's images step (_webui_admin.images_step): post the workflow and node map only where they differ."""
    changed, conf = images_step(srv.call, token, env["COMFYUI_WORKFLOW"], json.loads(env["COMFYUI_WORKFLOW_NODES"]))
    return ("changed" if changed else "ok"), conf


def with_nodes(conf, nodes):
    return {**conf, "comfyui": {**conf["comfyui"], "COMFYUI_WORKFLOW_NODES": nodes}}


COMFY_VARS = {
    "openwebui_admin_email": ADMIN["email"],
    "openwebui_admin_password": ADMIN["password"],
    "openwebui_comfyui_enabled": True,
    "openwebui_comfyui_checkpoint": "sd_xl_base_1.0.safetensors",
}


def test_image_request_reaches_comfyui_with_prompt_and_checkpoint(kind, server_factory, tmp_path):
    """Item 5: workflow, node map and model as the role deploys them; an image request reaches ComfyUI's /prompt.

    The node map comes from the environment through the role's start hook, so a
    restart keeps it and the role's images step then changes nothing.
    """
    with comfyui_running() as (recorder, comfy_url):
        env = render_env(tmp_path, openwebui_comfyui_url=comfy_url, **COMFY_VARS)
        assert env["IMAGE_GENERATION_MODEL"] == "sd_xl_base_1.0.safetensors"
        assert env["PYTHONPATH"] == "/app/ai-stack"
        nodes = render_nodes()
        assert json.loads(env["COMFYUI_WORKFLOW_NODES"]) == nodes
        srv = server_factory(env).start(WEBUI_SECRET_KEY=KEY, PYTHONPATH=str(HOOK))
        token, _role, _extra = role_signin_or_signup(srv)
        t = "images"
        result, conf = role_images_step(srv, token, env)
        note(kind, t, "first run", result, conf["enabled"], conf["engine"], conf["comfyui"]["COMFYUI_WORKFLOW_NODES"])
        assert result == "ok" and conf["comfyui"]["COMFYUI_WORKFLOW_NODES"] == nodes
        status, images = srv.call("POST", "/api/v1/images/generations", {"prompt": "a red fox in snow"}, token=token)
        note(kind, t, "generation", status, len(recorder.prompts))
        assert status == 200, images
        assert len(recorder.prompts) == 1
        workflow = recorder.prompts[0]["prompt"]
        texts = [n["inputs"].get("text") for n in workflow.values() if n["class_type"] == "CLIPTextEncode"]
        ckpts = [n["inputs"]["ckpt_name"] for n in workflow.values() if n["class_type"] == "CheckpointLoaderSimple"]
        note(kind, t, "prompt", texts, ckpts)
        assert "a red fox in snow" in texts
        assert ckpts == ["sd_xl_base_1.0.safetensors"]
        # An admin empties the map in the panel: the role's next run puts it back.
        status, _conf = srv.call(
            "POST",
            "/api/v1/images/config/update",
            with_nodes(conf, []),
            token=token,
        )
        assert status == 200
        result, conf = role_images_step(srv, token, env)
        note(kind, t, "after a panel change", result)
        assert result == "changed" and conf["comfyui"]["COMFYUI_WORKFLOW_NODES"] == nodes
        # Persistent config off: after a restart the environment's map is served, the re-run changes nothing.
        srv.restart(WEBUI_SECRET_KEY=KEY, PYTHONPATH=str(HOOK))
        result, conf = role_images_step(srv, token, env)
        note(kind, t, "after restart", result, conf["comfyui"]["COMFYUI_WORKFLOW_NODES"], conf["engine"])
        assert result == "ok" and conf["comfyui"]["COMFYUI_WORKFLOW_NODES"] == nodes and conf["engine"] == "comfyui"
        status, _images = srv.call("POST", "/api/v1/images/generations", {"prompt": "an owl at dusk"}, token=token)
        texts = [n["inputs"].get("text") for n in recorder.prompts[-1]["prompt"].values()]
        note(kind, t, "generation after restart", status, "an owl at dusk" in texts)
        assert status == 200 and "an owl at dusk" in texts


@pytest.mark.parametrize("persistent", [False, True], ids=["persistent-off", "persistent-on"])
def test_node_map_at_start_follows_upstream_rule(kind, server_factory, tmp_path, persistent):
    """Upstream has no variable for the node map ([] at start without the hook); the hook applies
    PersistentConfig's rule: with persistent config on, a map stored in the database wins."""
    env = render_env(
        tmp_path, openwebui_comfyui_url="http://127.0.0.1:9", openwebui_persistent_config=persistent, **COMFY_VARS
    )
    nodes = json.loads(env["COMFYUI_WORKFLOW_NODES"])
    t = f"node_map_{'on' if persistent else 'off'}"
    srv = server_factory(env).start(WEBUI_SECRET_KEY=KEY, PYTHONPATH="")
    token, _role, _extra = role_signin_or_signup(srv)
    status, conf = srv.call("GET", "/api/v1/images/config", token=token)
    note(kind, t, "without the hook", status, conf["comfyui"]["COMFYUI_WORKFLOW_NODES"])
    assert conf["comfyui"]["COMFYUI_WORKFLOW_NODES"] == []
    stored = nodes[:1]
    status, _conf = srv.call(
        "POST",
        "/api/v1/images/config/update",
        with_nodes(conf, stored),
        token=token,
    )
    assert status == 200
    srv.restart(WEBUI_SECRET_KEY=KEY, PYTHONPATH=str(HOOK))
    status, conf = srv.call("GET", "/api/v1/images/config", token=token)
    served = conf["comfyui"]["COMFYUI_WORKFLOW_NODES"]
    note(kind, t, "with the hook, a map stored", served)
    assert served == (stored if persistent else nodes)


@pytest.mark.parametrize(
    ("email", "password", "refused"),
    [
        ("admin@home", "pw", "openwebui_admin_email"),
        ("admin@localhost", "pw", None),
        ("admin@home.arpa", "p" * 73, "openwebui_admin_password"),
        ("admin@home.arpa", "é" * 37, "openwebui_admin_password"),
        ("admin@home.arpa", "é" * 36, None),
    ],
)
def test_preflight_refuses_what_the_server_refuses(tmp_path, email, password, refused):
    """Item 6: the pre-flight refuses exactly the admin credentials the server refuses (400, 500 above)."""
    res = render_env(tmp_path, openwebui_admin_email=email, openwebui_admin_password=password, _expect_failure=True)
    if refused is None:
        assert res.returncode == 0, res.stdout[-2000:]
    else:
        assert res.returncode != 0 and refused in res.stdout, res.stdout[-2000:]
        assert len(password) < 8 or password not in res.stdout


def render_nodes():
    return json.loads((REPO / "roles/openwebui/files/comfyui_workflow_nodes.json").read_text())


def test_zz_real_and_standin_agree():
    """The same exchanges gave the same answers (runs last; needs both runs of each test)."""
    differ = {}
    for test, runs in TRANSCRIPTS.items():
        if set(runs) == {"real", "standin"} and runs["real"] != runs["standin"]:
            differ[test] = runs
    assert not differ, json.dumps(differ, indent=1)
