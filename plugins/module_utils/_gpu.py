# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""GPU detection: parsers for nvidia-smi, rocm-smi, amd-smi, sysfs and lspci.

Plain functions over text (or a sysfs root directory) so that every recorded
output can be tested directly. Stdlib only: this runs on the target with
Python >= 3.9.

Every parser returns ``(gpus, warnings)``: ``gpus`` is a list of dicts shaped
by :func:`new_gpu` (the ``ai_stack_gpus`` fact), ``warnings`` a list of
strings for the module to pass to ``module.warn``.
"""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET

MIB = 1024 * 1024

VENDOR_IDS = {"10de": "nvidia", "1002": "amd", "8086": "intel"}
VENDOR_LABELS = {"nvidia": "NVIDIA", "amd": "AMD", "intel": "Intel", "unknown": "Unknown"}

# Display controllers that are not compute GPUs: server BMCs and virtual
# machine adapters. Listing them would make every VM and every server with a
# BMC look like a GPU host.
IGNORED_PCI_VENDORS = frozenset(
    {
        "1a03",  # ASPEED (BMC graphics)
        "102b",  # Matrox (BMC graphics)
        "1234",  # QEMU/Bochs stdvga
        "1af4",  # Red Hat virtio-gpu
        "1b36",  # Red Hat QXL
        "15ad",  # VMware SVGA
        "1013",  # Cirrus Logic (emulated)
        "80ee",  # VirtualBox
        "1414",  # Microsoft Hyper-V
    }
)

# (first device id, last device id, architecture, compute capability or None).
# Ranges of NVIDIA PCI device ids by chip family; used when the name does not
# say (nvidia-smi prints "Graphics Device" for cards newer than the driver) and
# for cards found without a driver, where the role needs the generation to
# choose open or proprietary kernel modules.
_NVIDIA_DEVICE_RANGES = (
    (0x0FC0, 0x102F, "Kepler", None),
    (0x1180, 0x12FF, "Kepler", None),
    (0x1340, 0x13FF, "Maxwell", None),
    (0x1400, 0x143F, "Maxwell", "5.2"),
    (0x1610, 0x17FF, "Maxwell", None),
    (0x15F0, 0x15FF, "Pascal", "6.0"),
    (0x1B00, 0x1D7F, "Pascal", "6.1"),
    (0x1D80, 0x1DFF, "Volta", "7.0"),
    (0x1E00, 0x1FFF, "Turing", "7.5"),
    (0x2080, 0x20FF, "Ampere", "8.0"),
    (0x2180, 0x21FF, "Turing", "7.5"),
    (0x2200, 0x22FF, "Ampere", "8.6"),
    (0x2300, 0x23FF, "Hopper", "9.0"),
    (0x2400, 0x25FF, "Ampere", "8.6"),
    (0x2600, 0x28FF, "Ada Lovelace", "8.9"),
    (0x2900, 0x29FF, "Blackwell", "10.0"),
    (0x2B00, 0x2DFF, "Blackwell", "12.0"),
)

# (pattern over the product name, architecture, compute capability).
# First match wins, so the specific names come before the families.
_NVIDIA_NAME_TABLE = (
    (r"\bGH200\b|\bH(100|200|800|20)\b", "Hopper", "9.0"),
    (r"\bGB200\b|\bB(100|200|300)\b", "Blackwell", "10.0"),
    (r"RTX 50\d0|RTX PRO \d{4}.*Blackwell|Blackwell", "Blackwell", "12.0"),
    (r"\bA(100|30|800)\b", "Ampere", "8.0"),
    (r"\bAda\b|RTX 40\d0|\bL(4|20|40|40S)\b", "Ada Lovelace", "8.9"),
    (r"RTX 30\d0|RTX A\d{3,4}\b|\bA(2|10|10G|10M|16|40)\b", "Ampere", "8.6"),
    (r"RTX 20\d0|GTX 16\d0|TITAN RTX|Quadro RTX|\bT4\b|\bT(400|600|1000|1200)\b", "Turing", "7.5"),
    (r"V100|TITAN V\b|GV100", "Volta", "7.0"),
    (r"\bP100\b|GP100", "Pascal", "6.0"),
    (r"GTX 10\d0|GT 1030|Quadro P\d+|Tesla P(4|6|40)\b|TITAN Xp|TITAN X \(Pascal\)", "Pascal", "6.1"),
    (r"GTX 9[5-8]0|GTX TITAN X\b|Tesla M(4|6|40|60)\b|Quadro M\d+", "Maxwell", "5.2"),
    (r"GTX 750|GTX 745", "Maxwell", "5.0"),
    (r"Tesla K80\b", "Kepler", "3.7"),
    (r"Tesla K(20|40)", "Kepler", "3.5"),
)

# lspci prints the chip code name ("GA106"); its prefix names the generation.
_NVIDIA_CODENAME_PREFIX = (
    ("GK", "Kepler"),
    ("GM", "Maxwell"),
    ("GP", "Pascal"),
    ("GV", "Volta"),
    ("TU", "Turing"),
    ("GA", "Ampere"),
    ("AD", "Ada Lovelace"),
    ("GH", "Hopper"),
    ("GB", "Blackwell"),
)

# AMD device id -> (chip, architecture, gfx target). Only chips a homelab AI
# stack is likely to meet; others fall back to the gfx target the tool reports.
_AMD_DEVICES = {
    0x6860: ("Vega 10", "GCN5", "gfx900"),
    0x6861: ("Vega 10", "GCN5", "gfx900"),
    0x6863: ("Vega 10", "GCN5", "gfx900"),
    0x687F: ("Vega 10", "GCN5", "gfx900"),
    0x66A1: ("Vega 20", "GCN5", "gfx906"),
    0x66AF: ("Vega 20", "GCN5", "gfx906"),
    0x731F: ("Navi 10", "RDNA1", "gfx1010"),
    0x738C: ("Arcturus", "CDNA", "gfx908"),
    0x73A5: ("Navi 21", "RDNA2", "gfx1030"),
    0x73AF: ("Navi 21", "RDNA2", "gfx1030"),
    0x73BF: ("Navi 21", "RDNA2", "gfx1030"),
    0x73DF: ("Navi 22", "RDNA2", "gfx1031"),
    0x73FF: ("Navi 23", "RDNA2", "gfx1032"),
    0x740C: ("Aldebaran", "CDNA2", "gfx90a"),
    0x740F: ("Aldebaran", "CDNA2", "gfx90a"),
    0x744C: ("Navi 31", "RDNA3", "gfx1100"),
    0x747E: ("Navi 32", "RDNA3", "gfx1101"),
    0x7480: ("Navi 33", "RDNA3", "gfx1102"),
    0x74A1: ("Aqua Vanjaram", "CDNA3", "gfx942"),
    0x7550: ("Navi 48", "RDNA4", "gfx1201"),
}

# gfx target prefix -> architecture, longest prefix first.
_AMD_GFX_ARCH = (
    ("gfx90a", "CDNA2"),
    ("gfx908", "CDNA"),
    ("gfx94", "CDNA3"),
    ("gfx95", "CDNA4"),
    ("gfx90", "GCN5"),
    ("gfx101", "RDNA1"),
    ("gfx103", "RDNA2"),
    ("gfx115", "RDNA3.5"),
    ("gfx11", "RDNA3"),
    ("gfx12", "RDNA4"),
)

ROCM_SMI_ARGS = (
    "--showid",
    "--showproductname",
    "--showbus",
    "--showuniqueid",
    "--showmeminfo",
    "vram",
    "--showdriverversion",
    "--json",
)

_NA_VALUES = frozenset({"", "n/a", "[n/a]", "none", "not supported", "[not supported]", "unknown error"})

# nvidia-smi failures worth a specific hint; matched case-insensitively.
_NVIDIA_SMI_HINTS = (
    (
        "driver/library version mismatch",
        "the loaded kernel module and the user-space driver differ (a driver upgrade without a reboot); "
        "reboot the host or reload the nvidia kernel modules",
    ),
    (
        "couldn't communicate with the nvidia driver",
        "the NVIDIA kernel module is not loaded; install the driver (homelab.ai_stack.nvidia) and reboot",
    ),
    ("no devices were found", None),
)


def new_gpu(**values):
    """Return one ai_stack_gpus entry with every documented key present."""
    gpu = {
        "index": 0,
        "vendor": "unknown",
        "name": "",
        "uuid": None,
        "pci_bus_id": None,
        "pci_id": None,
        "memory_total_mib": 0,
        "memory_used_mib": None,
        "memory_free_mib": None,
        "memory_reserved_mib": None,
        "driver_version": None,
        "cuda_version": None,
        "compute_capability": None,
        "architecture": None,
        "gfx_target": None,
        "mig_mode": None,
        "mig_devices": [],
        "kernel_driver": None,
        "source": None,
    }
    unknown = set(values) - set(gpu)
    if unknown:
        raise KeyError("unknown GPU fields: {}".format(", ".join(sorted(unknown))))
    gpu.update(values)
    return gpu


def _clean(value):
    """Strip a tool's text value; None for the many spellings of 'not available'."""
    if value is None:
        return None
    value = value.strip()
    if value.lower() in _NA_VALUES:
        return None
    return value


def parse_mib(value):
    """'12288 MiB' -> 12288; 'N/A' or garbage -> None."""
    value = _clean(value)
    if value is None:
        return None
    match = re.match(r"^(\d+)(?:\s*MiB)?$", value)
    return int(match.group(1)) if match else None


def normalize_pci_bus_id(value):
    """Return the Linux spelling '0000:2d:00.0' of a PCI address, or None.

    nvidia-smi writes an 8-digit domain in upper case ('00000000:2D:00.0'),
    lspci without -D omits the domain ('01:00.0'); sysfs uses the form we return.
    """
    value = _clean(value)
    if value is None:
        return None
    match = re.match(r"^(?:([0-9a-fA-F]{1,8}):)?([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})\.([0-7])$", value)
    if not match:
        return None
    domain, bus, device, function = match.groups()
    return "{:04x}:{:02x}:{:02x}.{}".format(int(domain or "0", 16), int(bus, 16), int(device, 16), function)


def _hex_id(value):
    """'0x73df' or '73DF' -> 0x73df; anything else -> None."""
    value = _clean(value)
    if value is None:
        return None
    match = re.match(r"^(?:0x)?([0-9a-fA-F]{1,4})$", value)
    return int(match.group(1), 16) if match else None


def nvidia_arch_from_device_id(device_id):
    """Return (architecture, compute capability) for an NVIDIA PCI device id."""
    if device_id is None:
        return None, None
    for low, high, arch, capability in _NVIDIA_DEVICE_RANGES:
        if low <= device_id <= high:
            return arch, capability
    return None, None


def nvidia_arch_from_name(name):
    """Return (architecture, compute capability) for an NVIDIA product name."""
    for pattern, arch, capability in _NVIDIA_NAME_TABLE:
        if name and re.search(pattern, name, re.IGNORECASE):
            return arch, capability
    return None, None


def nvidia_arch_from_codename(text):
    """Return the architecture for a chip code name found in text ('GA106' -> Ampere)."""
    match = re.search(r"\b(G[KMPVAHB]|TU|AD)\d{3}[A-Z]*\b", text or "")
    if not match:
        return None
    for prefix, arch in _NVIDIA_CODENAME_PREFIX:
        if match.group(1) == prefix:
            return arch
    return None


def amd_arch_from_gfx(gfx):
    """Return the architecture for a gfx target ('gfx1101' -> RDNA3)."""
    for prefix, arch in _AMD_GFX_ARCH:
        if gfx and gfx.lower().startswith(prefix):
            return arch
    return None


def _nvidia_identity(name, device_id, reported_arch=None):
    """Architecture and compute capability from the best source available."""
    arch_by_name, cc_by_name = nvidia_arch_from_name(name)
    arch_by_id, cc_by_id = nvidia_arch_from_device_id(device_id)
    arch = reported_arch or arch_by_name or arch_by_id
    return arch, cc_by_name or cc_by_id


def _amd_identity(device_id, gfx=None):
    chip, arch, table_gfx = _AMD_DEVICES.get(device_id, (None, None, None))
    gfx = gfx or table_gfx
    return chip, amd_arch_from_gfx(gfx) or arch, gfx


def _int_or_none(value):
    value = _clean(value)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None


# --------------------------------------------------------------------------
# NVIDIA: nvidia-smi -q -x
# --------------------------------------------------------------------------
def _mig_mode(gpu_el):
    current = _clean(gpu_el.findtext("mig_mode/current_mig"))
    if current is None:
        return None
    return current.lower() == "enabled"


def _mig_devices(gpu_el):
    devices = []
    for mig in gpu_el.findall("mig_devices/mig_device"):
        devices.append(
            {
                "index": _int_or_none(mig.findtext("index")),
                "gpu_instance_id": _int_or_none(mig.findtext("gpu_instance_id")),
                "compute_instance_id": _int_or_none(mig.findtext("compute_instance_id")),
                "multiprocessor_count": _int_or_none(mig.findtext("device_attributes/shared/multiprocessor_count")),
                "memory_total_mib": parse_mib(mig.findtext("fb_memory_usage/total")) or 0,
                "memory_used_mib": parse_mib(mig.findtext("fb_memory_usage/used")),
                "memory_free_mib": parse_mib(mig.findtext("fb_memory_usage/free")),
            }
        )
    return devices


def _nvidia_pci_id(value):
    """nvidia-smi's pci_device_id '248710DE' (device, vendor) -> '10de:2487'."""
    value = _clean(value)
    if value is None or not re.match(r"^[0-9a-fA-F]{8}$", value) or value[4:].lower() != "10de":
        return None
    return f"10de:{value[:4].lower()}"


def parse_nvidia_smi_xml(text):
    """Parse `nvidia-smi -q -x` output.

    Returns (gpus, warnings). Raises ValueError when the text is not the
    nvidia_smi_log XML document.
    """
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise ValueError(f"nvidia-smi -q -x did not print XML: {exc}") from exc
    if root.tag != "nvidia_smi_log":
        raise ValueError(f"nvidia-smi -q -x printed <{root.tag}>, expected <nvidia_smi_log>")

    driver_version = _clean(root.findtext("driver_version"))
    cuda_version = _clean(root.findtext("cuda_version"))
    gpus = []
    warnings = []
    for index, gpu_el in enumerate(root.findall("gpu")):
        name = _clean(gpu_el.findtext("product_name")) or "NVIDIA GPU"
        pci_id = _nvidia_pci_id(gpu_el.findtext("pci/pci_device_id"))
        device_id = int(pci_id[5:], 16) if pci_id else None
        arch, capability = _nvidia_identity(name, device_id, _clean(gpu_el.findtext("product_architecture")))
        gpus.append(
            new_gpu(
                index=index,
                vendor="nvidia",
                name=name,
                uuid=_clean(gpu_el.findtext("uuid")),
                pci_bus_id=normalize_pci_bus_id(gpu_el.findtext("pci/pci_bus_id") or gpu_el.get("id")),
                pci_id=pci_id,
                memory_total_mib=parse_mib(gpu_el.findtext("fb_memory_usage/total")) or 0,
                memory_used_mib=parse_mib(gpu_el.findtext("fb_memory_usage/used")),
                memory_free_mib=parse_mib(gpu_el.findtext("fb_memory_usage/free")),
                memory_reserved_mib=parse_mib(gpu_el.findtext("fb_memory_usage/reserved")),
                driver_version=driver_version,
                cuda_version=cuda_version,
                compute_capability=capability,
                architecture=arch,
                mig_mode=_mig_mode(gpu_el),
                mig_devices=_mig_devices(gpu_el),
                kernel_driver="nvidia",
                source="nvidia-smi",
            )
        )

    attached = _int_or_none(root.findtext("attached_gpus"))
    if attached is not None and attached != len(gpus):
        warnings.append(
            f"nvidia-smi reports {attached} attached GPUs but describes {len(gpus)}; only the described GPUs are in "
            "ai_stack_gpus (a GPU may have fallen off the bus: check `dmesg` for Xid errors)"
        )
    return gpus, warnings


def nvidia_smi_failure(rc, stdout, stderr):
    """Explain a failed nvidia-smi run. Returns a warning, or None when there simply is no GPU."""
    output = "\n".join(part for part in (stdout, stderr) if part)
    first_line = next((line.strip() for line in output.splitlines() if line.strip()), "no output")
    for needle, hint in _NVIDIA_SMI_HINTS:
        if needle in output.lower():
            if hint is None:
                return None
            return f"nvidia-smi failed (rc={rc}): {first_line}. Likely cause: {hint}."
    return f"nvidia-smi failed (rc={rc}): {first_line}"


# --------------------------------------------------------------------------
# AMD: rocm-smi --json and amd-smi static --json
# --------------------------------------------------------------------------
def _lookup(mapping, *names):
    """Case-insensitive lookup over several key spellings (rocm-smi renames keys between releases)."""
    lowered = {key.lower(): value for key, value in mapping.items()}
    for name in names:
        value = lowered.get(name.lower())
        if value is not None and _clean(str(value)) is not None:
            return str(value).strip()
    return None


def _bytes_to_mib(value):
    value = _int_or_none(value)
    return value // MIB if value is not None else None


def _amd_name(series, chip, pci_id):
    # rocm-smi 4.x without the pci.ids database prints ids ("0x1002") as names.
    if series and not re.match(r"^0x[0-9a-fA-F]+$", series):
        return series
    if chip:
        return f"AMD {chip}"
    return f"AMD GPU {pci_id or ''}".strip()


def parse_rocm_smi_json(text):
    """Parse rocm-smi JSON (the module runs it with ROCM_SMI_ARGS)."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ValueError(f"rocm-smi did not print JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ValueError(f"rocm-smi printed a JSON {type(data).__name__}, expected an object of cards")

    system = data.get("system") if isinstance(data.get("system"), dict) else {}
    driver_version = _lookup(system, "Driver version")
    cards = sorted(
        (int(key[4:]), value) for key, value in data.items() if re.match(r"^card\d+$", key) and isinstance(value, dict)
    )
    gpus = []
    for index, (_card, card) in enumerate(cards):
        device_id = _hex_id(_lookup(card, "Device ID", "GPU ID"))
        pci_id = f"1002:{device_id:04x}" if device_id is not None else None
        chip, arch, gfx = _amd_identity(device_id, _lookup(card, "GFX Version"))
        total = _int_or_none(_lookup(card, "VRAM Total Memory (B)"))
        used = _int_or_none(_lookup(card, "VRAM Total Used Memory (B)"))
        gpus.append(
            new_gpu(
                index=index,
                vendor="amd",
                name=_amd_name(_lookup(card, "Card Series", "Device Name"), chip, pci_id),
                uuid=_lookup(card, "Unique ID"),
                pci_bus_id=normalize_pci_bus_id(_lookup(card, "PCI Bus")),
                pci_id=pci_id,
                memory_total_mib=total // MIB if total is not None else 0,
                memory_used_mib=used // MIB if used is not None else None,
                memory_free_mib=(total - used) // MIB if total is not None and used is not None else None,
                driver_version=driver_version,
                architecture=arch,
                gfx_target=gfx,
                kernel_driver="amdgpu",
                source="rocm-smi",
            )
        )
    return gpus, []


def _amd_smi_mib(size):
    """amd-smi vram.size: {'value': 65520, 'unit': 'MB'} (ROCm 6.1+) or '65520 MB' (older)."""
    if isinstance(size, dict):
        value, unit = size.get("value"), str(size.get("unit", "MB"))
    else:
        match = re.match(r"^\s*(\d+)\s*([KMGT]?i?B)?\s*$", str(size or ""))
        if not match:
            return None
        value, unit = match.group(1), match.group(2) or "MB"
    value = _int_or_none(str(value))
    if value is None:
        return None
    # amd-smi labels MiB as "MB" (65520 MB on a 64 GiB MI210).
    factor = {"KB": 1.0 / 1024, "KIB": 1.0 / 1024, "MB": 1, "MIB": 1, "GB": 1024, "GIB": 1024}.get(unit.upper())
    return int(value * factor) if factor else None


def parse_amd_smi_json(text):
    """Parse `amd-smi static --json` (a list of GPUs, or {"gpu_data": [...]} since ROCm 6.4)."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ValueError(f"amd-smi did not print JSON: {exc}") from exc
    if isinstance(data, dict):
        data = data.get("gpu_data", [])
    if not isinstance(data, list):
        raise ValueError("amd-smi printed no list of GPUs")

    gpus = []
    for position, entry in enumerate(data):
        if not isinstance(entry, dict):
            continue
        asic = entry.get("asic") or {}
        bus = entry.get("bus") or {}
        driver = entry.get("driver") or {}
        device_id = _hex_id(asic.get("device_id"))
        pci_id = f"1002:{device_id:04x}" if device_id is not None else None
        chip, arch, gfx = _amd_identity(device_id, _clean(asic.get("target_graphics_version")))
        version = _clean(driver.get("version"))
        # With the in-kernel amdgpu the "driver version" is the kernel banner.
        kernel = re.search(r"(\d+\.\d+\.\d+[\w.+~-]*)", version or "")
        index = entry.get("gpu")
        gpus.append(
            new_gpu(
                index=index if isinstance(index, int) else position,
                vendor="amd",
                name=_amd_name(_clean(asic.get("market_name")), chip, pci_id),
                uuid=_clean(str(asic.get("asic_serial") or "")),
                pci_bus_id=normalize_pci_bus_id(bus.get("bdf")),
                pci_id=pci_id,
                memory_total_mib=_amd_smi_mib((entry.get("vram") or {}).get("size")) or 0,
                driver_version=kernel.group(1) if kernel else version,
                architecture=arch,
                gfx_target=gfx,
                kernel_driver=_clean(driver.get("name")) or "amdgpu",
                source="amd-smi",
            )
        )
    return gpus, []


# --------------------------------------------------------------------------
# Without a vendor tool: sysfs and lspci
# --------------------------------------------------------------------------
def _read(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read().strip()
    except OSError:
        return None


def _uevent(device_dir):
    values = {}
    for line in (_read(os.path.join(device_dir, "uevent")) or "").splitlines():
        key, sep, value = line.partition("=")
        if sep:
            values[key.strip()] = value.strip()
    return values


def _pci_device(device_dir, slot_hint=None):
    """Describe one PCI display device from its sysfs directory, or None when it is not a GPU."""
    uevent = _uevent(device_dir)
    vendor_id = device_id = None
    if re.match(r"^[0-9A-Fa-f]{4}:[0-9A-Fa-f]{4}$", uevent.get("PCI_ID", "")):
        vendor_id, device_id = uevent["PCI_ID"].lower().split(":")
    else:
        vendor = _hex_id(_read(os.path.join(device_dir, "vendor")))
        device = _hex_id(_read(os.path.join(device_dir, "device")))
        if vendor is not None and device is not None:
            vendor_id, device_id = f"{vendor:04x}", f"{device:04x}"
    if vendor_id is None or vendor_id in IGNORED_PCI_VENDORS:
        return None

    pci_class = uevent.get("PCI_CLASS") or (_read(os.path.join(device_dir, "class")) or "")
    pci_class = pci_class.lower().replace("0x", "").zfill(6)
    if not pci_class.startswith("03"):
        return None

    driver = uevent.get("DRIVER")
    if not driver and os.path.islink(os.path.join(device_dir, "driver")):
        driver = os.path.basename(os.readlink(os.path.join(device_dir, "driver")))

    total = _int_or_none(_read(os.path.join(device_dir, "mem_info_vram_total")))
    used = _int_or_none(_read(os.path.join(device_dir, "mem_info_vram_used")))
    return {
        "vendor_id": vendor_id,
        "device_id": device_id,
        "pci_bus_id": normalize_pci_bus_id(uevent.get("PCI_SLOT_NAME") or slot_hint),
        "driver": driver or None,
        "vram_total": total,
        "vram_used": used,
    }


def _fallback_gpu(vendor_id, device_id, pci_bus_id, driver, source, name=None, total=None, used=None):
    vendor = VENDOR_IDS.get(vendor_id, "unknown")
    pci_id = f"{vendor_id}:{device_id}"
    device = int(device_id, 16)
    arch = capability = gfx = chip = None
    if vendor == "nvidia":
        arch, capability = _nvidia_identity(name, device)
        arch = arch or nvidia_arch_from_codename(name)
    elif vendor == "amd":
        chip, arch, gfx = _amd_identity(device)
    if not name:
        name = f"{VENDOR_LABELS[vendor]} {chip}" if chip else f"{VENDOR_LABELS[vendor]} GPU {pci_id}"
    return new_gpu(
        vendor=vendor,
        name=name,
        pci_bus_id=pci_bus_id,
        pci_id=pci_id,
        memory_total_mib=total // MIB if total is not None else 0,
        memory_used_mib=used // MIB if used is not None else None,
        memory_free_mib=(total - used) // MIB if total is not None and used is not None else None,
        compute_capability=capability,
        architecture=arch,
        gfx_target=gfx,
        kernel_driver=driver,
        source=source,
    )


def scan_sysfs(root="/sys"):
    """Find GPUs under a sysfs root without any vendor tool.

    /sys/class/drm/card*/device lists cards that have a DRM driver (amdgpu,
    i915, nouveau, nvidia-drm); /sys/bus/pci/devices adds display controllers
    with no driver bound at all, which is exactly the host the nvidia role has
    yet to set up. SR-IOV virtual functions (a `physfn` link) are skipped: they
    are slices of a GPU already listed.
    """
    found = {}
    drm = os.path.join(root, "class", "drm")
    cards = sorted((int(entry[4:]), entry) for entry in _listdir(drm) if re.match(r"^card\d+$", entry))
    for _number, entry in cards:
        device = _pci_device(os.path.join(drm, entry, "device"))
        if device and device["pci_bus_id"] not in found:
            found[device["pci_bus_id"]] = device
    pci = os.path.join(root, "bus", "pci", "devices")
    for slot in sorted(_listdir(pci)):
        path = os.path.join(pci, slot)
        if os.path.exists(os.path.join(path, "physfn")):
            continue
        device = _pci_device(path, slot_hint=slot)
        if device and device["pci_bus_id"] not in found:
            found[device["pci_bus_id"]] = device

    gpus = [
        _fallback_gpu(
            d["vendor_id"],
            d["device_id"],
            d["pci_bus_id"],
            d["driver"],
            "sysfs",
            total=d["vram_total"],
            used=d["vram_used"],
        )
        for d in found.values()
    ]
    return _reindex(gpus), []


def _listdir(path):
    try:
        return os.listdir(path)
    except OSError:
        return []


_LSPCI_LINE = re.compile(
    r"^(?P<slot>(?:[0-9a-fA-F]{4,8}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7])\s+"
    r"(?P<class_name>[^\[]*?)\s*\[(?P<class>[0-9a-fA-F]{4})\]:\s+"
    r"(?P<description>.*?)\s+\[(?P<vendor>[0-9a-fA-F]{4}):(?P<device>[0-9a-fA-F]{4})\]"
)


def parse_lspci(text):
    """Parse `lspci -nn` (optionally -D) and return the display controllers.

    Returns a list of dicts: pci_bus_id, class, vendor_id, device_id, description
    (vendor and model as lspci prints them).
    """
    devices = []
    for line in (text or "").splitlines():
        match = _LSPCI_LINE.match(line.strip())
        if not match or not match.group("class").startswith("03"):
            continue
        devices.append(
            {
                "pci_bus_id": normalize_pci_bus_id(match.group("slot")),
                "class": match.group("class").lower(),
                "vendor_id": match.group("vendor").lower(),
                "device_id": match.group("device").lower(),
                "description": match.group("description").strip(),
            }
        )
    return devices


def _lspci_name(description):
    """'NVIDIA Corporation GA106 [GeForce RTX 3060]' -> 'GeForce RTX 3060'."""
    bracket = re.search(r"\[([^\]]+)\]\s*$", description)
    if bracket:
        return bracket.group(1)
    return re.sub(
        r"^(NVIDIA Corporation|Advanced Micro Devices, Inc\. \[AMD/ATI\]|Intel Corporation)\s+", "", description
    )


def gpus_from_lspci(text):
    """GPUs from `lspci -nn` alone (no sysfs): one per physical device.

    A second function of the same slot with the same id is an SR-IOV virtual
    function of the first (lspci cannot tell otherwise); it is not a GPU of its own.
    """
    gpus = []
    seen = set()
    for device in parse_lspci(text):
        if device["vendor_id"] in IGNORED_PCI_VENDORS:
            continue
        slot = (device["pci_bus_id"] or "").rsplit(".", 1)[0]
        key = (slot, device["vendor_id"], device["device_id"])
        if key in seen:
            continue
        seen.add(key)
        gpu = _fallback_gpu(
            device["vendor_id"],
            device["device_id"],
            device["pci_bus_id"],
            None,
            "lspci",
            name=_lspci_name(device["description"]),
        )
        if gpu["vendor"] == "nvidia" and gpu["architecture"] is None:
            gpu["architecture"] = nvidia_arch_from_codename(device["description"])
        gpus.append(gpu)
    return _reindex(gpus), []


def name_from_lspci(gpus, lspci_text):
    """Give sysfs-found GPUs the model names lspci knows (sysfs has ids only)."""
    by_slot = {device["pci_bus_id"]: device for device in parse_lspci(lspci_text)}
    for gpu in gpus:
        device = by_slot.get(gpu["pci_bus_id"])
        if not device:
            continue
        gpu["name"] = _lspci_name(device["description"])
        if gpu["vendor"] == "nvidia":
            arch, capability = _nvidia_identity(gpu["name"], int(device["device_id"], 16))
            gpu["architecture"] = arch or nvidia_arch_from_codename(device["description"])
            gpu["compute_capability"] = capability
    return gpus


_VENDOR_ORDER = {"nvidia": 0, "amd": 1, "intel": 2, "unknown": 3}


def _reindex(gpus):
    """Number GPUs per vendor in PCI order (the order the vendor runtimes use); list vendors in a fixed order."""
    gpus = sorted(gpus, key=lambda gpu: (_VENDOR_ORDER[gpu["vendor"]], gpu["pci_bus_id"] or ""))
    counters = {}
    for gpu in gpus:
        gpu["index"] = counters.get(gpu["vendor"], 0)
        counters[gpu["vendor"]] = gpu["index"] + 1
    return gpus


def merge_gpus(primary, fallback):
    """Add the fallback GPUs whose PCI address no vendor tool reported.

    Vendor tools win (they know memory and versions); the fallback adds the
    cards they missed: a second vendor without its tool, a card without a
    driver, a card that fell off the bus. Indexes of tool-reported GPUs are
    kept; an added card takes the next free index of its vendor.
    """
    known = {gpu["pci_bus_id"] for gpu in primary if gpu["pci_bus_id"]}
    # A tool that printed no PCI address (some amd-smi releases) cannot be
    # matched by address; trust it for its vendor rather than list cards twice.
    unmatched_vendors = {gpu["vendor"] for gpu in primary if not gpu["pci_bus_id"]}
    merged = list(primary)
    for gpu in fallback:
        if gpu["pci_bus_id"] in known or gpu["vendor"] in unmatched_vendors:
            continue
        taken = {other["index"] for other in merged if other["vendor"] == gpu["vendor"]}
        merged.append(dict(gpu, index=min(set(range(len(merged) + 1)) - taken)))
    return sorted(merged, key=lambda gpu: (_VENDOR_ORDER[gpu["vendor"]], gpu["index"]))


def nvidia_runtime_in_daemon_json(text):
    """True when Docker's daemon.json registers a runtime named 'nvidia'."""
    try:
        data = json.loads(text or "{}")
    except ValueError:
        return False
    runtimes = data.get("runtimes") if isinstance(data, dict) else None
    return isinstance(runtimes, dict) and "nvidia" in runtimes


def nvidia_runtime_in_docker_info(text):
    """True when `docker info --format '{{json .Runtimes}}'` lists 'nvidia'."""
    try:
        data = json.loads(text or "{}")
    except ValueError:
        return False
    return isinstance(data, dict) and "nvidia" in data


# --- ROCm gfx overrides (HSA_OVERRIDE_GFX_VERSION) ------------------------------
# The gfx targets Ollama's ROCm build carries: ollama/ollama v0.12.10
# CMakePresets.json "ROCm 6" AMDGPU_TARGETS (line 76); its Dockerfile (line 94)
# removes the gfx900/gfx906 rocBLAS kernels.
OLLAMA_ROCM_TARGETS = frozenset(
    (
        "gfx908",
        "gfx90a",
        "gfx940",
        "gfx941",
        "gfx942",
        "gfx1010",
        "gfx1012",
        "gfx1030",
        "gfx1100",
        "gfx1101",
        "gfx1102",
        "gfx1151",
        "gfx1200",
        "gfx1201",
    )
)
# Consumer chips whose target the build lacks, and the built target of the
# same family they run with (docs/gpu.mdx "Overrides on Linux" at v0.12.10;
# ollama#6152 for gfx1031/gfx1032, #8772 for gfx1103): prefix -> x.y.z.
_HSA_OVERRIDES = (
    (re.compile(r"^gfx103[1-6]$"), "10.3.0"),
    (re.compile(r"^gfx110[3-4]$"), "11.0.0"),
)


def hsa_override_for(gfx, supported=OLLAMA_ROCM_TARGETS):
    """The HSA_OVERRIDE_GFX_VERSION a gfx target needs, or None (built, or no close built target)."""
    gfx = (gfx or "").strip().lower().split(":")[0]
    if not gfx or gfx in supported:
        return None
    for pattern, version in _HSA_OVERRIDES:
        if pattern.match(gfx):
            return version
    return None


def hsa_override_env(gpus, supported=OLLAMA_ROCM_TARGETS):
    """Environment for the AMD GPUs of ``gpus`` (ai_stack_gpus entries) whose gfx target the build lacks.

    One ``HSA_OVERRIDE_GFX_VERSION`` when every AMD GPU that needs one needs the
    same value and no other AMD GPU would be forced with it; otherwise one
    ``HSA_OVERRIDE_GFX_VERSION_<n>`` per GPU that needs it, ``n`` being its
    position among the AMD GPUs (ROCm's device numbering). Empty when none needs one.
    """
    amd = [g for g in (gpus or []) if isinstance(g, dict) and str(g.get("vendor") or "").lower() == "amd"]
    needs = [(pos, hsa_override_for(g.get("gfx_target"), supported)) for pos, g in enumerate(amd)]
    wanted = [(pos, v) for pos, v in needs if v]
    if not wanted:
        return {}
    values = {v for _pos, v in wanted}
    if len(values) == 1 and len(wanted) == len(amd):
        return {"HSA_OVERRIDE_GFX_VERSION": values.pop()}
    return {f"HSA_OVERRIDE_GFX_VERSION_{pos}": v for pos, v in wanted}
