# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The in-sync rules of compose_state, on `docker inspect` output recorded on the demo host."""

from __future__ import annotations

import copy
import json
import pathlib

import pytest

from ansible_collections.homelab.ai_stack.plugins.module_utils import _compose as c

FIXTURE = pathlib.Path(__file__).parents[1] / "modules" / "fixtures" / "compose" / "inspect_running.json"
RAW = json.loads(FIXTURE.read_text())
WEBUI_ID = RAW[0]["Id"]
OLLAMA_ID = RAW[1]["Id"]
FILES = {"compose.yml": {"checksum": "aa"}, "secrets.env": {"checksum": "bb"}}


def containers(raw=None):
    return c.parse_inspect(json.dumps(raw if raw is not None else RAW))


def images(cs):
    return {x["image"]: x["image_id"] for x in cs}


def test_parse_inspect_reads_what_matters():
    cs = containers()
    assert [(x["service"], x["name"], x["state"], x["health"]) for x in cs] == [
        ("ollama", "ollama", "running", "healthy"),
        ("open-webui", "open-webui", "running", "healthy"),
    ]
    webui = cs[1]
    assert webui["id"] == WEBUI_ID
    assert webui["image"] == "localhost/ai-stack-test/open-webui:test"
    assert webui["image_id"] == RAW[0]["Image"]
    assert webui["image_id"].startswith("sha256:")
    assert webui["oneoff"] is False
    # The address Open WebUI's admin step calls the API on (the real inspect output).
    assert webui["networks"] == {"self-hosted": "172.30.0.6"}
    assert cs[0]["networks"] == {"self-hosted": "172.30.0.4"}


def test_parse_inspect_without_healthcheck_and_empty():
    raw = copy.deepcopy(RAW[:1])
    del raw[0]["State"]["Health"]
    assert containers(raw)[0]["health"] == ""
    assert c.parse_inspect("") == []
    with pytest.raises(c.ComposeStateError, match="no JSON"):
        c.parse_inspect("Error: No such object")
    with pytest.raises(c.ComposeStateError, match="no list"):
        c.parse_inspect("{}")


def test_record_then_in_sync():
    cs = containers()
    record = c.make_record(FILES, cs)
    assert record == {
        "version": 1,
        "files": {"compose.yml": "aa", "secrets.env": "bb"},
        "services": {
            "ollama": {"container": OLLAMA_ID, "image_id": RAW[1]["Image"]},
            "open-webui": {"container": WEBUI_ID, "image_id": RAW[0]["Image"]},
        },
    }
    assert c.drift(record, FILES, cs, images(cs)) == []
    # the record survives JSON (it is stored as a file)
    assert c.drift(json.loads(json.dumps(record)), FILES, cs, images(cs)) == []


def test_a_service_with_two_containers_cannot_be_recorded():
    raw = copy.deepcopy(RAW)
    raw[1]["Config"]["Labels"]["com.docker.compose.service"] = "open-webui"
    with pytest.raises(c.ComposeStateError, match="more than one container"):
        c.make_record(FILES, containers(raw))


def mutate(fn):
    raw = copy.deepcopy(RAW)
    fn(raw)
    return containers(raw)


RECORD = c.make_record(FILES, containers())


@pytest.mark.parametrize(
    ("cs", "files", "imgs", "reasons"),
    [
        (
            containers(),
            {"compose.yml": {"checksum": "xx"}, "secrets.env": {"checksum": "bb"}},
            None,
            ["compose.yml changed since the last deploy"],
        ),
        (containers(), {"compose.yml": {"checksum": "aa"}}, None, ["secrets.env changed since the last deploy"]),
        (containers()[:1], FILES, None, ["open-webui: its container is gone or was recreated outside this role"]),
        (mutate(lambda r: r[0]["State"].update(Status="exited")), FILES, None, ["open-webui: container is exited"]),
        (
            mutate(lambda r: r[0]["State"]["Health"].update(Status="unhealthy")),
            FILES,
            None,
            ["open-webui: container is unhealthy"],
        ),
        (
            mutate(lambda r: r[0]["State"]["Health"].update(Status="starting")),
            FILES,
            None,
            ["open-webui: container is starting"],
        ),
        (
            mutate(lambda r: r[0].update(Id="f" * 64)),
            FILES,
            None,
            [
                "open-webui: its container is gone or was recreated outside this role",
                "open-webui: container open-webui is not part of the last deploy",
            ],
        ),
        (
            mutate(lambda r: r[0].update(Image="sha256:" + "1" * 64)),
            FILES,
            "same",
            ["open-webui: container runs another image than recorded"],
        ),
        (
            containers(),
            FILES,
            {"localhost/ai-stack-test/ollama:test": RAW[1]["Image"]},
            ["open-webui: localhost/ai-stack-test/open-webui:test now names another image"],
        ),
        (
            containers() + mutate(lambda r: r[0].update(Id="e" * 64, Name="/open-webui-old"))[1:],
            FILES,
            None,
            ["open-webui: container open-webui-old is not part of the last deploy"],
        ),
    ],
)
def test_each_drift_is_named(cs, files, imgs, reasons):
    if imgs is None:
        imgs = images(containers())
    elif imgs == "same":
        imgs = images(cs)
    assert c.drift(RECORD, files, cs, imgs) == reasons


def test_one_off_containers_are_not_orphans():
    extra = mutate(lambda r: r[0].update(Id="d" * 64, Name="/open-webui-run-1"))[1]
    extra["oneoff"] = True
    cs = [*containers(), extra]
    assert c.drift(RECORD, FILES, cs, images(cs)) == []


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        (None, "no deploy recorded"),
        ({}, "no deploy recorded"),
        ({**RECORD, "version": 0}, "record version 0 is not 1"),
        ({**RECORD, "services": {}}, "the record lists no service"),
    ],
)
def test_no_usable_record_is_never_in_sync(record, reason):
    cs = containers()
    assert reason in c.drift(record, FILES, cs, images(cs))


def test_parse_image_ids():
    assert c.parse_image_ids("a:1 sha256:x\n\nbad line here\nb sha256:y\n") == {"a:1": "sha256:x", "b": "sha256:y"}


# --- compose_project's plan, env file and start interval --------------------------

ROOT = pathlib.Path(__file__).parents[4]
TEMPLATES = sorted(ROOT.glob("roles/*/templates/*compose*.j2"))


def entry(path, mode, isdir=False, content_differs=False):
    return {
        "path": path,
        "isdir": isdir,
        "isreg": not isdir,
        "mode": mode,
        "uid": 0,
        "gid": 0,
        "pw_name": "root",
        "gr_name": "root",
        "content_differs": content_differs,
    }


def test_env_text_is_what_the_role_always_wrote():
    # the text roles/_common/vars/main.yml rendered (dictsort: case-insensitive)
    assert c.env_text("open-webui", {"b": 1, "A": "x y", "C_2": True}) == (
        "# Managed by homelab.ai_stack. Secrets of open-webui.\nA='x y'\nb='1'\nC_2='True'\n"
    )
    assert c.env_text("ollama", {}) == "# Managed by homelab.ai_stack. Secrets of ollama.\n"
    assert c.env_text("ollama", None) == "# Managed by homelab.ai_stack. Secrets of ollama.\n"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"1A": "x"}, "'1A' is not a shell-style"),
        ({"A-B": "x"}, "'A-B' is not a shell-style"),
        ({"PASS": "it's"}, "env PASS holds a single quote"),
        ({"PASS": "a\nb"}, "env PASS holds a single quote or a line break"),
        ({"PASS": "a\rb"}, "env PASS holds"),
    ],
)
def test_env_text_refuses_what_an_env_file_cannot_hold(env, message):
    with pytest.raises(c.ComposeStateError, match=message) as info:
        c.env_text("svc", env)
    for value in env.values():
        assert value not in str(info.value)


@pytest.mark.parametrize(
    ("version", "knows"),
    [("1.41", False), ("1.43", False), ("1.44", True), ("1.51", True), ("2.0", True), (None, True), ("", True)],
)
def test_knows_start_interval(version, knows):
    assert c.knows_start_interval(version) is knows


def test_strip_start_interval_drops_only_those_lines():
    text = "services:\n  a:\n    healthcheck:\n      start_period: 30s\n      start_interval: 1s\n    x: 1\n"
    assert c.strip_start_interval(text) == "services:\n  a:\n    healthcheck:\n      start_period: 30s\n    x: 1\n"
    assert c.strip_start_interval("a: 1\n  start_interval: 1s") == "a: 1\n"
    assert c.strip_start_interval("a: 1\n") == "a: 1\n"


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: f"{p.parts[-3]}/{p.name}")
def test_every_health_check_starts_checking_every_second(template):
    """Each healthcheck block has a start_interval under its start_period, in block style (strippable)."""
    text = template.read_text()
    blocks = text.count("healthcheck:")
    assert text.count("start_interval: 1s") == blocks
    assert text.count("start_period:") == blocks
    stripped = c.strip_start_interval(text)
    assert "start_interval" not in stripped
    assert len(text.splitlines()) - len(stripped.splitlines()) == blocks


def test_plan_in_sync_is_empty():
    files = {"compose.yml": entry("/p/compose.yml", "0640"), "secrets.env": entry("/p/secrets.env", "0600")}
    assert c.plan(entry("/p", "0750", isdir=True), files, True, [], uid=0, gid=0) == {}
    assert c.plan(entry("/p", "0750", isdir=True), files, None, [], pull="never") == {}


def test_plan_first_run():
    assert c.plan(None, {}, False, ["/p does not exist"]) == {
        "directory": ["missing"],
        "network": ["missing"],
        "secrets.env": ["missing"],
        "compose.yml": ["missing"],
        "up": ["secrets.env is new", "compose.yml is new", "/p does not exist"],
    }


def test_plan_mode_and_owner_are_repaired_without_up():
    d = entry("/p", "0755", isdir=True)
    files = {
        "compose.yml": entry("/p/compose.yml", "0644"),
        "secrets.env": dict(entry("/p/secrets.env", "0600"), uid=1000),
    }
    files["secrets.env"]["pw_name"] = "user"
    assert c.plan(d, files, True, [], uid=0, gid=0) == {
        "directory": ["mode 0755"],
        "secrets.env": ["owner user:root"],
        "compose.yml": ["mode 0644"],
    }
    # as another user, owners are not compared
    assert "secrets.env" not in c.plan(d, files, True, [])


def test_plan_content_drift_and_pull():
    d = entry("/p", "0750", isdir=True)
    files = {
        "compose.yml": entry("/p/compose.yml", "0640", content_differs=True),
        "secrets.env": entry("/p/secrets.env", "0600"),
    }
    assert c.plan(d, files, True, ["ollama: container is exited"], pull="always") == {
        "compose.yml": ["content"],
        "up": ["compose.yml changed", "ollama: container is exited", "pull always"],
    }
    with pytest.raises(c.ComposeStateError, match="not a directory"):
        c.plan(entry("/p", "0644"), {}, True, [])


def test_container_changes():
    cs = containers()
    assert c.container_changes(cs, cs) == []
    stopped = copy.deepcopy(cs)
    stopped[0]["state"] = "exited"
    assert c.container_changes(stopped, cs) == ["ollama: exited -> running"]
    recreated = copy.deepcopy(cs)
    recreated[1]["id"] = "new"
    assert c.container_changes(cs, recreated) == ["open-webui: created open-webui", "open-webui: removed open-webui"]
