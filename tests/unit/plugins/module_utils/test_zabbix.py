# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import json
from pathlib import Path

import pytest

from ansible_collections.homelab.ai_stack.plugins.module_utils import _zabbix as z

# `zabbix_agent2 -c /etc/zabbix/zabbix_agent2.conf -t <key>` as Debian's 6.0 agent prints it.
PING = "agent.ping                                    [s|1]"
DISCOVERY = (
    'ai_stack.gpu.discovery                        [t|[{"{#GPU.INDEX}":"0","{#GPU.NAME}":"NVIDIA GeForce RTX 3090"}]]'
)
DOCKER_DOWN = "docker.ping                                   [s|0]"
UNSUPPORTED = "docker.ping                                   [m|ZBX_NOTSUPPORTED] [Unknown metric docker.ping]"


def _res(item, stdout, rc=0, **extra):
    return dict(item=item, stdout=stdout, rc=rc, **extra)


@pytest.mark.parametrize(
    ("stdout", "value"),
    [
        (PING, "1"),
        (DISCOVERY, '[{"{#GPU.INDEX}":"0","{#GPU.NAME}":"NVIDIA GeForce RTX 3090"}]'),
        ("", None),
        ("zabbix_agent2 [123]: ERROR: cannot open config", None),
    ],
)
def test_key_value(stdout, value):
    assert z.key_value(stdout) == value


def test_agent_checks_rows():
    rows = z.agent_checks(
        [
            _res("agent.ping", PING),
            _res("ai_stack.gpu.discovery", DISCOVERY),
            _res("docker.ping", DOCKER_DOWN),
            _res("ai_stack.nfs.discovery", "", rc=1, msg="[Errno 2] No such file or directory: b'zabbix_agent2'"),
        ],
        {"ActiveState": "active"},
    )
    assert [(r["check"], r["result"]) for r in rows] == [
        ("zabbix-agent2 service", "pass"),
        ("zabbix key agent.ping", "pass"),
        ("zabbix key ai_stack.gpu.discovery", "pass"),
        ("zabbix key docker.ping", "fail"),
        ("zabbix key ai_stack.nfs.discovery", "fail"),
    ]
    assert rows[1]["detail"] == "1"
    assert rows[4]["detail"].startswith("[Errno 2]")


@pytest.mark.parametrize(
    ("result", "status", "want"),
    [
        (_res("docker.ping", UNSUPPORTED, rc=1), {"ActiveState": "active"}, "fail"),
        (_res("agent.ping", PING), {}, "pass"),
        (_res("docker.ping", "docker.ping   [s|1]"), {}, "pass"),
    ],
)
def test_key_results(result, status, want):
    rows = z.agent_checks([result], status)
    assert rows[1]["result"] == want
    assert rows[0]["result"] == ("pass" if status else "fail")


def test_long_details_are_cut():
    rows = z.agent_checks([_res("x", "x   [t|" + "a" * 300 + "]")], {})
    assert len(rows[1]["detail"]) == 120


GOOD = {
    "server": ["192.0.2.10", "zabbix.example.org"],
    "server_active": [],
    "hostname": "",
    "listen_ip": "100.100.1.1",
    "firewalld_zones": ["self-hosted", "public"],
    "firewalld_sources": [],
    "version": "6.0",
    "source": "auto",
    "tls_psk": "",
    "tls_psk_identity": "",
    "tls_psk_generate": True,
    "docker_enabled": False,
    "user_parameters": [{"key": "custom.key", "command": "echo 1"}],
    "distribution": "Debian",
    "distribution_major_version": "12",
    "distribution_version": "12.12",
    "inventory_hostname": "gpu1",
}


def test_settings_of_good_input():
    got = z.settings(GOOD)
    assert got == {
        "errors": [],
        "servers": ["192.0.2.10", "zabbix.example.org"],
        "servers_active": [],
        "fw_zones": ["self-hosted", "public"],
        "fw_sources": ["192.0.2.10", "zabbix.example.org"],
        "fw_names": ["zabbix.example.org"],
        "source": "distro",
        "distro_version": "6.0",
        "tls": True,
        "psk_generated": True,
        "hostname": "gpu1",
        "psk_identity": "ai-stack-gpu1",
        "deny_keys": ["docker.*", "docker.*[*]"],
    }


@pytest.mark.parametrize(
    ("change", "key", "want"),
    [
        # The distribution ships another version: Zabbix's repository.
        ({"version": "7.0"}, "source", "zabbix"),
        ({"distribution_major_version": "13"}, "source", "zabbix"),
        ({"distribution_major_version": "13", "version": "7.0"}, "source", "distro"),
        # Ubuntu is known by its full version.
        (
            {"distribution": "Ubuntu", "distribution_major_version": "24", "distribution_version": "24.04"},
            "source",
            "distro",
        ),
        ({"source": "zabbix"}, "source", "zabbix"),
        ({"firewalld_sources": ["192.0.2.0/24"]}, "fw_sources", ["192.0.2.0/24"]),
        ({"firewalld_sources": ["192.0.2.0/24"]}, "fw_names", []),
        ({"tls_psk": "ab" * 16}, "psk_generated", False),
        ({"tls_psk_generate": "false"}, "tls", False),
        ({"tls_psk_generate": "false", "tls_psk": "ab" * 16}, "tls", True),
        ({"hostname": "gpu-one", "tls_psk_identity": "psk-one"}, "psk_identity", "psk-one"),
        ({"hostname": "gpu-one"}, "psk_identity", "ai-stack-gpu-one"),
        ({"docker_enabled": "true"}, "deny_keys", ["docker.container_info[*,full]"]),
    ],
)
def test_settings_resolve(change, key, want):
    got = z.settings(dict(GOOD, **change))
    assert got["errors"] == []
    assert got[key] == want


def test_settings_lists_and_booleans_from_the_command_line():
    # -e gives strings: comma-separated words and JSON lists are lists, words are booleans.
    settings = dict(
        GOOD,
        server="192.0.2.10,192.0.2.11",
        firewalld_zones="public",
        firewalld_sources="192.0.2.0/24",
        user_parameters='[{"key": "a.b", "command": "true"}]',
        docker_enabled="no",
        tls_psk_generate="yes",
    )
    got = z.settings(settings)
    assert got["errors"] == []
    assert (got["servers"], got["fw_zones"], got["fw_sources"]) == (
        ["192.0.2.10", "192.0.2.11"],
        ["public"],
        ["192.0.2.0/24"],
    )


@pytest.mark.parametrize(
    ("change", "variable"),
    [
        ({"server": [], "server_active": []}, "zabbix_agent_server"),
        ({"server": ["a b"]}, "zabbix_agent_server"),
        ({"server_active": ["zbx:10051,other"]}, "zabbix_agent_server_active"),
        ({"tls_psk": "not-hex"}, "zabbix_agent_tls_psk must"),
        ({"tls_psk": "ab" * 15}, "zabbix_agent_tls_psk must"),
        ({"tls_psk_identity": "id", "tls_psk_generate": False}, "zabbix_agent_tls_psk_identity needs a PSK"),
        ({"tls_psk_identity": "my id"}, "zabbix_agent_tls_psk_identity must have no spaces"),
        ({"tls_psk_generate": "maybe"}, "zabbix_agent_tls_psk_generate must be a boolean"),
        ({"docker_enabled": "sometimes"}, "zabbix_agent_docker_enabled must be a boolean"),
        ({"listen_ip": "100.100.1.1, eth0"}, "zabbix_agent_listen_ip"),
        ({"firewalld_sources": ["zabbix.example.org"]}, "zabbix_agent_firewalld_sources"),
        ({"firewalld_sources": "[not json"}, "zabbix_agent_firewalld_sources must be a list"),
        ({"firewalld_zones": '{"a": 1}'}, "zabbix_agent_firewalld_zones must be a list"),
        ({"version": "7"}, "zabbix_agent_version"),
        ({"source": "ppa"}, "zabbix_agent_source"),
        ({"source": "distro", "distribution": "Fedora"}, "zabbix_agent_source=distro needs a release"),
        ({"user_parameters": [{"key": "a"}]}, "zabbix_agent_user_parameters"),
        ({"user_parameters": [{"key": "ai_stack.gpu.get", "command": "x"}]}, "zabbix_agent_user_parameters"),
        ({"user_parameters": ["just a string"]}, "zabbix_agent_user_parameters"),
    ],
)
def test_settings_errors_name_the_variable(change, variable):
    errors = z.settings(dict(GOOD, **change))["errors"]
    assert len(errors) == 1, errors
    assert variable in errors[0]


def test_settings_errors_all_at_once():
    errors = z.settings(dict(GOOD, server=[], version="x", tls_psk="zz", source="zabbix"))["errors"]
    assert len(errors) == 3
    assert [e.split()[1] if e.startswith("Set") else e.split()[0] for e in errors] == [
        "zabbix_agent_server",
        "zabbix_agent_tls_psk",
        "zabbix_agent_version",
    ]


def test_settings_errors_never_repeat_the_psk():
    errors = z.settings(dict(GOOD, tls_psk="secret-not-hex-0123456789abcdef"))["errors"]
    assert errors and all("secret-not-hex" not in e for e in errors)


# The role's no-op read (roles/zabbix_agent/files/zabbix-read.sh) on the converged demo host (Debian 13,
# firewalld 2.x, agent 7.0, generated PSK, no server but the loopback): zones self-hosted, public and an
# unknown one, names localhost and one that does not resolve; the files the role wrote there.
FIX = Path(__file__).parent / "fixtures" / "zabbix"
READ = (FIX / "read_demo_deb13.txt").read_text(encoding="utf-8").splitlines()
# The same read of the zones with 192.0.2.10 admitted to 10050 in public (permanent and runtime) and a
# stranger, 192.0.2.66, in the runtime configuration only.
RULES = (FIX / "read_demo_deb13_rules.txt").read_text(encoding="utf-8").splitlines()
PSK = "0123456789abcdef" * 4
FILES = [
    {"dest": "/usr/local/libexec/ai-stack", "state": "directory"},
    {"dest": "/usr/local/libexec/ai-stack/ai_stack_zabbix.py", "content": (FIX / "ai_stack_zabbix.py.txt").read_text()},
    # Generated on the host and kept (force false): its content is not read.
    {
        "dest": "/etc/zabbix/ai-stack.psk",
        "content": PSK,
        "force": False,
        "owner": "zabbix",
        "group": "zabbix",
        "mode": "0400",
    },
    {"dest": "/etc/zabbix/zabbix_agent2.d/ai_stack.conf", "content": (FIX / "ai_stack.conf").read_text()},
    {"dest": "/etc/zabbix/zabbix_agent2.d/plugins.d/docker.conf", "content": (FIX / "docker.conf").read_text()},
    {"dest": "/etc/zabbix/zabbix_agent2.conf", "content": (FIX / "zabbix_agent2.conf").read_text()},
]


def _state(lines=None, files=None, sources=(), port=10050):
    return z.read_state(READ if lines is None else lines, FILES if files is None else files, port, list(sources))


def test_the_converged_demo_host_is_in_place():
    assert _state() == {"firewall_in_place": True, "files_in_place": True, "in_place": True}
    # The loopback needs no rule; a name resolves as the read resolved it.
    assert _state(sources=["127.0.0.1", "localhost"])["in_place"]


@pytest.mark.parametrize(
    ("change", "index"),
    [
        ({"content": "edited\n"}, 3),
        ({"mode": "0600"}, 5),
        ({"owner": "zabbix"}, 1),
        ({"mode": "0700"}, 0),
        ({"force": True}, 2),  # a key given (force): its content counts, and the read left it unread
        ({"state": "absent"}, 4),
    ],
)
def test_a_file_out_of_place(change, index):
    files = [dict(entry) for entry in FILES]
    files[index].update(change)
    assert _state(files=files) == {"firewall_in_place": True, "files_in_place": False, "in_place": False}


def test_a_missing_file_a_link_and_a_restart_marker_are_out_of_place():
    assert not _state(files=[*FILES, {"dest": "/etc/zabbix/new.conf", "content": ""}])["files_in_place"]
    link = [
        line.replace(" d 755 ", " l 777 ") if line.startswith("have=/usr/local/libexec/ai-stack ") else line
        for line in READ
    ]
    assert not _state(lines=link)["files_in_place"]
    assert not _state(lines=[*READ, "pending"])["files_in_place"]


def _without(lines, address):
    """The read's lines with the rules of ADDRESS taken out of every zone's answer."""
    out = []
    for line in lines:
        if line.startswith("zone="):
            layer, zone, text = line.split(" ", 2)
            answer = json.loads(text)
            rules = answer["data"][0].get("rules_str", {}).get("data", [])
            rules[:] = [rule for rule in rules if f'"{address}"' not in rule]
            line = f"{layer} {zone} {json.dumps(answer, separators=(',', ':'))}"
        out.append(line)
    return out


def test_rules_are_judged_as_the_module_plans_them():
    assert _state(lines=RULES, files=[])["firewall_in_place"] is False  # 192.0.2.10 and the stranger must go
    # The stranger in the runtime configuration must go.
    assert _state(lines=RULES, files=[], sources=["192.0.2.10"])["firewall_in_place"] is False
    # Rid of the stranger: in place in public; self-hosted lacks the rule.
    runtime_clean = _without(RULES, "192.0.2.66")
    assert _state(lines=runtime_clean, files=[], sources=["192.0.2.10"])["firewall_in_place"] is False
    runtime_clean = [line for line in runtime_clean if "self-hosted" not in line]
    assert _state(lines=runtime_clean, files=[], sources=["192.0.2.10"])["firewall_in_place"] is True
    # Another port's rules are not this port's business.
    assert _state(lines=RULES, files=[], port=10051)["firewall_in_place"] is True


def test_what_the_read_could_not_tell_is_out_of_place():
    assert not _state(sources=["nosuch.invalid"])["firewall_in_place"]  # the module names the error
    assert not _state(lines=[line for line in READ if not line.startswith("fw=")])["firewall_in_place"]  # no busctl
    stopped = ["fw=b false" if line.startswith("fw=") else line for line in READ if not line.startswith("zone=")]
    assert _state(lines=stopped, sources=["192.0.2.10"])["firewall_in_place"]  # the module does nothing then
    # A zone firewalld does not know (permanent) holds nothing to change.
    assert _state(lines=[line for line in RULES if "public" not in line], files=[])["firewall_in_place"]
