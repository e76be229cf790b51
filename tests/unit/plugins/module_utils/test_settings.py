# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The stack-wide settings: normalising -e strings, resolving the bind address, the pre-flight checks."""

from __future__ import annotations

import pathlib

import pytest

from ansible_collections.homelab.ai_stack.plugins.module_utils import _host, _settings

FIXTURES = pathlib.Path(__file__).parent / "fixtures" / "host"

DEFAULTS = {
    "ai_stack_bind_address": "",
    "ai_stack_tailscale_interface": "tailscale0",
    "ai_stack_allowed_sources": ["100.64.0.0/10"],
    "ai_stack_allow_public_sources": False,
    "ai_stack_storage_root": "/cold-storage",
    "ai_stack_compose_root": "/opt/ai-stack",
    "ai_stack_domain": "home.arpa",
    "ai_stack_subdomains": {"chat": "chat", "ollama": "ollama", "comfy": "comfy", "hole": "hole"},
    "ai_stack_docker_network": "self-hosted",
    "ai_stack_docker_subnet": "172.30.0.0/24",
    "ai_stack_timezone": "Etc/UTC",
    "ai_stack_gpus_recorded": [],
    "ai_stack_nvidia_container_runtime_recorded": False,
}


def host_facts(storage=None, listeners_fixture="ss_deb13_testcontainer.txt"):
    interfaces, addresses = _host.parse_ip_addr((FIXTURES / "ip_addr_deb13_testcontainer.json").read_text())
    return {
        "ai_stack_host": {
            "addresses": addresses,
            "interfaces": interfaces,
            "listeners": _host.parse_ss((FIXTURES / listeners_fixture).read_text()),
            "services": {"docker": "active", "firewalld": "absent"},
            "storage": storage,
        }
    }


def raw(**changes):
    out = dict(DEFAULTS)
    out.update({"ai_stack_" + k: v for k, v in changes.items()})
    return out


@pytest.mark.parametrize(
    "value, expected",
    [
        (True, True),
        (False, False),
        ("true", True),
        ("false", False),
        ("True", True),
        ("no", False),
        ("1", True),
        (0, False),
    ],
)
def test_booleans_given_as_strings(value, expected):
    assert _settings.normalize(raw(allow_public_sources=value))["allow_public_sources"] is expected


@pytest.mark.parametrize("value", ["maybe", 2, None, [True]])
def test_a_bad_boolean_names_the_variable(value):
    with pytest.raises(_settings.SettingsError, match="ai_stack_allow_public_sources must be a boolean"):
        _settings.normalize(raw(allow_public_sources=value))


@pytest.mark.parametrize(
    "value, expected",
    [
        (["10.0.0.0/8"], ["10.0.0.0/8"]),
        ("10.0.0.0/8", ["10.0.0.0/8"]),
        ("10.0.0.0/8, 100.64.0.0/10", ["10.0.0.0/8", "100.64.0.0/10"]),
        ('["10.0.0.0/8"]', ["10.0.0.0/8"]),
    ],
)
def test_lists_given_as_strings(value, expected):
    assert _settings.normalize(raw(allowed_sources=value))["allowed_sources"] == expected


def test_dict_given_as_json_and_a_bad_one():
    assert _settings.normalize(raw(subdomains='{"chat": "ai"}'))["subdomains"] == {"chat": "ai"}
    with pytest.raises(_settings.SettingsError, match="ai_stack_subdomains must be a dictionary"):
        _settings.normalize(raw(subdomains="chat"))


def test_normalize_takes_resolved_settings_again():
    once = _settings.normalize(raw(allow_public_sources="yes"))
    assert _settings.normalize(once) == once


@pytest.mark.parametrize(
    "bind, facts, expected",
    [
        ("", host_facts(), "100.100.7.9"),
        ("100.100.7.9", {}, "100.100.7.9"),
        # setup's interface fact when host_facts did not run
        ("", {"tailscale0": {"ipv4": {"address": "100.64.1.2"}}}, "100.64.1.2"),
        ("", {}, ""),
    ],
)
def test_bind_address_resolution(bind, facts, expected):
    assert _settings.resolve(raw(bind_address=bind), facts)["bind_address"] == expected


def test_interface_names_with_a_dash_use_setup_key():
    facts = {"wg_ts": {"ipv4": {"address": "100.64.9.9"}}}
    assert _settings.interface_address("wg-ts", facts) == "100.64.9.9"


def by_check(checks):
    return {c["check"]: c for c in checks}


def test_all_checks_pass_on_the_test_container():
    storage = {"path": "/cold-storage", "kind": "absent", "probed": "/", "free_gb": 120.0, "writable": True}
    checks = _settings.preflight_checks(raw(), host_facts(storage), 50, 10, True, ["8443/tcp"])
    assert [c["check"] for c in checks] == [
        "tailscale address",
        "allowed sources",
        "storage root",
        "compose root",
        "subdomains",
        "domain",
        "docker subnet",
        "storage space",
        "ports",
        "firewalld",
        "docker",
        "gpu",
    ]
    assert {c["status"] for c in checks} == {"ok"}, checks
    found = by_check(checks)
    assert found["tailscale address"]["detail"] == "100.100.7.9 on tailscale0"
    assert found["firewalld"]["detail"] == "not installed yet: the networking role installs it"


@pytest.mark.parametrize(
    "changes, check, detail",
    [
        ({"tailscale_interface": "wg0"}, "tailscale address", "ai_stack_tailscale_interface 'wg0' has no IPv4 address"),
        (
            {"bind_address": "10.9.9.9"},
            "tailscale address",
            "ai_stack_bind_address 10.9.9.9 is not an address of this host",
        ),
        ({"allowed_sources": []}, "allowed sources", "ai_stack_allowed_sources is empty"),
        ({"allowed_sources": ["100.64.0.0/10", "tailnet"]}, "allowed sources", "not an IP address or CIDR: tailnet"),
        (
            {"storage_root": "relative/path"},
            "storage root",
            'ai_stack_storage_root must be an absolute path other than /, got "relative/path"',
        ),
        ({"compose_root": "/"}, "compose root", "ai_stack_compose_root must be an absolute path"),
        ({"subdomains": {"chat": "Chat_UI"}}, "subdomains", 'chat="Chat_UI" is not a DNS label'),
        ({"domain": "home..arpa"}, "domain", 'ai_stack_domain "home..arpa" is not a valid DNS name'),
        ({"docker_subnet": "172.30.0.1"}, "docker subnet", "ai_stack_docker_subnet must be an IPv4 CIDR"),
        ({"docker_subnet": "fd00::/64"}, "docker subnet", "ai_stack_docker_subnet must be an IPv4 CIDR"),
        ({"allow_public_sources": "perhaps"}, "settings", "ai_stack_allow_public_sources must be a boolean"),
    ],
)
def test_each_bad_input_fails_naming_the_variable(changes, check, detail):
    checks = by_check(_settings.preflight_checks(raw(**changes), host_facts()))
    assert checks[check]["status"] == "fail"
    assert detail in checks[check]["detail"]


def test_every_problem_is_reported_at_once():
    checks = _settings.preflight_checks(raw(domain="-bad", docker_subnet="x", allowed_sources=[]), host_facts())
    assert sorted(c["check"] for c in checks if c["status"] == "fail") == ["allowed sources", "docker subnet", "domain"]


@pytest.mark.parametrize(
    "storage, status, detail",
    [
        (
            {"path": "/c", "kind": "dir", "probed": "/c", "free_gb": 5.0, "writable": True},
            "fail",
            "5.0 GB free on /c, below common_disk_min_gb (10",
        ),
        ({"path": "/c", "kind": "dir", "probed": "/c", "free_gb": 20.0, "writable": True}, "warn", "below 50"),
        (
            {"path": "/c", "kind": "absent", "probed": "/", "free_gb": 99.0, "writable": False},
            "fail",
            "cannot be created: / is not writable",
        ),
        (
            {"path": "/c", "kind": "notdir", "probed": "/c", "free_gb": 99.0, "writable": True},
            "fail",
            "exists and is not a directory",
        ),
        ({"path": "/c", "kind": "dir", "probed": "/c", "free_gb": 60.0, "writable": True}, "ok", "60.0 GB free on /c"),
    ],
)
def test_storage_space(storage, status, detail):
    (check,) = [c for c in _settings.preflight_checks(raw(), host_facts(storage)) if c["check"] == "storage space"]
    assert check["status"] == status and detail in check["detail"]


def test_extra_port_held_by_another_process_fails():
    checks = by_check(_settings.preflight_checks(raw(), host_facts(), extra_ports="80/tcp,8080/tcp"))
    assert checks["ports"]["status"] == "fail"
    assert "0.0.0.0:80/tcp (python3)" in checks["ports"]["detail"]


def test_ports_of_the_stack_itself_pass_and_port_checks_can_be_off():
    facts = host_facts(listeners_fixture="ss_demo_stack_deb13.txt")
    facts["ai_stack_host"]["addresses"].append("100.100.1.1")
    settings = raw(bind_address="100.100.1.1")
    assert by_check(_settings.preflight_checks(settings, facts, extra_ports=["443/tcp"]))["ports"]["status"] == "ok"
    assert "ports" not in by_check(
        _settings.preflight_checks(settings, facts, check_ports_enabled="false", extra_ports=["443/tcp"])
    )


def test_gpus_are_reported():
    facts = host_facts()
    facts["ai_stack_gpus"] = [{"name": "NVIDIA GeForce RTX 3060", "memory_total_mib": 12288}]
    assert by_check(_settings.preflight_checks(raw(), facts))["gpu"]["detail"] == "NVIDIA GeForce RTX 3060 12288 MiB"
