# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The host facts parsers on outputs recorded on real hosts (fixtures/host):

- *_debian12_host: the Debian 12 build machine (ss in a namespace that hides the processes);
- *_deb13_testcontainer: the Debian 13 systemd test image with Docker, a veth named tailscale0
  (100.100.7.9), listeners on 0.0.0.0:80, *:8080, 127.0.0.53%lo:53 (tcp+udp), 0.0.0.0:5353/udp,
  two members in group docker;
- *_demo_stack_deb13: the converged demo host of the stack (docker-proxy on 80, 443, 53, Zabbix agent).
"""

from __future__ import annotations

import os
import pathlib

import pytest

from ansible_collections.homelab.ai_stack.plugins.module_utils import _host

FIXTURES = pathlib.Path(__file__).parent / "fixtures" / "host"


def read(name):
    return (FIXTURES / name).read_text()


def test_ss_of_the_demo_stack():
    listeners = _host.parse_ss(read("ss_demo_stack_deb13.txt"))
    assert {"proto": "udp", "address": "100.100.1.1", "port": 53, "process": "docker-proxy"} in listeners
    assert {"proto": "tcp", "address": "100.100.1.1", "port": 443, "process": "docker-proxy"} in listeners
    # The Zabbix agent's socket shows no users: column (another namespace).
    assert {"proto": "tcp", "address": "100.100.1.1", "port": 10050, "process": None} in listeners
    assert len(listeners) == 6


def test_ss_strips_the_interface_scope_and_keeps_the_wildcard():
    listeners = _host.parse_ss(read("ss_deb13_testcontainer.txt"))
    assert {"proto": "tcp", "address": "127.0.0.53", "port": 53, "process": "python3"} in listeners
    assert {"proto": "udp", "address": "127.0.0.53", "port": 53, "process": "python3"} in listeners
    assert {"proto": "tcp", "address": "*", "port": 8080, "process": "python3"} in listeners
    assert {"proto": "udp", "address": "0.0.0.0", "port": 5353, "process": "python3"} in listeners


def test_ss_without_processes():
    assert _host.parse_ss(read("ss_debian12_host.txt")) == [
        {"proto": "tcp", "address": "0.0.0.0", "port": 2024, "process": None}
    ]


@pytest.mark.parametrize(
    "line, expected",
    [
        ('tcp LISTEN 0 4096 [::]:22 [::]:* users:(("sshd",pid=1,fd=4))', ("::", 22, "sshd")),
        ("tcp LISTEN 0 4096 [::1]:9091 [::]:*", ("::1", 9091, None)),
        ("udp UNCONN 0 0 [fe80::1]%eth0:546 [::]:*", ("fe80::1", 546, None)),
        (
            'tcp LISTEN 0 5 0.0.0.0:8000 0.0.0.0:* users:(("python3",pid=7,fd=3),("python3",pid=8,fd=3))',
            ("0.0.0.0", 8000, "python3"),
        ),
    ],
)
def test_ss_line_forms(line, expected):
    (listener,) = _host.parse_ss(line)
    assert (listener["address"], listener["port"], listener["process"]) == expected


def test_ss_skips_what_is_not_a_socket():
    assert _host.parse_ss("Netid State Recv-Q\n\nnl UNCONN 0 0 rtnl:kernel *\n") == []
    assert _host.parse_ss("") == []


def test_ip_addr_of_the_test_container():
    interfaces, addresses = _host.parse_ip_addr(read("ip_addr_deb13_testcontainer.json"))
    assert interfaces["tailscale0"] == ["100.100.7.9"]
    assert interfaces["lo"] == ["127.0.0.1"]
    assert "100.100.7.9" in addresses and "127.0.0.1" in addresses
    assert len(addresses) == sum(len(v) for v in interfaces.values())


def test_ip_addr_of_the_demo_host_and_the_build_machine():
    interfaces = _host.parse_ip_addr(read("ip_addr_demo_stack_deb13.json"))[0]
    assert interfaces["tailscale0"] == ["100.100.1.1"]
    assert "br-self-hosted" in interfaces
    interfaces = _host.parse_ip_addr(read("ip_addr_debian12_host.json"))[0]
    assert interfaces["eth0"] == ["192.0.2.2"]
    assert "tailscale0" not in interfaces
    assert _host.parse_ip_addr("") == ({}, [])


def test_ip_route():
    routes = _host.parse_ip_route(read("ip_route_demo_stack_deb13.json"))
    assert {"dst": "100.64.0.0/10", "dev": "tailscale0"}.items() <= routes[1].items()
    assert [r["dev"] for r in routes if r["dst"] == "172.30.0.0/24"] == ["br-self-hosted"]
    assert _host.parse_ip_route("") == []


@pytest.mark.parametrize(
    "fixture, members",
    [
        ("getent_docker_deb13_testcontainer.txt", ["alice", "bob"]),
        ("getent_docker_demo_stack_deb13.txt", []),
        ("getent_docker_debian12_host.txt", []),
    ],
)
def test_getent_group(fixture, members):
    assert _host.parse_getent_group(read(fixture)) == members


def test_getent_without_the_group():
    assert _host.parse_getent_group("") is None


def test_df():
    assert _host.parse_df(read("df_debian12_host.txt")) == {
        "filesystem": "/dev/vda",
        "available_kb": 55951888,
        "mount": "/",
    }
    assert _host.parse_df("Filesystem 1024-blocks\n") is None


def test_systemctl_show():
    units = _host.parse_systemctl_show(
        read("systemctl_show_deb13_testcontainer.txt"), ["docker", "firewalld", "zabbix-agent2", "cron"]
    )
    assert units == {
        "docker": {"active": "active", "enabled": "enabled"},
        "firewalld": {"active": "absent", "enabled": "absent"},
        "zabbix-agent2": {"active": "absent", "enabled": "absent"},
        "cron": {"active": "active", "enabled": "enabled"},
    }


def test_systemctl_show_stopped_and_missing_output():
    text = "Id=docker.service\nLoadState=loaded\nActiveState=failed\nUnitFileState=disabled\n"
    assert _host.parse_systemctl_show(text, ["docker", "firewalld"]) == {
        "docker": {"active": "failed", "enabled": "disabled"},
        "firewalld": {"active": "absent", "enabled": "absent"},
    }


def test_storage_info_of_a_missing_path(tmp_path):
    info = _host.storage_info(str(tmp_path / "cold" / "storage"))
    assert info["kind"] == "absent" and not info["exists"]
    assert info["probed"] == str(tmp_path)
    assert info["writable"] is True
    assert info["free_kb"] > 0 and info["free_gb"] == round(info["free_kb"] / 1048576, 1)


def test_storage_info_of_a_file_and_a_read_only_parent(tmp_path):
    (tmp_path / "file").write_text("x")
    assert _host.storage_info(str(tmp_path / "file"))["kind"] == "notdir"
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        info = _host.storage_info(str(ro / "below"))
        assert info["probed"] == str(ro)
        assert info["writable"] is (os.geteuid() == 0)
    finally:
        ro.chmod(0o755)


def test_path_info(tmp_path):
    (tmp_path / "d").mkdir(mode=0o750)
    (tmp_path / "d").chmod(0o750)
    (tmp_path / "l").symlink_to(tmp_path / "d")
    d = _host.path_info(str(tmp_path / "d"))
    assert d["exists"] and d["type"] == "directory" and d["mode"] == "0750"
    assert d["uid"] == os.getuid() and isinstance(d["owner"], str)
    assert _host.path_info(str(tmp_path / "l"))["type"] == "link"
    assert _host.path_info(str(tmp_path / "missing"))["type"] == "absent"


def test_pending_markers(tmp_path):
    assert _host.pending_markers(str(tmp_path / "none")) == []
    (tmp_path / "nginx-reload").write_text("")
    (tmp_path / "docker-restart").write_text("")
    assert _host.pending_markers(str(tmp_path)) == ["docker-restart", "nginx-reload"]


DEMO = _host.parse_ss(read("ss_demo_stack_deb13.txt"))
CONTAINER = _host.parse_ss(read("ss_deb13_testcontainer.txt"))


@pytest.mark.parametrize(
    "listeners, wanted, address, ignore, held",
    [
        # The converged stack holds its ports through docker-proxy: nothing in the way of a re-run.
        (DEMO, ["80/tcp", "443/tcp", "53/tcp", "53/udp"], "100.100.1.1", _host.STACK_PROCESSES, []),
        # Without the docker-proxy exemption they are all held.
        (
            DEMO,
            ["80/tcp", "53/udp"],
            "100.100.1.1",
            [],
            ["100.100.1.1:53/udp (docker-proxy)", "100.100.1.1:80/tcp (docker-proxy)"],
        ),
        # Another address of the host is not in the way.
        (DEMO, ["80/tcp"], "100.100.9.9", [], []),
        # A process ss cannot see counts, as "unknown".
        (DEMO, ["10050/tcp"], "100.100.1.1", _host.STACK_PROCESSES, ["100.100.1.1:10050/tcp (unknown)"]),
        # A wildcard listener is in the way of every address; a bare number means tcp.
        (
            CONTAINER,
            [80, "8080/tcp"],
            "100.100.7.9",
            _host.STACK_PROCESSES,
            ["*:8080/tcp (python3)", "0.0.0.0:80/tcp (python3)"],
        ),
        # 127.0.0.53 (the resolved stub) is not the bind address: port 53 is free there.
        (CONTAINER, ["53/tcp", "53/udp"], "100.100.7.9", _host.STACK_PROCESSES, []),
        # Without an address every listener counts.
        (CONTAINER, ["53/udp"], None, _host.STACK_PROCESSES, ["127.0.0.53:53/udp (python3)"]),
        (CONTAINER, ["53/UDP"], "", ["python3"], []),
        (CONTAINER, [], "100.100.7.9", (), []),
    ],
)
def test_ports_held(listeners, wanted, address, ignore, held):
    assert _host.ports_held(listeners, wanted, address, ignore) == held


OS_RELEASE = FIXTURES / "os_release"


@pytest.mark.parametrize(
    "system, expected",
    [
        ("debian12_host", ("Debian", "Debian", "12.11", "12", "bookworm")),
        ("debian13_demo", ("Debian", "Debian", "13.8", "13", "trixie")),
        ("debian10", ("Debian", "Debian", "10.11", "10", "buster")),
        ("ubuntu16", ("Debian", "Ubuntu", "16.04", "16", "xenial")),
        ("fedora30", ("RedHat", "Fedora", "30", "30", "")),
        ("rhel7", ("RedHat", "RedHat", "7.0", "7", "Maipo")),
        ("rocky", ("RedHat", "Rocky", "8.4", "8", "Green Obsidian")),
    ],
)
def test_platform_facts_as_setup_reports_them(system, expected):
    folder = OS_RELEASE / system
    debian_version = folder / "debian_version"
    facts = _host.platform_facts(
        (folder / "os-release").read_text(encoding="utf-8"),
        debian_version.read_text(encoding="utf-8") if debian_version.exists() else "",
        "x86_64",
    )
    keys = ("os_family", "distribution", "distribution_version", "distribution_major_version", "distribution_release")
    got = tuple(facts[k] for k in keys)
    assert got == expected
    assert facts["architecture"] == "x86_64"
    assert "python" not in facts


def test_platform_facts_of_an_unknown_system_fall_back_on_its_family():
    text = 'NAME="Linux Mint"\nID=linuxmint\nID_LIKE="ubuntu debian"\nVERSION_ID="21.3"\nVERSION_CODENAME=virginia\n'
    facts = _host.platform_facts(text)
    got = (facts["os_family"], facts["distribution"], facts["distribution_major_version"])
    assert got == ("Debian", "Linux Mint", "21")
    assert _host.platform_facts("")["distribution"] == "NA"


def test_read_platform_of_a_root(tmp_path):
    (tmp_path / "etc").mkdir()
    text = (OS_RELEASE / "debian13_demo" / "os-release").read_text(encoding="utf-8")
    (tmp_path / "etc" / "os-release").write_text(text, encoding="utf-8")
    (tmp_path / "etc" / "debian_version").write_text("13.8\n", encoding="utf-8")
    facts = _host.read_platform(str(tmp_path))
    assert facts["distribution_version"] == "13.8"
    assert facts["python"]["executable"]
    assert facts["python"]["version"]["major"] == 3
