# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The light run of the read modules (plugin_utils/_lite_read.py, module_utils/_lite.py) against the module itself.

The program the action plugin pipes to the host runs here in a fresh ``python3``
without ansible on its path, on the same real files and the same recorded tool
outputs, and must give what the module gives; anything it cannot do without a
change must hand over to the module and leave the file system as it was.
"""

from __future__ import annotations

import ast
import json
import os
import stat

import pytest

from ansible_collections.homelab.ai_stack.plugins.plugin_utils import _lite_read


def test_host_facts_light_equals_the_module(run_full, run_light, tools, tmp_path):
    del tools  # the recorded ip, ss, systemctl and getent of the Debian 13 test container, on PATH
    (tmp_path / "pending").mkdir()
    (tmp_path / "pending" / "docker-restart").write_text("")
    args = {
        "pending_dir": str(tmp_path / "pending"),
        "storage": str(tmp_path),
        "paths": [str(tmp_path)],
        "platform": True,
    }
    light, full = run_light("host_facts", args), run_full("host_facts", args)
    # The interpreter's own facts describe the process that read them: the light run is another one
    # (under ansible-test, another path to the same Python). Its version is the same.
    light_python, full_python = light["ansible_facts"].pop("python"), full["ansible_facts"].pop("python")
    assert light_python["version"] == full_python["version"]
    # The free space of the storage path moves while other tests write (ansible-test runs them in parallel).
    for result in (light, full):
        for key in ("free_kb", "free_gb"):
            assert result["ansible_facts"]["ai_stack_host"]["storage"].pop(key) > 0
    assert light == full


def test_ai_host_probe_light_equals_the_module(run_full, run_light, tmp_path):
    library = tmp_path / "models" / "manifests" / "registry.ollama.ai" / "library" / "qwen3"
    library.mkdir(parents=True)
    (library / "8b").write_text("{}")
    record = tmp_path / "ollama.json"
    record.write_text(json.dumps({"vram_mib": 8192}))
    args = {
        "models_dir": str(tmp_path / "models"),
        "ollama_library": True,
        "records": [str(record), str(tmp_path / "none.json")],
    }
    result, full = run_light("ai_host_probe", args), run_full("ai_host_probe", args)
    # "ok <directory> <free bytes>": the free bytes move while other tests write.
    for probe in (result, full):
        probe["models_fs"] = probe["models_fs"].rsplit(" ", 1)[0]
    assert result == full
    assert result["ollama_library"] and result["records"][str(record)] == {"vram_mib": 8192}


def test_directories_in_place_light_equals_the_module(run_full, run_light, tmp_path):
    root = tmp_path / "data"
    (root / "conf").mkdir(parents=True)
    (root / "conf" / "site.conf").write_text("server {}\n")
    os.chmod(root / "conf", 0o750)
    args = {"root": str(root), "paths": [{"path": "."}, {"path": "conf", "mode": "0750"}], "read": ["conf/site.conf"]}
    result = run_light("directories", args)
    assert result == run_full("directories", args)
    assert result["changed"] is False and result["contents"]


@pytest.mark.parametrize(
    "paths, prepare, reason",
    [
        ([{"path": "new"}], None, "would change"),
        ([{"path": "conf", "mode": "0700"}], None, "mode"),
        ([{"path": "conf", "owner": "no-such-user-here"}], None, "unknown owner"),
        ([{"path": "conf", "owner": "0", "group": "0"}], "chown-away", "owner or group"),
    ],
)
def test_directories_with_something_to_do_hand_over_to_the_module(run_light, tmp_path, paths, prepare, reason):
    root = tmp_path / "data"
    (root / "conf").mkdir(parents=True)
    os.chmod(root / "conf", 0o755)
    if prepare == "chown-away" and os.getuid() != 0:
        pytest.skip("only root can own a directory by another user here")
    if prepare == "chown-away":
        os.chown(root / "conf", 65534, 65534)
    before = sorted(os.listdir(root)), stat.S_IMODE(os.stat(root / "conf").st_mode)
    result = run_light("directories", {"root": str(root), "paths": paths})
    assert reason in result[_lite_read.NEEDS_MODULE]
    # Nothing was written: the light run is always a check-mode run.
    assert (sorted(os.listdir(root)), stat.S_IMODE(os.stat(root / "conf").st_mode)) == before


def test_a_module_failure_is_left_to_the_module(run_light, tmp_path):
    (tmp_path / "file").write_text("")
    result = run_light("directories", {"root": str(tmp_path), "paths": [{"path": "file"}]})
    assert result["failed"] is True and "not directories" in result["msg"]


def test_the_program_carries_every_module_util_the_module_imports():
    _source, utils = _lite_read.sources("ai_host_probe")
    names = {name.rsplit(".", 1)[1] for name in utils}
    # _docker_api imports _compose, which imports _dirs: found through the imports, not listed anywhere.
    assert {"_ai_probe", "_docker_api", "_compose", "_dirs", "_lite"} <= names


@pytest.mark.parametrize("name", ["host_facts", "ai_host_probe", "directories", "pihole_lists", "openwebui_admin"])
def test_the_imports_found_are_those_python_parses(name):
    """module_utils_imported reads the imports with a regular expression; ast must agree, file by file."""
    source, utils = _lite_read.sources(name)
    for text in [source, *utils.values()]:
        parsed = set()
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ImportFrom) and node.module == _lite_read._UTILS:
                parsed.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(_lite_read._UTILS + "."):
                parsed.add(node.module.split(".")[5])
        assert _lite_read.module_utils_imported(text) == parsed


def test_no_log_values_and_host_expanded_paths():
    spec = {
        "token": {"type": "str", "no_log": True},
        "nested": {"type": "dict", "options": {"key": {"type": "str", "no_log": True}}},
    }
    assert _lite_read.no_log_values(spec, {"token": "s3cret", "nested": {"key": "k3y"}}) == {"s3cret", "k3y"}
    spec = {"root": {"type": "path"}, "paths": {"type": "list", "elements": "path"}, "name": {"type": "str"}}
    assert _lite_read.expanded_on_host(spec, {"root": "~/data"})
    assert _lite_read.expanded_on_host(spec, {"paths": ["/srv", "$HOME/x"]})
    assert not _lite_read.expanded_on_host(spec, {"root": "/srv/data", "name": "~not-a-path"})
