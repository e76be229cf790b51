# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every recorded GPU tool output, parsed, with the exact values read from it."""

from __future__ import annotations

import json
import os
import pathlib

import pytest

from ansible_collections.homelab.ai_stack.plugins.module_utils import _gpu as g

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "modules" / "fixtures" / "gpu"
SYSFS_TTAR = FIXTURES / "sysfs" / "procfs_fixtures_sys_class_drm.ttar"


def read(relative):
    return (FIXTURES / relative).read_text(encoding="utf-8")


def extract_ttar(archive, destination):
    """Unpack a prometheus/procfs ttar archive (Directory/Path/Lines/SymlinkTo blocks).

    Returns the directory that holds `sys` (the archive's `fixtures/` prefix).
    """
    destination = pathlib.Path(destination)
    lines = pathlib.Path(archive).read_bytes().decode("latin-1").split("\n")
    position = 0
    while position < len(lines):
        line = lines[position]
        position += 1
        if line.startswith("Directory: "):
            (destination / line[len("Directory: ") :]).mkdir(parents=True, exist_ok=True)
        elif line.startswith("Path: "):
            path = destination / line[len("Path: ") :]
            path.parent.mkdir(parents=True, exist_ok=True)
            header = lines[position]
            position += 1
            if header.startswith("SymlinkTo: "):
                os.symlink(header[len("SymlinkTo: ") :], path)
                continue
            count = int(header[len("Lines: ") :])
            body = lines[position : position + count]
            position += count
            text = "\n".join(body) + "\n" if count else ""
            if text.endswith("EOF\n"):
                text = text[: -len("EOF\n")]
            path.write_bytes(text.replace("NULLBYTE", "\0").encode("latin-1"))
    return destination / "fixtures"


# --- helpers ------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        ("00000000:2D:00.0", "0000:2d:00.0"),
        ("0000:1E:00.0", "0000:1e:00.0"),
        ("01:00.0", "0000:01:00.0"),
        ("00000001:c1:1f.7", "0001:c1:1f.7"),
        ("N/A", None),
        ("2d:00", None),
        (None, None),
    ],
)
def test_normalize_pci_bus_id(value, expected):
    assert g.normalize_pci_bus_id(value) == expected


@pytest.mark.parametrize(
    "value, expected",
    [("12288 MiB", 12288), ("0 MiB", 0), ("42", 42), ("[N/A]", None), ("N/A", None), ("[Not Supported]", None)],
)
def test_parse_mib(value, expected):
    assert g.parse_mib(value) == expected


@pytest.mark.parametrize(
    "name, expected",
    [
        ("NVIDIA GeForce RTX 3060", ("Ampere", "8.6")),
        ("NVIDIA GeForce RTX 3060 Laptop GPU", ("Ampere", "8.6")),
        ("NVIDIA RTX A4000", ("Ampere", "8.6")),
        ("NVIDIA A10G", ("Ampere", "8.6")),
        ("NVIDIA A100-SXM4-80GB", ("Ampere", "8.0")),
        ("NVIDIA RTX 4000 SFF Ada Generation", ("Ada Lovelace", "8.9")),
        ("NVIDIA GeForce RTX 4090", ("Ada Lovelace", "8.9")),
        ("NVIDIA L40S", ("Ada Lovelace", "8.9")),
        ("NVIDIA H100 80GB HBM3", ("Hopper", "9.0")),
        ("NVIDIA GeForce RTX 5090", ("Blackwell", "12.0")),
        ("NVIDIA B200", ("Blackwell", "10.0")),
        ("Tesla T4", ("Turing", "7.5")),
        ("NVIDIA GeForce GTX 1660 SUPER", ("Turing", "7.5")),
        ("Tesla V100-PCIE-32GB", ("Volta", "7.0")),
        ("Tesla P100-PCIE-16GB", ("Pascal", "6.0")),
        ("GeForce GTX 1070 Ti", ("Pascal", "6.1")),
        ("Quadro P400", ("Pascal", "6.1")),
        ("NVIDIA GeForce GTX 980", ("Maxwell", "5.2")),
        ("Tesla K80", ("Kepler", "3.7")),
        ("Graphics Device", (None, None)),
        ("", (None, None)),
    ],
)
def test_nvidia_arch_from_name(name, expected):
    assert g.nvidia_arch_from_name(name) == expected


@pytest.mark.parametrize(
    "device_id, expected",
    [
        (0x2487, ("Ampere", "8.6")),  # GA104 RTX 3060
        (0x2504, ("Ampere", "8.6")),  # GA106 RTX 3060 LHR
        (0x2184, ("Turing", "7.5")),  # TU116 GTX 1660 Ti
        (0x1EB8, ("Turing", "7.5")),  # TU104 T4
        (0x20B2, ("Ampere", "8.0")),  # GA100
        (0x2330, ("Hopper", "9.0")),  # GH100
        (0x2684, ("Ada Lovelace", "8.9")),  # AD102 RTX 4090
        (0x2B85, ("Blackwell", "12.0")),  # GB202 RTX 5090
        (0x1DB6, ("Volta", "7.0")),  # GV100
        (0x15F7, ("Pascal", "6.0")),  # GP100
        (0x1C8D, ("Pascal", "6.1")),  # GP107
        (0x0001, (None, None)),
        (None, (None, None)),
    ],
)
def test_nvidia_arch_from_device_id(device_id, expected):
    assert g.nvidia_arch_from_device_id(device_id) == expected


@pytest.mark.parametrize(
    "gfx, expected",
    [
        ("gfx90a", "CDNA2"),
        ("gfx908", "CDNA"),
        ("gfx942", "CDNA3"),
        ("gfx900", "GCN5"),
        ("gfx906", "GCN5"),
        ("gfx1031", "RDNA2"),
        ("gfx1101", "RDNA3"),
        ("gfx1151", "RDNA3.5"),
        ("gfx1201", "RDNA4"),
        ("gfx803", None),
        (None, None),
    ],
)
def test_amd_arch_from_gfx(gfx, expected):
    assert g.amd_arch_from_gfx(gfx) == expected


def test_new_gpu_rejects_unknown_fields():
    with pytest.raises(KeyError, match="memory_mib"):
        g.new_gpu(memory_mib=1)


# --- nvidia-smi -q -x -----------------------------------------------------------

# file: (name, uuid, pci_bus_id, pci_id, total, used, free, reserved, driver, cuda, cc, arch, mig_mode)
NVIDIA_XML = {
    "datakit_gtx-1050-1.xml": (
        "NVIDIA GeForce GTX 1050", "GPU-06e04616-0ed5-4069-5ebc-345349a0d4f3", "0000:01:00.0", "10de:1c8d",
        4096, 65, 3974, 55, "515.65.01", "11.7", "6.1", "Pascal", None,
    ),
    "datakit_gtx-1card.xml": (
        "Tesla V100-PCIE-32GB", "GPU-e77ce5d8-8b63-c936-3c1b-839d45bcd0f2", "0000:21:01.0", "10de:1db6",
        32510, 12311, 20199, None, "460.39", "11.2", "7.0", "Volta", None,
    ),
    "netdata_a100-sxm4-mig.xml": (
        "NVIDIA A100-SXM4-40GB", "GPU-27b94a00-ed54-5c24-b1fd-1054085de32a", "0000:00:04.0", "10de:20b0",
        40960, 38, 40315, 605, "510.47.03", "11.6", "8.0", "Ampere", True,
    ),
    "netdata_rtx-2080-win.xml": (
        "NVIDIA GeForce RTX 2080", "GPU-fbd55ed4-1eec-4423-0a47-ad594b4333e3", "0000:0a:00.0", "10de:1e87",
        8192, 862, 7147, 182, "516.59", "11.7", "7.5", "Turing", None,
    ),
    "netdata_rtx-3060.xml": (
        "NVIDIA GeForce RTX 3060 Laptop GPU", "GPU-473d8d0f-d462-185c-6b36-6fc23e23e571", "0000:01:00.0",
        "10de:2520", 6144, 5, 5940, 197, "515.65.01", "11.7", "8.6", "Ampere", None,
    ),
    "telegraf_a100-sxm4-v12.xml": (
        "NVIDIA A100-SXM4-80GB", "GPU-513536b6-7d19-9063-b049-1e69664bb298", "0000:01:00.0", "10de:20b2",
        81920, 50, 80999, 869, "535.54.03", "12.2", "8.0", "Ampere", True,
    ),
    # pci_device_id is "000000DE" in this capture: not an id, so none is reported.
    "telegraf_a10g.xml": (
        "NVIDIA A10G", "GPU-9a9a6c50-2a47-2f51-a902-b82c3b127e94", "0000:00:1e.0", None,
        23028, 22, 22569, 435, "515.105.01", "11.7", "8.6", "Ampere", None,
    ),
    # Oldest schema: no driver, CUDA, pci block or MIG; the bus id comes from <gpu id=...>.
    "telegraf_gtx-1070-ti.xml": (
        "GeForce GTX 1070 Ti", "GPU-f9ba66fc-a7f5-94c5-da19-019ef2f9c665", "0000:01:00.0", None,
        4096, 42, 4054, None, None, None, "6.1", "Pascal", None,
    ),
    # Driver 418 predates the card and calls it "Graphics Device": the PCI id says Turing.
    "telegraf_gtx-1660-ti.xml": (
        "Graphics Device", "GPU-304a277d-3545-63b8-3a36-dfde3c992989", "0000:43:00.0", "10de:2184",
        5912, 0, 5912, None, "418.43", "10.1", "7.5", "Turing", None,
    ),
    "telegraf_quadro-p2000-v12.xml": (
        "Quadro P2000", "GPU-396caaed-39ca-3199-2e68-717cdb786ec6", "0000:17:00.0", "10de:1c30",
        5120, 1, 5051, 66, "525.125.06", "12.0", "6.1", "Pascal", None,
    ),
    "telegraf_quadro-p400.xml": (
        "Quadro P400", "GPU-8f750be4-dfbc-23b9-b33f-da729a536494", "0000:43:00.0", "10de:1cb3",
        1998, 0, 1998, None, "418.43", "10.1", "6.1", "Pascal", None,
    ),
    "telegraf_rtx-3060-v12.xml": (
        "NVIDIA GeForce RTX 3060", "GPU-d6889ff6-2523-9142-ca3c-1ca3f396a625", "0000:2d:00.0", "10de:2487",
        12288, 116, 11806, 368, "570.124.04", "12.8", "8.6", "Ampere", None,
    ),
    "telegraf_rtx-3080-v12.xml": (
        "NVIDIA GeForce RTX 3080", "GPU-19d6d965-2acc-f646-00f8-4c76979aabb4", "0000:04:00.0", "10de:2216",
        10240, 1128, 8938, 173, "536.40", "12.2", "8.6", "Ampere", None,
    ),
    "telegraf_rtx-3080-v13.xml": (
        "NVIDIA GeForce RTX 3080", "GPU-19d6d965-2acc-f646-00f8-4c76979aabb4", "0000:0c:00.0", "10de:2216",
        10240, 9184, 660, 397, "595.58.03", "13.2", "8.6", "Ampere", None,
    ),
    # pci_device_id is "[REDACTED]" in this capture.
    "telegraf_rtx-3090-v12.xml": (
        "NVIDIA GeForce RTX 3090", "GPU-12345678-aaaa-bbbb-cccc-0123456789ab", "0000:00:10.0", None,
        24576, 1, 24258, 316, "525.147.05", "12.0", "8.6", "Ampere", None,
    ),
    "telegraf_tesla-t4.xml": (
        "Tesla T4", "GPU-d37e67a5-91dd-3774-a5cb-99096249601a", "0000:00:1e.0", "10de:1eb8",
        15360, 1032, 13939, 388, "515.105.01", "11.7", "7.5", "Turing", None,
    ),
}  # fmt: skip


def test_every_nvidia_fixture_is_in_the_table():
    assert sorted(NVIDIA_XML) == sorted(p.name for p in (FIXTURES / "nvidia-smi-xml").iterdir())


@pytest.mark.parametrize("fixture", sorted(NVIDIA_XML))
def test_parse_nvidia_smi_xml(fixture):
    name, uuid, bus, pci_id, total, used, free, reserved, driver, cuda, cc, arch, mig = NVIDIA_XML[fixture]
    gpus, warnings = g.parse_nvidia_smi_xml(read("nvidia-smi-xml/" + fixture))
    assert len(gpus) == 1
    assert gpus[0] == g.new_gpu(
        index=0,
        vendor="nvidia",
        name=name,
        uuid=uuid,
        pci_bus_id=bus,
        pci_id=pci_id,
        memory_total_mib=total,
        memory_used_mib=used,
        memory_free_mib=free,
        memory_reserved_mib=reserved,
        driver_version=driver,
        cuda_version=cuda,
        compute_capability=cc,
        architecture=arch,
        mig_mode=mig,
        mig_devices=gpus[0]["mig_devices"],
        kernel_driver="nvidia",
        source="nvidia-smi",
    )
    if fixture != "telegraf_a100-sxm4-v12.xml":
        assert warnings == []


def test_attached_count_mismatch_warns():
    gpus, warnings = g.parse_nvidia_smi_xml(read("nvidia-smi-xml/telegraf_a100-sxm4-v12.xml"))
    assert len(gpus) == 1
    assert len(warnings) == 1
    assert "reports 4 attached GPUs but describes 1" in warnings[0]


def test_mig_devices_a100_80gb():
    gpus, _warnings = g.parse_nvidia_smi_xml(read("nvidia-smi-xml/telegraf_a100-sxm4-v12.xml"))
    devices = gpus[0]["mig_devices"]
    assert [d["index"] for d in devices] == [0, 1, 2, 3]
    assert [d["gpu_instance_id"] for d in devices] == [3, 4, 5, 6]
    assert {d["memory_total_mib"] for d in devices} == {19968}
    assert devices[0] == {
        "index": 0,
        "gpu_instance_id": 3,
        "compute_instance_id": 0,
        "multiprocessor_count": 14,
        "memory_total_mib": 19968,
        "memory_used_mib": 12,
        "memory_free_mib": 19955,
    }


def test_mig_devices_a100_40gb():
    gpus, _warnings = g.parse_nvidia_smi_xml(read("nvidia-smi-xml/netdata_a100-sxm4-mig.xml"))
    devices = gpus[0]["mig_devices"]
    assert [(d["index"], d["gpu_instance_id"], d["memory_total_mib"]) for d in devices] == [
        (0, 1, 19968),
        (1, 2, 19968),
    ]
    assert devices[0]["memory_used_mib"] == 19
    assert devices[0]["memory_free_mib"] == 19948


def test_mig_disabled_and_multi_gpu_index():
    xml = """<nvidia_smi_log><driver_version>550.54</driver_version><cuda_version>12.4</cuda_version>
    <attached_gpus>2</attached_gpus>
    <gpu id="00000000:01:00.0"><product_name>NVIDIA GeForce RTX 3060</product_name>
      <mig_mode><current_mig>Disabled</current_mig></mig_mode>
      <fb_memory_usage><total>12288 MiB</total><used>1 MiB</used><free>11800 MiB</free></fb_memory_usage></gpu>
    <gpu id="00000000:02:00.0"><product_name>NVIDIA GeForce RTX 3090</product_name>
      <fb_memory_usage><total>[N/A]</total><used>[N/A]</used><free>[N/A]</free></fb_memory_usage></gpu>
    </nvidia_smi_log>"""
    gpus, warnings = g.parse_nvidia_smi_xml(xml)
    assert warnings == []
    assert [(x["index"], x["pci_bus_id"], x["mig_mode"]) for x in gpus] == [
        (0, "0000:01:00.0", False),
        (1, "0000:02:00.0", None),
    ]
    assert (gpus[1]["memory_total_mib"], gpus[1]["memory_used_mib"], gpus[1]["memory_free_mib"]) == (0, None, None)


@pytest.mark.parametrize(
    "text, message",
    [
        ("Failed to initialize NVML: Driver/library version mismatch", "did not print XML"),
        ("<other/>", "expected <nvidia_smi_log>"),
        ("", "did not print XML"),
    ],
)
def test_parse_nvidia_smi_xml_rejects_non_xml(text, message):
    with pytest.raises(ValueError, match=message):
        g.parse_nvidia_smi_xml(text)


@pytest.mark.parametrize(
    "rc, stdout, stderr, expected",
    [
        (
            18,
            "Failed to initialize NVML: Driver/library version mismatch\nNVML library version: 570.124\n",
            "",
            "nvidia-smi failed (rc=18): Failed to initialize NVML: Driver/library version mismatch. "
            "Likely cause: the loaded kernel module and the user-space driver differ",
        ),
        (
            9,
            "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. "
            "Make sure that the latest NVIDIA driver is installed and running.\n",
            "",
            "Likely cause: the NVIDIA kernel module is not loaded",
        ),
        (6, "No devices were found\n", "", None),
        (2, "", "Segmentation fault\n", "nvidia-smi failed (rc=2): Segmentation fault"),
        (1, "", "", "nvidia-smi failed (rc=1): no output"),
    ],
)
def test_nvidia_smi_failure(rc, stdout, stderr, expected):
    message = g.nvidia_smi_failure(rc, stdout, stderr)
    if expected is None:
        assert message is None
    else:
        assert expected in message


# --- rocm-smi / amd-smi --------------------------------------------------------

# file: (count, name, uuid, pci_bus_id, pci_id, total, used, free, driver, arch, gfx)
ROCM_SMI = {
    "mi100_rocm571.json": (
        6, "Arcturus GL-XL [Instinct MI100]", None, "0000:1e:00.0", "1002:738c",
        32752, 6, 32745, "6.2.4", "CDNA", "gfx908",
    ),
    # ROCm 4.3 without pci.ids prints "0x1002" as the series: the name comes from the id.
    "rx6700xt_rocm430.json": (
        1, "AMD Navi 22", None, "0000:07:00.0", "1002:73df", 12272, 1547, 10724, "6.3.6", "RDNA2", "gfx1031",
    ),
    "rx6700xt_rocm571.json": (
        1, "Navi 22 [Radeon RX 6700/6700 XT / 6800M]", None, "0000:07:00.0", "1002:73df",
        12272, 1492, 10779, "6.3.6", "RDNA2", "gfx1031",
    ),
    # ROCm 6.0 renamed "GPU ID" to "Device ID".
    "rx6700xt_rocm602.json": (
        1, "Navi 22 [Radeon RX 6700/6700 XT / 6800M]", None, "0000:07:00.0", "1002:73df",
        12272, 1499, 10772, "6.3.6", "RDNA2", "gfx1031",
    ),
    "vega-10-XT.json": (
        1, "AMD Vega 10", "0x2150e7d042a1124", "0000:04:00.0", "1002:6861",
        16368, 16, 16351, "5.9.25", "GCN5", "gfx900",
    ),
}  # fmt: skip


def test_every_rocm_fixture_is_in_the_table():
    assert sorted(ROCM_SMI) == sorted(p.name for p in (FIXTURES / "rocm-smi").iterdir())


@pytest.mark.parametrize("fixture", sorted(ROCM_SMI))
def test_parse_rocm_smi_json(fixture):
    count, name, uuid, bus, pci_id, total, used, free, driver, arch, gfx = ROCM_SMI[fixture]
    gpus, warnings = g.parse_rocm_smi_json(read("rocm-smi/" + fixture))
    assert warnings == []
    assert len(gpus) == count
    assert gpus[0] == g.new_gpu(
        index=0,
        vendor="amd",
        name=name,
        uuid=uuid,
        pci_bus_id=bus,
        pci_id=pci_id,
        memory_total_mib=total,
        memory_used_mib=used,
        memory_free_mib=free,
        driver_version=driver,
        architecture=arch,
        gfx_target=gfx,
        kernel_driver="amdgpu",
        source="rocm-smi",
    )


def test_rocm_smi_cards_in_numeric_order():
    gpus, _warnings = g.parse_rocm_smi_json(read("rocm-smi/mi100_rocm571.json"))
    assert [x["index"] for x in gpus] == [0, 1, 2, 3, 4, 5]
    assert [x["pci_bus_id"] for x in gpus] == [
        "0000:1e:00.0",
        "0000:22:00.0",
        "0000:3f:00.0",
        "0000:43:00.0",
        "0000:46:00.0",
        "0000:49:00.0",
    ]


def test_rocm_smi_keys_are_case_insensitive_and_card10_sorts_after_card9():
    cards = {
        f"card{n}": {"Card Series": "Navi 32", "Device ID": "0x747e", "VRAM Total Memory (B)": str(16 << 30)}
        for n in (10, 9)
    }
    cards["card9"]["GFX Version"] = "gfx1101"
    cards["card9"]["PCI Bus"] = "0000:03:00.0"
    gpus, _warnings = g.parse_rocm_smi_json(json.dumps(cards))
    assert [(x["index"], x["pci_bus_id"], x["memory_total_mib"]) for x in gpus] == [
        (0, "0000:03:00.0", 16384),
        (1, None, 16384),
    ]
    assert (gpus[0]["architecture"], gpus[0]["gfx_target"]) == ("RDNA3", "gfx1101")


@pytest.mark.parametrize("text", ["not json", "[1, 2]"])
def test_parse_rocm_smi_rejects_garbage(text):
    with pytest.raises(ValueError, match="rocm-smi"):
        g.parse_rocm_smi_json(text)


def test_parse_amd_smi_static_mi210():
    gpus, warnings = g.parse_amd_smi_json(read("amd-smi/device-metrics-exporter_mi210_amd-smi-static.json"))
    assert warnings == []
    assert gpus == [
        g.new_gpu(
            index=0,
            vendor="amd",
            name="AMD Instinct MI210",
            pci_id="1002:740f",
            memory_total_mib=65520,
            driver_version="6.14.0-24-generic",
            architecture="CDNA2",
            gfx_target="gfx90a",
            kernel_driver="amdgpu",
            source="amd-smi",
        )
    ]


@pytest.mark.parametrize(
    "size, expected",
    [
        ({"value": 65520, "unit": "MB"}, 65520),
        ({"value": 16, "unit": "GB"}, 16384),
        ("24560 MB", 24560),
        ("N/A", None),
        (None, None),
    ],
)
def test_amd_smi_vram_size_shapes(size, expected):
    older = [
        {"gpu": 1, "asic": {"market_name": "Radeon RX 7800 XT", "device_id": "0x747e"}, "vram": {"size": size}},
    ]
    gpus, _warnings = g.parse_amd_smi_json(json.dumps(older))
    assert gpus[0]["index"] == 1
    assert gpus[0]["memory_total_mib"] == (expected or 0)
    assert (gpus[0]["architecture"], gpus[0]["gfx_target"]) == ("RDNA3", "gfx1101")


# --- sysfs and lspci -------------------------------------------------------------


@pytest.fixture(scope="module")
def sysfs_root(tmp_path_factory):
    return extract_ttar(SYSFS_TTAR, tmp_path_factory.mktemp("ttar")) / "sys"


def test_scan_sysfs_recorded_drm_tree(sysfs_root):
    gpus, warnings = g.scan_sysfs(str(sysfs_root))
    assert warnings == []
    assert gpus == [
        # mem_info_vram_total 8573157376 B, mem_info_vram_used 1490378752 B.
        g.new_gpu(
            index=0,
            vendor="amd",
            name="AMD Vega 10",
            pci_bus_id="0000:09:00.0",
            pci_id="1002:687f",
            memory_total_mib=8176,
            memory_used_mib=1421,
            memory_free_mib=6754,
            architecture="GCN5",
            gfx_target="gfx900",
            kernel_driver="amdgpu",
            source="sysfs",
        ),
        g.new_gpu(
            index=0,
            vendor="intel",
            name="Intel GPU 8086:5917",
            pci_bus_id="0000:00:02.0",
            pci_id="8086:5917",
            kernel_driver="i915",
            source="sysfs",
        ),
    ]


def make_pci_device(root, slot, vendor, device, pci_class="0x030000", driver=None, physfn=False):
    path = root / "bus" / "pci" / "devices" / slot
    path.mkdir(parents=True)
    (path / "vendor").write_text(vendor + "\n")
    (path / "device").write_text(device + "\n")
    (path / "class").write_text(pci_class + "\n")
    if driver:
        os.symlink("../../../bus/pci/drivers/" + driver, path / "driver")
    if physfn:
        os.symlink("../0000:3b:00.0", path / "physfn")
    return path


def test_scan_sysfs_finds_driverless_nvidia_and_skips_bmc_vf_and_audio(tmp_path):
    make_pci_device(tmp_path, "0000:01:00.0", "0x10de", "0x2504")  # RTX 3060, no driver yet
    make_pci_device(tmp_path, "0000:01:00.1", "0x10de", "0x228e", pci_class="0x040300")  # its HDMI audio
    make_pci_device(tmp_path, "0000:03:00.0", "0x1a03", "0x2000", driver="ast")  # ASPEED BMC
    make_pci_device(tmp_path, "0000:3b:00.0", "0x10de", "0x20f1", pci_class="0x030200", driver="nouveau")
    make_pci_device(tmp_path, "0000:3b:00.4", "0x10de", "0x20f1", pci_class="0x030200", physfn=True)
    gpus, _warnings = g.scan_sysfs(str(tmp_path))
    assert [(x["index"], x["pci_bus_id"], x["pci_id"], x["kernel_driver"], x["architecture"]) for x in gpus] == [
        (0, "0000:01:00.0", "10de:2504", None, "Ampere"),
        (1, "0000:3b:00.0", "10de:20f1", "nouveau", "Ampere"),
    ]
    assert [x["compute_capability"] for x in gpus] == ["8.6", "8.0"]
    assert gpus[0]["name"] == "NVIDIA GPU 10de:2504"


def test_scan_sysfs_missing_root_is_empty(tmp_path):
    assert g.scan_sysfs(str(tmp_path / "absent")) == ([], [])


LSPCI_RTX = (
    "01:00.0 VGA compatible controller [0300]: NVIDIA Corporation GA106 [GeForce RTX 3060 Lite Hash Rate] "
    "[10de:2504] (rev a1)\n"
    "01:00.1 Audio device [0403]: NVIDIA Corporation GA106 High Definition Audio Controller [10de:228e] (rev a1)\n"
    "03:00.0 VGA compatible controller [0300]: ASPEED Technology, Inc. ASPEED Graphics Family [1a03:2000] (rev 41)\n"
    "00:02.0 VGA compatible controller [0300]: Intel Corporation HD Graphics 630 [8086:5912] (rev 04)\n"
)


def test_parse_lspci_recorded_samples():
    devices = g.parse_lspci(read("lspci/lspci_nn_samples.txt"))
    assert devices == [
        {
            "pci_bus_id": "0000:00:06.0",
            "class": "0302",
            "vendor_id": "10de",
            "device_id": "15f7",
            "description": "NVIDIA Corporation GP100GL [Tesla P100 PCIe 12GB]",
        },
        {
            "pci_bus_id": "0000:af:00.0",
            "class": "0302",
            "vendor_id": "10de",
            "device_id": "1eb8",
            "description": "NVIDIA Corporation TU104GL [Tesla T4]",
        },
        {
            "pci_bus_id": "0000:3b:00.0",
            "class": "0302",
            "vendor_id": "10de",
            "device_id": "20f1",
            "description": "NVIDIA Corporation GA100 [A100 PCIe 40GB]",
        },
        {
            "pci_bus_id": "0000:3b:00.4",
            "class": "0302",
            "vendor_id": "10de",
            "device_id": "20f1",
            "description": "NVIDIA Corporation GA100 [A100 PCIe 40GB]",
        },
    ]


def test_gpus_from_lspci_recorded_samples_folds_the_a100_vf():
    gpus, _warnings = g.gpus_from_lspci(read("lspci/lspci_nn_samples.txt"))
    assert [(x["index"], x["name"], x["pci_bus_id"], x["architecture"], x["compute_capability"]) for x in gpus] == [
        (0, "Tesla P100 PCIe 12GB", "0000:00:06.0", "Pascal", "6.0"),
        (1, "A100 PCIe 40GB", "0000:3b:00.0", "Ampere", "8.0"),
        (2, "Tesla T4", "0000:af:00.0", "Turing", "7.5"),
    ]
    assert {x["source"] for x in gpus} == {"lspci"}
    assert {x["kernel_driver"] for x in gpus} == {None}


def test_gpus_from_lspci_skips_audio_and_bmc():
    gpus, _warnings = g.gpus_from_lspci(LSPCI_RTX)
    assert [(x["vendor"], x["index"], x["name"], x["architecture"]) for x in gpus] == [
        ("nvidia", 0, "GeForce RTX 3060 Lite Hash Rate", "Ampere"),
        ("intel", 0, "HD Graphics 630", None),
    ]


def test_nvidia_arch_from_codename():
    assert g.nvidia_arch_from_codename("NVIDIA Corporation AD104 [GeForce RTX 4070]") == "Ada Lovelace"
    assert g.nvidia_arch_from_codename("NVIDIA Corporation TU116 [GeForce GTX 1660 Ti]") == "Turing"
    assert g.nvidia_arch_from_codename("NVIDIA Corporation Device 2b85") is None


def test_name_from_lspci_names_sysfs_cards(tmp_path):
    make_pci_device(tmp_path, "0000:01:00.0", "0x10de", "0x2504")
    gpus, _warnings = g.scan_sysfs(str(tmp_path))
    named = g.name_from_lspci(gpus, LSPCI_RTX)
    assert named[0]["name"] == "GeForce RTX 3060 Lite Hash Rate"
    assert (named[0]["architecture"], named[0]["compute_capability"]) == ("Ampere", "8.6")


# --- merging and the container runtime -------------------------------------------


def test_merge_keeps_tool_gpus_and_adds_cards_they_missed():
    tool, _w = g.parse_nvidia_smi_xml(read("nvidia-smi-xml/telegraf_rtx-3060-v12.xml"))
    fallback = [
        g.new_gpu(vendor="nvidia", name="dup", pci_bus_id="0000:2d:00.0", source="sysfs"),
        g.new_gpu(vendor="nvidia", name="second card", pci_bus_id="0000:41:00.0", source="sysfs"),
        g.new_gpu(vendor="intel", name="igpu", pci_bus_id="0000:00:02.0", source="sysfs"),
    ]
    merged = g.merge_gpus(tool, fallback)
    assert [(x["vendor"], x["index"], x["name"], x["source"]) for x in merged] == [
        ("nvidia", 0, "NVIDIA GeForce RTX 3060", "nvidia-smi"),
        ("nvidia", 1, "second card", "sysfs"),
        ("intel", 0, "igpu", "sysfs"),
    ]


def test_merge_trusts_a_tool_without_pci_addresses_for_its_vendor():
    tool, _w = g.parse_amd_smi_json(read("amd-smi/device-metrics-exporter_mi210_amd-smi-static.json"))
    fallback = [g.new_gpu(vendor="amd", name="same MI210 seen by sysfs", pci_bus_id="0000:83:00.0")]
    assert [x["name"] for x in g.merge_gpus(tool, fallback)] == ["AMD Instinct MI210"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ('{"runtimes": {"nvidia": {"path": "nvidia-container-runtime", "args": []}}}', True),
        ('{"default-runtime": "nvidia"}', False),
        ('{"runtimes": {"runc-custom": {}}}', False),
        ("{not json", False),
        ("", False),
        ("[]", False),
    ],
)
def test_nvidia_runtime_in_daemon_json(text, expected):
    assert g.nvidia_runtime_in_daemon_json(text) is expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ('{"io.containerd.runc.v2":{"path":"runc"},"nvidia":{"path":"nvidia-container-runtime"},"runc":{}}', True),
        ('{"io.containerd.runc.v2":{"path":"runc"},"runc":{"path":"runc"}}', False),
        ("", False),
    ],
)
def test_nvidia_runtime_in_docker_info(text, expected):
    assert g.nvidia_runtime_in_docker_info(text) is expected
