# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Zabbix Agent 2 user parameters of the AI stack: GPUs, NFS mounts, memory pressure.

Installed by homelab.ai_stack.zabbix_agent and called from
ai_stack.conf (UserParameter=ai_stack.<what>[*]). Stdlib only.

A host without a GPU or without NFS mounts is not an error: discovery
returns [] and the JSON getters return empty lists, so Zabbix creates no
items for them instead of unsupported ones.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET

NVIDIA_SMI_TIMEOUT = 10
NFS_PROBE_TIMEOUT = 5
THROTTLE_REASONS = (
    "gpu_idle",
    "applications_clocks_setting",
    "sw_power_cap",
    "hw_slowdown",
    "hw_thermal_slowdown",
    "hw_power_brake_slowdown",
    "sync_boost",
    "sw_thermal_slowdown",
    "display_clocks_setting",
)
# Reasons that mean the GPU is held back by heat or power, not merely idle
# or capped by an application setting: what the throttling trigger is about.
HARMFUL_REASONS = (
    "sw_power_cap",
    "hw_slowdown",
    "hw_thermal_slowdown",
    "hw_power_brake_slowdown",
    "sw_thermal_slowdown",
)
_NUMBER_RE = re.compile(r"^\s*(-?\d+(?:\.\d+)?)")


class CollectorError(Exception):
    pass


def _number(text):
    """'24576 MiB' -> 24576.0; 'N/A', '[N/A]', '' -> None."""
    if text is None:
        return None
    match = _NUMBER_RE.match(text)
    return float(match.group(1)) if match else None


def _first(node, *paths):
    for path in paths:
        found = node.find(path)
        if found is not None and found.text is not None and _number(found.text) is not None:
            return _number(found.text)
    return None


def _int_or_float(value):
    if value is None:
        return None
    return int(value) if float(value).is_integer() else round(value, 2)


def parse_nvidia_smi_xml(text):
    """Per-GPU metrics from `nvidia-smi -q -x` (schemas v10 to v13)."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise CollectorError(f"nvidia-smi XML does not parse: {exc}") from exc
    gpus = []
    for index, gpu in enumerate(root.findall("gpu")):
        used = _first(gpu, "fb_memory_usage/used")
        total = _first(gpu, "fb_memory_usage/total")
        reasons_node = gpu.find("clocks_event_reasons")
        prefix = "clocks_event_reason_"
        if reasons_node is None:
            reasons_node = gpu.find("clocks_throttle_reasons")
            prefix = "clocks_throttle_reason_"
        active = []
        if reasons_node is not None:
            for reason in THROTTLE_REASONS:
                node = reasons_node.find(prefix + reason)
                if node is not None and (node.text or "").strip() == "Active":
                    active.append(reason)
        harmful = [reason for reason in active if reason in HARMFUL_REASONS]
        gpus.append(
            {
                "index": index,
                "uuid": (gpu.findtext("uuid") or "").strip(),
                "name": (gpu.findtext("product_name") or "").strip(),
                "bus_id": gpu.get("id", ""),
                "memory_used_mib": _int_or_float(used),
                "memory_total_mib": _int_or_float(total),
                "memory_used_pct": round(100.0 * used / total, 2) if used is not None and total else None,
                "utilization_pct": _int_or_float(_first(gpu, "utilization/gpu_util")),
                "temperature_c": _int_or_float(_first(gpu, "temperature/gpu_temp")),
                "power_draw_w": _int_or_float(
                    _first(
                        gpu,
                        "power_readings/power_draw",
                        "gpu_power_readings/power_draw",
                        "gpu_power_readings/instant_power_draw",
                        "gpu_power_readings/average_power_draw",
                    )
                ),
                "power_limit_w": _int_or_float(
                    _first(
                        gpu,
                        "power_readings/power_limit",
                        "power_readings/enforced_power_limit",
                        "gpu_power_readings/current_power_limit",
                        "gpu_power_readings/enforced_power_limit",
                    )
                ),
                "throttle_reasons": active,
                "throttle_active": 1 if harmful else 0,
                "throttle_text": ", ".join(active) if active else "none",
            }
        )
    return gpus


def read_gpus(nvidia_smi=None):
    """GPU list from nvidia-smi; [] when there is no nvidia-smi (a host without a GPU)."""
    binary = nvidia_smi or shutil.which("nvidia-smi")
    if not binary:
        return []
    try:
        proc = subprocess.run(
            [binary, "-q", "-x"], capture_output=True, text=True, timeout=NVIDIA_SMI_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise CollectorError(f"nvidia-smi did not answer: {exc}") from exc
    if proc.returncode != 0:
        # No driver loaded ("couldn't communicate with the NVIDIA driver"): same as no GPU.
        if "NVIDIA-SMI has failed" in proc.stdout + proc.stderr or "No devices were found" in proc.stdout + proc.stderr:
            return []
        raise CollectorError(f"nvidia-smi exited {proc.returncode}: {(proc.stderr or proc.stdout).strip()[:200]}")
    return parse_nvidia_smi_xml(proc.stdout)


def gpu_discovery(gpus):
    return [{"{#GPU.INDEX}": str(g["index"]), "{#GPU.UUID}": g["uuid"], "{#GPU.NAME}": g["name"]} for g in gpus]


def gpu_metric(gpus, index, metric):
    for gpu in gpus:
        if str(gpu["index"]) == str(index) or gpu["uuid"] == index:
            if metric not in gpu:
                raise CollectorError(f"unknown GPU metric {metric!r}; known: {', '.join(sorted(gpu))}")
            value = gpu[metric]
            if isinstance(value, list):
                return ",".join(value)
            return "" if value is None else value
    raise CollectorError(f"no GPU {index!r}")


# --- NFS -----------------------------------------------------------------------


def parse_mounts(text):
    """NFS mounts from /proc/self/mounts: [(mountpoint, source, fstype)]."""
    mounts = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 3 and fields[2] in ("nfs", "nfs4"):
            mountpoint = fields[1].encode().decode("unicode_escape")
            mounts.append((mountpoint, fields[0], fields[2]))
    return mounts


def parse_mountstats(text):
    """Average RTT and execute time per READ/WRITE op for each NFS mount (/proc/self/mountstats)."""
    stats = {}
    current = None
    for line in text.splitlines():
        if line.startswith("device "):
            match = re.match(r"device (\S+) mounted on (\S+) with fstype (nfs4?)\b", line)
            current = match.group(2) if match else None
            if current:
                stats[current] = {}
            continue
        if current is None:
            continue
        match = re.match(r"\s+(READ|WRITE|GETATTR):\s+(.*)$", line)
        if match:
            fields = [int(f) for f in match.group(2).split()]
            # ops trans timeouts bytes_sent bytes_recv queue rtt execute [errors]
            ops, rtt, execute = fields[0], fields[6], fields[7]
            name = match.group(1).lower()
            stats[current][f"{name}_ops"] = ops
            stats[current][f"{name}_rtt_ms"] = round(rtt / ops, 3) if ops else 0
            stats[current][f"{name}_exec_ms"] = round(execute / ops, 3) if ops else 0
    return stats


def probe(path, timeout=NFS_PROBE_TIMEOUT, stat=os.stat):
    """Milliseconds a stat() of the mount takes; None when it fails or hangs past the timeout (dead server)."""
    result = {}

    def target():
        start = time.monotonic()
        try:
            stat(path)
            result["ms"] = round((time.monotonic() - start) * 1000, 3)
        except OSError as exc:
            result["error"] = str(exc)

    # A stat on a hung hard mount never returns: a daemon thread lets us answer anyway.
    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(timeout)
    return result.get("ms")


def nfs_get(mounts_text, mountstats_text):
    stats = parse_mountstats(mountstats_text)
    out = []
    for mountpoint, source, fstype in parse_mounts(mounts_text):
        entry = {"mountpoint": mountpoint, "source": source, "fstype": fstype, "probe_ms": probe(mountpoint)}
        entry["responding"] = 0 if entry["probe_ms"] is None else 1
        entry.update(stats.get(mountpoint, {}))
        out.append(entry)
    return out


# --- memory pressure -----------------------------------------------------------


def parse_psi(text):
    """/proc/pressure/memory -> {'some': {'avg10': 0.0, ...}, 'full': {...}}."""
    out = {}
    for line in text.splitlines():
        fields = line.split()
        if fields and fields[0] in ("some", "full"):
            out[fields[0]] = {k: float(v) for k, v in (f.split("=", 1) for f in fields[1:])}
    return out


def _read(path):
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def main(argv):
    if not argv:
        raise CollectorError(
            "usage: ai_stack_zabbix.py gpu.discovery|gpu.get|gpu.metric|nfs.discovery|nfs.get|memory.pressure"
        )
    command, args = argv[0], argv[1:]
    nvidia_smi = os.environ.get("AI_STACK_NVIDIA_SMI")
    if command == "gpu.discovery":
        return json.dumps(gpu_discovery(read_gpus(nvidia_smi)))
    if command == "gpu.get":
        return json.dumps(read_gpus(nvidia_smi))
    if command == "gpu.metric":
        if len(args) != 2:
            raise CollectorError("gpu.metric needs <index|uuid> <metric>")
        return str(gpu_metric(read_gpus(nvidia_smi), args[0], args[1]))
    if command == "nfs.discovery":
        mounts = parse_mounts(_read("/proc/self/mounts"))
        return json.dumps([{"{#NFS.MOUNT}": m, "{#NFS.SOURCE}": s} for m, s, _t in mounts])
    if command == "nfs.get":
        try:
            mountstats = _read("/proc/self/mountstats")
        except OSError:
            mountstats = ""
        return json.dumps(nfs_get(_read("/proc/self/mounts"), mountstats))
    if command == "memory.pressure":
        kind = args[0] if args else "some"
        window = args[1] if len(args) > 1 else "avg60"
        try:
            psi = parse_psi(_read("/proc/pressure/memory"))
        except OSError as exc:
            raise CollectorError(f"no PSI on this kernel: {exc}") from exc
        if kind not in psi or window not in psi[kind]:
            raise CollectorError(f"no memory pressure {kind} {window}")
        return str(psi[kind][window])
    raise CollectorError(f"unknown command {command!r}")


if __name__ == "__main__":
    try:
        print(main(sys.argv[1:]))
    except CollectorError as error:
        # Zabbix marks the item unsupported with this text.
        print(f"ZBX_NOTSUPPORTED: {error}")
        sys.exit(1)
