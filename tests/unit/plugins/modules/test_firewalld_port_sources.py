# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""firewalld_port_sources against a fake firewalld D-Bus service and a fake firewall-cmd."""

from __future__ import annotations

import json
import sys
import types

import pytest

from ansible_collections.homelab.ai_stack.plugins.module_utils._port_rules import rich_rule
from ansible_collections.homelab.ai_stack.plugins.modules import firewalld_port_sources as m

A, B, C = (rich_rule(s, 10050) for s in ("100.100.1.2", "192.0.2.10", "100.100.1.3"))
SSH = 'rule family="ipv4" source address="10.0.0.9" port port="22" protocol="tcp" accept'
ARGS = {"port": 10050, "sources": ["100.100.1.2", "192.0.2.10"], "zones": ["self-hosted", "public"]}


class FakeFirewalld:
    """The zones' rich rules per configuration, behind the D-Bus calls the module makes."""

    def __init__(self, permanent, runtime=None, running=True):
        self.rules = {"permanent": permanent, "runtime": runtime if runtime is not None else dict(permanent)}
        self.rules = {c: {z: list(r) for z, r in zones.items()} for c, zones in self.rules.items()}
        self.running = running
        self.writes = []

    def dbus(self):
        fw = self

        class Zone:  # org.fedoraproject.FirewallD1.zone (runtime)
            def getZones(self):  # D-Bus method names
                return list(fw.rules["runtime"])

            def getRichRules(self, zone):
                return list(fw.rules["runtime"][zone])

            def addRichRule(self, zone, rule, timeout):
                fw.writes.append(("runtime", zone, "add", rule))
                fw.rules["runtime"][zone].append(rule)

            def removeRichRule(self, zone, rule):
                fw.writes.append(("runtime", zone, "remove", rule))
                fw.rules["runtime"][zone].remove(rule)

        class ConfigZone:  # org.fedoraproject.FirewallD1.config.zone (permanent)
            def __init__(self, zone):
                self.zone = zone

            def getRichRules(self):
                return list(fw.rules["permanent"][self.zone])

            def addRichRule(self, rule):
                fw.writes.append(("permanent", self.zone, "add", rule))
                fw.rules["permanent"][self.zone].append(rule)

            def removeRichRule(self, rule):
                fw.writes.append(("permanent", self.zone, "remove", rule))
                fw.rules["permanent"][self.zone].remove(rule)

        class Config:
            def getZoneNames(self):
                return list(fw.rules["permanent"])

            def getZoneByName(self, zone):
                return f"/zone/{zone}"

        class Bus:
            def name_has_owner(self, name):
                return fw.running

            def get_object(self, name, path):
                return path

        def interface(path, name):
            if name.endswith(".config.zone"):
                return ConfigZone(path.rsplit("/", 1)[1])
            return Config() if name.endswith(".config") else Zone()

        module = types.ModuleType("dbus")
        module.SystemBus = Bus
        module.Interface = interface
        module.exceptions = types.SimpleNamespace(DBusException=RuntimeError)
        return module


@pytest.fixture
def firewalld(monkeypatch):
    def make(*args, **kwargs):
        fake = FakeFirewalld(*args, **kwargs)
        monkeypatch.setitem(sys.modules, "dbus", fake.dbus())
        return fake

    return make


def test_converged_changes_nothing(run_module, firewalld):
    fake = firewalld({"public": [A, B, SSH], "trusted": []})
    result = run_module(m.main, ARGS)
    assert (result["changed"], result["running"], result["zones"]) == (False, True, ["public"])
    assert fake.writes == []


def test_drift_is_repaired_in_both_configurations(run_module, firewalld):
    fake = firewalld({"public": [A, SSH]}, runtime={"public": [A, C]})
    result = run_module(m.main, ARGS)
    assert result["changed"] is True
    assert sorted(fake.writes) == [
        ("permanent", "public", "add", B),
        ("runtime", "public", "add", B),
        ("runtime", "public", "remove", C),
    ]
    assert fake.rules == {"permanent": {"public": [A, SSH, B]}, "runtime": {"public": [A, B]}}
    assert run_module(m.main, ARGS)["changed"] is False


def test_check_mode_reports_and_writes_nothing(run_module, firewalld):
    fake = firewalld({"public": [C]})
    result = run_module(m.main, ARGS, check_mode=True, diff=True)
    assert result["changed"] is True and fake.writes == []
    assert result["diff"]["before"] == f"permanent public: {C}\nruntime public: {C}\n"
    assert result["changes"]["permanent"]["public"] == {"add": [A, B], "remove": [C]}


def test_without_firewalld_nothing_is_done(run_module, firewalld):
    fake = firewalld({"public": [C]}, running=False)
    result = run_module(m.main, ARGS)
    assert (result["changed"], result["running"], fake.writes) == (False, False, [])


def test_a_name_that_does_not_resolve_fails_naming_the_variable(run_module, firewalld, monkeypatch):
    fake = firewalld({"public": []})
    monkeypatch.setattr(m, "lookup", lambda name: {"zabbix.example": ["192.0.2.20"]}.get(name, []))
    result = run_module(m.main, dict(ARGS, sources=["zabbix.example", "gone.example"], label="zabbix_agent_server"))
    assert result["failed"] is True
    assert result["msg"].startswith("zabbix_agent_server: gone.example does not resolve")
    assert fake.writes == []


class FakeCli:
    """firewall-cmd --state / --list-all-zones / --add-rich-rule, as the fallback backend calls it."""

    def __init__(self, listing):
        self.listing = listing
        self.calls = []

    def run_command(self, cmd):
        self.calls.append(cmd[1:])
        if cmd[1] == "--state":
            return 0, "running\n", ""
        if "--list-all-zones" in cmd:
            return 0, self.listing, ""
        return 0, "success\n", ""


def test_cli_fallback_reads_with_two_runs(run_module, monkeypatch):
    monkeypatch.setitem(sys.modules, "dbus", None)  # import dbus raises ImportError
    listing = f"public (default, active)\n  target: default\n  rich rules: \n\t{A}\n\t{C}\n"
    fake = FakeCli(listing)
    monkeypatch.setattr(m.AnsibleModule, "run_command", lambda self, cmd, **kw: fake.run_command(cmd))
    monkeypatch.setattr(m.AnsibleModule, "get_bin_path", lambda self, name, *a, **kw: f"/usr/bin/{name}")
    result = run_module(m.main, ARGS)
    assert result["changed"] is True
    assert fake.calls == [
        ["--state"],
        ["--permanent", "--list-all-zones"],
        ["--list-all-zones"],
        ["--permanent", "--zone=public", f"--remove-rich-rule={C}"],
        ["--permanent", "--zone=public", f"--add-rich-rule={B}"],
        ["--zone=public", f"--remove-rich-rule={C}"],
        ["--zone=public", f"--add-rich-rule={B}"],
    ]


def test_wanted_files_are_judged_without_showing_their_content(run_module, firewalld, tmp_path):
    firewalld({"public": [A, B]}, running=False)
    conf = tmp_path / "ai_stack.conf"
    conf.write_text("TLSPSK=s3cret\n")
    conf.chmod(0o644)
    wanted = {"files": [{"dest": str(conf), "content": "TLSPSK=s3cret\n", "secret": True}], "mode": "0644"}
    wanted["pending_dir"] = str(tmp_path / "pending")
    result = run_module(m.main, {**ARGS, "wanted_files": json.dumps(wanted)})
    assert (result["files_in_place"], result["changed"]) == (True, False)
    assert "s3cret" not in str(result)
    conf.write_text("TLSPSK=edited\n")
    assert run_module(m.main, {**ARGS, "wanted_files": json.dumps(wanted)})["files_in_place"] is False
    assert "files_in_place" not in run_module(m.main, ARGS)


def test_wanted_files_are_hidden_whole_not_value_by_value(run_module, firewalld, monkeypatch, tmp_path):
    # A no_log dict would mask each of its values ('zabbix' as an owner) inside this error message.
    firewalld({"public": []})
    monkeypatch.setattr(m, "lookup", lambda name: [])
    wanted = json.dumps({"files": [{"dest": str(tmp_path / "psk"), "content": "k", "owner": "zabbix"}]})
    args = {**ARGS, "sources": ["zabbix.example"], "label": "zabbix_agent_server", "wanted_files": wanted}
    result = run_module(m.main, args)
    assert result["failed"] and result["msg"].startswith("zabbix_agent_server: zabbix.example does not resolve")
