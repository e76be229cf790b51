# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The docker role's daemon.json and its input checks, as plain functions.

The filters homelab.ai_stack.docker_daemon_config, homelab.ai_stack.docker_input_errors and
homelab.ai_stack.docker_preflight call them.
"""

from __future__ import annotations

import copy
import ipaddress
import json
import os
import re

from ansible_collections.homelab.ai_stack.plugins.module_utils import _file_state, _shell
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


DOCKERD = ("/usr/bin/dockerd", "/usr/sbin/dockerd")
NVIDIA_RUNTIME_PATH = "/usr/bin/nvidia-container-runtime"
DOCKER_CE = ["docker-ce", "docker-ce-cli", "containerd.io", "docker-buildx-plugin", "docker-compose-plugin"]
# Per OS family: the distribution's own packages (per distribution, the first one the default), the releases
# whose own packages have no compose v2, and what is removed before installing the other source (apt or dnf
# `absent`, never purge). Debian 12 ships docker-compose 1.29, a Python program with another CLI; trixie's
# docker-compose is compose v2 and its CLI is its own package (docker-cli, only recommended by docker.io).
# Only Fedora packages Docker (moby-engine); RHEL ships podman instead.
FAMILIES = {
    "Debian": {
        "distro": {
            "Debian": ["docker.io", "docker-cli", "docker-compose", "docker-buildx"],
            "Ubuntu": ["docker.io", "docker-compose-v2", "docker-buildx"],
        },
        "no_compose_v2": {"Debian": ["10", "11", "12"], "Ubuntu": ["18", "20"]},
        "conflicting": {
            "docker": [
                "docker.io",
                "docker-cli",
                "docker-compose",
                "docker-compose-v2",
                "docker-buildx",
                "docker-doc",
                "podman-docker",
                "containerd",
                "runc",
            ],
            "distro": [*DOCKER_CE, "podman-docker"],
        },
    },
    "RedHat": {
        "distro": {"Fedora": ["moby-engine", "docker-compose", "docker-buildx"]},
        "no_compose_v2": {name: ["8", "9", "10"] for name in ("RedHat", "CentOS", "Rocky", "AlmaLinux")},
        "conflicting": {
            "docker": ["moby-engine", "docker-compose", "podman-docker", "runc"],
            "distro": [*DOCKER_CE, "podman-docker"],
        },
    },
}
# One-line repository files of older installs (always removed) and Docker's deb822 file (removed when the
# distribution's packages are chosen).
OLD_REPO_FILES = (
    "docker.list docker-ce.list download_docker_com_linux_debian.list download_docker_com_linux_ubuntu.list"
)


def package_plan(facts, source, repository_url=""):
    """The docker role's packages for this host and source (``docker`` or ``distro``), before the read.

    ``facts``: os_family, distribution. Returns packages (None: unsupported OS family), conflicting,
    no_compose_v2 (releases), query (what the read asks dpkg-query about), old_repo_files (paths),
    probe_files (the paths the read looks for) and repo_uri (Docker's repository for this distribution).
    """
    family = FAMILIES.get(facts.get("os_family"))
    distribution = str(facts.get("distribution") or "")
    debian = facts.get("os_family") == "Debian"
    old = [
        f"/etc/apt/sources.list.d/{name}"
        for name in OLD_REPO_FILES.split() + (["docker.sources"] if source == "distro" else [])
    ]
    plan = {"packages": None, "conflicting": [], "no_compose_v2": [], "query": [], "old_repo_files": old}
    if family is not None:
        distro = family["distro"].get(distribution) or next(iter(family["distro"].values()))
        plan.update(
            packages=list(DOCKER_CE if source == "docker" else distro),
            conflicting=list(family["conflicting"].get(source, [])),
            no_compose_v2=family["no_compose_v2"].get(distribution, []),
        )
        if debian:
            plan["query"] = plan["packages"] + plan["conflicting"] + (["python3-debian"] if source == "docker" else [])
    repo = distribution.lower() if debian else ("fedora" if distribution == "Fedora" else "rhel")
    plan.update(probe_files=[*DOCKERD, NVIDIA_RUNTIME_PATH, *old], repo_uri=f"{repository_url}/{repo}")
    return plan


# preflight()'s data keys and the role's inputs they come from (docker_<name>).
INPUT_KEYS = {
    "source": "install_source",
    "remove_conflicting": "remove_conflicting_packages",
    "users": "users",
    "options": "daemon_options",
    "log_max_size": "log_max_size",
    "log_max_file": "log_max_file",
    "live_restore": "live_restore",
    "address_pools": "default_address_pools",
    "nvidia_runtime": "nvidia_runtime",
    "cgroup": "cgroup_driver",
    "service_enabled": "service_enabled",
}


def preflight(lines, data):
    """What the docker role's read found, what it must do and every input problem, from one read.

    ``lines``: the output of tasks/preflight.yml's command: dpkg-query lines (``ii docker.io``),
    ``file PATH``, ``group MEMBERS``, ``unit ENABLED ACTIVE``, ``user NAME``, ``have PATH KIND MODE OWNER
    GROUP [SHA1]`` for the files the role writes, and ``pending`` when a Docker restart marker is there.
    ``data``: os_family, distribution, major, source, packages (of the source; None: unsupported OS),
    conflicting, remove_conflicting, no_compose_v2, users, nvidia_path, daemon_json (path), dropin (path),
    dropin_content ('' for none), nvidia_runtime_fact, and the daemon.json settings (log_max_size,
    log_max_file, live_restore, address_pools, nvidia_runtime, cgroup, options, docker_subnet), service_enabled,
    read_rc and read_stderr (the raw read's: an rc other than 0 is the one error). Without
    ``packages``, packages, conflicting and no_compose_v2 are those of package_plan(). With ``inputs`` (the
    role's docker_* variables by name) the keys of INPUT_KEYS come from them.
    """
    if "inputs" in data:
        inputs = data["inputs"]
        data = dict(data, **{key: inputs.get("docker_" + name) for key, name in INPUT_KEYS.items()})
    failed = _shell.read_failure(
        "docker role: the read of the host (files/docker-read.sh)", data.get("read_rc"), lines, data.get("read_stderr")
    )
    files, members, unit, dpkg, users, have = [], [], [], [], [], {}
    pending = False
    for line in lines or []:
        kind, _sep, rest = line.partition(" ")
        if kind == "file":
            files.append(rest)
        elif kind == "group":
            members = rest.split()
        elif kind == "unit":
            unit = rest.split()
        elif kind == "user":
            users.append(rest)
        elif kind == "have":
            have.update(_file_state.parse([rest]))
        elif line == "pending":
            pending = True
        elif line.strip():
            dpkg.append(line.split())
    if "packages" not in data:
        plan = package_plan(data, data.get("source"))
        data = dict(data, **{key: plan[key] for key in ("packages", "conflicting", "no_compose_v2")})
    installed_packages = [words[-1] for words in dpkg if words[0] == "ii"]
    on_disk = [words[-1] for words in dpkg if len(words[0]) > 1 and words[0][1] not in "nc"]
    packages = data.get("packages")
    source = data.get("source")
    debian = data.get("os_family") == "Debian"
    conflicts = (
        [p for p in on_disk if p in (data.get("conflicting") or [])] if as_bool(data.get("remove_conflicting")) else []
    )
    install_needed = (
        not debian
        or source == "docker"
        or bool(conflicts)
        or any(f.startswith("/etc/apt/") for f in files)
        or any(p not in installed_packages for p in packages or [])
    )
    errors = []
    distribution = data.get("distribution")
    if packages is None:
        errors.append(f"docker role: {distribution} is not supported; supported OS families: Debian, RedHat")
    if source == "distro" and str(data.get("major")) in [str(m) for m in data.get("no_compose_v2") or []]:
        errors.append(
            f"docker_install_source: {distribution} {data.get('major')} has no Docker Compose v2 in its own"
            " packages; set docker_install_source: docker (Docker's repository)"
        )
    # Members of the docker group are not looked up.
    missing_users = [u for u in data.get("users") or [] if u not in members and u not in users]
    if missing_users:
        errors.append("docker_users: no such user(s) on this host: " + ", ".join(missing_users))
    settings = {k: data.get(k) for k in ("log_max_size", "log_max_file", "nvidia_runtime", "cgroup")}
    errors += input_errors(address_pools=data.get("address_pools"), docker_subnet=data.get("docker_subnet"), **settings)
    runtime = data.get("nvidia_path") in files or as_bool(data.get("nvidia_runtime_fact"))
    content = ""
    if not errors:
        settings.update(live_restore=data.get("live_restore"), address_pools=data.get("address_pools"))
        content = daemon_json(daemon_config(nvidia_runtime_installed=runtime, options=data.get("options"), **settings))
    daemon, dropin, dropin_content = data.get("daemon_json"), data.get("dropin"), data.get("dropin_content") or ""
    wanted = [{"dest": os.path.dirname(daemon), "state": "directory"}, {"dest": daemon, "content": content}]
    if dropin_content:
        wanted += [{"dest": os.path.dirname(dropin), "state": "directory"}, {"dest": dropin, "content": dropin_content}]
    else:
        wanted.append({"dest": dropin, "state": "absent"})
    files_in_place = not pending and _file_state.in_place(wanted, have)
    users_to_add = [u for u in data.get("users") or [] if u not in members]
    # tasks/apply.yml's systemd run: the unit enabled (or disabled, docker_service_enabled false) and active.
    enabled = data.get("service_enabled")
    unit_wanted = ["disabled" if enabled is not None and not as_bool(enabled) else "enabled", "active"]
    return {
        "files": files,
        "group_members": members,
        "unit": unit,
        "installed_packages": installed_packages,
        "installed": any(path in files for path in DOCKERD),
        "conflicts_installed": conflicts,
        "install_needed": install_needed,
        "daemon_json": content,
        "files_in_place": files_in_place,
        "users_to_add": users_to_add,
        "unit_todo": unit != unit_wanted,
        "apply_needed": install_needed or not files_in_place or bool(users_to_add) or unit != unit_wanted,
        # A read that failed (read_rc, read_stderr: the raw run's) is the one error: the rest is guesswork.
        "errors": [failed] if failed else errors,
    }
