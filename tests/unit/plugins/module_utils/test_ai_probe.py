# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pre-flight read of the ollama and comfyui roles (module_utils/_ai_probe.py, module ai_host_probe)
and what the settings filters make of it: on a real /proc/meminfo (recorded on the Debian 12 build host)
and real directory trees laid out as Ollama lays out its models directory."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ansible_collections.homelab.ai_stack.plugins.module_utils import _ai_probe as p
from ansible_collections.homelab.ai_stack.plugins.module_utils import _ai_services as s

MEMINFO = Path(__file__).resolve().parent / "fixtures" / "ai_probe" / "meminfo_debian12_host.txt"


def pulled(models_dir, *names):
    """Manifests as Ollama writes them: manifests/registry.ollama.ai/library/<name>/<tag>."""
    for name in names:
        model, _sep, tag = name.partition(":")
        path = models_dir / p.OLLAMA_LIBRARY / model / (tag or "latest")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}")


def test_memory_from_the_recorded_meminfo():
    kb = int(MEMINFO.read_text().split("MemTotal:")[1].split()[0])
    assert p.memtotal_mib(MEMINFO.read_text()) == kb // 1024
    assert p.memtotal_mib("") is None
    result, warnings = p.probe("/nonexistent-models", meminfo=str(MEMINFO))
    assert result["memtotal_mib"] == kb // 1024
    assert warnings == []


def test_a_missing_models_path_is_measured_where_it_would_be_created(tmp_path):
    line = p.models_fs_line(str(tmp_path / "a" / "b" / "models"))
    state, nearest, free = line.split()
    assert (state, nearest) == ("ok", str(tmp_path))
    assert int(free) == os.statvfs(tmp_path).f_bavail * os.statvfs(tmp_path).f_frsize


def test_a_file_in_the_way_is_not_a_directory(tmp_path):
    (tmp_path / "file").write_text("x")
    assert p.models_fs_line(str(tmp_path / "file" / "models")) == f"notdir {tmp_path / 'file'} 0"
    error = s.models_room_error("ollama_models_path", "/x", p.models_fs_line(str(tmp_path / "file" / "m")))
    assert "is not a directory" in error


def test_a_read_only_file_system_is_not_writable(tmp_path, monkeypatch):
    real = os.statvfs(tmp_path)
    fields = {k: getattr(real, k) for k in ("f_bavail", "f_frsize")}
    ro = type("StatVfs", (), dict(fields, f_flag=os.ST_RDONLY))()
    monkeypatch.setattr(p.os, "statvfs", lambda path: ro)
    line = p.models_fs_line(str(tmp_path / "models"))
    assert line == f"readonly {tmp_path} 0"
    assert "is not writable" in s.models_room_error("comfyui_models_path", "/m", line)


def test_a_directory_without_write_access_is_not_writable(tmp_path, monkeypatch):
    monkeypatch.setattr(p.os, "access", lambda path, mode: False)
    assert p.models_fs_line(str(tmp_path / "models")) == f"readonly {tmp_path} 0"


@pytest.mark.parametrize("path", ["", "models", "relative/models"])
def test_a_relative_path_is_not_probed(path):
    assert p.models_fs_line(path) == ""


def test_the_ollama_library_lists_models_and_tags(tmp_path):
    pulled(tmp_path, "llama3.2:3b", "qwen2.5:0.5b", "tinyllama")
    assert p.ollama_library(str(tmp_path)) == [
        "llama3.2",
        "llama3.2/3b",
        "qwen2.5",
        "qwen2.5/0.5b",
        "tinyllama",
        "tinyllama/latest",
    ]
    assert p.ollama_library(str(tmp_path / "none")) == []
    assert p.missing_models(["llama3.2:3b", "llama3.2:1b", "tinyllama", "phi3"], p.ollama_library(str(tmp_path))) == [
        "llama3.2:1b",
        "phi3",
    ]


def test_records_are_read_as_json_or_null_with_a_warning(tmp_path):
    good, bad = tmp_path / "ollama.json", tmp_path / "bad.json"
    good.write_text(json.dumps({"models": [{"name": "llama3.2:3b"}]}))
    bad.write_text("{not json")
    result, warnings = p.probe(str(tmp_path), records=[str(good), str(bad), str(tmp_path / "missing.json")])
    assert result["records"] == {
        str(good): {"models": [{"name": "llama3.2:3b"}]},
        str(bad): None,
        str(tmp_path / "missing.json"): None,
    }
    assert len(warnings) == 1 and str(bad) in warnings[0]


def test_the_network_gateway_is_read_with_docker_or_null_when_the_network_is_missing():
    calls = []

    def run(argv):
        calls.append(argv)
        return (0, "172.30.0.1\n", "") if argv[-1] == "self-hosted" else (1, "", "Error: No such network")

    assert p.network_gateway("self-hosted", run) == "172.30.0.1"
    assert p.network_gateway("other", run) is None
    assert calls[0] == [
        "docker",
        "network",
        "inspect",
        "--format",
        "{{range .IPAM.Config}}{{.Gateway}}{{end}}",
        "self-hosted",
    ]
