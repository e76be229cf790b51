# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import os

from ansible_collections.homelab.ai_stack.plugins.module_utils import _port_rules as p

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "port_rules")
RULE = 'rule family="ipv4" source address="{}" port port="10050" protocol="tcp" accept'


def fixture(name):
    with open(os.path.join(FIXTURES, name), encoding="utf-8") as handle:
        return handle.read()


# The Debian 13 host of the zabbix_agent scenario after the role converged (firewalld 2.3.1):
# public holds the rules of both servers, in both configurations.
PERMANENT = p.rich_rules(fixture("firewalld-list-all-zones-permanent.txt"))
RUNTIME = p.rich_rules(fixture("firewalld-list-all-zones-runtime.txt"))
SERVERS = ["100.100.1.2", "192.0.2.10"]


def current(permanent=None, runtime=None, zones=("public",)):
    permanent, runtime = permanent or PERMANENT, runtime or RUNTIME
    return {"permanent": {z: permanent[z] for z in zones}, "runtime": {z: runtime[z] for z in zones}}


def test_rich_rules_of_a_recorded_list_all_zones():
    assert sorted(RUNTIME) == ["block", "dmz", "drop", "external", "home", "internal", "public", "trusted", "work"]
    assert RUNTIME["public"] == [RULE.format("100.100.1.2"), RULE.format("192.0.2.10")]
    assert RUNTIME["trusted"] == []


def test_rich_rule_spelling_is_firewalld_s_own():
    assert p.rich_rule("100.100.1.2", 10050) == RULE.format("100.100.1.2")
    assert p.rich_rule("2001:db8::20", "10050") == (
        'rule family="ipv6" source address="2001:db8::20" port port="10050" protocol="tcp" accept'
    )


def test_converged_has_nothing_to_do():
    got = p.plan(current(), SERVERS, 10050)
    assert got["rules"] == [RULE.format(s) for s in SERVERS]
    assert got["changes"] == {}


def test_a_strangers_rule_in_the_runtime_only_is_removed_there():
    runtime = dict(RUNTIME, public=RUNTIME["public"] + [RULE.format("100.100.1.3")])
    got = p.plan(current(runtime=runtime), SERVERS, 10050)
    assert got["changes"] == {"runtime": {"public": {"add": [], "remove": [RULE.format("100.100.1.3")]}}}


def test_only_the_port_counts():
    other = 'rule family="ipv4" source address="10.0.0.9" port port="22" protocol="tcp" accept'
    runtime = dict(RUNTIME, public=RUNTIME["public"] + [other])
    assert p.plan(current(runtime=runtime), SERVERS, 10050)["changes"] == {}


def test_a_missing_rule_is_added_in_each_zone_and_configuration():
    got = p.plan(current(zones=("public", "trusted")), SERVERS, 10050)
    assert got["changes"] == {
        "permanent": {"trusted": {"add": got["rules"], "remove": []}},
        "runtime": {"trusted": {"add": got["rules"], "remove": []}},
    }


def test_no_sources_removes_every_rule_on_the_port():
    got = p.plan(current(), [], 10050)
    assert got["changes"]["permanent"]["public"] == {"add": [], "remove": RUNTIME["public"]}


def test_resolve_names_and_drop_loopback():
    table = {"zabbix.example": ["192.0.2.20", "2001:db8::20"], "gone.example": [], "localhost": ["127.0.0.1", "::1"]}
    got = p.resolve(["100.100.1.2", "zabbix.example", "gone.example", "localhost", "127.0.0.1"], table.__getitem__)
    assert got == (["100.100.1.2", "192.0.2.20", "2001:db8::20"], ["gone.example"])
    assert p.resolve(["192.0.2.0/24", "192.0.2.10"], table.__getitem__) == (["192.0.2.0/24", "192.0.2.10"], [])
