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
