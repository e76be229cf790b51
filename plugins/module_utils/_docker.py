# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The docker role's daemon.json and its input checks, as plain functions.

The filters homelab.ai_stack.docker_daemon_config and homelab.ai_stack.docker_input_errors call them.
"""

from __future__ import annotations

import copy
import ipaddress
import json
import re

from ansible_collections.homelab.ai_stack.plugins.module_utils._inputs import bool_word

NVIDIA_RUNTIME = {"nvidia": {"path": "nvidia-container-runtime", "runtimeArgs": []}}
# Ranges Docker must never hand to a network: Tailscale's CGNAT range.
RESERVED = {"100.64.0.0/10": "Tailscale"}
_SIZE = re.compile(r"^[0-9]+[kmg]$")


def as_bool(value):
    """A boolean input as Ansible reads it (`-e x=false` arrives as the string 'false')."""
    if isinstance(value, str):
        return bool_word(value) is True
    return bool(value)


def merge(base, extra):
    """base with extra merged in recursively (extra wins), as Ansible's combine(recursive=True)."""
    out = copy.deepcopy(base)
    for key, value in (extra or {}).items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def nvidia_enabled(mode, runtime_installed):
    """Whether daemon.json gets the nvidia runtime: always, never, or auto when the toolkit is installed."""
    return mode == "always" or (mode == "auto" and as_bool(runtime_installed))


def cgroup_driver(wanted, nvidia):
    """The cgroup driver to write, or '' for Docker's default.

    The systemd driver lets `systemctl daemon-reload` reset the device rules of containers whose GPU nodes
    the NVIDIA hook added behind systemd's back (NVML then fails inside them); with cgroupfs systemd does not
    manage container cgroups, so auto picks cgroupfs whenever the nvidia runtime is configured.
    """
    if wanted and wanted != "auto":
        return wanted
    return "cgroupfs" if nvidia else ""


def daemon_config(
    log_max_size="10m",
    log_max_file=3,
    live_restore=True,
    address_pools=None,
    nvidia_runtime="auto",
    nvidia_runtime_installed=False,
    cgroup="auto",
    options=None,
):
    """daemon.json as a dict: the role's keys, merged recursively with the user's options (theirs win)."""
    nvidia = nvidia_enabled(nvidia_runtime, nvidia_runtime_installed)
    config = {
        "log-driver": "json-file",
        "log-opts": {"max-size": str(log_max_size), "max-file": str(log_max_file)},
        "live-restore": as_bool(live_restore),
        "default-address-pools": [
            {"base": str(pool.get("base")), "size": int(str(pool.get("size")))} for pool in address_pools or []
        ],
    }
    if nvidia:
        config["runtimes"] = copy.deepcopy(NVIDIA_RUNTIME)
    driver = cgroup_driver(cgroup, nvidia)
    if driver:
        config["exec-opts"] = ["native.cgroupdriver=" + driver]
    return merge(config, options or {})


def daemon_json(config):
    """The text written to daemon.json (what to_nice_json(indent=2) wrote before, so no rewrite on upgrade)."""
    return json.dumps(config, indent=2, sort_keys=True, separators=(",", ": ")) + "\n"


def _network(text):
    try:
        if "/" not in str(text):
            raise ValueError
        return ipaddress.IPv4Network(str(text), strict=False)
    except ValueError:
        return None


def pool_errors(pools, docker_subnet=""):
    """Each pool needs an IPv4 CIDR base and a size between its prefix and 29, clear of reserved ranges."""
    reserved = dict(RESERVED)
    if docker_subnet:
        reserved[str(docker_subnet)] = "ai_stack_docker_subnet"
    out = []
    for pool in pools or []:
        base = _network(pool.get("base")) if isinstance(pool, dict) else None
        try:
            size = int(str(pool.get("size"))) if isinstance(pool, dict) else None
        except ValueError:
            size = None
        if base is None or size is None:
            out.append(
                f"docker_default_address_pools: {json.dumps(pool, sort_keys=True)} needs base (an IPv4 CIDR) and size"
            )
            continue
        if not base.prefixlen <= size <= 29:
            out.append(
                f"docker_default_address_pools: size {size} of {pool['base']} must be between the base prefix and 29"
            )
            continue
        for other, why in reserved.items():
            other_net = _network(other)
            if other_net is not None and base.overlaps(other_net):
                out.append(
                    f"docker_default_address_pools: {pool['base']} overlaps {other} ({why});"
                    " Docker could hand it to another network"
                )
    return out


def input_errors(
    log_max_size="10m",
    log_max_file=3,
    address_pools=None,
    docker_subnet="",
    nvidia_runtime="auto",
    cgroup="auto",
):
    """Every value of the docker role's inputs that cannot work, each message naming its variable."""
    out = []
    if not _SIZE.match(str(log_max_size)):
        out.append(f"docker_log_max_size: {log_max_size} is not a size like 10m (a number and k, m or g)")
    try:
        if int(str(log_max_file)) < 1:
            raise ValueError
    except ValueError:
        out.append("docker_log_max_file: must be at least 1")
    out.extend(pool_errors(address_pools, docker_subnet))
    if nvidia_runtime == "always" and cgroup == "systemd":
        out.append(
            "docker_cgroup_driver: systemd with the nvidia runtime lets containers lose the GPU"
            " after systemctl daemon-reload; use auto or cgroupfs"
        )
    return out
