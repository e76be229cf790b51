# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ports_held, stack_settings and preflight_checks filters as a playbook calls them."""

from __future__ import annotations

import pathlib

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.homelab.ai_stack.plugins.filter import host as host_filters
from ansible_collections.homelab.ai_stack.plugins.module_utils import _host

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "module_utils" / "fixtures" / "host"
SS = (FIXTURES / "ss_demo_stack_deb13.txt").read_text()


def test_registered():
    assert set(host_filters.FilterModule().filters()) == {"ports_held", "stack_settings", "preflight_checks"}


@pytest.mark.parametrize("listeners", [_host.parse_ss(SS), SS.splitlines(), SS])
def test_ports_held_takes_facts_or_ss_lines(listeners):
    assert host_filters.ports_held(listeners, ["53/udp", "53/tcp"], "100.100.1.1") == []
    assert host_filters.ports_held(listeners, "53/udp", "100.100.1.1", "systemd-resolve") == [
        "100.100.1.1:53/udp (docker-proxy)"
    ]


def test_ports_held_bad_port():
    with pytest.raises(AnsibleFilterError, match="ports_held"):
        host_filters.ports_held([], ["http/tcp"], "1.2.3.4")


def test_stack_settings_names_the_variable():
    with pytest.raises(AnsibleFilterError, match="ai_stack_allow_public_sources must be a boolean"):
        host_filters.stack_settings({"ai_stack_allow_public_sources": "sure"})
    with pytest.raises(AnsibleFilterError, match="dictionary"):
        host_filters.stack_settings(["x"])


def test_stack_settings_strings_from_the_command_line():
    settings = host_filters.stack_settings(
        {"ai_stack_allow_public_sources": "false", "ai_stack_nvidia_container_runtime_recorded": "true"}, {}
    )
    assert settings == {"allow_public_sources": False, "nvidia_container_runtime_recorded": True, "bind_address": ""}


def test_preflight_checks_filter():
    checks = host_filters.preflight_checks({"ai_stack_bind_address": "", "ai_stack_tailscale_interface": "ts0"}, {})
    assert checks[0]["status"] == "fail" and "ai_stack_tailscale_interface 'ts0'" in checks[0]["detail"]
