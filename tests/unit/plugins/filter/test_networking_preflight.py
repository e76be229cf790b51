# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import base64
import copy
import json
from pathlib import Path

import pytest

from ansible_collections.homelab.ai_stack.plugins.filter import firewalld as f
from ansible_collections.homelab.ai_stack.plugins.module_utils._networking import policy_current, preflight, read_lines

# The forward policy's permanent file on the demo host (tests/demo.sh, Debian 13, firewalld 2.3).
POLICY_XML = (Path(__file__).parent / "fixtures" / "networking" / "ai-stack-egress_deb13.xml").read_text("utf-8")
# The zones' part of the read (busctl calls to firewalld over D-Bus) on the converged demo host (Debian 13):
# the stack's zone, public and docker in both configurations, no LAN zone.
ZONE_LINES = (
    (Path(__file__).parent / "fixtures" / "networking" / "zones_busctl_deb13.txt").read_text("utf-8").splitlines()
)
DAEMON = {"default-address-pools": [{"base": "10.200.0.0/16", "size": 24}], "live-restore": True}
# The read of tasks/preflight.yml on the networking scenario's converged Debian 13 host.
LINES = [
    "bin=dockerd",
    "bin=firewalld",
    "pkg=ii  firewalld",
    "pkg=ii  python3-requests",
    "pkg=un  nftables",
    "daemon_json=" + base64.b64encode(json.dumps(DAEMON).encode()).decode(),
    "policy_xml=" + base64.b64encode(POLICY_XML.encode()).decode(),
    "network=bridge|172.30.0.0/24 |br-self-hosted",
    "ps=probe|100.100.1.1:80->8080/tcp",
    "ps=leaky|0.0.0.0:9000->9000/tcp",
    "unit=ai-stack-front-door=enabled",
    "unit=ai-stack-start-published=enabled",
    "front_door=loaded",
    "have=/etc/ai-stack d 755 root root",
]
ROUTES = [
    {"dst": "default", "dev": "eth0"},
    {"dst": "172.17.0.0/16", "dev": "docker0"},
    {"dst": "172.30.0.0/24", "dev": "br-self-hosted"},
    {"dst": "192.168.50.0/24", "dev": "lan-a"},
]
DATA = {
    "lines": LINES,
    "routes": ROUTES,
    "debian": True,
    "packages": ["firewalld", "python3-requests", "nftables"],
    "daemon_json": "/etc/docker/daemon.json",
    "zone": {
        "ports": {"stack": ["80/tcp", "443/tcp", "53/tcp", "53/udp"], "extra": []},
        "sources": ["100.64.0.0/10"],
        "docker_subnet": "172.30.0.0/24",
        "interfaces": ["tailscale0"],
        "services": [],
        "name": "self-hosted",
        "allow_public": False,
        "var_names": {"docker_subnet": "networking_docker_subnet (ai_stack_docker_subnet)"},
    },
    "public": {"manage": True, "ports": [], "services": ["ssh"], "name": "public", "var_names": {}},
    "lan": {
        "ports": {"dns": ["53/tcp", "53/udp"], "public": []},
        "sources": [],
        "services": ["ssh"],
        "name": "ai-stack-lan",
        "allow_public": False,
        "var_names": {"sources": "networking_lan_sources (ai_stack_lan_sources)"},
    },
    "docker_subnet": "172.30.0.0/24",
    "docker_bridge": "br-self-hosted",
    "docker_network": "self-hosted",
    "docker_zone": "docker",
    "docker_zone_interfaces": ["docker0", "br-self-hosted"],
    "lan_address": "",
    "bind_address": "100.100.1.1",
    "front_door": True,
    "start_published": True,
    "check_mode": False,
}


def data(**changes):
    result = copy.deepcopy(DATA)
    for key, value in changes.items():
        if isinstance(value, dict) and key in ("zone", "public", "lan"):
            result[key].update(value)
        else:
            result[key] = value
    return result


def test_the_read_of_a_converged_host():
    facts = preflight(data())
    assert facts["errors"] == []
    assert facts["docker_installed"] and facts["firewalld_installed"]
    assert facts["installed_packages"] == ["firewalld", "python3-requests"]
    assert facts["missing"] == ["nftables"]
    assert facts["daemon"] == DAEMON
    assert facts["policy_current"] and facts["network_current"] and facts["front_door_loaded"]
    assert facts["published"] == ["probe|100.100.1.1:80->8080/tcp", "leaky|0.0.0.0:9000->9000/tcp"]
    assert facts["units"] == {"ai-stack-front-door": "enabled", "ai-stack-start-published": "enabled"}
    assert facts["have"] == {"/etc/ai-stack": ["d", "755", "root", "root"]}
    assert facts["reserved"] == {
        "the route to 172.17.0.0/16 on docker0": ["172.17.0.0/16"],
        "the route to 192.168.50.0/24 on lan-a": ["192.168.50.0/24"],
        "Docker's default-address-pools in /etc/docker/daemon.json": ["10.200.0.0/16"],
    }
    assert facts["zone_plan"]["sources"] == ["100.64.0.0/10", "172.30.0.0/24"]
    assert facts["zone_plan"]["ports"] == ["53/tcp", "53/udp", "80/tcp", "443/tcp"]
    assert facts["public_plan"] == {"name": "public", "sources": [], "ports": [], "interfaces": [], "services": ["ssh"]}
    assert facts["lan_plan"]["sources"] == []


def test_a_fresh_host():
    facts = preflight(data(lines=["daemon_json=", "unit=ai-stack-front-door=", "unit=x=not-found"]))
    assert not facts["docker_installed"] and not facts["network_current"] and not facts["policy_current"]
    assert facts["missing"] == DATA["packages"]
    assert facts["daemon"] == {}
    assert facts["units"] == {"ai-stack-front-door": "", "x": "not-found"}
    assert facts["errors"] == ["networking role: Docker is not installed (run homelab.ai_stack.docker first)"]
    assert preflight(data(lines=[], check_mode=True))["errors"] == []


def test_other_os_families_install_their_whole_list():
    assert preflight(data(debian=False))["missing"] == DATA["packages"]


@pytest.mark.parametrize(
    "network",
    ["bridge|172.31.0.0/24 |br-self-hosted", "bridge|172.30.0.0/24 |br-other", "macvlan|172.30.0.0/24 |br-self-hosted"],
)
def test_a_network_made_otherwise_is_not_current(network):
    lines = [line for line in LINES if not line.startswith("network=")] + ["network=" + network]
    assert preflight(data(lines=lines))["network_current"] is False


def test_the_public_zone_is_not_planned_when_not_managed():
    assert preflight(data(public={"manage": False, "name": "self-hosted"}))["public_plan"] == {}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"zone": {"docker_subnet": "192.168.50.0/26"}}, "networking_docker_subnet (ai_stack_docker_subnet): "),
        ({"zone": {"docker_subnet": "10.200.3.0/24"}}, "default-address-pools in /etc/docker/daemon.json"),
        ({"lan": {"sources": ["8.8.8.0/24"]}}, "networking_lan_sources (ai_stack_lan_sources)"),
        ({"public": {"name": "self-hosted"}}, "networking_public_zone: must differ from networking_zone (self-hosted)"),
        ({"lan": {"name": "docker"}}, "networking_lan_zone: docker must differ"),
        ({"lan": {"sources": ["100.64.0.0/10"]}}, "are also sources of the stack's zone"),
        ({"lan_address": "192.168.77.1"}, "networking_lan_address (ai_stack_lan_address): '192.168.77.1'"),
        ({"lan_address": "100.100.1.1", "lan": {"sources": ["192.168.77.0/24"]}}, "other than the bind address"),
        ({"docker_zone": "public"}, "networking_docker_zone: public must differ"),
        (
            {"docker_bridge": "br-a-very-long-name", "routes": []},
            "networking_docker_bridge: br-a-very-long-name is not",
        ),
        ({"docker_network": "-bad"}, "networking_docker_network (ai_stack_docker_network): -bad is not"),
        ({"bind_address": ""}, 'networking_bind_address (ai_stack_bind_address): "" is not an IPv4 address'),
    ],
)
def test_each_problem_names_its_variable(changes, message):
    errors = preflight(data(**changes))["errors"]
    assert len(errors) == 1, errors
    assert message in errors[0]


def test_the_bind_address_matters_only_for_the_front_door_and_the_recovery():
    assert preflight(data(bind_address="", front_door=False, start_published=False))["errors"] == []


def test_every_problem_is_reported_at_once():
    errors = preflight(data(docker_zone="public", docker_network="-bad", bind_address="::1", lines=[]))["errors"]
    assert len(errors) == 4


def test_read_lines_ignores_a_broken_daemon_json():
    assert read_lines(["daemon_json=bm90IGpzb24="])["daemon"] == {}


def test_the_filter_flattens_port_maps_and_names_bad_ones():
    assert f.networking_preflight(data())["errors"] == []
    errors = f.networking_preflight(data(zone={"ports": {"stack": 80.5}}))["errors"]
    assert errors == ["firewalld_zone_plan: ports of 'stack' must be a list, got 80.5"]
    with pytest.raises(f.AnsibleFilterError, match="expects a mapping"):
        f.networking_preflight([])


@pytest.mark.parametrize(
    "edit",
    [
        lambda x: x.replace('name="self-hosted"', 'name="public"'),  # another ingress zone
        lambda x: x.replace('<egress-zone name="ANY"/>', '<egress-zone name="public"/>'),
        lambda x: x.replace("172.30.0.0/24", "172.30.9.0/24"),  # the subnet changed
        lambda x: x.replace("<accept/>", "<drop/>"),
        lambda x: x.replace("</policy>", '<rule family="ipv4"><source address="10.0.0.0/8"/><accept/></rule></policy>'),
        lambda x: x.replace('<ingress-zone name="self-hosted"/>', ""),
        lambda x: x[:40],  # not XML
    ],
)
def test_a_policy_that_differs_is_not_current(edit):
    assert policy_current(POLICY_XML, "self-hosted", "172.30.0.0/24")
    assert not policy_current(edit(POLICY_XML), "self-hosted", "172.30.0.0/24")


def test_without_var_names_the_errors_name_the_role_variables():
    plain = data()
    for zone in ("zone", "public", "lan"):
        plain[zone].pop("var_names")
    plain["zone"]["sources"] = ["8.8.8.0/24"]
    plain["lan"]["sources"] = ["9.9.9.0/24"]
    errors = preflight(plain)["errors"]
    assert any("networking_allowed_sources (ai_stack_allowed_sources)" in e for e in errors), errors
    assert any("networking_lan_sources (ai_stack_lan_sources)" in e for e in errors), errors


def _zone_line(layer, name, edit=None):
    """The recorded line of a zone, its settings edited by ``edit`` (a function of the settings dict)."""
    (line,) = [z for z in ZONE_LINES if z.startswith(f"zone={layer} {name} ")]
    if edit is None:
        return line
    answer = json.loads(line.split(" ", 2)[2])
    edit(answer["data"][0])
    return f"zone={layer} {name} {json.dumps(answer)}"


def _zones(*replace):
    """The recorded zone lines with some replaced: (layer, name, edit or None to drop the line)."""
    lines = list(ZONE_LINES)
    for layer, name, edit in replace:
        lines.remove(_zone_line(layer, name))
        if edit is not None:
            lines.append(_zone_line(layer, name, edit))
    return data(lines=LINES + lines)


def test_the_zones_of_the_converged_host_are_in_place():
    facts = preflight(data(lines=LINES + ZONE_LINES))
    assert facts["zones_current"] is True
    assert facts["zones"] == [
        {
            "name": "self-hosted",
            "sources": ["100.64.0.0/10", "172.30.0.0/24"],
            "ports": ["53/tcp", "53/udp", "80/tcp", "443/tcp"],
            "interfaces": ["tailscale0"],
            "services": [],
            "target": "default",
        },
        {"name": "public", "services": ["ssh"], "ports": []},
        {"name": "ai-stack-lan", "state": "absent"},
        {"name": "docker", "interfaces": ["docker0", "br-self-hosted"], "target": "ACCEPT", "purge": False},
    ]
    # Without the zones' lines (firewalld not running, or not installed) the zones' run is not skipped.
    assert preflight(data())["zones_current"] is False


def _add(key, value, kind="as"):
    def edit(settings):
        settings.setdefault(key, {"type": kind, "data": []})["data"].append(value)

    return edit


def _drop(key):
    return lambda settings: settings.pop(key)


@pytest.mark.parametrize(
    "replace",
    [
        # A port added by hand to the runtime only (firewall-cmd without --permanent).
        [("runtime", "public", _add("ports", ["8443", "tcp"], "a(ss)"))],
        [("permanent", "public", _add("services", "http"))],
        [("runtime", "self-hosted", lambda s: s["sources"]["data"].remove("172.30.0.0/24"))],
        [("permanent", "self-hosted", _drop("interfaces"))],
        [("permanent", "docker", lambda s: s["interfaces"]["data"].remove("br-self-hosted"))],
        [("runtime", "docker", lambda s: s.update(target={"type": "s", "data": "default"}))],
        [("permanent", "self-hosted", lambda s: s.update(target={"type": "s", "data": "DROP"}))],
        # The stack's zone made permanently but not in the runtime yet (no reload), or gone.
        [("runtime", "self-hosted", None)],
        [("permanent", "self-hosted", None)],
    ],
)
def test_a_zone_changed_by_hand_is_not_in_place(replace):
    assert preflight(_zones(*replace))["zones_current"] is False


def test_what_docker_adds_to_its_zone_and_the_public_zones_interfaces_are_left_alone():
    facts = preflight(
        _zones(
            ("runtime", "docker", _add("interfaces", "br-0123456789ab")),
            ("permanent", "public", _add("interfaces", "eth0")),
        )
    )
    assert facts["zones_current"] is True


def test_a_lan_zone_is_planned_or_must_be_gone():
    lan_line = _zone_line("permanent", "self-hosted").replace(" self-hosted ", " ai-stack-lan ")
    assert preflight(data(lines=LINES + ZONE_LINES + [lan_line]))["zones_current"] is False
    facts = preflight(data(lan={"sources": ["192.168.50.0/24"]}, lines=LINES + ZONE_LINES))
    assert facts["zones"][2]["name"] == "ai-stack-lan" and facts["zones"][2]["sources"] == ["192.168.50.0/24"]
    assert facts["zones_current"] is False


def test_no_zones_are_planned_with_input_errors():
    facts = preflight(data(docker_zone="public", lines=LINES + ZONE_LINES))
    assert facts["zones"] == [] and facts["zones_current"] is False


def test_the_public_zone_is_not_listed_when_not_managed():
    facts = preflight(data(public={"manage": False, "name": "public"}, lines=LINES + ZONE_LINES))
    assert [z["name"] for z in facts["zones"]] == ["self-hosted", "ai-stack-lan", "docker"]
    assert facts["zones_current"] is True


# The role's inputs by name, as tasks/preflight.yml gives them (the defaults resolved on the demo host;
# the booleans as `-e` gives them: strings).
INPUTS = {
    "networking_zone": "self-hosted",
    "networking_zone_interfaces": ["tailscale0"],
    "networking_allowed_sources": ["100.64.0.0/10"],
    "networking_allow_public_sources": "false",
    "networking_ports": ["80/tcp", "443/tcp", "53/tcp", "53/udp"],
    "networking_extra_ports": [],
    "networking_zone_services": [],
    "networking_manage_public_zone": "true",
    "networking_public_zone": "public",
    "networking_public_services": ["ssh"],
    "networking_public_ports": [],
    "networking_lan_zone": "ai-stack-lan",
    "networking_lan_sources": "",
    "networking_lan_address": "",
    "networking_docker_network": "self-hosted",
    "networking_docker_subnet": "172.30.0.0/24",
    "networking_docker_bridge": "br-self-hosted",
    "networking_docker_zone": "docker",
    "networking_docker_zone_interfaces": ["docker0", "br-self-hosted"],
    "networking_front_door": "True",
    "networking_bind_address": "100.100.1.1",
    "networking_start_published": True,
    "networking_audit_published_ports": True,
}
FACTS = {k: DATA[k] for k in ("lines", "routes", "debian", "packages", "daemon_json", "check_mode")}


def _without_var_names(result):
    for zone in ("zone", "public", "lan"):
        result[zone].pop("var_names", None)
    return result


def test_the_inputs_by_name_plan_as_the_explicit_data():
    lines = LINES + ZONE_LINES
    by_name = f.networking_preflight(dict(FACTS, lines=lines, inputs=INPUTS))
    assert by_name == preflight(_without_var_names(data(lines=lines)))
    assert by_name["zones_current"] is True and by_name["errors"] == []


def test_inputs_by_name_read_booleans_and_lan_sources_as_given_on_the_command_line():
    facts = preflight(dict(FACTS, inputs=dict(INPUTS, networking_manage_public_zone="no")))
    assert facts["public_plan"] == {}
    lan = preflight(dict(FACTS, inputs=dict(INPUTS, networking_lan_sources="192.168.50.0/24, 192.168.60.0/24")))
    assert lan["lan_plan"]["sources"] == ["192.168.50.0/24", "192.168.60.0/24"]
    off = preflight(
        dict(
            FACTS,
            inputs=dict(
                INPUTS, networking_front_door="false", networking_start_published="0", networking_bind_address=""
            ),
        )
    )
    assert off["errors"] == []
    with pytest.raises(f.AnsibleFilterError, match="networking_lan_sources: '\\[1' starts like JSON"):
        f.networking_preflight(dict(FACTS, inputs=dict(INPUTS, networking_lan_sources="[1")))


@pytest.mark.parametrize(
    ("units", "loaded", "front_door", "start_published", "todo"),
    [
        ({"ai-stack-front-door": "enabled", "ai-stack-start-published": "enabled"}, True, True, True, False),
        ({"ai-stack-front-door": "enabled", "ai-stack-start-published": "enabled"}, False, True, True, True),
        ({"ai-stack-front-door": "disabled", "ai-stack-start-published": "enabled"}, True, True, True, True),
        ({"ai-stack-front-door": "enabled", "ai-stack-start-published": ""}, True, True, True, True),
        ({"ai-stack-front-door": "", "ai-stack-start-published": "not-found"}, False, False, False, False),
        ({"ai-stack-front-door": "disabled", "ai-stack-start-published": ""}, False, False, False, True),
        ({"ai-stack-front-door": "", "ai-stack-start-published": "static"}, False, False, False, True),
    ],
)
def test_the_units_need_systemd_only_when_not_as_wanted(units, loaded, front_door, start_published, todo):
    lines = [f"unit={name}={state}" for name, state in units.items()] + (["front_door=loaded"] if loaded else [])
    facts = preflight(data(lines=lines, front_door=front_door, start_published=start_published, check_mode=True))
    assert facts["units_todo"] is todo


# The read of a converged host: every package, no port open on every address, the zones in place; firewalld's
# unit as host_facts reports it, no restart pending.
CONVERGED = [
    *(line for line in LINES if not line.startswith(("pkg=un", "ps=leaky"))),
    "pkg=ii  nftables",
    *ZONE_LINES,
]
UP = {"active": "active", "enabled": "enabled"}


def test_a_converged_host_has_nothing_to_apply():
    facts = preflight(data(lines=CONVERGED, firewalld_unit=UP, pending_restarts=[]))
    assert facts["errors"] == [] and facts["open_published"] == []
    assert facts["apply_needed"] is False


@pytest.mark.parametrize(
    "changes",
    [
        {"lines": [line for line in CONVERGED if line != "pkg=ii  nftables"]},  # a package missing
        {"firewalld_unit": {"active": "inactive", "enabled": "enabled"}},
        {"firewalld_unit": {}},  # host_facts did not see the unit
        {"pending_restarts": ["docker-restart"]},  # a Docker restart a killed run left
        {"lines": [line for line in CONVERGED if not line.startswith("zone=runtime self-hosted")]},
        {"lines": [line for line in CONVERGED if not line.startswith("policy_xml=")]},
        {"lines": [line for line in CONVERGED if not line.startswith("network=")]},
        {"lines": [line for line in CONVERGED if line != "front_door=loaded"]},
        {"lines": [*CONVERGED, "ps=leaky|0.0.0.0:9000->9000/tcp"]},
        {"start_published": False},  # the recovery's unit is still enabled
    ],
)
def test_anything_out_of_place_makes_the_apply_run(changes):
    base = {"lines": CONVERGED, "firewalld_unit": UP, "pending_restarts": []}
    assert preflight(data(**dict(base, **changes)))["apply_needed"] is True


def test_ports_open_on_every_address_are_reported():
    lines = [*CONVERGED, "ps=leaky|0.0.0.0:9000->9000/tcp", "ps=v6|[::]:53->53/udp", "ps=ok|127.0.0.1:8080->80/tcp"]
    facts = preflight(data(lines=lines, firewalld_unit=UP))
    assert facts["open_published"] == ["leaky|0.0.0.0:9000->9000/tcp", "v6|[::]:53->53/udp"]


def test_a_failed_read_is_the_one_error():
    facts = preflight(
        data(lines=["bin=dockerd"], read_rc=127, read_stderr="env: '/bin/bash': No such file or directory")
    )
    assert facts["errors"] == [
        "networking role: the read of the host (files/networking-read.sh) failed with rc 127: bin=dockerd | "
        "env: '/bin/bash': No such file or directory"
    ]
    assert preflight(data(lines=CONVERGED, read_rc=0))["errors"] == []
