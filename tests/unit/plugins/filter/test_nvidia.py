# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The nvidia role's plan on the GPU lists parsed from recorded nvidia-smi / rocm-smi outputs."""

from __future__ import annotations

import pathlib

import pytest

from ansible_collections.homelab.ai_stack.plugins.filter.nvidia import nvidia_container_check, nvidia_plan
from ansible_collections.homelab.ai_stack.plugins.module_utils import _gpu as g
from ansible_collections.homelab.ai_stack.plugins.module_utils import _nvidia as n

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "modules" / "fixtures" / "gpu"
DEBIAN = {"distribution": "Debian", "os_family": "Debian", "architecture": "x86_64"}


def recorded(name):
    return g.parse_nvidia_smi_xml((FIXTURES / "nvidia-smi-xml" / name).read_text(encoding="utf-8"))[0]


def test_every_recorded_card_plans_without_error_on_debian_with_the_defaults():
    for path in sorted((FIXTURES / "nvidia-smi-xml").glob("*.xml")):
        gpus = recorded(path.name)
        result = n.plan(gpus, {}, DEBIAN)
        assert result["gpu_present"], path.name
        assert result["driver_loaded"], path.name
        assert result["errors"] == [], (path.name, result["errors"])


@pytest.mark.parametrize(
    "fixture, modules",
    [
        ("telegraf_rtx-3060-v12.xml", "open"),  # Ampere
        ("telegraf_tesla-t4.xml", "open"),  # Turing
        ("telegraf_gtx-1070-ti.xml", "proprietary"),  # Pascal
        ("telegraf_quadro-p2000-v12.xml", "proprietary"),  # Pascal
        ("netdata_a100-sxm4-mig.xml", "open"),  # Ampere
    ],
)
def test_auto_picks_the_kernel_modules_the_recorded_card_needs(fixture, modules):
    assert n.plan(recorded(fixture), {"driver_kernel_modules": "auto"}, DEBIAN)["kernel_modules"] == modules


def test_open_modules_on_a_pascal_card_name_the_variable_and_the_card():
    gpus = recorded("telegraf_gtx-1070-ti.xml")
    errors = n.plan(gpus, {"driver_kernel_modules": "open"}, DEBIAN)["errors"]
    assert len(errors) == 1
    assert errors[0].startswith("nvidia_driver_kernel_modules: the open kernel modules do not support ")
    assert gpus[0]["name"] in errors[0]


def test_blackwell_with_pascal_in_one_host_and_on_debian():
    pascal = recorded("telegraf_gtx-1070-ti.xml")
    blackwell = [
        dict(recorded("telegraf_rtx-3090-v12.xml")[0], name="NVIDIA GeForce RTX 5090", architecture="Blackwell")
    ]
    errors = n.plan(pascal + blackwell, {}, DEBIAN)["errors"]
    assert any(e.startswith("No single driver serves") and "RTX 5090" in e for e in errors)
    assert any(e.startswith("nvidia_driver_install: Blackwell GPUs need driver 570") for e in errors)
    # With the driver installed by the operator, the mixed host remains, and auto's proprietary modules
    # (for the Pascal card) do not serve the Blackwell one.
    errors = n.plan(pascal + blackwell, {"driver_install": "false"}, DEBIAN)["errors"]
    assert [e[:29] for e in errors] == ["No single driver serves GeFor", "nvidia_driver_kernel_modules:"]


def test_kepler_needs_the_legacy_driver():
    kepler = [dict(recorded("telegraf_tesla-t4.xml")[0], name="Tesla K80", architecture="Kepler")]
    errors = n.plan(kepler, {}, DEBIAN)["errors"]
    assert errors == [
        "nvidia_driver_install: Kepler GPUs (Tesla K80) need the legacy 470 driver, which this role does not"
        " install; set nvidia_driver_install: false."
    ]
    assert n.plan(kepler, {"driver_install": False}, DEBIAN)["errors"] == []


@pytest.mark.parametrize(
    "settings, host, prefix",
    [
        ({"driver_branch": "550"}, DEBIAN, "nvidia_driver_branch: Debian ships one driver"),
        ({"driver_branch": "55x"}, dict(DEBIAN, distribution="Ubuntu"), "nvidia_driver_branch must be empty"),
        (
            {"driver_branch": "550"},
            dict(DEBIAN, distribution="Fedora", os_family="RedHat"),
            "nvidia_driver_branch: RPM",
        ),
        (
            {"toolkit_install": "no"},
            dict(DEBIAN, distribution="Archlinux", os_family="Archlinux"),
            "nvidia_driver_inst",
        ),
        ({"driver_install": False}, dict(DEBIAN, distribution="Alpine", os_family="Alpine"), "nvidia_toolkit_install"),
        ({}, dict(DEBIAN, architecture="ppc64le"), "Architecture ppc64le"),
        ({"toolkit_version": "1.17"}, DEBIAN, "nvidia_toolkit_version must be empty"),
        ({"reboot_timeout": "0"}, DEBIAN, "nvidia_reboot_timeout must be a positive"),
        ({"container_check_timeout": 0}, DEBIAN, "nvidia_container_check_timeout must be a positive"),
        ({"driver_kernel_modules": "closed"}, DEBIAN, "nvidia_driver_kernel_modules must be"),
    ],
)
def test_each_rule_names_its_variable(settings, host, prefix):
    errors = n.plan(recorded("telegraf_rtx-3060-v12.xml"), settings, host)["errors"]
    assert len(errors) == 1, errors
    assert errors[0].startswith(prefix), errors


def test_string_inputs_from_the_command_line_behave_as_booleans_and_numbers():
    gpus = recorded("telegraf_rtx-3060-v12.xml")
    ubuntu_branch = {"driver_branch": "550", "driver_install": "true"}
    assert n.plan(gpus, ubuntu_branch, DEBIAN)["errors"]
    assert n.plan(gpus, dict(ubuntu_branch, driver_install="false"), DEBIAN)["errors"] == []
    assert n.plan(gpus, {"reboot_timeout": "900", "container_check_timeout": "300"}, DEBIAN)["errors"] == []
    assert n.toolkit_pin_ok("1.17.8~rc.1") and not n.toolkit_pin_ok("latest")


def test_a_card_that_did_not_answer_nvidia_smi_means_the_driver_is_not_loaded():
    gpus = recorded("telegraf_rtx-3060-v12.xml")
    assert n.plan(gpus)["driver_loaded"]
    fallback = [dict(gpus[0], source="sysfs")]
    assert not n.plan(fallback)["driver_loaded"]


def test_no_nvidia_gpu_means_nothing_to_do_and_no_errors():
    amd = g.parse_rocm_smi_json((FIXTURES / "rocm-smi" / "rx6700xt_rocm571.json").read_text(encoding="utf-8"))[0]
    assert amd and all(gpu["vendor"] == "amd" for gpu in amd)
    result = n.plan(amd, {"driver_branch": "bad"}, dict(DEBIAN, architecture="ppc64le"))
    assert set(result.pop("packages")) == {
        "debian_driver",
        "ubuntu_driver",
        "fedora_driver",
        "rpmfusion",
        "toolkit",
        "toolkit_deb_uri",
    }
    assert result == {
        "gpus": [],
        "gpu_present": False,
        "driver_loaded": False,
        "kernel_modules": "open",
        "errors": [],
        "notice": [
            "No NVIDIA GPU on this host: ansible_facts['ai_stack_gpus'] lists 1 GPU(s)"
            ' ["Navi 22 [Radeon RX 6700/6700 XT / 6800M]"], none from NVIDIA.',
            "The nvidia role changes nothing on this host. Set nvidia_require_gpu true to make this an error.",
        ],
    }
    assert n.plan([])["gpu_present"] is False


def test_a_required_gpu_that_is_missing_is_an_error_naming_the_variable_and_the_host():
    amd = g.parse_rocm_smi_json((FIXTURES / "rocm-smi" / "rx6700xt_rocm571.json").read_text(encoding="utf-8"))[0]
    result = n.plan(amd, {"require_gpu": "true", "host": "gpu-box"}, DEBIAN)
    assert result["notice"] == []
    assert result["errors"] == [
        "nvidia_require_gpu is true but gpu-box has no NVIDIA GPU"
        ' (ai_stack_gpus: ["Navi 22 [Radeon RX 6700/6700 XT / 6800M]"]).'
        " Check that the card is seated and visible (`lspci -nn | grep -i nvidia`), remove the host from the"
        " ai_stack_gpu group, or set nvidia_require_gpu false."
    ]
    assert n.plan([], {"require_gpu": False, "host": "gpu-box"})["notice"][0].startswith("No NVIDIA GPU on gpu-box:")
    # A host with an NVIDIA GPU gets neither.
    present = n.plan(recorded("telegraf_tesla-t4.xml"), {"require_gpu": True, "host": "gpu-box"}, DEBIAN)
    assert present["errors"] == [] and present["notice"] == []


def test_the_filter_refuses_what_is_not_a_gpu_list():
    from ansible.errors import AnsibleFilterError

    with pytest.raises(AnsibleFilterError, match="ai_stack_gpus"):
        nvidia_plan("nvidia", {}, DEBIAN)
    with pytest.raises(AnsibleFilterError, match="settings must be a dict"):
        nvidia_plan([], "x", DEBIAN)
    assert nvidia_plan(recorded("telegraf_tesla-t4.xml"), {}, DEBIAN)["kernel_modules"] == "open"


REPO = {
    "toolkit_repository_url": "https://nvidia.github.io/libnvidia-container",
    "toolkit_repository_channel": "stable",
}


@pytest.mark.parametrize(
    ("settings", "host", "modules", "key", "expected"),
    [
        ({}, DEBIAN, "open", "debian_driver", ["nvidia-open-kernel-dkms", "nvidia-driver", "firmware-misc-nonfree"]),
        (
            {},
            dict(DEBIAN, architecture="aarch64"),
            "proprietary",
            "debian_driver",
            ["nvidia-kernel-dkms", "nvidia-driver", "firmware-misc-nonfree", "linux-headers-arm64"][:3],
        ),
        ({"driver_branch": "550"}, DEBIAN, "open", "ubuntu_driver", ["nvidia-driver-550-open"]),
        ({"driver_branch": "535"}, DEBIAN, "proprietary", "ubuntu_driver", ["nvidia-driver-535"]),
        ({}, DEBIAN, "open", "fedora_driver", ["akmod-nvidia", "xorg-x11-drv-nvidia-cuda"]),
        (
            {"driver_branch": "470"},
            DEBIAN,
            "open",
            "fedora_driver",
            ["akmod-nvidia-470xx", "xorg-x11-drv-nvidia-470xx-cuda"],
        ),
        (
            {},
            dict(DEBIAN, distribution_major_version="41"),
            "open",
            "rpmfusion",
            [
                "https://mirrors.rpmfusion.org/free/fedora/rpmfusion-free-release-41.noarch.rpm",
                "https://mirrors.rpmfusion.org/nonfree/fedora/rpmfusion-nonfree-release-41.noarch.rpm",
            ],
        ),
        ({}, DEBIAN, "open", "toolkit", ["nvidia-container-toolkit"]),
        (
            {"toolkit_version": "1.17.8"},
            DEBIAN,
            "open",
            "toolkit",
            [
                "nvidia-container-toolkit=1.17.8-1",
                "nvidia-container-toolkit-base=1.17.8-1",
                "libnvidia-container-tools=1.17.8-1",
                "libnvidia-container1=1.17.8-1",
            ],
        ),
        (
            {"toolkit_version": "1.17.8"},
            dict(DEBIAN, os_family="RedHat"),
            "open",
            "toolkit",
            [
                "nvidia-container-toolkit-1.17.8-1",
                "nvidia-container-toolkit-base-1.17.8-1",
                "libnvidia-container-tools-1.17.8-1",
                "libnvidia-container1-1.17.8-1",
            ],
        ),
        (REPO, DEBIAN, "open", "toolkit_deb_uri", "https://nvidia.github.io/libnvidia-container/stable/deb/amd64"),
        (
            REPO,
            dict(DEBIAN, architecture="aarch64"),
            "open",
            "toolkit_deb_uri",
            "https://nvidia.github.io/libnvidia-container/stable/deb/arm64",
        ),
    ],
)
def test_the_packages_of_each_install_path(settings, host, modules, key, expected):
    assert n.packages(settings, host, modules)[key][: len(expected)] == expected


def test_the_debian_driver_carries_the_kernel_headers_of_the_architecture():
    assert n.packages({}, DEBIAN, "open")["debian_driver"][-1] == "linux-headers-amd64"
    assert n.packages({}, dict(DEBIAN, architecture="aarch64"), "open")["debian_driver"][-1] == "linux-headers-arm64"
    assert n.plan([], {}, DEBIAN)["packages"]["debian_driver"][0] == "nvidia-open-kernel-dkms"


RTX = [{"uuid": "GPU-1d5b2a3c", "name": "NVIDIA GeForce RTX 3060"}, {"uuid": "GPU-9f00aa11", "name": "RTX A4000"}]
LISTED = "GPU-1d5b2a3c, NVIDIA GeForce RTX 3060, 12288 MiB\nGPU-9f00aa11, RTX A4000, 16376 MiB\n"


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        ({"rc": 0, "stdout": LISTED, "stderr": ""}, []),
        ({"rc": 0, "stdout": LISTED.splitlines()[0], "stderr": ""}, ["did not list every GPU", "GPU-9f00aa11"]),
        (
            {"rc": 1, "stdout": "", "stderr": "Failed to initialize NVML: Unknown Error"},
            ["failed (rc=1): Failed to initialize NVML", "NVML cannot initialise: reboot", "nvidia_container_check"],
        ),
        ({"rc": 124, "stdout": "", "stderr": ""}, ["failed (rc=124)", "Expected GPU-1d5b2a3c, GPU-9f00aa11."]),
    ],
)
def test_the_container_check_names_what_went_wrong(result, expected):
    problem = nvidia_container_check(result, RTX, "nvidia/cuda:12.4.1-base-ubuntu22.04")
    assert (problem == "") == (expected == [])
    for part in expected:
        assert part in problem
    if expected:
        assert problem.startswith("nvidia-smi in nvidia/cuda:12.4.1-base-ubuntu22.04 ")
