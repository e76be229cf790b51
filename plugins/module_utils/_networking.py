# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The networking role's pre-flight: what its one read found, the zone plans and every input problem.

Plain functions (stdlib plus _zone_plan), called by the ``networking_preflight``
filter. ``preflight()`` turns the lines of the role's read command (``bin=``,
``pkg=``, ``daemon_json=``, ``policy_xml=``, ``network=``, ``ps=``, ``unit=``,
``front_door=``, ``have=``, ``zone=``) and the host's routes into the facts the tasks act on, plans
the three zones (``_zone_plan.build_zone_plan``) and returns every problem at
once, each naming the variable to edit.
"""

from __future__ import annotations

import base64
import json
import re
import xml.etree.ElementTree as ET

from ansible_collections.homelab.ai_stack.plugins.module_utils import _file_state, _shell
from ansible_collections.homelab.ai_stack.plugins.module_utils._inputs import bool_word, is_ip, list_input
from ansible_collections.homelab.ai_stack.plugins.module_utils._zone_plan import (
    ZonePlanError,
    build_zone_plan,
    dbus_zone_state,
    flatten_port_map,
    zones_in_place,
)

BRIDGE_RE = re.compile(r"^[A-Za-z0-9_.-]{1,15}$")
NETWORK_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
# The variables the plans' errors name, per zone (the role's inputs, and the ai_stack_* settings they default to).
VAR_NAMES = {
    "zone": {
        "ports": "networking_ports/networking_extra_ports",
        "sources": "networking_allowed_sources (ai_stack_allowed_sources)",
        "docker_subnet": "networking_docker_subnet (ai_stack_docker_subnet)",
        "interfaces": "networking_zone_interfaces (ai_stack_tailscale_interface)",
        "services": "networking_zone_services",
        "name": "networking_zone",
        "allow_public": "networking_allow_public_sources (ai_stack_allow_public_sources)",
    },
    "public": {
        "ports": "networking_public_ports",
        "services": "networking_public_services",
        "name": "networking_public_zone",
    },
    "lan": {
        "ports": "networking_public_ports",
        "sources": "networking_lan_sources (ai_stack_lan_sources)",
        "services": "networking_public_services",
        "name": "networking_lan_zone",
        "allow_public": "networking_allow_public_sources (ai_stack_allow_public_sources)",
    },
}
LIST_PREFIXES = ("bin", "pkg", "ps", "unit", "have", "zone")
# A port published on every address (docker ps' Ports column), for the audit of tasks/apply.yml.
OPEN_RE = re.compile(r"(0\.0\.0\.0|\[?::\]?):[0-9]")
# firewalld's unit as host_facts reports it when it is enabled and running.
UNIT_UP = {"active": "active", "enabled": "enabled"}


def _prefixed(lines, prefix):
    return [line[len(prefix) + 1 :] for line in lines if line.startswith(prefix + "=")]


def policy_current(xml_text, zone, subnet):
    """Whether the permanent forward policy (its XML file in /etc/firewalld/policies) is the role's.

    The role's: ingress from ``zone`` only, egress to ANY, and one rich rule accepting IPv4 from ``subnet``
    (what ``firewall-cmd --permanent --info-policy`` shows as ``rule family="ipv4" source address="<subnet>"
    accept``); firewalld writes it as ``<rule family="ipv4"><source address=".."/><accept/></rule>``.
    """
    try:
        root = ET.fromstring(xml_text)
    except ET.ParseError:
        return False
    rules = root.findall("rule")
    return (
        [e.get("name") for e in root.findall("ingress-zone")] == [zone]
        and [e.get("name") for e in root.findall("egress-zone")] == ["ANY"]
        and len(rules) == 1
        and rules[0].attrib == {"family": "ipv4"}
        and [(c.tag, c.attrib) for c in rules[0]] == [("source", {"address": subnet}), ("accept", {})]
    )


def _b64(text):
    try:
        return base64.b64decode(text or "").decode("utf-8")
    except ValueError:
        return ""


def read_lines(lines):
    """The facts in the read command's output lines."""
    lines = list(lines or [])
    kv = {}
    for line in lines:
        if "=" in line and not line.startswith(tuple(p + "=" for p in LIST_PREFIXES)):
            key, value = line.split("=", 1)
            kv[key] = value
    try:
        daemon = json.loads(_b64(kv.get("daemon_json"))) if kv.get("daemon_json") else {}
    except ValueError:
        daemon = {}
    binaries = _prefixed(lines, "bin")
    return {
        "docker_installed": "dockerd" in binaries,
        "firewalld_installed": "firewalld" in binaries,
        "installed_packages": [p.split()[-1] for p in _prefixed(lines, "pkg") if p.startswith("ii ") and p.split()],
        "daemon": daemon if isinstance(daemon, dict) else {},
        "policy_xml": _b64(kv.get("policy_xml")),
        "network": kv.get("network", "").split("|"),
        "published": _prefixed(lines, "ps"),
        "units": dict(u.split("=", 1) if "=" in u else (u, "") for u in _prefixed(lines, "unit")),
        "front_door_loaded": kv.get("front_door", "") == "loaded",
        # The files the role writes, for the files_in_place filter (module_utils/_file_state.py).
        "have": _file_state.parse(_prefixed(lines, "have")),
        "firewalld": read_zones(_prefixed(lines, "zone")),
    }


def read_zones(lines):
    """{"permanent": {name: state}, "runtime": {name: state}} of the read's ``zone=<layer> <name> <busctl JSON>``
    lines (dbus_zone_state; a zone firewalld did not answer for is left out)."""
    found = {"permanent": {}, "runtime": {}}
    for line in lines:
        layer, name, text = [*line.split(" ", 2), "", ""][:3]
        state = dbus_zone_state(text)
        if layer in found and state is not None:
            found[layer][name] = state
    return found


def zone_specs(data, zone_plan, public_plan, lan_plan):
    """firewalld_zone's O(zones): the stack's zone and the LAN zone exactly as planned (the LAN zone deleted
    without LAN sources), the public zone's services and ports (its interfaces and sources are left alone)
    when it is managed, and Docker's zone, where the role only adds its bridges (Docker owns that zone)."""
    zones = [dict(zone_plan, target="default")]
    if data["public"]["manage"]:
        zones.append({"name": public_plan["name"], "services": public_plan["services"], "ports": public_plan["ports"]})
    if lan_plan["sources"]:
        zones.append(dict(lan_plan, target="default"))
    else:
        zones.append({"name": data["lan"]["name"], "state": "absent"})
    docker = {"name": data["docker_zone"], "interfaces": list(data["docker_zone_interfaces"])}
    return [*zones, dict(docker, target="ACCEPT", purge=False)]


UNIT_STATES = ("enabled", "disabled", "static")


def units_todo(units, loaded, front_door, start_published):
    """Whether the front door's or the recovery's unit needs systemd (tasks/front_door_units.yml) although no
    file changed: a wanted unit not enabled (or the front door's table not loaded), an unwanted one still there.
    """
    door, recovery = units.get("ai-stack-front-door", ""), units.get("ai-stack-start-published", "")
    return bool(
        (front_door and (door != "enabled" or not loaded))
        or (start_published and recovery != "enabled")
        or (not front_door and door in UNIT_STATES)
        or (not start_published and recovery in UNIT_STATES)
    )


def reserved_networks(routes, bridge, pools, daemon_json):
    """The networks the Docker subnet must not overlap: routes (not the stack's bridge) and daemon pools."""
    reserved = {}
    for route in routes or []:
        dst = route.get("dst")
        if dst == "default" or route.get("dev") == bridge:
            continue
        reserved[f"the route to {dst} on {route.get('dev')}"] = str(dst).split(",")
    reserved[f"Docker's default-address-pools in {daemon_json}"] = pools
    return reserved


def _other_errors(data, zone_plan, lan_plan, docker_installed):
    zone, public = data["zone"]["name"], data["public"]["name"]
    manage_public = data["public"]["manage"]
    lan_zone, docker_zone = data["lan"]["name"], data["docker_zone"]
    bridge, network = data["docker_bridge"], data["docker_network"]
    lan_address, bind = data.get("lan_address") or "", data.get("bind_address")
    errors = []
    if manage_public and public == zone:
        errors.append(f"networking_public_zone: must differ from networking_zone ({zone})")
    if lan_zone in (zone, public, docker_zone):
        errors.append(f"networking_lan_zone: {lan_zone} must differ from the stack's, the public and Docker's zone")
    if zone_plan and lan_plan:
        shared = [s for s in lan_plan["sources"] if s in zone_plan["sources"]]
        if shared:
            errors.append(
                f"networking_lan_sources (ai_stack_lan_sources): {shared} are also sources of the stack's zone "
                "(a source can be in one zone only)"
            )
    if (
        lan_plan is not None
        and lan_address
        and (not is_ip(lan_address, 4) or not lan_plan["sources"] or lan_address == bind)
    ):
        errors.append(
            f"networking_lan_address (ai_stack_lan_address): '{lan_address}' must be an IPv4 address of the host on "
            "the LAN, other than the bind address, with networking_lan_sources set"
        )
    if docker_zone in (zone, public):
        errors.append(
            f"networking_docker_zone: {docker_zone} must differ from networking_zone and networking_public_zone"
        )
    if not BRIDGE_RE.match(str(bridge)):
        errors.append(f"networking_docker_bridge: {bridge} is not an interface name of at most 15 characters")
    if not NETWORK_RE.match(str(network)):
        errors.append(
            f"networking_docker_network (ai_stack_docker_network): {network} is not a valid Docker network name"
        )
    if (data.get("front_door") or data.get("start_published")) and not is_ip(bind, 4):
        errors.append(f"networking_bind_address (ai_stack_bind_address): {json.dumps(bind)} is not an IPv4 address")
    if not (docker_installed or data.get("check_mode")):
        errors.append("networking role: Docker is not installed (run homelab.ai_stack.docker first)")
    return errors


def _plan(errors, ports=None, **kwargs):
    try:
        return build_zone_plan(ports=flatten_port_map(ports), **kwargs)
    except ZonePlanError as exc:
        errors.append(str(exc))
        return None


def _bool(value):
    """A boolean input as Ansible's ``| bool`` reads it (``-e x=false`` arrives as the string 'false')."""
    return bool_word(value) is True if isinstance(value, str) else bool(value)


def role_data(inputs, **facts):
    """preflight()'s ``data`` from the role's inputs by name (``inputs``: every ``networking_*`` variable, as
    tasks/preflight.yml gives them) and ``facts`` (lines, routes, debian, packages, daemon_json, check_mode).

    The three zones' arguments are firewalld_zone_plan's; the LAN zone admits DNS plus what the public zone
    admits. Raises ValueError naming networking_lan_sources when it is not a list.
    """

    def i(name):
        return inputs.get("networking_" + name)

    try:
        lan_sources = list_input(i("lan_sources"))
    except ValueError as exc:
        raise ValueError(f"networking_lan_sources: {exc}") from None
    allow_public = _bool(i("allow_public_sources"))
    data = dict(facts)
    data.update(
        zone={
            "ports": {"stack": i("ports"), "extra": i("extra_ports")},
            "sources": i("allowed_sources"),
            "docker_subnet": i("docker_subnet"),
            "interfaces": i("zone_interfaces"),
            "services": i("zone_services"),
            "name": i("zone"),
            "allow_public": allow_public,
        },
        public={
            "manage": _bool(i("manage_public_zone")),
            "ports": i("public_ports"),
            "services": i("public_services"),
            "name": i("public_zone"),
        },
        lan={
            "ports": {"dns": ["53/tcp", "53/udp"], "public": i("public_ports")},
            "sources": lan_sources,
            "services": i("public_services"),
            "name": i("lan_zone"),
            "allow_public": allow_public,
        },
        front_door=_bool(i("front_door")),
        start_published=_bool(i("start_published")),
    )
    for key in ("docker_subnet", "docker_bridge", "docker_network", "docker_zone", "docker_zone_interfaces"):
        data[key] = i(key)
    data.update(lan_address=i("lan_address"), bind_address=i("bind_address"))
    return data


def preflight(data):
    """Facts, plans and errors of the networking role (see the networking_preflight filter's documentation).

    ``data``: ``lines`` (the read's stdout lines), ``routes`` (host_facts' routes),
    ``packages`` (the packages of this OS family), ``debian`` (bool), ``daemon_json``,
    ``zone`` / ``public`` / ``lan`` (build_zone_plan arguments; ``public.manage``; ``var_names``
    defaults to :data:`VAR_NAMES`),
    ``docker_subnet``, ``docker_bridge``, ``docker_network``, ``docker_zone``,
    ``docker_zone_interfaces``, ``lan_address``, ``bind_address``, ``front_door``, ``start_published``,
    ``check_mode``; or ``inputs`` (the role's variables by name) and the facts of role_data().
    """
    if "inputs" in data:
        data = role_data(**data)
    facts = read_lines(data.get("lines"))
    bridge, subnet = data.get("docker_bridge"), data.get("docker_subnet")
    network = facts.pop("network")
    facts["policy_current"] = policy_current(facts.pop("policy_xml"), data["zone"]["name"], subnet)
    facts["network_current"] = (
        len(network) == 3 and network[0] == "bridge" and network[1].split() == [subnet] and network[2] == bridge
    )
    packages = list(data.get("packages") or [])
    installed = facts["installed_packages"]
    facts["missing"] = [p for p in packages if p not in installed] if data.get("debian") else packages
    pools = [p.get("base") for p in facts["daemon"].get("default-address-pools") or [] if isinstance(p, dict)]
    facts["reserved"] = reserved_networks(data.get("routes"), bridge, pools, data.get("daemon_json"))
    errors = []
    zone_plan = _plan(errors, reserved=facts["reserved"], **dict({"var_names": VAR_NAMES["zone"]}, **data["zone"]))
    public = dict({"var_names": VAR_NAMES["public"]}, **data["public"])
    manage_public = public.pop("manage")
    public_plan = _plan(errors, **public) if manage_public else {}
    lan_plan = _plan(errors, **dict({"var_names": VAR_NAMES["lan"]}, **data["lan"]))
    errors += _other_errors(data, zone_plan, lan_plan, facts["docker_installed"])
    facts.update(zone_plan=zone_plan or {}, public_plan=public_plan or {}, lan_plan=lan_plan or {}, errors=errors)
    facts["units_todo"] = units_todo(
        facts["units"], facts["front_door_loaded"], bool(data.get("front_door")), bool(data.get("start_published"))
    )
    firewalld = facts.pop("firewalld")
    facts["zones"] = [] if errors else zone_specs(data, zone_plan, public_plan, lan_plan)
    # The zones' run is skipped when firewalld answered with every zone as wanted, in both configurations.
    facts["zones_current"] = bool(facts["zones"]) and zones_in_place(facts["zones"], **firewalld)
    facts["open_published"] = [p for p in facts["published"] if OPEN_RE.search(p)]
    facts["apply_needed"] = apply_needed(facts, data)
    failed = _shell.read_failure(
        "networking role: the read of the host (files/networking-read.sh)",
        data.get("read_rc"),
        data.get("lines"),
        data.get("read_stderr"),
    )
    if failed:  # the one error: the rest is guesswork
        facts["errors"] = [failed]
    return facts


def apply_needed(facts, data):
    """Whether tasks/apply.yml has anything to do besides the front door's files (judged by files_in_place in
    the include's condition): a package missing, firewalld not enabled and running (``firewalld_unit``: host_facts'
    unit), a zone, the policy or the network not as wanted, a unit of the front door or the recovery to
    (un)set, a Docker restart a killed run left pending (``pending_restarts``), a port to report."""
    return bool(
        facts["missing"]
        or (data.get("firewalld_unit") or {}) != UNIT_UP
        or not facts["zones_current"]
        or not facts["policy_current"]
        or not facts["network_current"]
        or facts["units_todo"]
        or "docker-restart" in (data.get("pending_restarts") or [])
        or facts["open_published"]
    )
