# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""daemon.json and the docker role's input checks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ansible_collections.homelab.ai_stack.plugins.filter.docker import (
    docker_daemon_config,
    docker_input_errors,
    docker_packages,
    docker_preflight,
)
from ansible_collections.homelab.ai_stack.plugins.module_utils import _docker as d

POOLS = [{"base": "172.20.0.0/14", "size": 24}]

# What the role wrote before the logic moved to Python (to_nice_json(indent=2) of the molecule docker
# scenario's settings): the same text, so an upgrade does not rewrite the file or restart Docker.
MOLECULE_DAEMON_JSON = """{
  "default-address-pools": [
    {
      "base": "172.20.0.0/14",
      "size": 24
    }
  ],
  "exec-opts": [
    "native.cgroupdriver=cgroupfs"
  ],
  "live-restore": true,
  "log-driver": "json-file",
  "log-opts": {
    "max-file": "3",
    "max-size": "10m",
    "tag": "{{.Name}}"
  },
  "runtimes": {
    "nvidia": {
      "path": "nvidia-container-runtime",
      "runtimeArgs": []
    }
  }
}
"""


def test_the_molecule_scenario_file_is_written_byte_for_byte_as_before():
    text = docker_daemon_config(
        {"log-opts": {"tag": "{{.Name}}"}},
        log_max_size="10m",
        log_max_file=3,
        live_restore=True,
        address_pools=POOLS,
        nvidia_runtime="auto",
        nvidia_runtime_installed=True,
        cgroup="auto",
    )
    assert text == MOLECULE_DAEMON_JSON


def test_settings_as_one_dict_like_the_role_passes_them():
    settings = {"log_max_size": "10m", "log_max_file": "3", "live_restore": "true", "address_pools": POOLS}
    settings.update(nvidia_runtime="auto", nvidia_runtime_installed="True", cgroup="auto")
    text = docker_daemon_config({"log-opts": {"tag": "{{.Name}}"}}, settings)
    assert text == MOLECULE_DAEMON_JSON
    with pytest.raises(Exception, match="settings must be a dict"):
        docker_daemon_config({}, "x")


def test_without_the_toolkit_there_is_no_runtime_and_no_cgroup_driver():
    config = d.daemon_config(address_pools=POOLS, nvidia_runtime="auto", nvidia_runtime_installed="false")
    assert "runtimes" not in config and "exec-opts" not in config
    config = d.daemon_config(address_pools=POOLS, nvidia_runtime="always")
    assert config["runtimes"] == d.NVIDIA_RUNTIME and config["exec-opts"] == ["native.cgroupdriver=cgroupfs"]
    config = d.daemon_config(nvidia_runtime="never", nvidia_runtime_installed=True, cgroup="systemd")
    assert "runtimes" not in config and config["exec-opts"] == ["native.cgroupdriver=systemd"]


def test_command_line_strings_are_booleans_and_numbers():
    config = d.daemon_config(
        live_restore="false", log_max_file="5", address_pools=[{"base": "10.9.0.0/16", "size": "24"}]
    )
    assert config["live-restore"] is False
    assert config["log-opts"]["max-file"] == "5"
    assert config["default-address-pools"] == [{"base": "10.9.0.0/16", "size": 24}]


def test_user_options_win_and_merge_recursively():
    config = d.daemon_config(options={"log-opts": {"max-size": "1g"}, "debug": True, "live-restore": False})
    assert config["log-opts"] == {"max-size": "1g", "max-file": "3"}
    assert config["debug"] is True and config["live-restore"] is False
    assert json.loads(d.daemon_json(config)) == config


@pytest.mark.parametrize(
    "pools, subnet, expected",
    [
        (POOLS, "172.30.0.0/24", []),
        ([{"base": "172.30.0.0/16", "size": 24}], "172.30.0.0/24", ["overlaps 172.30.0.0/24 (ai_stack_docker_subnet)"]),
        ([{"base": "100.64.0.0/10", "size": 24}], "", ["overlaps 100.64.0.0/10 (Tailscale)"]),
        ([{"base": "100.100.0.0/16", "size": 24}], "", ["overlaps 100.64.0.0/10 (Tailscale)"]),
        ([{"base": "10.0.0.0/16", "size": 8}], "", ["size 8 of 10.0.0.0/16 must be between the base prefix and 29"]),
        ([{"base": "10.0.0.0/16", "size": 30}], "", ["size 30 of 10.0.0.0/16"]),
        ([{"base": "10.0.0.1", "size": 24}], "", ["needs base (an IPv4 CIDR) and size"]),
        ([{"base": "fd00::/64", "size": 80}], "", ["needs base (an IPv4 CIDR) and size"]),
        ([{"size": 24}], "", ["needs base (an IPv4 CIDR) and size"]),
    ],
)
def test_pools(pools, subnet, expected):
    errors = d.pool_errors(pools, subnet)
    assert len(errors) == len(expected), errors
    for error, part in zip(errors, expected, strict=True):
        assert error.startswith("docker_default_address_pools: ") and part in error


def test_input_errors_name_their_variable():
    assert d.input_errors(address_pools=POOLS) == []
    errors = d.input_errors(log_max_size="huge", log_max_file="0", nvidia_runtime="always", cgroup="systemd")
    assert [e.split(":")[0] for e in errors] == ["docker_log_max_size", "docker_log_max_file", "docker_cgroup_driver"]
    assert "huge is not a size" in errors[0]
    assert d.input_errors(log_max_size="512k", log_max_file="2") == []
    assert docker_input_errors("x") == ["docker_default_address_pools: must be a list of {base, size}, got 'x'"]


# The docker role's read on the demo host (Debian 13, distribution packages, converged; tests/demo.sh),
# with docker_users [root, nosuchuser].
READ = (Path(__file__).parent / "fixtures" / "docker" / "read_demo_deb13.txt").read_text(encoding="utf-8")
DEMO = {
    "os_family": "Debian",
    "distribution": "Debian",
    "major": "13",
    "source": "distro",
    "packages": ["docker.io", "docker-cli", "docker-compose", "docker-buildx"],
    "conflicting": ["docker-ce", "docker-ce-cli", "containerd.io", "docker-buildx-plugin", "podman-docker"],
    "remove_conflicting": True,
    "no_compose_v2": ["10", "11", "12"],
    "users": ["root"],
    "nvidia_path": "/usr/bin/nvidia-container-runtime",
    "nvidia_runtime_fact": False,
    "daemon_json": "/etc/docker/daemon.json",
    "dropin": "/etc/systemd/system/docker.service.d/ai-stack.conf",
    "dropin_content": "",
    "options": {},
    "docker_subnet": "172.30.0.0/24",
    "log_max_size": "10m",
    "log_max_file": 3,
    "live_restore": True,
    "address_pools": POOLS,
    "nvidia_runtime": "auto",
    "cgroup": "auto",
}


def test_the_converged_demo_host_needs_nothing():
    state = docker_preflight(READ.splitlines(), DEMO)
    assert state["errors"] == []
    assert state["installed"] and state["unit"] == ["enabled", "active"] and state["group_members"] == []
    assert state["installed_packages"] == ["docker-buildx", "docker-cli", "docker-compose", "docker.io"]
    assert state["conflicts_installed"] == [] and not state["install_needed"]
    assert state["files_in_place"]
    assert json.loads(state["daemon_json"])["default-address-pools"] == POOLS


@pytest.mark.parametrize(
    "change",
    [
        {"log_max_file": 5},  # daemon.json would differ
        {"dropin_content": "[Service]\nEnvironment=A=1\n"},  # a drop-in to write
        {"nvidia_runtime_fact": True},  # the runtime is added
    ],
)
def test_a_file_to_write_is_not_in_place(change):
    assert not docker_preflight(READ.splitlines(), dict(DEMO, **change))["files_in_place"]


@pytest.mark.parametrize(
    "edit",
    [
        lambda text: text.replace("f 644 root root", "f 600 root root"),  # mode
        lambda text: text.replace("have /etc/docker d 755 root root\n", ""),  # gone
        lambda text: text + "pending\n",  # a restart a killed run left
        lambda text: text + "have /etc/systemd/system/docker.service.d/ai-stack.conf f 644 root root 00\n",
    ],
)
def test_what_the_read_shows_out_of_place_is_written(edit):
    assert not docker_preflight(edit(READ).splitlines(), DEMO)["files_in_place"]


def test_the_read_decides_the_install_and_the_errors_name_the_variables():
    lines = READ.replace("un  podman-docker", "ii  podman-docker").replace("ii  docker-buildx", "un  docker-buildx")
    state = docker_preflight(lines.splitlines(), dict(DEMO, users=["root", "nosuchuser"], major="12", log_max_file=0))
    assert state["conflicts_installed"] == ["podman-docker"] and state["install_needed"]
    assert state["errors"] == [
        "docker_install_source: Debian 12 has no Docker Compose v2 in its own packages;"
        " set docker_install_source: docker (Docker's repository)",
        "docker_users: no such user(s) on this host: nosuchuser",
        "docker_log_max_file: must be at least 1",
    ]
    assert state["daemon_json"] == ""
    unsupported = docker_preflight([], dict(DEMO, packages=None, distribution="Gentoo"))["errors"]
    assert unsupported[0] == "docker role: Gentoo is not supported; supported OS families: Debian, RedHat"
    # Docker's repository keeps its repository tasks on every run; rc (configuration left) is not installed.
    assert docker_preflight(READ.splitlines(), dict(DEMO, source="docker"))["install_needed"]
    assert not docker_preflight(READ.replace("un  podman", "rc  podman").splitlines(), DEMO)["install_needed"]


@pytest.mark.parametrize(
    ("facts", "source", "packages", "conflicting", "no_compose_v2", "repo_uri"),
    [
        (
            {"os_family": "Debian", "distribution": "Debian"},
            "distro",
            ["docker.io", "docker-cli", "docker-compose", "docker-buildx"],
            ["docker-ce", "docker-ce-cli", "containerd.io", "docker-buildx-plugin", "docker-compose-plugin"],
            ["10", "11", "12"],
            "https://download.docker.com/linux/debian",
        ),
        (
            {"os_family": "Debian", "distribution": "Ubuntu"},
            "distro",
            ["docker.io", "docker-compose-v2", "docker-buildx"],
            ["docker-ce", "docker-ce-cli", "containerd.io", "docker-buildx-plugin", "docker-compose-plugin"],
            ["18", "20"],
            "https://download.docker.com/linux/ubuntu",
        ),
        (
            {"os_family": "Debian", "distribution": "Raspbian"},
            "docker",
            ["docker-ce", "docker-ce-cli", "containerd.io", "docker-buildx-plugin", "docker-compose-plugin"],
            ["docker.io", "docker-cli", "docker-compose", "docker-compose-v2", "docker-buildx", "docker-doc"],
            [],
            "https://download.docker.com/linux/raspbian",
        ),
        (
            {"os_family": "RedHat", "distribution": "Fedora"},
            "distro",
            ["moby-engine", "docker-compose", "docker-buildx"],
            ["docker-ce", "docker-ce-cli", "containerd.io", "docker-buildx-plugin", "docker-compose-plugin"],
            [],
            "https://download.docker.com/linux/fedora",
        ),
        (
            {"os_family": "RedHat", "distribution": "Rocky"},
            "docker",
            ["docker-ce", "docker-ce-cli", "containerd.io", "docker-buildx-plugin", "docker-compose-plugin"],
            ["moby-engine", "docker-compose", "podman-docker", "runc"],
            ["8", "9", "10"],
            "https://download.docker.com/linux/rhel",
        ),
    ],
)
def test_the_packages_of_each_family_and_source(facts, source, packages, conflicting, no_compose_v2, repo_uri):
    plan = docker_packages(facts, source, "https://download.docker.com/linux")
    assert plan["packages"] == packages
    assert plan["conflicting"][: len(conflicting)] == conflicting
    assert plan["no_compose_v2"] == no_compose_v2
    assert plan["repo_uri"] == repo_uri
    if facts["os_family"] == "Debian":
        extra = ["python3-debian"] if source == "docker" else []
        assert plan["query"] == packages + plan["conflicting"] + extra
    else:
        assert plan["query"] == []
    assert plan["probe_files"][:3] == ["/usr/bin/dockerd", "/usr/sbin/dockerd", "/usr/bin/nvidia-container-runtime"]
    assert plan["probe_files"][3:] == plan["old_repo_files"]
    assert ("/etc/apt/sources.list.d/docker.sources" in plan["old_repo_files"]) == (source == "distro")
    assert "/etc/apt/sources.list.d/docker.list" in plan["old_repo_files"]


def test_an_unsupported_family_has_no_packages_and_the_read_says_so():
    plan = docker_packages({"os_family": "Gentoo", "distribution": "Gentoo"}, "distro")
    assert plan["packages"] is None and plan["query"] == []
    data = {k: v for k, v in DEMO.items() if k not in ("packages", "conflicting", "no_compose_v2")}
    assert docker_preflight([], dict(data, os_family="Gentoo", distribution="Gentoo"))["errors"][0].startswith(
        "docker role: Gentoo is not supported"
    )
    # Without the package keys the read's filter takes them from package_plan (Debian 13, distro: the demo host).
    assert docker_preflight(READ.splitlines(), data) == docker_preflight(READ.splitlines(), DEMO)


def test_the_inputs_by_name_read_as_the_explicit_data():
    inputs = {"docker_" + name: DEMO[key] for key, name in d.INPUT_KEYS.items() if key in DEMO}
    inputs.update(docker_install_source="distro", docker_remove_conflicting_packages="true", docker_users=["root"])
    inputs["docker_daemon_options"] = {}
    explicit = {k: v for k, v in DEMO.items() if k not in d.INPUT_KEYS}
    by_name = docker_preflight(READ.splitlines(), dict(explicit, inputs=inputs))
    assert by_name == docker_preflight(READ.splitlines(), DEMO)
    assert by_name["errors"] == [] and by_name["daemon_json"]
    bad = docker_preflight(READ.splitlines(), dict(explicit, inputs=dict(inputs, docker_log_max_file="0")))
    assert bad["errors"] == ["docker_log_max_file: must be at least 1"]


def test_the_converged_demo_host_skips_the_apply():
    state = docker_preflight(READ.splitlines(), dict(DEMO, users=[], service_enabled=True))
    assert state["users_to_add"] == [] and state["unit_todo"] is False
    assert state["apply_needed"] is False


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"users": ["root"]}, "users_to_add"),  # not in the docker group yet
        ({"service_enabled": "false"}, "unit_todo"),  # -e docker_service_enabled=false: the unit is enabled
        ({"service_enabled": False}, "unit_todo"),
        ({"log_max_file": 5}, None),  # daemon.json to write
        ({"source": "docker"}, None),  # Docker's repository: the install tasks run
    ],
)
def test_anything_out_of_place_makes_the_apply_run(change, key):
    state = docker_preflight(READ.splitlines(), dict(DEMO, **dict({"users": []}, **change)))
    assert state["apply_needed"] is True
    if key:
        assert state[key]
    stopped = READ.replace("unit enabled active", "unit enabled inactive")
    assert stopped != READ and docker_preflight(stopped.splitlines(), dict(DEMO, users=[]))["unit_todo"] is True


def test_a_failed_read_is_the_one_error():
    state = docker_preflight(["group "], dict(DEMO, users=["nosuchuser"], read_rc=126, read_stderr=""))
    assert state["errors"] == ["docker role: the read of the host (files/docker-read.sh) failed with rc 126: group "]
    assert docker_preflight([], dict(DEMO, read_rc=2))["errors"][0].endswith("failed with rc 2 and printed nothing")
    assert docker_preflight(READ.splitlines(), dict(DEMO, read_rc=0))["errors"] == []
