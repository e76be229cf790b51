# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""homelab.ai_stack.compose_project against a fake docker CLI that answers from recorded output.

The fake keeps the containers (real `docker inspect` output recorded on the demo
host) in a state file: `compose up` creates the project's container (or starts
it), `compose down` removes it, `compose config` refuses a file holding `bogus`.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import pathlib
import stat
import sys
import textwrap

import pytest

from ansible_collections.homelab.ai_stack.plugins.module_utils import _compose
from ansible_collections.homelab.ai_stack.plugins.modules import ai_host_probe, compose_project, directories


def compose_in_sync(read, compose, env=None, secrets_equal=None, pull="missing", dirs=None):
    """The judgement of the compose_in_sync filter (plugins/filter/compose.py returns exactly this).

    A unit test of modules may not import a filter (ansible-test units runs it without the controller's
    ansible); tests/unit/plugins/filter/test_compose_filter.py tests the filter's own argument handling.
    """
    return not _compose.sync_reasons(read, compose, secrets_equal, env, pull, dirs)


FIXTURE = pathlib.Path(__file__).parent / "fixtures" / "compose" / "inspect_running.json"
SECRET = "correct-horse-battery"

FAKE_DOCKER = textwrap.dedent(
    """\
    #!{python}
    import copy, json, os, sys
    path = os.environ["FAKE_DOCKER_STATE"]
    state = json.load(open(path))
    with open(os.environ["FAKE_DOCKER_LOG"], "a") as log:
        log.write(" ".join(sys.argv[1:]) + "\\n")
    args = sys.argv[1:]

    def save():
        json.dump(state, open(path, "w"))

    def mine(wd):
        key = "com.docker.compose.project.working_dir"
        return [c for c in state["containers"] if c["Config"]["Labels"].get(key) == wd]

    if args[0] == "version":
        print(state.get("api", "1.47")); sys.exit(0)
    if args[:2] == ["network", "inspect"]:
        if args[-1] in state["networks"]:
            print(args[-1]); sys.exit(0)
        print("Error: No such network", file=sys.stderr); sys.exit(1)
    if args[:2] == ["network", "create"]:
        state["networks"].append(args[-1]); save(); sys.exit(0)
    if args[0] == "ps":
        wd = args[-1].split("working_dir=", 1)[1]
        for c in mine(wd):
            print(c["Id"])
        sys.exit(0)
    if args[0] == "inspect":
        print(json.dumps([c for c in state["containers"] if c["Id"] in args[1:]])); sys.exit(0)
    if args[:2] == ["image", "inspect"]:
        ids = {{c["Config"]["Image"]: c["Image"] for c in state["template"] + state["containers"]}}
        for ref in args[4:]:
            print(ids[ref])
        sys.exit(0)
    if args[0] == "compose":
        wd = args[args.index("--project-directory") + 1]
        files = [args[i + 1] for i, a in enumerate(args) if a == "-f"]
        if "config" in args:
            text = open(files[0]).read()
            state["validated"] = text; save()
            if "bogus" in text:
                print("services.web Additional property bogus is not allowed", file=sys.stderr); sys.exit(15)
            sys.exit(0)
        if "up" in args:
            if state.get("fail_up"):
                print("container open-webui is unhealthy", file=sys.stderr); sys.exit(1)
            have = mine(wd)
            if not have:
                c = copy.deepcopy(state["template"][0])
                c["Id"] = "%064x" % (len(state["containers"]) + 1)
                c["Config"]["Labels"]["com.docker.compose.project.working_dir"] = wd
                state["containers"].append(c)
            for c in mine(wd):
                c["State"]["Status"] = "running"
                c["State"]["Health"]["Status"] = "healthy"
            save(); sys.exit(0)
        if "down" in args:
            state["containers"] = [c for c in state["containers"] if c not in mine(wd)]
            save(); sys.exit(0)
        if "logs" in args:
            print("open-webui  | ERROR: cannot open the database"); sys.exit(0)
    sys.exit(99)
    """
)

COMPOSE = textwrap.dedent(
    """\
    services:
      open-webui:
        image: localhost/ai-stack-test/open-webui:test
        env_file: [secrets.env]
        healthcheck:
          test: ["CMD", "true"]
          interval: 10s
          start_period: 60s
          start_interval: 1s
    """
)


@pytest.fixture
def host(tmp_path, monkeypatch):
    """A compose root with a fake docker on PATH; the project dir does not exist yet."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    docker = bindir / "docker"
    docker.write_text(FAKE_DOCKER.format(python=sys.executable))
    docker.chmod(0o755)
    template = json.loads(FIXTURE.read_text())[:1]

    class Host:
        path = tmp_path / "compose" / "open-webui"
        state_file = tmp_path / "docker-state.json"
        log = tmp_path / "docker.log"

        def __init__(self):
            (tmp_path / "compose").mkdir()
            self.state = {"containers": [], "networks": [], "template": template}
            self.save()

        def load(self):
            self.state = json.loads(self.state_file.read_text())
            return self.state

        def save(self):
            self.state_file.write_text(json.dumps(self.state))

        def calls(self):
            calls = self.log.read_text().splitlines() if self.log.exists() else []
            self.log.write_text("")
            return calls

        def args(self, **extra):
            return {
                "project_src": str(self.path),
                "compose": COMPOSE,
                "env": {"WEBUI_SECRET_KEY": SECRET},
                "network": "self-hosted",
                "network_subnet": "172.30.0.0/24",
                **extra,
            }

    h = Host()
    monkeypatch.setenv("PATH", f"{bindir}:{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_DOCKER_STATE", str(h.state_file))
    monkeypatch.setenv("FAKE_DOCKER_LOG", str(h.log))
    # The reads of ai_host_probe and directories ask the fake CLI, not an engine's API socket (_docker_api).
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/fake-docker.sock")
    return h


def mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def no_secret_in(result):
    text = json.dumps(result)
    assert SECRET not in text
    for content in (SECRET, f"WEBUI_SECRET_KEY='{SECRET}'\n"):
        assert hashlib.sha1(content.encode()).hexdigest() not in text  # nosec B324 - looking for leaks
        assert hashlib.sha256(content.encode()).hexdigest() not in text


def test_first_deploy_writes_starts_and_records(host, run_module):
    result = run_module(compose_project.main, host.args())
    assert result["rc"] == 0, result
    assert result["changed"] is True
    assert result["applied"] is True
    assert result["project_exists"] is True
    assert "directory: missing" in result["changes"]
    assert "network: missing" in result["changes"]
    assert result["container_changes"] == ["open-webui: created open-webui"]
    assert result["containers"][0]["networks"] == {"self-hosted": "172.30.0.6"}
    assert result["start_interval_dropped"] is False
    no_secret_in(result)

    assert mode(host.path) == 0o750
    assert (host.path / "compose.yml").read_text() == COMPOSE
    assert mode(host.path / "compose.yml") == 0o640
    assert (host.path / "secrets.env").read_text() == (
        f"# Managed by homelab.ai_stack. Secrets of open-webui.\nWEBUI_SECRET_KEY='{SECRET}'\n"
    )
    assert mode(host.path / "secrets.env") == 0o600
    assert mode(host.path / ".deployed.json") == 0o600
    record = json.loads((host.path / ".deployed.json").read_text())
    assert record["services"]["open-webui"]["container"] == result["containers"][0]["id"]
    # no validation file left behind
    assert sorted(p.name for p in host.path.iterdir()) == [".deployed.json", "compose.yml", "secrets.env"]

    calls = host.calls()
    assert "network create --driver bridge --subnet 172.30.0.0/24 self-hosted" in calls
    up = [c for c in calls if " up " in c]
    assert up == [
        f"compose --ansi never --project-directory {host.path} -f {host.path}/compose.yml up --detach --wait"
        " --wait-timeout 300 --pull missing --remove-orphans"
    ]
    # validated before it was written, as the file it became
    assert host.load()["validated"] == COMPOSE
    assert calls.index(next(c for c in calls if "config --quiet" in c)) < calls.index(up[0])


def test_a_rerun_changes_nothing_and_runs_no_compose(host, run_module):
    run_module(compose_project.main, host.args())
    host.calls()
    again = run_module(compose_project.main, host.args())
    assert again["changed"] is False
    assert again["applied"] is False
    assert again["changes"] == []
    assert again["drift"] == []
    assert [c.split()[0] for c in host.calls()] == ["network", "ps", "inspect", "image"]
    no_secret_in(again)


def test_a_stopped_container_is_started_again(host, run_module):
    run_module(compose_project.main, host.args())
    state = host.load()
    state["containers"][0]["State"]["Status"] = "exited"
    host.save()
    result = run_module(compose_project.main, host.args())
    assert result["changed"] is True
    assert result["changes"] == ["up: open-webui: container is exited"]
    assert result["container_changes"] == ["open-webui: exited -> running"]
    assert run_module(compose_project.main, host.args())["changed"] is False


def test_a_new_secret_is_written_and_applied_without_showing_it(host, run_module):
    run_module(compose_project.main, host.args())
    result = run_module(compose_project.main, host.args(env={"WEBUI_SECRET_KEY": "another"}), diff=True)
    assert result["changed"] is True
    assert result["applied"] is True
    assert result["container_changes"] == []  # the fake recreates nothing: compose decides that
    assert result["changes"] == ["secrets.env: content", "up: secrets.env changed"]
    assert "diff" not in result  # secrets.env never has one
    assert "WEBUI_SECRET_KEY='another'" in (host.path / "secrets.env").read_text()
    assert "another" not in json.dumps(result)


def test_an_invalid_compose_file_never_replaces_the_running_one(host, run_module):
    run_module(compose_project.main, host.args())
    host.calls()
    bad = COMPOSE + "    bogus: 1\n"
    result = run_module(compose_project.main, host.args(compose=bad))
    assert result["rc"] == 1
    assert result["failed"] is True
    assert "docker compose config refused" in result["msg"]
    assert "bogus is not allowed" in result["msg"]
    assert (host.path / "compose.yml").read_text() == COMPOSE
    assert not any(" up " in c for c in host.calls())
    assert sorted(p.name for p in host.path.iterdir()) == [".deployed.json", "compose.yml", "secrets.env"]


def test_check_mode_on_a_first_run_reports_and_writes_nothing(host, run_module):
    result = run_module(compose_project.main, host.args(), check_mode=True, diff=True)
    assert result["changed"] is True
    assert result["project_exists"] is False
    assert result["applied"] is True
    assert "compose.yml: missing" in result["changes"]
    assert result["diff"]["before"] == ""
    assert result["diff"]["after"] == COMPOSE
    assert not host.path.exists()
    assert host.load()["networks"] == []
    no_secret_in(result)


def test_check_mode_and_diff_of_a_changed_compose_file(host, run_module):
    run_module(compose_project.main, host.args())
    changed = COMPOSE.replace("interval: 10s", "interval: 30s")
    result = run_module(compose_project.main, host.args(compose=changed), check_mode=True, diff=True)
    assert result["changed"] is True
    assert result["changes"] == ["compose.yml: content", "up: compose.yml changed"]
    assert result["diff"]["before"] == COMPOSE
    assert result["diff"]["after"] == changed
    assert (host.path / "compose.yml").read_text() == COMPOSE


def test_a_wrong_mode_is_repaired_without_compose_up(host, run_module):
    run_module(compose_project.main, host.args())
    (host.path / "secrets.env").chmod(0o644)
    host.path.chmod(0o755)
    host.calls()
    result = run_module(compose_project.main, host.args())
    assert result["changed"] is True
    assert result["applied"] is False
    assert sorted(result["changes"]) == ["directory: mode 0755", "secrets.env: mode 0644"]
    assert mode(host.path / "secrets.env") == 0o600
    assert mode(host.path) == 0o750
    assert not any(c.startswith("compose") for c in host.calls())


@pytest.mark.parametrize(("api", "dropped"), [("1.41", True), ("1.43", True), ("1.44", False), ("1.47", False)])
def test_start_interval_is_dropped_for_an_engine_older_than_25(host, run_module, api, dropped):
    host.state["api"] = api
    host.save()
    result = run_module(compose_project.main, host.args())
    assert result["start_interval_dropped"] is dropped
    written = (host.path / "compose.yml").read_text()
    assert ("start_interval" in written) is not dropped
    assert "start_period: 60s" in written
    # and the next run compares with what it wrote
    assert run_module(compose_project.main, host.args())["changed"] is False


def test_no_engine_question_without_start_interval(host, run_module):
    run_module(compose_project.main, host.args(compose=COMPOSE.replace("      start_interval: 1s\n", "")))
    assert not any(c.startswith("version") for c in host.calls())


def test_a_failed_up_reports_the_logs_and_records_nothing(host, run_module):
    host.state["fail_up"] = True
    host.save()
    result = run_module(compose_project.main, host.args())
    assert result["rc"] == 1
    assert "docker compose up failed: container open-webui is unhealthy" in result["msg"]
    assert "cannot open the database" in result["msg"]
    assert not (host.path / ".deployed.json").exists()
    no_secret_in(result)


def test_pull_always_runs_up_but_reports_no_change_when_nothing_changed(host, run_module):
    run_module(compose_project.main, host.args())
    host.calls()
    result = run_module(compose_project.main, host.args(pull="always"))
    assert result["applied"] is True
    assert result["changed"] is False
    assert any("--pull always" in c for c in host.calls())
    policy = run_module(compose_project.main, host.args(pull="policy", wait_timeout="60"))
    assert policy["applied"] is False


def test_bad_env_is_refused_naming_the_key_not_the_value(host, run_module):
    result = run_module(compose_project.main, host.args(env={"GOOD": "x", "BAD": "it's"}))
    assert result["rc"] == 1
    assert "BAD" in result["msg"]
    assert "it's" not in result["msg"]
    assert not host.path.exists()
    result = run_module(compose_project.main, host.args(env={"1NO": "x"}))
    assert "1NO" in result["msg"]


def test_absent_stops_and_removes_the_project_and_nothing_else(host, run_module, tmp_path):
    run_module(compose_project.main, host.args())
    data = tmp_path / "data"
    data.mkdir()
    host.calls()
    check = run_module(compose_project.main, {"project_src": str(host.path), "state": "absent"}, check_mode=True)
    assert check["changed"] is True
    assert host.path.exists()
    assert host.calls() == []
    gone = run_module(compose_project.main, {"project_src": str(host.path), "state": "absent"})
    assert gone["changed"] is True
    assert gone["project_exists"] is False
    assert not host.path.exists()
    assert data.exists()
    assert [c for c in host.calls() if c.startswith("compose")] == [
        f"compose --ansi never --project-directory {host.path} -f {host.path}/compose.yml down --remove-orphans"
    ]
    assert host.load()["containers"] == []
    again = run_module(compose_project.main, {"project_src": str(host.path), "state": "absent"})
    assert again["changed"] is False


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"project_src": "relative/dir", "compose": "x"}, "absolute path"),
        ({"project_src": "/", "compose": "x"}, "absolute path"),
        ({"project_src": "/srv/x"}, "compose is required"),
        ({"project_src": "/srv/x", "compose": "x", "record_file": "compose.yml"}, "record_file"),
        ({"project_src": "/srv/x", "compose": "x", "env": {}, "secrets": "a-longer-secret"}, "mutually exclusive"),
    ],
)
def test_bad_arguments_are_refused(host, run_module, args, message):
    result = run_module(compose_project.main, args)
    assert result["rc"] == 1
    assert message in result["msg"]


def test_an_upgrade_from_the_old_tasks_is_a_no_op(host, run_module):
    """The record and files the YAML tasks (compose_state + copy) left are taken as they are."""
    run_module(compose_project.main, host.args())
    state = copy.deepcopy(host.load())
    record = (host.path / ".deployed.json").read_text()
    again = run_module(compose_project.main, host.args())
    assert again["changed"] is False
    assert (host.path / ".deployed.json").read_text() == record
    assert host.load()["containers"] == state["containers"]


def _data_dirs(host, *paths):
    root = host.path.parent.parent / "storage" / "ai" / "open-webui"
    return root, {"root": str(root), "paths": [{"path": "."}, *({"path": p, "mode": "0750"} for p in paths)]}


def test_data_directories_come_first_and_a_rerun_changes_nothing(host, run_module):
    root, dirs = _data_dirs(host, "data", "data/cache")
    result = run_module(compose_project.main, host.args(directories=dirs))
    assert result["rc"] == 0, result
    assert result["changed"] is True
    assert result["directories"]["created"] == [
        str(root.parent.parent),
        str(root.parent),
        str(root),
        f"{root}/data",
        f"{root}/data/cache",
    ]
    assert mode(root / "data") == 0o750
    assert mode(root / "data" / "cache") == 0o750

    again = run_module(compose_project.main, host.args(directories=dirs))
    assert again["changed"] is False
    assert again["directories"]["created"] == []
    assert again["directories"]["updated"] == []

    # A wrong mode on a data directory alone is repaired without `compose up`.
    (root / "data").chmod(0o777)
    host.calls()
    repaired = run_module(compose_project.main, host.args(directories=dirs))
    assert repaired["changed"] is True
    assert repaired["applied"] is False
    assert repaired["directories"]["updated"] == [f"{root}/data"]
    assert mode(root / "data") == 0o750
    assert not any(c.startswith("compose") for c in host.calls())


def test_check_mode_reports_data_directories_and_creates_none(host, run_module):
    root, dirs = _data_dirs(host, "data")
    result = run_module(compose_project.main, host.args(directories=dirs), check_mode=True, diff=True)
    assert result["changed"] is True
    assert f"{root}/data" in result["directories"]["created"]
    assert not root.parent.parent.exists()
    assert not host.path.exists()
    assert isinstance(result["diff"], list)
    assert f"{root}/data: absent" in result["diff"][0]["before"]
    assert result["diff"][1]["after"] == COMPOSE


def test_a_data_directory_that_leaves_the_root_is_refused_before_anything(host, run_module, tmp_path):
    root, dirs = _data_dirs(host)
    root.mkdir(parents=True)
    (root / "escape").symlink_to(tmp_path)
    dirs["paths"].append({"path": "escape"})
    result = run_module(compose_project.main, host.args(directories=dirs))
    assert result["failed"] is True
    assert "resolve outside" in result["msg"]
    assert not host.path.exists()
    assert not any(c.startswith("compose") for c in host.calls())


# --- the read modules' compose_project option + the compose_in_sync filter -------
# The filter must say "in sync" exactly when compose_project would change nothing:
# each case breaks a deployed project as a user or a crash would, then asks both.


def _stop(host):
    host.load()["containers"][0]["State"]["Status"] = "exited"
    host.save()


def _unhealthy(host):
    host.load()["containers"][0]["State"]["Health"]["Status"] = "unhealthy"
    host.save()


def _remove_container(host):
    host.load()["containers"] = []
    host.save()


def _orphan(host):
    state = host.load()
    extra = copy.deepcopy(state["containers"][0])
    extra["Id"] = "f" * 64
    extra["Name"] = "/stray"
    extra["Config"]["Labels"]["com.docker.compose.service"] = "stray"
    state["containers"].append(extra)
    host.save()


def _retag(host):
    host.load()["containers"][0]["Image"] = "sha256:" + "e" * 64
    host.save()


def _drop_network(host):
    host.load()["networks"] = []
    host.save()


def _edit(name, text=None):
    def edit(host):
        path = host.path / name
        path.write_text(path.read_text() + (text or "# edited\n"))

    return edit


BREAKS = [
    ("nothing", lambda host: None),
    ("stopped container", _stop),
    ("unhealthy container", _unhealthy),
    ("removed container", _remove_container),
    ("orphan container", _orphan),
    ("container on another image", _retag),
    ("removed network", _drop_network),
    ("edited compose.yml", _edit("compose.yml")),
    ("edited secrets.env", _edit("secrets.env", "EXTRA='1'\n")),
    ("compose.yml mode", lambda host: (host.path / "compose.yml").chmod(0o644)),
    ("secrets.env mode", lambda host: (host.path / "secrets.env").chmod(0o644)),
    ("project dir mode", lambda host: host.path.chmod(0o755)),
    ("removed compose.yml", lambda host: (host.path / "compose.yml").unlink()),
    ("removed secrets.env", lambda host: (host.path / "secrets.env").unlink()),
    ("removed record", lambda host: (host.path / ".deployed.json").unlink()),
    ("removed project", lambda host: [p.unlink() for p in host.path.iterdir()] and host.path.rmdir()),
]


def probe_read(run_module, host, **options):
    options = {"project_src": str(host.path), "network": "self-hosted", **options}
    result = run_module(ai_host_probe.main, {"models_dir": "models", "compose_project": options})
    assert result["rc"] == 0, result
    assert result["changed"] is False
    no_secret_in(result)
    return result["compose"]


@pytest.mark.parametrize(("name", "breaks"), BREAKS, ids=[b[0] for b in BREAKS])
def test_the_filter_agrees_with_compose_project(host, run_module, name, breaks):
    run_module(compose_project.main, host.args())
    breaks(host)
    before = host.load()
    read = probe_read(run_module, host, env={"WEBUI_SECRET_KEY": SECRET})
    assert host.load() == before  # the read changed nothing
    check = run_module(compose_project.main, host.args(), check_mode=True)
    assert compose_in_sync(read, COMPOSE) is (not check["changed"]), (name, check["changes"])
    assert compose_in_sync(read, COMPOSE) is (name == "nothing")
    # what compose_project then does repairs it, and the next read is in sync
    run_module(compose_project.main, host.args())
    assert compose_in_sync(probe_read(run_module, host, env={"WEBUI_SECRET_KEY": SECRET}), COMPOSE) is True


def test_the_filter_sees_a_changed_compose_text_or_secret(host, run_module):
    run_module(compose_project.main, host.args())
    read = probe_read(run_module, host, env={"WEBUI_SECRET_KEY": SECRET})
    assert read["secrets_equal"] is True
    assert compose_in_sync(read, COMPOSE + "# new\n") is False
    assert compose_in_sync(read, COMPOSE, pull="always") is False
    other = probe_read(run_module, host, env={"WEBUI_SECRET_KEY": "another"})
    assert other["secrets_equal"] is False
    assert compose_in_sync(other, COMPOSE) is False


def test_secrets_judged_by_digest_only_when_asked(host, run_module):
    run_module(compose_project.main, host.args())
    plain_read = probe_read(run_module, host)
    assert "secrets_sha1" not in plain_read
    assert plain_read["secrets_equal"] is None
    # nothing judged secrets.env: not in sync, compose_project decides
    assert compose_in_sync(plain_read, COMPOSE) is False
    assert compose_in_sync(plain_read, COMPOSE, secrets_equal=True) is True
    result = run_module(
        directories.main,
        {"root": str(host.path.parent), "compose_project": {"project_src": str(host.path), "secrets_digest": True}},
    )
    read = result["compose"]
    assert read["network_exists"] is None  # no network asked for
    assert compose_in_sync(read, COMPOSE, env={"WEBUI_SECRET_KEY": SECRET}) is True
    assert compose_in_sync(read, COMPOSE, env={"WEBUI_SECRET_KEY": "another"}) is False


@pytest.mark.parametrize("api", ["1.41", "1.47"])
def test_the_filter_knows_the_start_interval_rule(host, run_module, api):
    host.state["api"] = api
    host.save()
    run_module(compose_project.main, host.args())
    read = probe_read(run_module, host, env={"WEBUI_SECRET_KEY": SECRET})
    # the engine is asked only when the file holds no start_interval line
    assert read["api_version"] == (api if api == "1.41" else None)
    assert compose_in_sync(read, COMPOSE) is True
    host.load()["api"] = "1.47"
    host.save()
    check = run_module(compose_project.main, host.args(), check_mode=True)
    again = probe_read(run_module, host, env={"WEBUI_SECRET_KEY": SECRET})
    assert compose_in_sync(again, COMPOSE) is (not check["changed"])


def test_the_read_judges_the_data_directories(host, run_module, tmp_path):
    run_module(compose_project.main, host.args())
    data = tmp_path / "data"
    dirs = {"root": str(data), "paths": [{"path": "."}, {"path": "models", "owner": "0", "group": "0", "mode": "0750"}]}
    read = probe_read(run_module, host, env={"WEBUI_SECRET_KEY": SECRET}, directories=dirs)
    assert read["directories"] == [f"{data}: missing", f"{data}/models: missing"]
    assert compose_in_sync(read, COMPOSE) is False
    run_module(compose_project.main, host.args(directories=dirs))
    assert compose_in_sync(probe_read(run_module, host, env={"WEBUI_SECRET_KEY": SECRET}, directories=dirs), COMPOSE)
    # compose_project's directories must all have been read: one more is not judged
    assert compose_in_sync(
        read_ok := probe_read(run_module, host, env={"WEBUI_SECRET_KEY": SECRET}, directories=dirs),
        COMPOSE,
        dirs=dirs,
    )
    more = {"root": str(data) + "/", "paths": [*dirs["paths"], {"path": "models/vae"}]}
    assert compose_in_sync(read_ok, COMPOSE, dirs=more) is False
    assert compose_in_sync(read_ok, COMPOSE, dirs={"root": str(data), "paths": [{"path": "models/"}]}) is True
    (data / "models").chmod(0o755)
    read = probe_read(run_module, host, env={"WEBUI_SECRET_KEY": SECRET}, directories=dirs)
    assert read["directories"] == [f"{data}/models: 0:0 0755, wanted 0:0 0750"]
    assert compose_in_sync(read, COMPOSE) is False


def test_no_read_is_never_in_sync():
    assert compose_in_sync(None, COMPOSE) is False
    assert compose_in_sync({}, COMPOSE) is False
