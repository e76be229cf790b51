# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""homelab.ai_stack.host_facts end to end: real processes, the recorded outputs of the test container on PATH."""

from __future__ import annotations

import pathlib

from ansible_collections.homelab.ai_stack.plugins.modules import host_facts


def test_facts_from_every_tool(run_module, tools, tmp_path):
    (tmp_path / "pending").mkdir()
    (tmp_path / "pending" / "docker-restart").write_text("")
    args = {
        "services": ["docker", "firewalld", "zabbix-agent2", "cron"],
        "storage": str(tmp_path / "cold"),
        "paths": [str(tmp_path), str(tmp_path / "cold")],
        "pending_dir": str(tmp_path / "pending"),
    }
    result = run_module(host_facts.main, args, check_mode=True)
    assert result["changed"] is False
    facts = result["ansible_facts"]["ai_stack_host"]
    assert facts["interfaces"]["tailscale0"] == ["100.100.7.9"]
    assert "100.100.7.9" in facts["addresses"]
    assert {"proto": "tcp", "address": "*", "port": 8080, "process": "python3"} in facts["listeners"]
    assert facts["services"] == {"docker": "active", "firewalld": "absent", "zabbix-agent2": "absent", "cron": "active"}
    assert facts["units"]["docker"] == {"active": "active", "enabled": "enabled"}
    assert facts["docker_group"] == ["alice", "bob"]
    assert any(r["dev"] == "tailscale0" for r in facts["routes"])
    assert facts["pending_restarts"] == ["docker-restart"]
    assert facts["storage"]["kind"] == "absent" and facts["storage"]["probed"] == str(tmp_path)
    assert facts["paths"][str(tmp_path)]["type"] == "directory"
    assert facts["paths"][str(tmp_path / "cold")]["exists"] is False


def test_failing_tools_leave_their_part_empty(run_module, tools, tmp_path):
    for name in ("ip", "ss", "getent"):
        (tools / name).write_text("#!/bin/sh\necho broken >&2\nexit 1\n")
    result = run_module(host_facts.main, {"pending_dir": str(tmp_path / "none")})
    facts = result["ansible_facts"]["ai_stack_host"]
    assert facts["addresses"] == [] and facts["interfaces"] == {}
    assert facts["listeners"] == [] and facts["routes"] == []
    assert facts["docker_group"] is None
    assert facts["storage"] is None and facts["paths"] == {} and facts["pending_restarts"] == []
    assert any("failed (rc=1): broken" in str(w) for w in result.get("warnings", []))


def test_a_failing_systemctl_makes_the_services_unknown(run_module, tools):
    (tools / "systemctl").write_text("#!/bin/sh\necho 'System has not been booted with systemd' >&2\nexit 1\n")
    (tools / "getent").write_text("#!/bin/sh\nexit 2\n")
    facts = run_module(host_facts.main, {"services": ["docker"]})["ansible_facts"]["ai_stack_host"]
    assert facts["services"] == {"docker": "unknown"}
    assert facts["docker_group"] is None


def test_gpus_in_the_same_run(run_module, tools, monkeypatch, tmp_path):
    """gpus=true adds what gpu_facts sets; here the recorded RTX 3060 through tests/fakebin/nvidia-smi."""
    fakebin = pathlib.Path(__file__).resolve().parents[3] / "fakebin"
    (tools / "nvidia-smi").symlink_to(fakebin / "nvidia-smi")
    monkeypatch.delenv("FAKE_NVIDIA_SMI_XML", raising=False)
    monkeypatch.delenv("FAKE_NVIDIA_SMI_MODE", raising=False)
    facts = run_module(host_facts.main, {"gpus": True, "pending_dir": str(tmp_path)}, check_mode=True)["ansible_facts"]
    assert "ai_stack_host" in facts
    assert "GPU-d6889ff6-2523-9142-ca3c-1ca3f396a625" in [gpu["uuid"] for gpu in facts["ai_stack_gpus"]]
    assert facts["ai_stack_gpu_count"] == len(facts["ai_stack_gpus"])
    assert facts["ai_stack_nvidia_container_runtime"] is False


def test_no_gpu_facts_unless_asked(run_module, tools, tmp_path):
    facts = run_module(host_facts.main, {"pending_dir": str(tmp_path)})["ansible_facts"]
    assert list(facts) == ["ai_stack_host"]


def test_platform_facts_only_when_asked(run_module, tools):
    plain = run_module(host_facts.main, {}, check_mode=True)["ansible_facts"]
    assert "os_family" not in plain and "python" not in plain
    facts = run_module(host_facts.main, {"platform": True}, check_mode=True)["ansible_facts"]
    # This machine's own /etc/os-release: the values setup reports for it.
    assert facts["os_family"] and facts["distribution"] and facts["distribution_major_version"]
    assert facts["distribution_version"].startswith(facts["distribution_major_version"])
    assert facts["architecture"]
    assert facts["python"]["version"]["major"] == 3
    assert "ai_stack_host" in facts
