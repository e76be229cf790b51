# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.homelab.ai_stack.plugins.filter import firewalld
from ansible_collections.homelab.ai_stack.plugins.filter import pihole as f

EMPTY = {"groups": [], "adlists": [], "domains": [], "clients": [], "allow": [], "deny": []}


def test_filter_is_registered():
    assert f.FilterModule().filters() == {
        "pihole_lists_check": f.pihole_lists_check,
        "pihole_preflight": f.pihole_preflight,
    }


def test_counts_the_wanted_entries():
    data = dict(
        EMPTY,
        groups=["lan"],
        adlists=["http://172.30.0.1:8099/ads.txt"],
        domains=[
            {"domain": r"(\.|^)regex\.example$", "kind": "regex"},
            {"domain": "lanonly.example", "groups": ["lan"]},
        ],
        clients=[{"client": "192.168.77.0/24", "groups": ["Default", "lan"]}],
        deny=["ads.example.com"],
    )
    assert f.pihole_lists_check(data) == {"groups": 1, "lists": 1, "domains": 3, "clients": 1}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (dict(EMPTY, adlists=["not a url"]), "pihole_adlists"),
        (dict(EMPTY, clients=[{"client": "10.0.0.1", "groups": ["kids"]}]), "pihole_clients: group 'kids'"),
        (dict(EMPTY, colour="red"), "expects a mapping"),
    ],
)
def test_bad_input_names_the_variable(data, message):
    with pytest.raises(AnsibleFilterError, match=message):
        f.pihole_lists_check(data)


def test_lan_zone_admits_dns_and_the_public_services_only():
    plan = firewalld.firewalld_zone_plan(
        {"dns": ["53/tcp", "53/udp"], "public": "22/tcp"},
        sources=["192.168.77.0/24"],
        services=["ssh"],
        name="ai-stack-lan",
    )
    assert plan == {
        "name": "ai-stack-lan",
        "sources": ["192.168.77.0/24"],
        "ports": ["22/tcp", "53/tcp", "53/udp"],
        "interfaces": [],
        "services": ["ssh"],
    }


@pytest.mark.parametrize(
    ("sources", "message"),
    [
        (["192.168.77.1/24"], "networking_lan_sources .*host bits set"),
        (["8.8.8.0/24"], "networking_lan_sources .*public range.*networking_allow_public_sources"),
    ],
)
def test_lan_sources_errors_name_the_variable(sources, message):
    with pytest.raises(AnsibleFilterError, match=message):
        firewalld.firewalld_zone_plan(
            ["53/udp"],
            sources=sources,
            name="ai-stack-lan",
            var_names={
                "sources": "networking_lan_sources (ai_stack_lan_sources)",
                "allow_public": "networking_allow_public_sources (ai_stack_allow_public_sources)",
            },
        )
