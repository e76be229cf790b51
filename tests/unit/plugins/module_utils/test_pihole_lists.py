# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import copy
import json
import pathlib

import pytest

from ansible_collections.homelab.ai_stack.plugins.module_utils import _pihole_lists as pl

FIXTURES = pathlib.Path(__file__).parent / "fixtures" / "pihole"
MARK = pl.MARKER


def recorded():
    """FTL's recorded answers (SOURCES.md): one user-made entry of each kind."""
    return {
        kind: json.loads((FIXTURES / f"{kind}.json").read_text())[kind]
        for kind in ("groups", "lists", "domains", "clients")
    }


def ops(result):
    return [(op["method"], op["path"]) for op in result["ops"]]


def test_user_entries_of_the_recorded_answers_are_never_touched():
    result = pl.plan(pl.wanted_state(), recorded())
    assert result["ops"] == []
    assert result["gravity"] is False
    assert result["before"] == [] and result["after"] == []


def test_first_run_adds_groups_first_then_entries_and_runs_gravity():
    wanted = pl.wanted_state(
        groups=[{"name": "kids"}],
        adlists=["http://172.30.0.1:8099/ads.txt"],
        domains=[
            {"domain": r"(\.|^)tracker\.example$", "kind": "regex"},
            {"domain": "games.example.com", "groups": ["kids"]},
        ],
        clients=[{"client": "192.168.77.0/24", "groups": ["kids", "Default"]}],
        deny=["Ads.Example.com"],
    )
    result = pl.plan(wanted, recorded())
    assert ops(result) == [
        ("POST", "/groups"),
        ("POST", "/lists"),
        ("POST", "/domains/deny/regex"),
        ("POST", "/domains/deny/exact"),
        ("POST", "/domains/deny/exact"),
        ("POST", "/clients"),
    ]
    assert result["gravity"] is True
    first = result["ops"][1]["body"]
    assert first == {
        "address": "http://172.30.0.1:8099/ads.txt",
        "type": "block",
        "comment": MARK,
        "enabled": True,
        "groups": ["Default"],
    }
    assert result["ops"][3]["body"]["domain"] == "ads.example.com"
    # group names become FTL's ids when the call is sent
    ids = pl.group_ids(recorded()["groups"] + [{"name": "kids", "id": 6}])
    assert pl.resolve_groups(result["ops"][5]["body"], ids)["groups"] == [0, 6]


def owned_state():
    """What FTL answers after the first run (rows shaped as list.c writes them)."""
    state = recorded()
    state["groups"].append({"name": "kids", "comment": MARK, "enabled": True, "id": 6})
    state["lists"].append(
        {
            "address": "http://172.30.0.1:8099/ads.txt",
            "type": "block",
            "comment": MARK,
            "groups": [0],
            "enabled": True,
            "id": 3,
            "date_updated": 1765000000,
            "number": 3,
            "status": 1,
        }
    )
    state["domains"].append(
        {
            "domain": "ads.example.com",
            "type": "deny",
            "kind": "exact",
            "comment": MARK,
            "groups": [0],
            "enabled": True,
            "id": 310,
        }
    )
    state["clients"].append({"client": "192.168.77.0/24", "comment": MARK, "groups": [0, 6], "id": 3})
    return state


def wanted_again(**kw):
    args = {
        "groups": ["kids"],
        "adlists": [{"address": "http://172.30.0.1:8099/ads.txt"}],
        "deny": ["ads.example.com"],
        "clients": [{"client": "192.168.77.0/24", "groups": ["Default", "kids"]}],
    }
    args.update(kw)
    return pl.wanted_state(**args)


def test_rerun_changes_nothing():
    result = pl.plan(wanted_again(), owned_state())
    assert result["ops"] == [] and result["gravity"] is False
    assert result["before"] == result["after"]


def test_dropped_domain_is_removed_without_gravity():
    result = pl.plan(wanted_again(deny=[]), owned_state())
    assert ops(result) == [("DELETE", "/domains/deny/exact/ads.example.com")]
    assert result["gravity"] is False


def test_dropped_adlist_is_removed_and_gravity_runs():
    result = pl.plan(wanted_again(adlists=[]), owned_state())
    assert ops(result) == [("DELETE", "/lists/http%3A%2F%2F172.30.0.1%3A8099%2Fads.txt?type=block")]
    assert result["gravity"] is True


def test_changed_groups_are_a_put_and_dropped_group_goes_last():
    result = pl.plan(wanted_again(groups=[], clients=[{"client": "192.168.77.0/24"}]), owned_state())
    assert ops(result) == [("PUT", "/clients/192.168.77.0%2F24"), ("DELETE", "/groups/kids")]
    assert result["ops"][0]["body"] == {"comment": MARK, "groups": ["Default"]}


def test_adlist_never_downloaded_runs_gravity_again():
    state = owned_state()
    state["lists"][-1]["date_updated"] = 0
    result = pl.plan(wanted_again(), state)
    assert result["ops"] == [] and result["gravity"] is True


def test_wanted_entry_made_by_a_user_is_kept_as_is():
    # allowed.com exists in the recorded answer without the marker.
    result = pl.plan(pl.wanted_state(allow=["allowed.com"]), recorded())
    assert result["ops"] == []
    assert result["kept"] == ["allow exact allowed.com"]


def test_user_comment_follows_the_marker():
    wanted = pl.wanted_state(domains=[{"domain": "x.example", "comment": "from the inventory"}])
    body = pl.plan(wanted, {})["ops"][0]["body"]
    assert body["comment"] == f"{MARK}: from the inventory"
    assert pl.owned(body)


def test_strings_from_extra_vars_work():
    wanted = pl.wanted_state(
        groups=[{"name": "kids", "enabled": "false"}],
        domains=[{"domain": "a.example", "groups": "kids,Default", "enabled": "yes"}],
    )
    assert wanted["groups"]["kids"]["enabled"] is False
    assert wanted["domains"][("a.example", "deny", "exact")]["groups"] == ["Default", "kids"]


def test_json_and_comma_strings_from_extra_vars_are_lists():
    # -e 'pihole_domains=[{...}]' arrives as a string: a JSON list of dicts,
    # read as the collection reads every list input (_inputs.list_input).
    wanted = pl.wanted_state(
        groups='[{"name": "kids", "enabled": "Y"}]',
        domains='[{"domain": "a.example", "type": "allow", "groups": ["kids"]}, {"domain": "b.example"}]',
        adlists="http://x.example/l, https://y.example/l",
        deny="c.example,d.example",
    )
    assert wanted["groups"]["kids"]["enabled"] is True
    assert wanted["domains"][("a.example", "allow", "exact")]["groups"] == ["kids"]
    assert ("b.example", "deny", "exact") in wanted["domains"]
    assert {("c.example", "deny", "exact"), ("d.example", "deny", "exact")} <= set(wanted["domains"])
    assert sorted(wanted["lists"]) == [("http://x.example/l", "block"), ("https://y.example/l", "block")]


@pytest.mark.parametrize(
    ("word", "expected"),
    [("t", True), ("ON", True), (" yes ", True), (1, True), ("n", False), ("F", False), (0, False), ("", False)],
)
def test_enabled_reads_the_collections_boolean_words(word, expected):
    wanted = pl.wanted_state(groups=[{"name": "kids", "enabled": word}])
    assert wanted["groups"]["kids"]["enabled"] is expected


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"adlists": ["ftp://x.example/list"]},
            "'ftp://x.example/list' is not an http(s):// or file:// URL",
        ),
        ({"domains": [{"domain": "bad domain"}]}, "pihole_domains: 'bad domain' is not a domain name"),
        ({"domains": [{"domain": "(unclosed", "kind": "regex"}]}, "pihole_domains: regex '(unclosed' does not compile"),
        ({"domains": [{"domain": "a.example", "type": "block"}]}, "pihole_domains: type of"),
        ({"domains": [{"domain": "a.example", "groups": ["nope"]}]}, "group 'nope'"),
        ({"deny": ["not a domain"]}, "pihole_denylist: 'not a domain' is not a domain name"),
        ({"groups": ["Default"]}, "pihole_groups: 'Default'"),
        ({"clients": [{"client": "a b"}]}, "pihole_clients: 'a b' is not a client"),
        ({"adlists": {"address": "http://x.example/l"}}, "pihole_adlists: must be a list, got dict"),
        ({"domains": '[{"domain": "a.example"'}, "pihole_domains: must be a list: "),
        ({"domains": '{"domain": "a.example"}'}, "pihole_domains: must be a list: "),
        ({"groups": [{"name": "kids", "enabled": "maybe"}]}, "(kids).enabled: 'maybe' is not true or false"),
        ({"domains": [{"domain": "a.example", "colour": "red"}]}, "unknown keys ['colour']"),
    ],
)
def test_bad_input_names_the_variable(kwargs, message):
    with pytest.raises(pl.PiholeListsError) as err:
        pl.wanted_state(**kwargs)
    assert message in str(err.value)


def test_unknown_group_ids_are_shown_not_lost():
    state = copy.deepcopy(owned_state())
    state["clients"][-1]["groups"] = [0, 99]
    result = pl.plan(wanted_again(), state)
    assert "client 192.168.77.0/24 groups=#99,Default" in result["before"]
    assert ops(result) == [("PUT", "/clients/192.168.77.0%2F24")]
