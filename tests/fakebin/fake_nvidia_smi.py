# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Recorded stand-in for nvidia-smi: answers from a captured `nvidia-smi -q -x`.

It proves that our code reads nvidia-smi correctly; it proves nothing about a
real GPU. See README.md beside it.

Environment (or a file beside the data, for hosts where the caller's
environment does not reach the command):
  FAKE_NVIDIA_SMI_XML   capture to answer from (default: data/nvidia-smi-q-x.xml)
  FAKE_NVIDIA_SMI_MODE  ok | mismatch | nodriver | nodevice | hang
                        (default: content of data/mode, else ok)
"""

import os
import sys
import time
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.realpath(__file__))
DATA = os.path.join(HERE, "data")

FAILURES = {
    "mismatch": (18, "Failed to initialize NVML: Driver/library version mismatch\nNVML library version: 570.124\n"),
    "nodriver": (
        9,
        "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. "
        "Make sure that the latest NVIDIA driver is installed and running.\n\n",
    ),
    "nodevice": (6, "No devices were found\n"),
}

# --query-gpu field -> (path in the <gpu> element or None for the root, unit printed by nvidia-smi)
QUERY_FIELDS = {
    "name": ("product_name", None),
    "uuid": ("uuid", None),
    "serial": ("serial", None),
    "pci.bus_id": ("pci/pci_bus_id", None),
    "vbios_version": ("vbios_version", None),
    "persistence_mode": ("persistence_mode", None),
    "pstate": ("performance_state", None),
    "memory.total": ("fb_memory_usage/total", "MiB"),
    "memory.reserved": ("fb_memory_usage/reserved", "MiB"),
    "memory.used": ("fb_memory_usage/used", "MiB"),
    "memory.free": ("fb_memory_usage/free", "MiB"),
    "utilization.gpu": ("utilization/gpu_util", "%"),
    "utilization.memory": ("utilization/memory_util", "%"),
    "temperature.gpu": ("temperature/gpu_temp", ""),
    "fan.speed": ("fan_speed", "%"),
    "power.draw": ("gpu_power_readings/instant_power_draw", "W"),
    "power.limit": ("gpu_power_readings/current_power_limit", "W"),
    "clocks.gr": ("clocks/graphics_clock", "MHz"),
    "clocks.sm": ("clocks/sm_clock", "MHz"),
    "clocks.mem": ("clocks/mem_clock", "MHz"),
    "mig.mode.current": ("mig_mode/current_mig", None),
}
ROOT_FIELDS = {"driver_version", "count", "timestamp"}


def setting(name, filename, default):
    value = os.environ.get(name)
    if value:
        return value
    try:
        with open(os.path.join(DATA, filename), encoding="utf-8") as handle:
            return handle.read().strip() or default
    except OSError:
        return default


def load():
    path = setting("FAKE_NVIDIA_SMI_XML", "xml", os.path.join(DATA, "nvidia-smi-q-x.xml"))
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    return text, ET.fromstring(text)


def value_of(root, gpu, index, field, units):
    if field == "index":
        return str(index)
    if field == "count":
        return str(len(root.findall("gpu")))
    if field in ROOT_FIELDS:
        return (root.findtext(field) or "[N/A]").strip()
    if field not in QUERY_FIELDS:
        return None
    path, unit = QUERY_FIELDS[field]
    raw = (gpu.findtext(path) or "N/A").strip()
    if raw == "N/A":
        return "[N/A]"
    number = raw.split(" ")[0]
    if unit is None:
        return raw
    if not units or unit == "":
        return number
    return f"{number} {unit}"


def header(field, units):
    unit = QUERY_FIELDS.get(field, (None, None))[1]
    if units and unit:
        return f"{field} [{unit}]"
    return field


def query(root, fields, fmt, only_index):
    options = fmt.split(",")
    if options[0] != "csv":
        sys.stdout.write(f'"{fmt}" is not a valid format.\n')
        return 2
    units = "nounits" not in options
    for field in fields:
        if field not in QUERY_FIELDS and field not in ROOT_FIELDS and field != "index":
            sys.stdout.write(f'Field "{field}" is not a valid field to query.\n\n')
            return 2
    if "noheader" not in options:
        sys.stdout.write(", ".join(header(field, units) for field in fields) + "\n")
    for index, gpu in enumerate(root.findall("gpu")):
        if only_index is not None and index != only_index:
            continue
        sys.stdout.write(", ".join(value_of(root, gpu, index, field, units) for field in fields) + "\n")
    return 0


def main(argv):
    mode = setting("FAKE_NVIDIA_SMI_MODE", "mode", "ok")
    if mode == "hang":
        time.sleep(3600)
    if mode in FAILURES:
        rc, message = FAILURES[mode]
        sys.stdout.write(message)
        return rc
    text, root = load()

    if {"-q", "--query"} & set(argv) and {"-x", "--xml-format"} & set(argv):
        sys.stdout.write(text)
        return 0
    if "-L" in argv or "--list-gpus" in argv:
        for index, gpu in enumerate(root.findall("gpu")):
            sys.stdout.write(f"GPU {index}: {gpu.findtext('product_name')} (UUID: {gpu.findtext('uuid')})\n")
        return 0
    fields = fmt = None
    only_index = None
    for position, arg in enumerate(argv):
        if arg.startswith("--query-gpu="):
            fields = [f.strip() for f in arg.split("=", 1)[1].split(",") if f.strip()]
        elif arg.startswith("--format="):
            fmt = arg.split("=", 1)[1]
        elif arg in ("-i", "--id") and position + 1 < len(argv):
            only_index = int(argv[position + 1])
        elif arg.startswith("--id="):
            only_index = int(arg.split("=", 1)[1])
    if fields and fmt:
        return query(root, fields, fmt, only_index)
    if not argv:
        sys.stdout.write("{}\n".format(root.findtext("timestamp", "").strip()))
        sys.stdout.write(
            "NVIDIA-SMI {}    Driver Version: {}    CUDA Version: {}\n".format(
                root.findtext("driver_version"), root.findtext("driver_version"), root.findtext("cuda_version")
            )
        )
        return 0
    sys.stdout.write("fake nvidia-smi: unsupported arguments: {}\n".format(" ".join(argv)))
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
