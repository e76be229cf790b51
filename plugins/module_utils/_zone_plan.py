# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Firewalld zone planning: from the stack's sources and ports to one exact zone state.

Plain Python (stdlib ``ipaddress`` only) because the same normalisation runs on
the controller (the ``firewalld_zone_plan`` filter) and on the target (the
``firewalld_zone`` module compares firewalld's lists with the plan): both sides
must agree on what "the same port" or "the same source" means, or the module
would never be idempotent.
"""

from __future__ import annotations

import ipaddress
import json
import re

PROTOCOLS = ("tcp", "udp", "sctp", "dccp")
DEFAULT_PROTOCOL = "tcp"

# Tailscale hands out addresses from the CGNAT block (and a ULA /48 for IPv6).
TAILSCALE_RANGES = ("100.64.0.0/10", "fd7a:115c:a1e0::/48")

# What counts as "not public". Written out instead of relying on
# ipaddress.is_global/is_private, whose answers changed between Python
# releases (3.11.10/3.12.4 reclassified several blocks).
NON_PUBLIC_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in (
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "fc00::/7",
        "fe80::/10",
        "::1/128",
    )
)

RFC1918_NETWORKS = tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))

# firewalld refuses longer zone names (its nftables/iptables chain names are
# built from them).
_ZONE_NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,17}$")
# Linux interface names: at most 15 bytes, no '/', no whitespace.
_INTERFACE_RE = re.compile(r"^[A-Za-z0-9_.:@-]{1,15}$")
_SERVICE_RE = re.compile(r"^[A-Za-z0-9_.+-]{1,64}$")
_PORT_RE = re.compile(r"^\s*(?P<start>\d+)\s*(?:-\s*(?P<end>\d+)\s*)?(?:/\s*(?P<proto>[A-Za-z]+)\s*)?$")


class ZonePlanError(ValueError):
    """Raised for any input the plan refuses; the message names the variable."""


# --------------------------------------------------------------------------
# sources
# --------------------------------------------------------------------------
def parse_network(value, var_name):
    """Return an ip_network for an address or CIDR, refusing host bits."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ZonePlanError(f"{var_name}: {value!r} is not an IP address or CIDR string")
    text = str(value).strip()
    if not text:
        raise ZonePlanError(f"{var_name}: empty string is not an IP address or CIDR")
    try:
        return ipaddress.ip_network(text, strict=True)
    except ValueError as exc:
        try:
            loose = ipaddress.ip_network(text, strict=False)
        except ValueError:
            raise ZonePlanError(f"{var_name}: {text!r} is not a valid IP address or CIDR ({exc})") from None
        raise ZonePlanError(f"{var_name}: {text!r} has host bits set; did you mean {loose.with_prefixlen!r}?") from None


def format_network(network):
    """firewalld style: bare address for a single host, CIDR otherwise."""
    if network.prefixlen == network.max_prefixlen:
        return str(network.network_address)
    return network.with_prefixlen


def is_public(network):
    """True unless the whole network lies inside one of NON_PUBLIC_NETWORKS."""
    return not any(network.version == block.version and network.subnet_of(block) for block in NON_PUBLIC_NETWORKS)


def overlaps(a, b):
    return a.version == b.version and a.overlaps(b)


def collapse(networks):
    """Merge overlapping and adjacent networks; sorted, IPv4 before IPv6."""
    v4 = [n for n in networks if n.version == 4]
    v6 = [n for n in networks if n.version == 6]
    return sorted(ipaddress.collapse_addresses(v4)) + sorted(ipaddress.collapse_addresses(v6))


def normalize_sources(values, var_name, allow_public=False, public_var="ai_stack_allow_public_sources"):
    """Validate and merge a list of sources; returns a list of ip_network."""
    if values is None:
        return []
    if isinstance(values, (str, bytes)) or not isinstance(values, (list, tuple)):
        raise ZonePlanError(f"{var_name}: must be a list of IP addresses or CIDRs, got {type(values).__name__}")
    networks = []
    for item in values:
        net = parse_network(item, var_name)
        if net.prefixlen == 0 and not allow_public:
            # A /0 source matches every packet before interface zones are
            # consulted, so it silently replaces the public zone too.
            raise ZonePlanError(
                f"{var_name}: {net.with_prefixlen} admits the whole Internet and overrides every other zone; "
                f"list the networks that should reach the stack (or set {public_var} to true)"
            )
        if not allow_public and is_public(net):
            raise ZonePlanError(
                f"{var_name}: {net.with_prefixlen} is a public range; only private, CGNAT (Tailscale) and "
                f"link-local networks are accepted unless {public_var} is true"
            )
        networks.append(net)
    return collapse(networks)


# --------------------------------------------------------------------------
# ports
# --------------------------------------------------------------------------
def _check_port(number, spec, var_name):
    if not 1 <= number <= 65535:
        raise ZonePlanError(f"{var_name}: port {number} in {spec!r} is outside 1-65535")
    return number


def _check_protocol(proto, spec, var_name):
    proto = str(proto).strip().lower()
    if proto not in PROTOCOLS:
        raise ZonePlanError(f"{var_name}: protocol {proto!r} in {spec!r} is not one of {', '.join(PROTOCOLS)}")
    return proto


def parse_port(spec, var_name):
    """One port spec -> list of (start, end, protocol).

    Accepted: 443, "443", "53/udp", "8000-8010/tcp", {"port": 53, "protocol": "udp"},
    {"port": "53", "protocol": ["tcp", "udp"]}. Without a protocol: tcp.
    """
    if isinstance(spec, dict):
        unknown = set(spec) - {"port", "protocol", "protocols"}
        if unknown or "port" not in spec:
            raise ZonePlanError(
                f"{var_name}: {spec!r} must have a 'port' key and optionally 'protocol' (string or list)"
            )
        protos = spec.get("protocol", spec.get("protocols", DEFAULT_PROTOCOL))
        if isinstance(protos, str):
            protos = [protos]
        if not isinstance(protos, (list, tuple)) or not protos:
            raise ZonePlanError(f"{var_name}: protocol of {spec!r} must be a string or a non-empty list")
        port = spec["port"]
        if isinstance(port, str) and "/" in port:
            raise ZonePlanError(f"{var_name}: {spec!r} gives the protocol twice; use 'port' without '/proto'")
        result = []
        for proto in protos:
            result.extend(parse_port(f"{port}/{proto}", var_name))
        return result
    if isinstance(spec, bool) or not isinstance(spec, (int, str)):
        raise ZonePlanError(f"{var_name}: {spec!r} is not a port spec (443, '53/udp', '8000-8010/tcp')")
    match = _PORT_RE.match(str(spec))
    if not match:
        raise ZonePlanError(f"{var_name}: {spec!r} is not a port spec (443, '53/udp', '8000-8010/tcp')")
    start = _check_port(int(match.group("start")), spec, var_name)
    end = _check_port(int(match.group("end") or start), spec, var_name)
    if end < start:
        raise ZonePlanError(f"{var_name}: range {spec!r} ends before it starts")
    proto = _check_protocol(match.group("proto") or DEFAULT_PROTOCOL, spec, var_name)
    return [(start, end, proto)]


def merge_port_ranges(ranges):
    """Merge overlapping ranges of the same protocol.

    Only overlapping ranges merge, not merely adjacent ones: that is what
    firewalld itself does when a port is added (functions.coalescePortRange),
    so the plan reads back from firewalld exactly as it was written.
    """
    merged = []
    for proto in sorted({r[2] for r in ranges}, key=PROTOCOLS.index):
        current = None
        for start, end in sorted((s, e) for s, e, p in ranges if p == proto):
            if current and start <= current[1]:
                current[1] = max(current[1], end)
                continue
            if current:
                merged.append((current[0], current[1], proto))
            current = [start, end]
        if current:
            merged.append((current[0], current[1], proto))
    # ordered by port then protocol: the order firewall-cmd users expect to read.
    return sorted(merged, key=lambda r: (r[0], r[1], PROTOCOLS.index(r[2])))


def format_port(start, end, proto):
    return f"{start}/{proto}" if start == end else f"{start}-{end}/{proto}"


def normalize_ports(values, var_name):
    """Validate, merge and format a list of port specs ("53/udp", ...)."""
    if values is None:
        return []
    if isinstance(values, (str, int, dict)) or not isinstance(values, (list, tuple)):
        raise ZonePlanError(f"{var_name}: must be a list of port specs, got {type(values).__name__}")
    ranges = []
    for spec in values:
        ranges.extend(parse_port(spec, var_name))
    return [format_port(*r) for r in merge_port_ranges(ranges)]


# --------------------------------------------------------------------------
# names
# --------------------------------------------------------------------------
def _normalize_names(values, var_name, pattern, what):
    if values is None:
        return []
    if isinstance(values, (str, bytes)) or not isinstance(values, (list, tuple)):
        raise ZonePlanError(f"{var_name}: must be a list of {what}s, got {type(values).__name__}")
    names = set()
    for item in values:
        if not isinstance(item, str) or not pattern.match(item):
            raise ZonePlanError(f"{var_name}: {item!r} is not a valid {what}")
        names.add(item)
    return sorted(names)


def normalize_interfaces(values, var_name):
    return _normalize_names(values, var_name, _INTERFACE_RE, "network interface name (at most 15 characters)")


def normalize_services(values, var_name):
    return _normalize_names(values, var_name, _SERVICE_RE, "firewalld service name")


def check_zone_name(name, var_name):
    if not isinstance(name, str) or not _ZONE_NAME_RE.match(name):
        raise ZonePlanError(
            f"{var_name}: {name!r} is not a valid firewalld zone name (1-17 letters, digits, '_' or '-')"
        )
    return name


# --------------------------------------------------------------------------
# the plan
# --------------------------------------------------------------------------
def check_subnet_free(subnet, reserved, var_name):
    """Refuse `subnet` when it overlaps any network in `reserved`.

    `reserved` maps a human label (e.g. "the Docker daemon's default-address-pools")
    to a list of CIDRs; the first overlap is reported with its label.
    """
    for label, networks in (reserved or {}).items():
        for item in networks or []:
            try:
                other = ipaddress.ip_network(str(item).strip(), strict=False)
            except ValueError:
                raise ZonePlanError(f"{var_name}: cannot compare with {item!r} from {label}: not a CIDR") from None
            if overlaps(subnet, other):
                raise ZonePlanError(f"{var_name}: {subnet.with_prefixlen} overlaps {other.with_prefixlen} ({label})")


def flatten_port_map(ports):
    """A list of port specs, or a mapping owner -> list (the stack's port map), as one list."""
    if ports is None:
        return []
    if isinstance(ports, dict):
        flat = []
        for owner, specs in ports.items():
            if specs is None:
                continue
            if isinstance(specs, (str, int, dict)):
                specs = [specs]
            if not isinstance(specs, (list, tuple)):
                raise ZonePlanError(f"firewalld_zone_plan: ports of {owner!r} must be a list, got {specs!r}")
            flat.extend(specs)
        return flat
    return ports


def build_zone_plan(
    ports=None,
    sources=None,
    docker_subnet=None,
    interfaces=None,
    services=None,
    name="self-hosted",
    allow_public=False,
    tailscale_ranges=TAILSCALE_RANGES,
    reserved=None,
    var_names=None,
):
    """Return the exact state of one zone as a dict of sorted, canonical lists.

    ``var_names`` maps each argument to the user-facing variable it came from,
    so error messages point at what the user has to edit.
    """
    names = {
        "ports": "ports",
        "sources": "sources",
        "docker_subnet": "docker_subnet",
        "interfaces": "interfaces",
        "services": "services",
        "name": "name",
        "allow_public": "allow_public",
    }
    names.update(var_names or {})

    check_zone_name(name, names["name"])
    if not isinstance(allow_public, bool):
        raise ZonePlanError(f"{names['allow_public']}: must be true or false, got {allow_public!r}")
    allowed = normalize_sources(sources, names["sources"], allow_public=allow_public, public_var=names["allow_public"])
    zone_sources = list(allowed)

    if docker_subnet not in (None, ""):
        subnet = parse_network(docker_subnet, names["docker_subnet"])
        if subnet.version != 4 or not any(subnet.subnet_of(block) for block in RFC1918_NETWORKS):
            raise ZonePlanError(
                f"{names['docker_subnet']}: {subnet.with_prefixlen} must be a private IPv4 network (RFC 1918)"
            )
        if subnet.prefixlen > 29:
            raise ZonePlanError(
                f"{names['docker_subnet']}: {subnet.with_prefixlen} is too small for a Docker network "
                "(use /29 or larger)"
            )
        check_subnet_free(subnet, {"Tailscale's range": tailscale_ranges}, names["docker_subnet"])
        for net in allowed:
            if overlaps(subnet, net):
                raise ZonePlanError(
                    f"{names['docker_subnet']}: {subnet.with_prefixlen} overlaps {net.with_prefixlen} from "
                    f"{names['sources']}; containers and clients would share addresses"
                )
        check_subnet_free(subnet, reserved, names["docker_subnet"])
        zone_sources.append(subnet)

    return {
        "name": name,
        "sources": [format_network(n) for n in collapse(zone_sources)],
        "ports": normalize_ports(ports, names["ports"]),
        "interfaces": normalize_interfaces(interfaces, names["interfaces"]),
        "services": normalize_services(services, names["services"]),
    }


def canonical_sources(values):
    """firewalld's current sources, comparable with a plan (no validation).

    Returns {canonical: original} so the module can remove an entry by the
    exact string firewalld knows it by.
    """
    result = {}
    for item in values:
        try:
            key = format_network(ipaddress.ip_network(item, strict=False))
        except ValueError:
            # MAC addresses and ipset:NAME sources are kept verbatim.
            key = item
        result.setdefault(key, item)
    return result


def canonical_ports(values):
    """firewalld's current ports as {canonical: original}."""
    result = {}
    for item in values:
        try:
            ((start, end, proto),) = parse_port(item, "ports")
            key = format_port(start, end, proto)
        except ZonePlanError:
            key = item
        result.setdefault(key, item)
    return result


# --------------------------------------------------------------------------
# reconciliation (used by the firewalld_zone module)
# --------------------------------------------------------------------------
ATTRIBUTES = ("sources", "ports", "services", "interfaces")
_CANONICAL = {
    "sources": canonical_sources,
    "ports": canonical_ports,
    "services": lambda values: {v: v for v in values},
    "interfaces": lambda values: {v: v for v in values},
}


def zone_changes(current, desired, purge=True):
    """What to add and remove so that `current` becomes `desired`.

    Both are dicts of attribute -> list of strings as firewall-cmd prints them;
    an attribute missing from `desired` (or None) is not managed. With
    purge=False nothing is removed (the listed items are only ensured).
    Returns {"add": {attr: [...]}, "remove": {attr: [...]}} with the strings
    to hand to firewall-cmd (removals use firewalld's own spelling).
    """
    add, remove = {}, {}
    for attr in ATTRIBUTES:
        wanted = desired.get(attr)
        if wanted is None:
            continue
        have = _CANONICAL[attr](current.get(attr) or [])
        want = _CANONICAL[attr](wanted)
        to_add = sorted(k for k in want if k not in have)
        to_remove = sorted(have[k] for k in have if k not in want) if purge else []
        if to_add:
            add[attr] = to_add
        if to_remove:
            remove[attr] = to_remove
    return {"add": add, "remove": remove}


def apply_changes(current, changes):
    """The state `current` would have after `changes` (for check mode and diff)."""
    after = {}
    for attr in ATTRIBUTES:
        values = list(current.get(attr) or [])
        removed = set(changes["remove"].get(attr, []))
        values = [v for v in values if v not in removed] + list(changes["add"].get(attr, []))
        after[attr] = sorted(_CANONICAL[attr](values))
    return after


_INFO_LINE = re.compile(r"^  (target|sources|ports|services|interfaces):[ \t]*(.*)$")


def parse_zone_info(text):
    """One zone's state from ``firewall-cmd [--permanent] --info-zone=NAME``.

    One call instead of one ``--list-*`` per attribute (every firewall-cmd run
    is a Python start on the host). firewalld prints ``<name> (...)`` and then
    ``  key: value value`` lines; rich rules follow on tab-indented lines and
    are not read. Returns {attr: [...], "target": str} for ATTRIBUTES.
    """
    state = {attr: [] for attr in ATTRIBUTES}
    state["target"] = "default"
    for line in text.splitlines():
        match = _INFO_LINE.match(line)
        if not match:
            continue
        key, value = match.groups()
        if key == "target":
            state["target"] = value.strip() or "default"
        else:
            state[key] = value.split()
    return state


def zone_blocks(text):
    """{zone: [line]} of ``firewall-cmd [--permanent] --list-all-zones``.

    Each zone starts with an unindented ``<name>`` or ``<name> (default, active)``
    line; the lines after it, up to the next zone, are its block.
    """
    blocks = {}
    name = None
    for line in text.splitlines():
        if line.strip() and not line[0].isspace():
            name = line.split()[0]
            blocks[name] = []
        elif name is not None:
            blocks[name].append(line)
    return blocks


def parse_zones_info(text):
    """Every zone's state from ``firewall-cmd [--permanent] --list-all-zones``.

    One call for all zones: each zone prints as ``--info-zone`` does.
    Returns {name: state} with the states of parse_zone_info.
    """
    return {zone: parse_zone_info("\n".join(lines)) for zone, lines in zone_blocks(text).items()}


def dbus_zone_state(text):
    """One zone's state from ``busctl --json=short call`` of firewalld's ``getZoneSettings2`` (runtime) or a
    config zone's ``getSettings2`` (permanent): {attr: [...], "target": str} as parse_zone_info returns, or
    None when the text is empty or not such an answer (no such zone, firewalld not running).

    firewalld leaves out the keys of empty attributes; ports are (port, protocol) pairs.
    """
    try:
        settings = json.loads(text)["data"][0]
        values = {key: value["data"] for key, value in settings.items()}
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return None
    state = {attr: [str(v) for v in values.get(attr) or []] for attr in ATTRIBUTES}
    state["ports"] = [f"{port}/{proto}" for port, proto in values.get("ports") or []]
    state["target"] = values.get("target") or "default"
    return state


def zones_in_place(zones, permanent, runtime):
    """Whether firewalld_zone's O(zones) would change nothing: every present zone, in the permanent and the
    runtime configuration, holds its listed items (exactly, unless ``purge`` is false) and its target; every
    absent zone is not in the permanent configuration. ``permanent``/``runtime``: {name: state or None}.
    """
    for spec in zones:
        name = spec["name"]
        if spec.get("state") == "absent":
            if permanent.get(name) is not None:
                return False
            continue
        desired = {attr: spec.get(attr) for attr in ATTRIBUTES}
        for layer in (permanent, runtime):
            have = layer.get(name)
            if have is None or spec.get("target") not in (None, have["target"]):
                return False
            changes = zone_changes(have, desired, spec.get("purge", True) is not False)
            if changes["add"] or changes["remove"]:
                return False
    return True
