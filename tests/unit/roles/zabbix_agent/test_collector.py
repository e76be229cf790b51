# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Zabbix collector (roles/zabbix_agent/files/ai_stack_zabbix.py) against recorded nvidia-smi output."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

import pytest

# (fixture, used MiB, total MiB, used %, util %, temp C, power W, limit W, throttle reasons, harmful)
GPUS = [
    ("telegraf_rtx-3090-v12.xml", 1, 24576, 0.0, 0, 37, 27.23, 200, ["gpu_idle"], 0),
    ("telegraf_rtx-3080-v13.xml", 9184, 10240, 89.69, 65, 27, 142.33, 320, [], 0),
    ("datakit_gtx-1card.xml", 12311, 32510, 37.87, 91, 66, 170.16, 250, [], 0),
    # MIG: utilisation is N/A at GPU level; the MIG devices' own memory is not the GPU's.
    ("telegraf_a100-sxm4-v12.xml", 50, 81920, 0.06, None, 27, 67.03, 500, [], 0),
]


@pytest.mark.parametrize(
    ("fixture", "used", "total", "pused", "util", "temp", "power", "limit", "reasons", "harmful"), GPUS
)
def test_parse_recorded(
    collector, fixtures_dir, fixture, used, total, pused, util, temp, power, limit, reasons, harmful
):
    (gpu,) = collector.parse_nvidia_smi_xml((fixtures_dir / fixture).read_text())
    assert gpu["index"] == 0
    assert gpu["uuid"].startswith("GPU-")
    assert (gpu["memory_used_mib"], gpu["memory_total_mib"], gpu["memory_used_pct"]) == (used, total, pused)
    assert (gpu["utilization_pct"], gpu["temperature_c"]) == (util, temp)
    assert (gpu["power_draw_w"], gpu["power_limit_w"]) == (power, limit)
    assert (gpu["throttle_reasons"], gpu["throttle_active"]) == (reasons, harmful)


def _two_gpus_throttled(fixtures_dir):
    """Two GPUs in one document; the second hot and held back by hw_thermal_slowdown (v13 names)."""
    first = ET.parse(fixtures_dir / "telegraf_rtx-3090-v12.xml").getroot()
    second = ET.parse(fixtures_dir / "telegraf_rtx-3080-v13.xml").getroot().find("gpu")
    second.find("temperature/gpu_temp").text = "84 C"
    second.find("clocks_event_reasons/clocks_event_reason_hw_thermal_slowdown").text = "Active"
    first.append(second)
    return ET.tostring(first, encoding="unicode")


def test_multi_gpu_and_throttling(collector, fixtures_dir):
    gpus = collector.parse_nvidia_smi_xml(_two_gpus_throttled(fixtures_dir))
    assert [g["index"] for g in gpus] == [0, 1]
    assert gpus[1]["temperature_c"] == 84
    assert gpus[1]["throttle_reasons"] == ["hw_thermal_slowdown"]
    assert gpus[1]["throttle_active"] == 1
    assert gpus[0]["throttle_active"] == 0  # idle is not throttling
    assert collector.gpu_discovery(gpus) == [
        {
            "{#GPU.INDEX}": "0",
            "{#GPU.UUID}": "GPU-12345678-aaaa-bbbb-cccc-0123456789ab",
            "{#GPU.NAME}": "NVIDIA GeForce RTX 3090",
        },
        {
            "{#GPU.INDEX}": "1",
            "{#GPU.UUID}": "GPU-19d6d965-2acc-f646-00f8-4c76979aabb4",
            "{#GPU.NAME}": "NVIDIA GeForce RTX 3080",
        },
    ]
    assert collector.gpu_metric(gpus, "1", "temperature_c") == 84
    assert collector.gpu_metric(gpus, "GPU-19d6d965-2acc-f646-00f8-4c76979aabb4", "memory_used_mib") == 9184
    assert collector.gpu_metric(gpus, "0", "throttle_reasons") == "gpu_idle"
    with pytest.raises(collector.CollectorError, match="no GPU '7'"):
        collector.gpu_metric(gpus, "7", "temperature_c")
    with pytest.raises(collector.CollectorError, match="unknown GPU metric"):
        collector.gpu_metric(gpus, "0", "vram")


def test_bad_xml(collector):
    with pytest.raises(collector.CollectorError, match="does not parse"):
        collector.parse_nvidia_smi_xml("<nvidia_smi_log><gpu>")


def _fake_smi(tmp_path, body, rc=0):
    script = tmp_path / "nvidia-smi"
    script.write_text(f"#!/bin/sh\ncat <<'XML'\n{body}\nXML\nexit {rc}\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def run_cli(collector, args, env):
    return subprocess.run(
        [sys.executable, collector.__file__, *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        check=False,
    )


def test_cli_with_recorded_nvidia_smi(collector, fixtures_dir, tmp_path):
    fake = _fake_smi(tmp_path, _two_gpus_throttled(fixtures_dir))
    env = {"PATH": f"{tmp_path}:/usr/bin:/bin"}
    discovery = run_cli(collector, ["gpu.discovery"], env)
    assert json.loads(discovery.stdout)[1]["{#GPU.INDEX}"] == "1"
    data = json.loads(run_cli(collector, ["gpu.get"], env).stdout)
    assert [g["memory_used_pct"] for g in data] == [0.0, 89.69]
    assert run_cli(collector, ["gpu.metric", "1", "throttle_active"], env).stdout.strip() == "1"
    assert (
        run_cli(collector, ["gpu.metric", "0", "power_draw_w"], {"AI_STACK_NVIDIA_SMI": str(fake)}).stdout.strip()
        == "27.23"
    )


def test_cli_without_gpu_is_empty_not_broken(collector, tmp_path):
    env = {"PATH": str(tmp_path)}  # no nvidia-smi anywhere
    assert run_cli(collector, ["gpu.discovery"], env).stdout.strip() == "[]"
    assert run_cli(collector, ["gpu.get"], env).stdout.strip() == "[]"
    result = run_cli(collector, ["gpu.metric", "0", "temperature_c"], env)
    assert result.stdout.startswith("ZBX_NOTSUPPORTED: no GPU")
    assert result.returncode == 1


def test_cli_driver_not_loaded_is_no_gpu(collector, tmp_path):
    script = tmp_path / "nvidia-smi"
    script.write_text(
        '#!/bin/sh\necho "NVIDIA-SMI has failed because it couldn\'t communicate with the NVIDIA driver."\nexit 9\n'
    )
    script.chmod(0o755)
    assert run_cli(collector, ["gpu.discovery"], {"PATH": f"{tmp_path}:/usr/bin:/bin"}).stdout.strip() == "[]"


MOUNTS = """sysfs /sys sysfs rw 0 0
nas:/tank/ai /mnt/ai nfs4 rw,relatime,vers=4.2,hard 0 0
nas:/tank/my\\040models /mnt/my\\040models nfs rw,vers=3 0 0
tmpfs /run tmpfs rw 0 0
"""
MOUNTSTATS = """device sysfs mounted on /sys with fstype sysfs
device nas:/tank/ai mounted on /mnt/ai with fstype nfs4 statvers=1.1
\topts:\trw,vers=4.2
\tper-op statistics
\t        NULL: 0 0 0 0 0 0 0 0
\t        READ: 200 200 0 30000 2000000 10 500 700 0
\t       WRITE: 50 50 0 900000 8000 5 250 300 0
\t     GETATTR: 0 0 0 0 0 0 0 0 0
"""


def test_nfs_parsing(collector):
    assert collector.parse_mounts(MOUNTS) == [
        ("/mnt/ai", "nas:/tank/ai", "nfs4"),
        ("/mnt/my models", "nas:/tank/my\\040models", "nfs"),
    ]
    stats = collector.parse_mountstats(MOUNTSTATS)
    assert stats["/mnt/ai"]["read_rtt_ms"] == 2.5
    assert stats["/mnt/ai"]["read_exec_ms"] == 3.5
    assert stats["/mnt/ai"]["write_rtt_ms"] == 5.0
    assert stats["/mnt/ai"]["getattr_rtt_ms"] == 0


def test_nfs_probe_of_missing_mount_and_timeout(collector, tmp_path, monkeypatch):
    assert collector.probe(str(tmp_path)) is not None
    assert collector.probe(str(tmp_path / "gone")) is None
    assert collector.probe("/hung", timeout=0.2, stat=lambda _p: time.sleep(2)) is None
    monkeypatch.setattr(collector, "probe", lambda _path: None)
    rows = collector.nfs_get("nas:/x /hung nfs rw 0 0\n", "")
    assert rows == [{"mountpoint": "/hung", "source": "nas:/x", "fstype": "nfs", "probe_ms": None, "responding": 0}]


def test_memory_pressure(collector):
    psi = collector.parse_psi(
        "some avg10=1.50 avg60=0.25 avg300=0.00 total=123\nfull avg10=0.75 avg60=0.10 avg300=0.00 total=9\n"
    )
    assert psi["some"]["avg10"] == 1.5
    assert psi["full"]["avg60"] == 0.1
