# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

from pathlib import Path

import pytest

from ansible_collections.homelab.ai_stack.plugins.module_utils import _pihole_checks as c
from ansible_collections.homelab.ai_stack.plugins.module_utils._host import parse_ss
from ansible_collections.homelab.ai_stack.plugins.module_utils._pihole_checks import port53, preflight

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


# Port 53 on the bind address, from ss as host_facts parses it.
FIXTURES = Path(__file__).parent / "fixtures" / "host"
# systemd-resolved told to listen on every address (DNSStubListenerExtra=0.0.0.0), and dnsmasq.
RESOLVED_WIDE = 'udp UNCONN 0 0 0.0.0.0:53 0.0.0.0:* users:(("systemd-resolve",pid=310,fd=12))'
DNSMASQ = 'tcp LISTEN 0 32 100.100.1.1:53 0.0.0.0:* users:(("dnsmasq",pid=901,fd=5))'


def _ss(name):
    return parse_ss((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("fixture", ["ss_demo_stack_deb13.txt", "ss_deb13_testcontainer.txt"])
def test_port_53_is_free_for_the_stack_and_the_loopback_stub(fixture):
    # The demo stack's own docker-proxy, and resolved's stub on 127.0.0.53 only.
    result = preflight(dict(GOOD, bind_address="100.100.1.1", listeners=_ss(fixture), stub_listener="keep"))
    assert result["errors"] == []
    assert result["free_stub"] is False


def test_auto_frees_a_stub_that_listens_on_every_address():
    assert port53(parse_ss(RESOLVED_WIDE), "100.100.1.1", "auto") == ([], True)
    assert port53(parse_ss(RESOLVED_WIDE), "100.100.1.1", "disable") == ([], True)
    assert port53([], "100.100.1.1", "disable") == ([], True)


def test_keep_refuses_a_stub_in_the_way():
    errors, free = port53(parse_ss(RESOLVED_WIDE), "100.100.1.1", "keep")
    assert free is False
    assert errors == [
        "systemd-resolved listens on 0.0.0.0:53/udp (systemd-resolve) and pihole_resolved_stub_listener is 'keep'. "
        "Set it to 'auto' to let the role set DNSStubListener=no, or free port 53 yourself."
    ]


def test_another_dns_server_is_refused_whatever_the_stub_setting():
    errors, _free = port53(parse_ss(DNSMASQ + "\n" + RESOLVED_WIDE), "100.100.1.1", "auto")
    assert errors == [
        "Port 53 on 100.100.1.1 is taken: 100.100.1.1:53/tcp (dnsmasq). Stop that DNS server or bind it elsewhere; "
        "the role frees only systemd-resolved's stub listener."
    ]
    result = preflight(dict(GOOD, listeners=parse_ss(DNSMASQ.replace("100.100.1.1", "172.30.0.1"))))
    assert len(result["errors"]) == 1
    assert "Port 53 on 172.30.0.1 is taken" in result["errors"][0]


def test_list_inputs_given_as_command_line_strings_are_lists():
    result = preflight(
        dict(GOOD, upstreams="1.1.1.1, 9.9.9.9#53", cap_add='["CHOWN", "KILL"]', lists={"allow": "good.example"})
    )
    assert result["errors"] == []
    assert result["inputs"]["upstreams"] == ["1.1.1.1", "9.9.9.9#53"]
    assert result["inputs"]["cap_add"] == ["CHOWN", "KILL"]
    assert result["lists"]["allow"] == ["good.example"] and result["lists"]["groups"] == []


def test_a_list_input_that_is_no_list_names_its_variable():
    result = preflight(dict(GOOD, dns_records='{"name": "nas"}', lists={"deny": "[bad json"}))
    assert result["errors"][0].startswith("pihole_dns_records: ") and "is not a list" in result["errors"][0]
    assert result["errors"][1].startswith("pihole_denylist: ") and "not valid JSON" in result["errors"][1]


def test_the_inputs_by_name_read_as_the_explicit_data():
    names = dict(c.INPUT_KEYS)
    role_inputs = {"pihole_" + name: GOOD[key] for key, name in names.items() if key in GOOD}
    role_inputs.update({"pihole_" + c.LIST_KEYS[key]: value for key, value in GOOD["lists"].items()})
    role_inputs.update(pihole_denylist=[], pihole_resolved_stub_listener="auto", pihole_state="present")
    explicit = {k: v for k, v in GOOD.items() if k not in names and k != "lists"}
    by_name = preflight(dict(explicit, role_inputs=role_inputs))
    assert by_name == preflight(dict(GOOD, lists=dict(GOOD["lists"], deny=[])))
    assert by_name["errors"] == [] and by_name["lists"]["domains"] == [{"domain": "ads.example"}]
    short = preflight(dict(explicit, role_inputs=dict(role_inputs, pihole_admin_password="short")))
    assert short["errors"] == ["pihole_admin_password must be set (in the vault) and have 8 or more characters."]
