# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import pytest

from ansible_collections.homelab.ai_stack.plugins.module_utils._pihole_checks import preflight

# The inputs of the services scenario's Pi-hole host (molecule/services).
GOOD = {
    "admin_password": "molecule-pihole-pw",
    "bind_address": "172.30.0.1",
    "nginx_host": "services",
    "vhosts": [{"fqdn": "chat.ai.lan"}, {"fqdn": "hole.ai.lan"}],
    "records_address": "172.30.0.1",
    "dns_records": [{"name": "NAS.ai.lan", "ip": "192.168.77.10"}],
    "cname_records": [{"name": "files.ai.lan", "target": "nas.ai.lan"}],
    "upstreams": ["1.1.1.1", "9.9.9.9#53"],
    "ftlconf": {"dns_dnssec": "true"},
    "lists": {"groups": [], "adlists": [], "domains": '[{"domain": "ads.example"}]', "clients": [], "allow": []},
    "lan_address": "",
    "lan_sources": [],
    "allow_public": False,
    "host_addresses": ["172.30.0.1", "192.168.77.2"],
}


def test_good_inputs_give_the_records():
    result = preflight(GOOD)
    assert result["errors"] == []
    assert result["records"] == {
        "hosts": ["172.30.0.1 chat.ai.lan", "172.30.0.1 hole.ai.lan", "192.168.77.10 nas.ai.lan"],
        "cnames": ["files.ai.lan,nas.ai.lan"],
    }


def test_without_an_nginx_host_there_are_no_vhost_records():
    result = preflight(dict(GOOD, nginx_host="", records_address=""))
    assert result["errors"] == []
    assert result["records"]["hosts"] == ["192.168.77.10 nas.ai.lan"]


def test_a_good_lan_address_passes():
    result = preflight(dict(GOOD, lan_address="192.168.77.2", lan_sources=["192.168.77.0/24"]))
    assert result["errors"] == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"admin_password": "short"}, "pihole_admin_password must be set"),
        ({"admin_password": None}, "pihole_admin_password must be set"),
        ({"bind_address": "0.0.0.0"}, "ai_stack_bind_address '0.0.0.0' must be the host's"),
        ({"bind_address": ""}, "ai_stack_bind_address '' must be the host's"),
        ({"records_address": ""}, "The vhost names ['chat.ai.lan', 'hole.ai.lan'] need an address"),
        ({"dns_records": [{"name": "nas.ai.lan", "ip": "300.1.1.1"}]}, "pihole_dns_records entry"),
        ({"dns_records": [{"name": "bad name", "ip": "10.0.0.1"}]}, "pihole_dns_records entry"),
        ({"cname_records": [{"name": "files.ai.lan"}]}, "pihole_cname_records entry"),
        ({"upstreams": []}, "pihole_upstreams must be IP addresses"),
        ({"upstreams": ["dns.example"]}, "pihole_upstreams must be IP addresses"),
        ({"ftlconf": {"dns.dnssec": True}}, "pihole_ftlconf keys like dns_dnssec"),
        ({"lists": {"adlists": ["not a url"]}}, "pihole_adlists"),
        ({"lan_address": "192.168.77.2", "lan_sources": []}, "pihole_lan_address '192.168.77.2' must be empty"),
        ({"lan_address": "192.168.77.9", "lan_sources": ["192.168.77.0/24"]}, "it has 172.30.0.1, 192.168.77.2"),
        ({"lan_address": "172.30.0.1", "lan_sources": ["192.168.77.0/24"]}, "not 0.0.0.0 or ai_stack_bind_address"),
        ({"lan_address": "192.168.77.2", "lan_sources": ["8.8.8.0/24"]}, "pihole_lan_sources (ai_stack_lan_sources)"),
    ],
)
def test_each_problem_names_its_variable(change, message):
    result = preflight(dict(GOOD, **change))
    assert len(result["errors"]) == 1
    assert message in result["errors"][0]
    assert result["records"] == {"hosts": [], "cnames": []}


def test_every_problem_is_reported_at_once():
    result = preflight(dict(GOOD, admin_password="", bind_address="::", upstreams=[], dns_records=[{"ip": "x"}]))
    assert len(result["errors"]) == 4
