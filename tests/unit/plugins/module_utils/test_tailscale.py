# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import json
import pathlib

import pytest

from ansible_collections.homelab.ai_stack.plugins.module_utils import _tailscale as ts

FIXTURES = pathlib.Path(__file__).parent / "fixtures" / "tailscale"


def load(name):
    return json.loads((FIXTURES / name).read_text())


def wanted(**kw):
    args = {"hostname": "ai-gpu", "advertise_tags": ["ai-stack"], "advertise_routes": ["192.168.50.0/24"]}
    args.update(kw)
    return ts.wanted_settings(**args)


def test_fresh_node_needs_a_login():
    decision = ts.plan(load("status_fresh.json"), load("prefs_fresh.json"), wanted())
    assert decision["action"] == "login"
    assert "tailscaled is NeedsLogin, not Running" in decision["reasons"]
    # A fresh node accepts DNS (CorpDNS true): we want it off.
    assert decision["diff"]["CorpDNS"] == {"have": True, "want": False}


def test_joined_node_with_same_settings_needs_nothing():
    decision = ts.plan(load("status_running.json"), load("prefs_running.json"), wanted(advertise_tags=["tag:ai-stack"]))
    assert decision == {"action": "none", "reasons": [], "diff": {}, "backend_state": "Running"}


def test_changed_flag_is_an_edit_without_key():
    decision = ts.plan(load("status_running.json"), load("prefs_running.json"), wanted(accept_routes=True))
    assert decision["action"] == "edit"
    assert decision["diff"] == {"RouteAll": {"have": False, "want": True}}


def test_removed_route_is_reset():
    decision = ts.plan(load("status_running.json"), load("prefs_running.json"), wanted(advertise_routes=[]))
    assert decision["diff"] == {"AdvertiseRoutes": {"have": ["192.168.50.0/24"], "want": []}}
    assert decision["action"] == "edit"


def test_changed_tags_need_a_login():
    decision = ts.plan(
        load("status_running.json"), load("prefs_running.json"), wanted(advertise_tags=["ai-stack", "gpu"])
    )
    assert decision["action"] == "login"
    assert decision["diff"]["AdvertiseTags"]["want"] == ["tag:ai-stack", "tag:gpu"]


def test_control_server_synonyms_are_the_same():
    prefs = dict(load("prefs_running.json"), ControlURL="https://login.tailscale.com")
    assert ts.plan(load("status_running.json"), prefs, wanted())["action"] == "none"
    other = ts.plan(load("status_running.json"), prefs, wanted(login_server="https://hs.example.net/"))
    assert other["action"] == "login"
    assert other["diff"]["ControlURL"]["want"] == "https://hs.example.net"


def test_stopped_node_is_brought_up_without_key():
    status = dict(load("status_running.json"), BackendState="Stopped")
    assert ts.plan(status, load("prefs_running.json"), wanted())["action"] == "edit"


def test_tags_and_routes_are_normalized():
    assert ts.normalize_tags(["gpu", "tag:ai-stack", "gpu"]) == ["tag:ai-stack", "tag:gpu"]
    assert ts.normalize_routes(["fd00::/64", "10.0.0.0/8", "10.0.0.0/8"]) == ["10.0.0.0/8", "fd00::/64"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"advertise_tags": ["tag:1bad"]}, "advertise_tags"),
        ({"advertise_tags": ["tag:has space"]}, "advertise_tags"),
        ({"advertise_routes": ["10.0.0.1/8"]}, "advertise_routes"),
        ({"advertise_routes": ["not-a-net"]}, "advertise_routes"),
        ({"hostname": "bad_name"}, "hostname"),
        ({"hostname": "a" * 64}, "hostname"),
        ({"login_server": "hs.example.net"}, "login_server"),
    ],
)
def test_bad_input_names_the_option(kwargs, message):
    with pytest.raises(ts.TailscaleError, match=message):
        wanted(**kwargs)


def test_up_command_states_every_setting_and_only_a_key_file():
    argv = ts.up_command("/usr/bin/tailscale", wanted(), auth_key_file="/tmp/k", timeout=30)
    assert argv[:3] == ["/usr/bin/tailscale", "up", "--reset"]
    assert "--accept-dns=false" in argv and "--hostname=ai-gpu" in argv
    assert "--advertise-tags=tag:ai-stack" in argv and "--advertise-routes=192.168.50.0/24" in argv
    assert "--login-server=https://controlplane.tailscale.com" in argv
    assert argv[-1] == "--auth-key=file:/tmp/k" and "--timeout=30s" in argv
    assert not any("--auth-key" in a for a in ts.up_command("tailscale", wanted()))


def test_node_summary_reads_addresses_and_name():
    summary = ts.node_summary(load("status_running.json"))
    assert summary["ipv4"] == "100.100.1.1" and summary["ipv6"].startswith("fd7a:")
    assert summary["dns_name"] == "ai-gpu.tail0123.ts.net"
    assert summary["tags"] == ["tag:ai-stack"]
    assert ts.node_summary(load("status_fresh.json"))["ipv4"] == ""
