# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""homelab.ai_stack.gpu_facts end to end: real processes, recorded tools on PATH (tests/fakebin)."""

from __future__ import annotations

import contextlib
import json
import os
import pathlib
from unittest import mock

import pytest
from ansible.module_utils.common import warnings as warnings_store
from ansible.module_utils.testing import patch_module_args

from ansible_collections.homelab.ai_stack.plugins.modules import gpu_facts

TESTS = pathlib.Path(__file__).resolve().parents[3]
FAKEBIN = TESTS / "fakebin"
FIXTURES = pathlib.Path(__file__).resolve().parent / "fixtures" / "gpu"
RUNTIME_JSON = '{"runtimes": {"nvidia": {"path": "nvidia-container-runtime", "args": []}}}'


@pytest.fixture
def host(tmp_path, monkeypatch):
    """A PATH holding only the tools a test installs, an empty sysfs and no daemon.json."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (tmp_path / "sys").mkdir()
    monkeypatch.setenv("PATH", f"{bindir}:/usr/bin:/bin")
    for name in ("FAKE_NVIDIA_SMI_XML", "FAKE_NVIDIA_SMI_MODE"):
        monkeypatch.delenv(name, raising=False)

    class Host:
        root = tmp_path
        sysfs = tmp_path / "sys"
        daemon_json = tmp_path / "daemon.json"

        @staticmethod
        def install(name, script=None):
            target = bindir / name
            if script is None:
                target.symlink_to(FAKEBIN / name)
            else:
                target.write_text("#!/bin/sh\n" + script)
                target.chmod(0o755)

        @staticmethod
        def args(**extra):
            return {"sysfs_root": str(Host.sysfs), "docker_daemon_json": str(Host.daemon_json), **extra}

    return Host


def _message(warning):
    # ansible-core 2.19 returns {"event": {"msg": ...}} summaries; older releases plain strings.
    return warning["event"]["msg"] if isinstance(warning, dict) else warning


def run_module(capsys, args, check_mode=False):
    args = dict(args)
    if check_mode:
        args["_ansible_check_mode"] = True
    # Warnings are collected process-wide; each run must start with none.
    with contextlib.ExitStack() as stack:
        stack.enter_context(patch_module_args(args))
        stack.enter_context(mock.patch.dict(warnings_store._global_warnings, clear=True))
        exit_info = stack.enter_context(pytest.raises(SystemExit))
        gpu_facts.main()
    result = json.loads(capsys.readouterr().out)
    result["rc"] = exit_info.value.code
    if "warnings" in result:
        result["warnings"] = [_message(w) for w in result["warnings"]]
    return result


def pci_device(sysfs, slot, vendor, device, driver=None):
    path = sysfs / "bus" / "pci" / "devices" / slot
    path.mkdir(parents=True)
    (path / "vendor").write_text(vendor + "\n")
    (path / "device").write_text(device + "\n")
    (path / "class").write_text("0x030000\n")
    if driver:
        os.symlink("../../../bus/pci/drivers/" + driver, path / "driver")


def test_no_gpu_no_tools(host, capsys):
    result = run_module(capsys, host.args())
    assert result["rc"] == 0
    assert result["changed"] is False
    assert result["ansible_facts"] == {
        "ai_stack_gpus": [],
        "ai_stack_gpu_count": 0,
        "ai_stack_nvidia_container_runtime": False,
    }
    assert "warnings" not in result


@pytest.mark.parametrize("check_mode", [False, True])
def test_recorded_rtx_3060(host, capsys, check_mode):
    host.install("nvidia-smi")
    result = run_module(capsys, host.args(), check_mode=check_mode)
    assert result["rc"] == 0
    assert result["changed"] is False
    facts = result["ansible_facts"]
    assert facts["ai_stack_gpu_count"] == 1
    assert facts["ai_stack_gpus"] == [
        {
            "index": 0,
            "vendor": "nvidia",
            "name": "NVIDIA GeForce RTX 3060",
            "uuid": "GPU-d6889ff6-2523-9142-ca3c-1ca3f396a625",
            "pci_bus_id": "0000:2d:00.0",
            "pci_id": "10de:2487",
            "memory_total_mib": 12288,
            "memory_used_mib": 116,
            "memory_free_mib": 11806,
            "memory_reserved_mib": 368,
            "driver_version": "570.124.04",
            "cuda_version": "12.8",
            "compute_capability": "8.6",
            "architecture": "Ampere",
            "gfx_target": None,
            "mig_mode": None,
            "mig_devices": [],
            "kernel_driver": "nvidia",
            "source": "nvidia-smi",
        }
    ]
    assert "warnings" not in result


def test_attached_gpus_mismatch_is_a_warning(host, capsys, monkeypatch):
    host.install("nvidia-smi")
    monkeypatch.setenv("FAKE_NVIDIA_SMI_XML", str(FIXTURES / "nvidia-smi-xml" / "telegraf_a100-sxm4-v12.xml"))
    result = run_module(capsys, host.args())
    assert result["rc"] == 0
    gpu = result["ansible_facts"]["ai_stack_gpus"][0]
    assert (gpu["name"], gpu["mig_mode"], len(gpu["mig_devices"])) == ("NVIDIA A100-SXM4-80GB", True, 4)
    assert [d["memory_total_mib"] for d in gpu["mig_devices"]] == [19968] * 4
    assert len(result["warnings"]) == 1
    assert "reports 4 attached GPUs but describes 1" in result["warnings"][0]


def test_driver_library_mismatch_warns_and_keeps_the_card_from_sysfs(host, capsys, monkeypatch):
    host.install("nvidia-smi")
    monkeypatch.setenv("FAKE_NVIDIA_SMI_MODE", "mismatch")
    pci_device(host.sysfs, "0000:2d:00.0", "0x10de", "0x2487", driver="nvidia")
    result = run_module(capsys, host.args())
    assert result["rc"] == 0
    assert len(result["warnings"]) == 1
    assert "Failed to initialize NVML: Driver/library version mismatch" in result["warnings"][0]
    assert "reboot" in result["warnings"][0]
    gpus = result["ansible_facts"]["ai_stack_gpus"]
    assert [(g["vendor"], g["pci_bus_id"], g["kernel_driver"], g["source"], g["architecture"]) for g in gpus] == [
        ("nvidia", "0000:2d:00.0", "nvidia", "sysfs", "Ampere")
    ]
    assert gpus[0]["memory_total_mib"] == 0


def test_no_devices_found_is_silent(host, capsys, monkeypatch):
    host.install("nvidia-smi")
    monkeypatch.setenv("FAKE_NVIDIA_SMI_MODE", "nodevice")
    result = run_module(capsys, host.args())
    assert result["ansible_facts"]["ai_stack_gpus"] == []
    assert "warnings" not in result


def test_driverless_card_is_reported_with_a_warning(host, capsys):
    pci_device(host.sysfs, "0000:01:00.0", "0x10de", "0x2504")
    result = run_module(capsys, host.args())
    gpu = result["ansible_facts"]["ai_stack_gpus"][0]
    assert (gpu["name"], gpu["kernel_driver"], gpu["architecture"], gpu["compute_capability"]) == (
        "NVIDIA GPU 10de:2504",
        None,
        "Ampere",
        "8.6",
    )
    assert result["warnings"] == [
        "NVIDIA GPU 0000:01:00.0 (NVIDIA GPU 10de:2504) has no kernel driver bound; "
        "it cannot run workloads until the driver is installed"
    ]


def test_recorded_sysfs_tree_without_tools(host, capsys, tmp_path):
    from ansible_collections.homelab.ai_stack.tests.unit.plugins.module_utils.test_gpu import extract_ttar

    sysfs = extract_ttar(FIXTURES / "sysfs" / "procfs_fixtures_sys_class_drm.ttar", tmp_path / "ttar") / "sys"
    result = run_module(capsys, host.args(sysfs_root=str(sysfs)))
    gpus = result["ansible_facts"]["ai_stack_gpus"]
    assert [(g["vendor"], g["index"], g["pci_bus_id"], g["memory_total_mib"], g["kernel_driver"]) for g in gpus] == [
        ("amd", 0, "0000:09:00.0", 8176, "amdgpu"),
        ("intel", 0, "0000:00:02.0", 0, "i915"),
    ]
    assert "warnings" not in result


def test_rocm_smi(host, capsys):
    host.install("rocm-smi", f"cat '{FIXTURES / 'rocm-smi' / 'mi100_rocm571.json'}'\n")
    result = run_module(capsys, host.args())
    gpus = result["ansible_facts"]["ai_stack_gpus"]
    assert result["ansible_facts"]["ai_stack_gpu_count"] == 6
    assert [g["index"] for g in gpus] == [0, 1, 2, 3, 4, 5]
    assert {(g["vendor"], g["memory_total_mib"], g["architecture"], g["source"]) for g in gpus} == {
        ("amd", 32752, "CDNA", "rocm-smi")
    }


def test_rocm_smi_failure_falls_back_to_amd_smi(host, capsys):
    host.install("rocm-smi", "echo 'ERROR: amdgpu not found in modules' >&2\nexit 1\n")
    fixture = FIXTURES / "amd-smi" / "device-metrics-exporter_mi210_amd-smi-static.json"
    host.install("amd-smi", f'[ "$1 $2" = "static --json" ] || exit 3\ncat \'{fixture}\'\n')
    result = run_module(capsys, host.args())
    gpus = result["ansible_facts"]["ai_stack_gpus"]
    assert [(g["name"], g["memory_total_mib"], g["gfx_target"], g["source"]) for g in gpus] == [
        ("AMD Instinct MI210", 65520, "gfx90a", "amd-smi")
    ]


def test_hung_nvidia_smi_times_out_with_a_warning(host, capsys, monkeypatch):
    host.install("nvidia-smi")
    monkeypatch.setenv("FAKE_NVIDIA_SMI_MODE", "hang")
    result = run_module(capsys, host.args(command_timeout=1))
    assert result["rc"] == 0
    assert result["ansible_facts"]["ai_stack_gpus"] == []
    assert len(result["warnings"]) == 1
    assert "did not answer within 1 seconds" in result["warnings"][0]


def test_garbage_output_is_a_warning(host, capsys):
    host.install("nvidia-smi", "echo 'this is not xml'\n")
    result = run_module(capsys, host.args())
    assert result["rc"] == 0
    assert result["ansible_facts"]["ai_stack_gpus"] == []
    assert result["warnings"][0].startswith("nvidia-smi: nvidia-smi -q -x did not print XML")


def test_command_timeout_must_be_positive(host, capsys):
    result = run_module(capsys, host.args(command_timeout=0))
    assert result["rc"] == 1
    assert result["failed"] is True
    assert result["msg"] == "command_timeout must be at least 1 second, got 0"


@pytest.mark.parametrize(
    "runtime_installed, daemon_json, docker_info, expected",
    [
        (True, RUNTIME_JSON, None, True),
        (False, RUNTIME_JSON, None, False),
        (True, '{"log-driver": "journald"}', None, False),
        (True, None, '{"nvidia":{"path":"nvidia-container-runtime"},"runc":{"path":"runc"}}', True),
        (True, None, '{"runc":{"path":"runc"}}', False),
        (True, "{broken", "Cannot connect to the Docker daemon", False),
    ],
)
def test_container_runtime(host, capsys, runtime_installed, daemon_json, docker_info, expected):
    if runtime_installed:
        host.install("nvidia-container-runtime")
    if daemon_json is not None:
        host.daemon_json.write_text(daemon_json)
    if docker_info is not None:
        rc = 0 if docker_info.startswith("{") else 1
        host.install("docker", f"echo '{docker_info}'\nexit {rc}\n")
    result = run_module(capsys, host.args())
    assert result["rc"] == 0
    assert result["ansible_facts"]["ai_stack_nvidia_container_runtime"] is expected


def test_fake_nvidia_smi_query_matches_the_capture(host):
    """The zabbix agent and Molecule use the stand-in's CSV answers: keep them tied to the XML."""
    import subprocess

    out = subprocess.run(
        [str(FAKEBIN / "nvidia-smi"), "--query-gpu=index,name,memory.total,memory.used,temperature.gpu",
         "--format=csv,noheader,nounits"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    assert out == "0, NVIDIA GeForce RTX 3060, 12288, 116, 42\n"
