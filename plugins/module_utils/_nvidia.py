# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The nvidia role's plan: which GPUs it serves, which kernel modules, and what is wrong with the settings.

Plain functions on the GPU list of homelab.ai_stack.gpu_facts (ansible_facts['ai_stack_gpus']) and the
role's settings; the filter homelab.ai_stack.nvidia_plan calls plan().
"""

from __future__ import annotations

import json
import re

from ansible_collections.homelab.ai_stack.plugins.module_utils._inputs import bool_word

# Open kernel modules support Turing and newer only; Blackwell supports nothing else.
PROPRIETARY_ONLY = ("Maxwell", "Pascal", "Volta")
OPEN_ONLY = ("Blackwell",)
UNSUPPORTED = ("Kepler",)
DRIVER_DISTRIBUTIONS = ("Debian", "Ubuntu", "Fedora")
TOOLKIT_OS_FAMILIES = ("Debian", "RedHat")
ARCHITECTURES = ("x86_64", "aarch64")
FEDORA_BRANCHES = ("", "470")
KERNEL_MODULES = ("auto", "open", "proprietary")

# Debian: one driver per release, with the kernel headers of the architecture.
DEBIAN_DRIVER = {
    "open": ["nvidia-open-kernel-dkms", "nvidia-driver", "firmware-misc-nonfree"],
    "proprietary": ["nvidia-kernel-dkms", "nvidia-driver", "firmware-misc-nonfree"],
}
DEBIAN_HEADERS = {"x86_64": "linux-headers-amd64", "aarch64": "linux-headers-arm64"}
DEB_ARCHITECTURES = {"x86_64": "amd64", "aarch64": "arm64"}
TOOLKIT_PACKAGES = ["nvidia-container-toolkit", "nvidia-container-toolkit-base", "libnvidia-container-tools"]
TOOLKIT_PACKAGES += ["libnvidia-container1"]
RPMFUSION = "https://mirrors.rpmfusion.org/{0}/fedora/rpmfusion-{0}-release-{1}.noarch.rpm"

_BRANCH = re.compile(r"^[0-9]*$")
_TOOLKIT_VERSION = re.compile(r"^([0-9]+[.][0-9]+[.][0-9]+(~rc[.][0-9]+)?)?$")


def as_bool(value):
    """A boolean input as Ansible reads it (`-e x=false` arrives as the string 'false')."""
    if isinstance(value, str):
        return bool_word(value) is True
    return bool(value)


def as_int(value, default=0):
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default


def toolkit_pin_ok(version):
    """Empty (the newest) or a toolkit version such as 1.17.8 or 1.18.0~rc.1."""
    return bool(_TOOLKIT_VERSION.match(str(version or "")))


def nvidia_gpus(gpus):
    """The NVIDIA entries of the GPU list."""
    return [gpu for gpu in gpus or [] if (gpu or {}).get("vendor") == "nvidia"]


def _names(gpus):
    return ", ".join(str(gpu.get("name") or gpu.get("pci_bus_id") or "?") for gpu in gpus)


def kernel_modules(gpus, wanted="auto"):
    """open or proprietary: the wanted one, or for auto proprietary when any GPU needs it."""
    if wanted != "auto":
        return wanted
    if any(gpu.get("architecture") in PROPRIETARY_ONLY for gpu in nvidia_gpus(gpus)):
        return "proprietary"
    return "open"


def errors(gpus, settings, host):
    """Every setting that does not fit this host and its GPUs, each message naming the variable.

    settings: the nvidia_* inputs without the prefix (driver_install, toolkit_install, driver_branch,
    driver_kernel_modules, toolkit_version, reboot_timeout, container_check_timeout).
    host: distribution, os_family, architecture (Ansible facts).
    """
    gpus = nvidia_gpus(gpus)
    distribution = host.get("distribution") or ""
    os_family = host.get("os_family") or ""
    architecture = host.get("architecture") or ""
    driver_install = as_bool(settings.get("driver_install", True))
    toolkit_install = as_bool(settings.get("toolkit_install", True))
    branch = str(settings.get("driver_branch") or "")
    wanted_modules = str(settings.get("driver_kernel_modules") or "auto")
    toolkit_version = str(settings.get("toolkit_version") or "")
    modules = kernel_modules(gpus, wanted_modules)
    kepler = [gpu for gpu in gpus if gpu.get("architecture") in UNSUPPORTED]
    old = [gpu for gpu in gpus if gpu.get("architecture") in PROPRIETARY_ONLY]
    new = [gpu for gpu in gpus if gpu.get("architecture") in OPEN_ONLY]
    out = []
    if driver_install and distribution not in DRIVER_DISTRIBUTIONS:
        out.append(
            f"nvidia_driver_install: the role installs drivers on Debian, Ubuntu and Fedora, not on {distribution};"
            " install the driver yourself (NVIDIA CUDA repository) and set nvidia_driver_install: false."
        )
    if toolkit_install and os_family not in TOOLKIT_OS_FAMILIES:
        out.append(
            f"nvidia_toolkit_install: NVIDIA publishes the toolkit for apt and dnf systems, not for {os_family}."
        )
    if architecture not in ARCHITECTURES:
        out.append(f"Architecture {architecture}: NVIDIA packages exist for x86_64 and aarch64 only.")
    if wanted_modules not in KERNEL_MODULES:
        out.append(f'nvidia_driver_kernel_modules must be auto, open or proprietary, got "{wanted_modules}".')
    if not _BRANCH.match(branch):
        out.append(f'nvidia_driver_branch must be empty or a number such as "550", got "{branch}".')
    if driver_install and distribution == "Debian" and branch:
        out.append(
            "nvidia_driver_branch: Debian ships one driver per release (bookworm 535, trixie 550); leave it empty,"
            " or set nvidia_driver_install: false and install another branch yourself."
        )
    if distribution == "Fedora" and branch not in FEDORA_BRANCHES:
        out.append(
            f'nvidia_driver_branch: RPM Fusion has the current driver (empty) and the legacy "470" on Fedora,'
            f' not "{branch}".'
        )
    if driver_install and kepler:
        out.append(
            f"nvidia_driver_install: Kepler GPUs ({_names(kepler)}) need the legacy 470 driver, which this role"
            " does not install; set nvidia_driver_install: false."
        )
    if old and new:
        out.append(
            f"No single driver serves {_names(old)} (proprietary kernel modules only) and {_names(new)}"
            " (open kernel modules only) in one host."
        )
    if old and modules == "open":
        out.append(
            f"nvidia_driver_kernel_modules: the open kernel modules do not support {_names(old)}"
            " (Maxwell, Pascal, Volta); use auto or proprietary."
        )
    if new and modules == "proprietary":
        out.append(
            f"nvidia_driver_kernel_modules: {_names(new)} (Blackwell) work with the open kernel modules only;"
            " use auto or open."
        )
    if driver_install and distribution == "Debian" and new:
        out.append(
            "nvidia_driver_install: Blackwell GPUs need driver 570 or newer and Debian ships 535 (bookworm) or"
            " 550 (trixie); set nvidia_driver_install: false and install the driver from NVIDIA."
        )
    if not toolkit_pin_ok(toolkit_version):
        out.append(f'nvidia_toolkit_version must be empty or a version such as "1.17.8", got "{toolkit_version}".')
    for name in ("reboot_timeout", "container_check_timeout"):
        if as_int(settings.get(name, 1)) < 1:
            out.append(f"nvidia_{name} must be a positive number of seconds.")
    return out


def packages(settings, host, modules):
    """The package names and sources of each install path (tasks/driver.yml, tasks/toolkit.yml).

    settings: driver_branch, toolkit_version, toolkit_repository_url, toolkit_repository_channel;
    host: os_family, architecture, distribution_major_version; modules: open or proprietary.
    """
    branch = str(settings.get("driver_branch") or "")
    version = str(settings.get("toolkit_version") or "")
    arch = host.get("architecture") or ""
    fedora = f"-{branch}xx" if branch else ""
    # apt pins with name=version, dnf with name-version.
    pin = ("=" if host.get("os_family") == "Debian" else "-") + version + "-1"
    repository = [settings.get("toolkit_repository_url"), settings.get("toolkit_repository_channel"), "deb"]
    return {
        "debian_driver": [*DEBIAN_DRIVER.get(modules, DEBIAN_DRIVER["open"]), DEBIAN_HEADERS.get(arch, "")],
        "ubuntu_driver": [f"nvidia-driver-{branch}" + ("-open" if modules == "open" else "")],
        "fedora_driver": [f"akmod-nvidia{fedora}", f"xorg-x11-drv-nvidia{fedora}-cuda"],
        "rpmfusion": [RPMFUSION.format(kind, host.get("distribution_major_version")) for kind in ("free", "nonfree")],
        "toolkit": [name + pin for name in TOOLKIT_PACKAGES] if version else TOOLKIT_PACKAGES[:1],
        "toolkit_deb_uri": "/".join(str(part) for part in [*repository, DEB_ARCHITECTURES.get(arch, arch)]),
    }


def container_check_problem(result, gpus, image):
    """What is wrong with the container check (tasks/check.yml: nvidia-smi in a container), or ''.

    ``result``: the command's rc, stdout and stderr; ``gpus``: the plan's GPUs, whose UUIDs must all be listed.
    """
    out = str(result.get("stdout") or "")
    text = f"{out} {result.get('stderr') or ''}".strip()
    uuids = [gpu.get("uuid") for gpu in gpus if gpu.get("uuid")]
    if result.get("rc") == 0 and all(uuid in out for uuid in uuids):
        return ""
    what = f"failed (rc={result.get('rc')})" if result.get("rc") != 0 else "did not list every GPU"
    nvml = " NVML cannot initialise: reboot after a driver change, or check the cgroup driver in"
    nvml += " /etc/docker/daemon.json."
    return (
        f"nvidia-smi in {image} {what}: {text[:600]}. Expected {', '.join(uuids)}."
        + (nvml if "NVML" in text else "")
        + " Set nvidia_container_check false to skip this check."
    )


def plan(gpus, settings=None, host=None):
    """What the role works with: the NVIDIA GPUs, whether the driver answers, the kernel modules, the errors.

    With ``settings['host']`` (the inventory name) and ``settings['require_gpu']``: a host without an
    NVIDIA GPU is an error when a GPU is required, else ``notice`` says that the role does nothing.
    """
    settings = settings or {}
    host = host or {}
    mine = nvidia_gpus(gpus)
    present = len(mine) > 0
    name = settings.get("host") or "this host"
    found = json.dumps([(gpu or {}).get("name") for gpu in gpus or []])
    required = as_bool(settings.get("require_gpu", False))
    notice = []
    problems = errors(mine, settings, host) if present else []
    if not present and required:
        problems.append(
            f"nvidia_require_gpu is true but {name} has no NVIDIA GPU (ai_stack_gpus: {found}). Check that the card"
            " is seated and visible (`lspci -nn | grep -i nvidia`), remove the host from the ai_stack_gpu group, or"
            " set nvidia_require_gpu false."
        )
    elif not present:
        notice = [
            f"No NVIDIA GPU on {name}: ansible_facts['ai_stack_gpus'] lists {len(gpus or [])} GPU(s) {found},"
            " none from NVIDIA.",
            "The nvidia role changes nothing on this host. Set nvidia_require_gpu true to make this an error.",
        ]
    modules = kernel_modules(mine, str(settings.get("driver_kernel_modules") or "auto"))
    return {
        "gpus": mine,
        "gpu_present": present,
        # nvidia-smi answered for every card: the kernel module is loaded and matches the libraries.
        "driver_loaded": present and all(gpu.get("source") == "nvidia-smi" for gpu in mine),
        "kernel_modules": modules,
        "errors": problems,
        "notice": notice,
        "packages": packages(settings, host, modules),
    }
