# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""firewalld_zone against a fake firewall-cmd that keeps permanent and runtime state apart."""

from __future__ import annotations

import copy

import pytest

from ansible_collections.homelab.ai_stack.plugins.modules import firewalld_zone as fz

ATTRS = ("sources", "ports", "services", "interfaces")
WRITE_FLAGS = ("--new-zone", "--delete-zone", "--set-target", "--add-", "--remove-", "--change-", "--reload")


def zone(target="default", **items):
    result = {attr: list(items.get(attr, [])) for attr in ATTRS}
    result["target"] = target
    return result


def info_zone(name, state):
    """What firewall-cmd --info-zone prints (firewalld 2.x), rich rules included."""
    lines = [
        f"{name} (active)",
        f"  target: {state['target']}",
        "  ingress-priority: 0",
        "  egress-priority: 0",
        "  icmp-block-inversion: no",
    ]
    lines += [f"  {attr}: {' '.join(state[attr])}" for attr in ("interfaces", "sources", "services", "ports")]
    lines += [
        "  protocols: ",
        "  forward: yes",
        "  masquerade: no",
        "  forward-ports: ",
        "  source-ports: ",
        "  icmp-blocks: ",
        "  rich rules: ",
        '\trule family="ipv4" source address="10.9.9.9" port port="9" protocol="tcp" accept',
    ]
    return "\n".join(lines) + "\n"


class FakeFirewalld:
    """Just enough of firewall-cmd / firewall-offline-cmd for the module."""

    def __init__(self, zones, running=True, installed=True, runtime=None):
        self.permanent = copy.deepcopy(zones)
        self.runtime = copy.deepcopy(runtime if runtime is not None else zones)
        self.running = running
        self.installed = installed
        self.calls = []

    # -- the AnsibleModule surface the backend uses --
    def get_bin_path(self, name):
        return f"/usr/bin/{name}" if self.installed else None

    def run_command(self, cmd):
        self.calls.append(cmd)
        binary, args = cmd[0], list(cmd[1:])
        if args == ["--state"]:
            return (0, "running\n", "") if self.running else (252, "", "not running\n")
        if binary.endswith("firewall-cmd") and not self.running:
            return 252, "", "FirewallD is not running\n"
        permanent = binary.endswith("firewall-offline-cmd") or "--permanent" in args
        if "--permanent" in args:
            args.remove("--permanent")
        store = self.permanent if permanent else self.runtime
        zone_name = None
        for arg in list(args):
            if arg.startswith("--zone="):
                zone_name = arg.split("=", 1)[1]
                args.remove(arg)
        out = ""
        for arg in args:
            flag, _sep, value = arg.partition("=")
            if flag == "--list-all-zones":
                out = "\n".join(info_zone(name, store[name]) for name in sorted(store))
            elif flag == "--reload":
                self.runtime = copy.deepcopy(self.permanent)
            elif flag == "--new-zone":
                if value in store:
                    return 26, "", f"Error: NAME_CONFLICT: {value}\n"
                store[value] = zone()
            elif flag == "--delete-zone":
                del store[value]
            elif zone_name not in store:
                return 112, "", f"Error: INVALID_ZONE: {zone_name}\n"
            elif flag == "--set-target":
                store[zone_name]["target"] = value
            elif flag.startswith(("--add-", "--change-")):
                attr = flag.split("-", 3)[-1] + "s"
                if value not in store[zone_name][attr]:
                    store[zone_name][attr].append(value)
            elif flag.startswith("--remove-"):
                attr = flag[len("--remove-") :] + "s"
                if value not in store[zone_name][attr]:
                    return 2, "", f"Warning: NOT_ENABLED: {value}\n"
                store[zone_name][attr].remove(value)
            else:  # pragma: no cover - a flag the module should not use
                raise AssertionError(f"unexpected firewall-cmd argument {arg}")
        return 0, out, ""

    def writes(self):
        return [c for c in self.calls if any(a.startswith(WRITE_FLAGS) for a in c[1:])]


class Failed(Exception):
    pass


class FakeModule:
    def __init__(self, fw, check_mode=False, diff=True, **params):
        self.fw = fw
        self.check_mode = check_mode
        self._diff = diff
        self.params = {
            "name": None if "zones" in params else "self-hosted",
            "zones": None,
            "state": "present",
            "sources": None,
            "ports": None,
            "services": None,
            "interfaces": None,
            "target": None,
            "purge": True,
        }
        self.params.update(params)
        self.warnings = []

    def get_bin_path(self, name):
        return self.fw.get_bin_path(name)

    def run_command(self, cmd):
        return self.fw.run_command(cmd)

    def fail_json(self, **kwargs):
        raise Failed(kwargs["msg"])

    def warn(self, msg):
        self.warnings.append(msg)


def run_with_module(fw, **params):
    module = FakeModule(fw, **params)
    return fz.run_module(module, fz.FirewallCmd(module)), module


def run(fw, **params):
    return run_with_module(fw, **params)[0]


STACK = {
    "sources": ["100.64.0.0/10", "172.30.0.0/24"],
    "ports": ["53/tcp", "53/udp", "80/tcp", "443/tcp"],
    "interfaces": ["tailscale0"],
    "services": [],
}


def test_creates_zone_reloads_once_and_is_idempotent():
    fw = FakeFirewalld({"public": zone(services=["ssh", "dhcpv6-client"])})
    result = run(fw, **STACK)
    assert result["changed"] is True
    assert result["created"] is True
    assert result["reloaded"] is True
    assert [c for c in fw.calls if "--reload" in c] == [["/usr/bin/firewall-cmd", "--reload"]]
    assert sorted(fw.permanent["self-hosted"]["sources"]) == STACK["sources"]
    assert sorted(fw.runtime["self-hosted"]["ports"]) == sorted(STACK["ports"])
    assert fw.runtime["self-hosted"]["interfaces"] == ["tailscale0"]
    assert result["added"]["permanent"]["ports"] == ["443/tcp", "53/tcp", "53/udp", "80/tcp"]

    fw.calls.clear()
    again = run(fw, **STACK)
    assert again["changed"] is False
    assert again["reloaded"] is False
    assert fw.writes() == []
    # A no-op costs two firewall-cmd runs (each is a Python start on the host).
    assert fw.calls == [
        ["/usr/bin/firewall-cmd", "--permanent", "--list-all-zones"],
        ["/usr/bin/firewall-cmd", "--list-all-zones"],
    ]


def test_fewer_sources_remove_exactly_the_dropped_one_without_reload():
    fw = FakeFirewalld({"self-hosted": zone(**{**STACK, "sources": [*STACK["sources"], "192.168.7.0/24"]})})
    result = run(fw, **STACK)
    assert result["changed"] is True
    assert result["reloaded"] is False
    assert result["removed"] == {
        "permanent": {"sources": ["192.168.7.0/24"]},
        "runtime": {"sources": ["192.168.7.0/24"]},
    }
    assert result["added"] == {"permanent": {}, "runtime": {}}
    assert fw.permanent["self-hosted"]["sources"] == STACK["sources"]
    assert fw.runtime["self-hosted"]["sources"] == STACK["sources"]
    assert not any("--reload" in c for c in fw.calls)


def test_runtime_only_drift_is_repaired():
    permanent = {"self-hosted": zone(**STACK)}
    runtime = {"self-hosted": zone(**{**STACK, "ports": ["8080/tcp"]})}
    fw = FakeFirewalld(permanent, runtime=runtime)
    result = run(fw, **STACK)
    assert result["changed"] is True
    assert result["added"]["permanent"] == {}
    assert result["removed"]["runtime"] == {"ports": ["8080/tcp"]}
    assert sorted(fw.runtime["self-hosted"]["ports"]) == sorted(STACK["ports"])


def test_check_mode_reports_and_writes_nothing():
    fw = FakeFirewalld({"self-hosted": zone(sources=["100.64.0.0/10", "10.9.0.0/16"], ports=["80/tcp"])})
    before = copy.deepcopy(fw.permanent)
    result = run(fw, check_mode=True, sources=["100.64.0.0/10"], ports=["80/tcp", "443/tcp"])
    assert result["changed"] is True
    assert result["diff"]["before"]["sources"] == ["10.9.0.0/16", "100.64.0.0/10"]
    assert result["diff"]["after"]["sources"] == ["100.64.0.0/10"]
    assert result["diff"]["after"]["ports"] == ["443/tcp", "80/tcp"]
    assert fw.writes() == []
    assert fw.permanent == before


def test_check_mode_for_a_new_zone_predicts_the_reload():
    fw = FakeFirewalld({})
    result = run(fw, check_mode=True, **STACK)
    assert result["changed"] is True
    assert result["created"] is True
    assert result["reloaded"] is True
    assert result["zone"]["sources"] == STACK["sources"]
    assert fw.writes() == []
    assert "self-hosted" not in fw.permanent


def test_check_mode_without_firewalld_warns_instead_of_failing():
    fw = FakeFirewalld({}, installed=False, running=False)
    result, module = run_with_module(fw, check_mode=True, **STACK)
    assert result["changed"] is True
    assert result["zone"]["ports"] == sorted(STACK["ports"])
    assert "not installed" in module.warnings[0]


def test_without_firewalld_a_real_run_fails_clearly():
    fw = FakeFirewalld({}, installed=False, running=False)
    with pytest.raises(Failed, match="firewall-cmd not found"):
        run(fw, **STACK)


def test_offline_uses_firewall_offline_cmd_for_the_permanent_config():
    fw = FakeFirewalld({"public": zone(services=["ssh"])}, running=False)
    result = run(fw, **STACK)
    assert result["changed"] is True
    assert result["running"] is False
    assert result["reloaded"] is False
    assert sorted(fw.permanent["self-hosted"]["ports"]) == sorted(STACK["ports"])
    writes = fw.writes()
    assert writes
    assert all(c[0] == "/usr/bin/firewall-offline-cmd" for c in writes)


def test_public_zone_keeps_only_ssh_and_unmanaged_items_stay():
    fw = FakeFirewalld({"public": zone(services=["ssh", "dhcpv6-client"], ports=["8080/tcp"], interfaces=["eth0"])})
    result = run(fw, name="public", services=["ssh"], ports=[])
    assert result["created"] is False
    assert fw.permanent["public"]["services"] == ["ssh"]
    assert fw.permanent["public"]["ports"] == []
    assert fw.permanent["public"]["interfaces"] == ["eth0"]
    assert fw.runtime["public"]["services"] == ["ssh"]


def test_purge_false_only_adds_and_target_change_reloads():
    fw = FakeFirewalld({"docker": zone(interfaces=["docker0", "br-1234"])})
    result = run(fw, name="docker", interfaces=["br-self-hosted"], target="ACCEPT", purge=False)
    assert result["changed"] is True
    assert result["reloaded"] is True
    assert fw.permanent["docker"]["target"] == "ACCEPT"
    assert sorted(fw.runtime["docker"]["interfaces"]) == ["br-1234", "br-self-hosted", "docker0"]
    assert result["removed"]["permanent"] == {}


def test_equal_spellings_are_no_change():
    fw = FakeFirewalld({"self-hosted": zone(sources=["100.101.102.103/32"], ports=["8000-8000/tcp"])})
    result = run(fw, sources=["100.101.102.103"], ports=["8000/tcp"])
    assert result["changed"] is False
    assert fw.writes() == []


def test_state_absent_deletes_and_reloads():
    fw = FakeFirewalld({"self-hosted": zone(**STACK)})
    result = run(fw, state="absent")
    assert result["changed"] is True
    assert result["deleted"] is True
    assert "self-hosted" not in fw.permanent
    assert "self-hosted" not in fw.runtime
    again = run(fw, state="absent")
    assert again["changed"] is False


def test_firewall_cmd_errors_are_reported():
    fw = FakeFirewalld({"self-hosted": zone(**STACK)})
    fw.permanent["self-hosted"]["ports"].append("9/tcp")
    fw.runtime["self-hosted"]["ports"].append("9/tcp")
    original = fw.run_command

    def broken(cmd):
        if any(a.startswith("--remove-port") for a in cmd):
            return 1, "", "Error: COMMAND_FAILED: nft said no"
        return original(cmd)

    fw.run_command = broken
    with pytest.raises(Failed, match="COMMAND_FAILED: nft said no"):
        run(fw, **STACK)


def test_a_mismatch_after_the_change_fails():
    fw = FakeFirewalld({"self-hosted": zone(sources=["100.64.0.0/10"])})
    original = fw.run_command

    def swallowing(cmd):
        # firewalld accepts the add but the zone does not show it afterwards
        if any(a.startswith("--change-source") for a in cmd):
            return 0, "", ""
        return original(cmd)

    fw.run_command = swallowing
    with pytest.raises(Failed, match=r"zone self-hosted \(permanent\) does not match"):
        run(fw, sources=["100.64.0.0/10", "10.0.0.0/8"])


def test_no_diff_key_without_diff_mode():
    fw = FakeFirewalld({})
    result = run(fw, diff=False, **STACK)
    assert "diff" not in result


# -- several zones in one run (zones:) ----------------------------------------
PUBLIC = {"name": "public", "services": ["ssh"], "ports": []}
DOCKER = {"name": "docker", "interfaces": ["docker0", "br-self-hosted"], "target": "ACCEPT", "purge": False}
ZONES = [{"name": "self-hosted", **STACK, "target": "default"}, PUBLIC, DOCKER]


def converged():
    return {
        "self-hosted": zone(**STACK),
        "public": zone(services=["ssh"], interfaces=["eth0"]),
        "docker": zone(target="ACCEPT", interfaces=["docker0", "br-self-hosted"]),
    }


def by_name(result):
    return {entry["name"]: entry for entry in result["zones"]}


def test_zones_first_run_creates_reconciles_and_reloads_once():
    fw = FakeFirewalld(
        {"public": zone(services=["ssh", "dhcpv6-client"], ports=["8080/tcp"]), "docker": zone(target="ACCEPT")}
    )
    result = run(fw, zones=ZONES)
    assert result["changed"] is True
    assert result["reloaded"] is True
    assert [c for c in fw.calls if "--reload" in c] == [["/usr/bin/firewall-cmd", "--reload"]]
    entries = by_name(result)
    assert list(entries) == ["self-hosted", "public", "docker"]
    assert entries["self-hosted"]["created"] is True
    assert entries["public"]["removed"]["permanent"] == {"ports": ["8080/tcp"], "services": ["dhcpv6-client"]}
    assert entries["docker"]["added"]["permanent"] == {"interfaces": ["br-self-hosted", "docker0"]}
    for layer in (fw.permanent, fw.runtime):
        assert sorted(layer["self-hosted"]["sources"]) == STACK["sources"]
        assert layer["public"]["services"] == ["ssh"]
        assert layer["public"]["ports"] == []
        assert sorted(layer["docker"]["interfaces"]) == ["br-self-hosted", "docker0"]
    assert "name" not in result


def test_zones_no_op_is_two_reads_whatever_the_number_of_zones():
    fw = FakeFirewalld(converged())
    result = run(fw, zones=ZONES)
    assert result["changed"] is False
    assert result["reloaded"] is False
    assert fw.writes() == []
    assert fw.calls == [
        ["/usr/bin/firewall-cmd", "--permanent", "--list-all-zones"],
        ["/usr/bin/firewall-cmd", "--list-all-zones"],
    ]
    assert by_name(result)["self-hosted"]["zone"]["ports"] == sorted(STACK["ports"])


def test_zones_drift_by_hand_is_repaired_in_place_in_the_drifted_zone_only():
    permanent = converged()
    permanent["public"]["ports"].append("8443/tcp")
    permanent["self-hosted"]["sources"].remove("172.30.0.0/24")
    runtime = converged()
    runtime["public"]["ports"].append("8443/tcp")
    runtime["self-hosted"]["sources"].remove("172.30.0.0/24")
    runtime["docker"]["interfaces"].append("br-0123456789ab")  # Docker's own, runtime only
    fw = FakeFirewalld(permanent, runtime=runtime)
    result = run(fw, zones=ZONES)
    assert result["changed"] is True
    assert result["reloaded"] is False
    entries = by_name(result)
    assert entries["public"]["removed"] == {"permanent": {"ports": ["8443/tcp"]}, "runtime": {"ports": ["8443/tcp"]}}
    assert entries["self-hosted"]["added"] == {
        "permanent": {"sources": ["172.30.0.0/24"]},
        "runtime": {"sources": ["172.30.0.0/24"]},
    }
    assert entries["docker"]["added"] == {"permanent": {}, "runtime": {}}
    assert entries["docker"]["removed"] == {"permanent": {}, "runtime": {}}
    assert fw.runtime["public"]["ports"] == []
    assert sorted(fw.runtime["self-hosted"]["sources"]) == STACK["sources"]
    # purge: false leaves what Docker added at runtime, and the check after the change accepts it.
    assert "br-0123456789ab" in fw.runtime["docker"]["interfaces"]
    assert not any(c[1:] and "--zone=docker" in c for c in fw.writes())


def test_zones_remove_everywhere_before_adding_so_an_interface_can_move():
    permanent = converged()
    permanent["public"]["interfaces"].append("tailscale0")
    permanent["self-hosted"]["interfaces"] = []
    fw = FakeFirewalld(permanent)
    zones = [{"name": "public", "services": ["ssh"], "interfaces": ["eth0"]}, {"name": "self-hosted", **STACK}]
    result = run(fw, zones=zones)
    assert result["changed"] is True
    writes = fw.writes()
    removal = writes.index(["/usr/bin/firewall-cmd", "--permanent", "--zone=public", "--remove-interface=tailscale0"])
    move = writes.index(["/usr/bin/firewall-cmd", "--permanent", "--zone=self-hosted", "--change-interface=tailscale0"])
    assert removal < move
    assert fw.runtime["public"]["interfaces"] == ["eth0"]
    assert fw.runtime["self-hosted"]["interfaces"] == ["tailscale0"]


def test_zones_check_mode_reports_per_zone_and_writes_nothing():
    permanent = converged()
    permanent["public"]["ports"].append("8443/tcp")
    fw = FakeFirewalld(permanent)
    result = run(fw, check_mode=True, zones=[*ZONES, {"name": "lab", "ports": ["9000/tcp"]}])
    assert result["changed"] is True
    assert result["reloaded"] is True  # the new zone
    assert fw.writes() == []
    assert "lab" not in fw.permanent
    assert result["diff"]["before"]["public"]["ports"] == ["8443/tcp"]
    assert result["diff"]["after"]["public"]["ports"] == []
    assert result["diff"]["before"]["lab"] == {}
    assert by_name(result)["lab"]["created"] is True


def test_zones_converged_check_mode_is_no_change():
    fw = FakeFirewalld(converged())
    result = run(fw, check_mode=True, zones=ZONES)
    assert result["changed"] is False
    assert result["diff"]["before"] == result["diff"]["after"]


def test_zones_without_firewalld_check_mode_warns_and_reports_every_zone():
    fw = FakeFirewalld({}, installed=False, running=False)
    result, module = run_with_module(fw, check_mode=True, zones=ZONES)
    assert result["changed"] is True
    assert [e["created"] for e in result["zones"]] == [True, True, True]
    assert len(module.warnings) == 1


def test_zones_offline_and_state_absent_and_top_level_purge():
    fw = FakeFirewalld(
        {"old": zone(ports=["1/tcp"]), "public": zone(services=["ssh", "mdns"])},
        running=False,
    )
    result = run(fw, purge=False, zones=[{"name": "old", "state": "absent"}, {"name": "public", "services": ["ssh"]}])
    assert result["changed"] is True
    assert result["running"] is False
    assert by_name(result)["old"]["deleted"] is True
    assert "old" not in fw.permanent
    # The top-level purge: false is the default of every zone.
    assert fw.permanent["public"]["services"] == ["ssh", "mdns"]
    assert all(c[0] == "/usr/bin/firewall-offline-cmd" for c in fw.writes())


def test_zones_listed_twice_fail():
    fw = FakeFirewalld(converged())
    with pytest.raises(Failed, match="public is listed twice"):
        run(fw, zones=[PUBLIC, PUBLIC])


def test_zones_is_exclusive_with_the_single_zone_options(run_module):
    result = run_module(fz.main, {"zones": [PUBLIC], "ports": ["80/tcp"]})
    assert result["failed"] is True
    assert "mutually exclusive" in result["msg"]
    result = run_module(fz.main, {"ports": ["80/tcp"]})
    assert result["failed"] is True
    assert "one of the following is required: name, zones" in result["msg"]
