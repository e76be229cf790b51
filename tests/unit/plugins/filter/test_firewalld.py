# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.homelab.ai_stack.plugins.filter import firewalld as f


def test_filter_is_registered():
    assert f.FilterModule().filters() == {
        "firewalld_zone_plan": f.firewalld_zone_plan,
        "networking_preflight": f.networking_preflight,
    }


@pytest.mark.parametrize(
    ("ports", "expected"),
    [
        ([80, 443, "53/tcp", "53/udp"], ["53/tcp", "53/udp", "80/tcp", "443/tcp"]),
        # the stack's port map: roles declare their own ports
        (
            {"nginx": [80, 443], "pihole": {"port": 53, "protocol": ["tcp", "udp"]}, "extra": None},
            ["53/tcp", "53/udp", "80/tcp", "443/tcp"],
        ),
        ({"nginx": "443", "other": 443}, ["443/tcp"]),
        (None, []),
    ],
)
def test_port_lists_and_maps(ports, expected):
    result = f.firewalld_zone_plan(ports, ["100.64.0.0/10"], "172.30.0.0/24", interfaces=["tailscale0"])
    assert result["ports"] == expected
    assert result["sources"] == ["100.64.0.0/10", "172.30.0.0/24"]
    assert result["interfaces"] == ["tailscale0"]


def test_errors_become_filter_errors_naming_the_variable():
    with pytest.raises(AnsibleFilterError, match=r"^ai_stack_allowed_sources: 0\.0\.0\.0/0 admits"):
        f.firewalld_zone_plan([80], ["0.0.0.0/0"], var_names={"sources": "ai_stack_allowed_sources"})


def test_port_map_with_bad_owner_value():
    with pytest.raises(AnsibleFilterError, match=r"ports of 'nginx' must be a list"):
        f.firewalld_zone_plan({"nginx": 1.5}, [])


def test_default_tailscale_ranges_apply_and_can_be_replaced():
    with pytest.raises(AnsibleFilterError, match=r"overlaps 10\.64\.0\.0/10 \(Tailscale's range\)"):
        f.firewalld_zone_plan([], [], "10.64.0.0/24", tailscale_ranges=["10.64.0.0/10"])
    assert f.firewalld_zone_plan([], [], "10.64.0.0/24")["sources"] == ["10.64.0.0/24"]


def test_reserved_networks_are_named_in_the_error():
    reserved = {"route 172.30.0.0/16 dev eth1": ["172.30.0.0/16"]}
    with pytest.raises(AnsibleFilterError, match=r"overlaps 172\.30\.0\.0/16 \(route 172\.30\.0\.0/16 dev eth1\)"):
        f.firewalld_zone_plan([], ["100.64.0.0/10"], "172.30.0.0/24", reserved=reserved)
