# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""homelab.ai_stack.compose_state against a fake docker CLI that answers from recorded output."""

from __future__ import annotations

import json
import os
import pathlib
import stat
import sys
import textwrap

import pytest

from ansible_collections.homelab.ai_stack.plugins.module_utils._files import differences
from ansible_collections.homelab.ai_stack.plugins.modules import compose_state


def file_differs(found, path, **wanted):
    # The filter's core (the filter module itself imports controller-only code).
    return bool(differences(found, path, **wanted))


FIXTURE = pathlib.Path(__file__).parent / "fixtures" / "compose" / "inspect_running.json"

# The fake docker reads $FAKE_DOCKER_STATE: {"containers": [...docker inspect...],
# "networks": [...], "fail_ps": bool} and logs each call to $FAKE_DOCKER_LOG.
FAKE_DOCKER = textwrap.dedent(
    """\
    #!{python}
    import json, os, sys
    state = json.load(open(os.environ["FAKE_DOCKER_STATE"]))
    with open(os.environ["FAKE_DOCKER_LOG"], "a") as log:
        log.write(" ".join(sys.argv[1:]) + "\\n")
    args = sys.argv[1:]
    if args[:2] == ["network", "inspect"]:
        if args[-1] in state["networks"]:
            print(args[-1]); sys.exit(0)
        print("Error: No such network", file=sys.stderr); sys.exit(1)
    if args[0] == "ps":
        if state.get("fail_ps"):
            print("Cannot connect to the Docker daemon", file=sys.stderr); sys.exit(1)
        wd = args[-1].split("working_dir=", 1)[1]
        for c in state["containers"]:
            if c["Config"]["Labels"].get("com.docker.compose.project.working_dir") == wd:
                print(c["Id"])
        sys.exit(0)
    if args[0] == "inspect":
        print(json.dumps([c for c in state["containers"] if c["Id"] in args[1:]])); sys.exit(0)
    if args[:2] == ["image", "inspect"]:
        ids = state.get("images") or {{c["Config"]["Image"]: c["Image"] for c in state["containers"]}}
        for ref in args[4:]:
            if ref not in ids:
                print("Error: No such image", file=sys.stderr); sys.exit(1)
            print(ids[ref])
        sys.exit(0)
    sys.exit(99)
    """
)


@pytest.fixture
def host(tmp_path, monkeypatch):
    """A project dir holding the open-webui project, a fake docker on PATH, and its state."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    docker = bindir / "docker"
    docker.write_text(FAKE_DOCKER.format(python=sys.executable))
    docker.chmod(0o755)
    project = tmp_path / "open-webui"
    project.mkdir(mode=0o750)
    (project / "compose.yml").write_text("services: {}\n")
    (project / "secrets.env").write_text("# none\n")
    (project / "secrets.env").chmod(0o600)
    containers = json.loads(FIXTURE.read_text())
    for c in containers:
        c["Config"]["Labels"]["com.docker.compose.project.working_dir"] = str(project)
    containers[1]["Config"]["Labels"]["com.docker.compose.project.working_dir"] = "/elsewhere/ollama"

    class Host:
        path = project
        state_file = tmp_path / "docker-state.json"
        log = tmp_path / "docker.log"

        def __init__(self):
            self.state = {"containers": containers, "networks": ["self-hosted"]}
            self.save()

        def save(self):
            self.state_file.write_text(json.dumps(self.state))

        def calls(self):
            return self.log.read_text().splitlines() if self.log.exists() else []

    h = Host()
    monkeypatch.setenv("PATH", f"{bindir}:{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_DOCKER_STATE", str(h.state_file))
    monkeypatch.setenv("FAKE_DOCKER_LOG", str(h.log))
    return h


def test_read_record_read(host, run_module):
    first = run_module(compose_state.main, {"project_src": str(host.path), "network": "self-hosted"})
    assert first["rc"] == 0
    assert first["changed"] is False
    assert first["exists"] is True
    assert first["network_exists"] is True
    assert first["in_sync"] is False
    assert first["drift"] == ["no deploy recorded"]
    assert [c["service"] for c in first["containers"]] == ["open-webui"]  # the ollama one is another project

    recorded = run_module(compose_state.main, {"project_src": str(host.path), "record": True})
    assert recorded["changed"] is True
    assert recorded["in_sync"] is True
    record_file = host.path / ".deployed.json"
    assert stat.S_IMODE(record_file.stat().st_mode) == 0o600
    assert json.loads(record_file.read_text())["services"]["open-webui"]["container"] == first["containers"][0]["id"]

    again = run_module(compose_state.main, {"project_src": str(host.path), "record": True})
    assert again["changed"] is False

    second = run_module(compose_state.main, {"project_src": str(host.path), "network": "other"})
    assert second["in_sync"] is True
    assert second["drift"] == []
    assert second["network_exists"] is False
    assert second["recorded"] == recorded["recorded"]


def test_files_are_listed_as_find_does(host, run_module):
    result = run_module(compose_state.main, {"project_src": str(host.path)})
    by_path = {e["path"]: e for e in result["files"]}
    assert by_path[str(host.path)]["isdir"] is True
    assert by_path[str(host.path)]["mode"] == "0750"
    secrets = by_path[str(host.path / "secrets.env")]
    assert secrets["mode"] == "0600"
    # no digest (nor size) of a secret file leaves the host
    assert "checksum" not in secrets
    assert "size" not in secrets
    assert "checksum" in by_path[str(host.path / "compose.yml")]
    # what _common compares with
    assert file_differs(result, str(host.path / "compose.yml"), content="services: {}\n", mode="0640") is (
        by_path[str(host.path / "compose.yml")]["mode"] != "0640"
    )
    assert file_differs(result, str(host.path / "compose.yml"), content="services: {x: {}}\n") is True
    assert file_differs(result, str(host.path), state="directory", mode="0750") is False


def test_a_stopped_container_or_a_changed_file_is_drift(host, run_module):
    run_module(compose_state.main, {"project_src": str(host.path), "record": True})
    host.state["containers"][0]["State"]["Status"] = "exited"
    host.save()
    stopped = run_module(compose_state.main, {"project_src": str(host.path)})
    assert stopped["in_sync"] is False
    assert stopped["drift"] == ["open-webui: container is exited"]

    host.state["containers"][0]["State"]["Status"] = "running"
    host.save()
    (host.path / "compose.yml").write_text("services: {changed: {}}\n")
    edited = run_module(compose_state.main, {"project_src": str(host.path)})
    assert edited["drift"] == ["compose.yml changed since the last deploy"]


def test_a_missing_image_is_drift(host, run_module):
    run_module(compose_state.main, {"project_src": str(host.path), "record": True})
    host.state["images"] = {"unrelated:1": "sha256:0"}
    host.save()
    result = run_module(compose_state.main, {"project_src": str(host.path)})
    assert result["drift"] == ["open-webui: localhost/ai-stack-test/open-webui:test now names another image"]


def test_check_mode_record_writes_nothing(host, run_module):
    result = run_module(compose_state.main, {"project_src": str(host.path), "record": True}, check_mode=True)
    assert result["changed"] is True
    assert not (host.path / ".deployed.json").exists()


def test_missing_project(host, run_module, tmp_path):
    result = run_module(compose_state.main, {"project_src": str(tmp_path / "nope"), "network": "self-hosted"})
    assert result["rc"] == 0
    assert result["exists"] is False
    assert result["files"] == []
    assert result["network_exists"] is True
    assert result["drift"] == [f"{tmp_path / 'nope'} does not exist"]
    assert not any(call.startswith("ps") for call in host.calls())


def test_docker_down_is_drift_not_failure(host, run_module):
    run_module(compose_state.main, {"project_src": str(host.path), "record": True})
    host.state["fail_ps"] = True
    host.save()
    result = run_module(compose_state.main, {"project_src": str(host.path)})
    assert result["rc"] == 0
    assert result["in_sync"] is False
    assert result["drift"] == ["docker ps failed: Cannot connect to the Docker daemon"]
    failed = run_module(compose_state.main, {"project_src": str(host.path), "record": True})
    assert failed["rc"] == 1
    assert "cannot record a deploy: docker ps failed" in failed["msg"]


def test_no_docker(host, run_module, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setattr(compose_state.AnsibleModule, "get_bin_path", lambda self, name, *a, **k: None)
    result = run_module(compose_state.main, {"project_src": str(host.path), "network": "self-hosted"})
    assert result["rc"] == 0
    assert result["drift"] == ["docker is not installed"]
    assert result["network_exists"] is None
    assert result["in_sync"] is False


def test_a_scaled_service_is_not_recorded(host, run_module):
    clone = json.loads(json.dumps(host.state["containers"][0]))
    clone["Id"] = "c" * 64
    clone["Name"] = "/open-webui-2"
    host.state["containers"].append(clone)
    host.save()
    result = run_module(compose_state.main, {"project_src": str(host.path), "record": True})
    assert result["rc"] == 0
    assert result["changed"] is False
    assert result["in_sync"] is False
    warning = result["warnings"][0]
    # ansible-core 2.19 returns {"event": {"msg": ...}} summaries; older releases plain strings.
    assert "more than one container" in (warning["event"]["msg"] if isinstance(warning, dict) else warning)
    assert not (host.path / ".deployed.json").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"record_file": "../x"}, "record_file must be a plain file name"),
        ({"record_file": "compose.yml"}, "must not be one of files"),
    ],
)
def test_bad_input(host, run_module, args, message):
    result = run_module(compose_state.main, {"project_src": str(host.path), **args})
    assert result["rc"] == 1
    assert message in result["msg"]


def _sha1_hex(text):
    import hashlib

    return hashlib.sha1(text.encode()).hexdigest()  # what a leak would look like


def test_a_secret_file_is_compared_on_the_host_and_no_digest_is_returned(host, run_module):
    secret = "FTLCONF_webserver_api_password='correct-horse-battery'\n"
    (host.path / "secrets.env").write_text(secret)
    same = run_module(
        compose_state.main, {"project_src": str(host.path), "contents": {"secrets.env": secret, "compose.yml": "x"}}
    )
    by_path = {e["path"]: e for e in same["files"]}
    entry = by_path[str(host.path / "secrets.env")]
    assert entry["content_differs"] is False
    assert by_path[str(host.path / "compose.yml")]["content_differs"] is True
    # what _common compares with: the filter takes the host's answer
    assert file_differs(same, str(host.path / "secrets.env"), content=secret, mode="0600") is False
    other = run_module(
        compose_state.main, {"project_src": str(host.path), "contents": {"secrets.env": "A='another'\n"}}
    )
    assert {e["path"]: e for e in other["files"]}[str(host.path / "secrets.env")]["content_differs"] is True
    assert file_differs(other, str(host.path / "secrets.env"), content="A='another'\n") is True

    recorded = run_module(compose_state.main, {"project_src": str(host.path), "record": True})
    assert recorded["recorded"]["files"]["secrets.env"] == "hidden"
    # the record on the host (root's, 0600) keeps it, so a changed secret is drift
    on_host = json.loads((host.path / ".deployed.json").read_text())
    assert on_host["files"]["secrets.env"] == _sha1_hex(secret)
    read = run_module(compose_state.main, {"project_src": str(host.path), "contents": {"secrets.env": secret}})
    assert read["in_sync"] is True
    assert read["recorded"]["files"]["secrets.env"] == "hidden"
    (host.path / "secrets.env").write_text("FTLCONF_webserver_api_password='changed'\n")
    changed = run_module(compose_state.main, {"project_src": str(host.path)})
    assert changed["drift"] == ["secrets.env changed since the last deploy"]

    # nothing in any result holds the secret's digest (or the secret)
    for result in (same, other, recorded, read, changed):
        text = json.dumps(result)
        assert _sha1_hex(secret) not in text
        assert "correct-horse-battery" not in text


def test_a_missing_file_named_in_contents_differs(host, run_module):
    (host.path / "secrets.env").unlink()
    result = run_module(compose_state.main, {"project_src": str(host.path), "contents": {"secrets.env": "A='b'\n"}})
    assert str(host.path / "secrets.env") not in [e["path"] for e in result["files"]]
    assert file_differs(result, str(host.path / "secrets.env"), content="A='b'\n") is True


def test_contents_must_name_files(host, run_module):
    result = run_module(compose_state.main, {"project_src": str(host.path), "contents": {"other.env": "x"}})
    assert result["rc"] == 1
    assert "contents names files that are not in files: other.env" in result["msg"]
