# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pihole role's pre-flight checks, all at once, and the local DNS records it hands FTL.

Plain functions (stdlib plus the collection's own module_utils), called by the
``pihole_preflight`` filter. ``preflight()`` returns every problem (each naming the
variable to edit) so that the role reports them in one failure before anything changes.
"""

from __future__ import annotations

import re

from ansible_collections.homelab.ai_stack.plugins.module_utils._host import ports_held
from ansible_collections.homelab.ai_stack.plugins.module_utils._inputs import is_ip, list_input
from ansible_collections.homelab.ai_stack.plugins.module_utils._pihole_lists import (
    PiholeListsError,
    wanted_state,
)
from ansible_collections.homelab.ai_stack.plugins.module_utils._webui import pihole_records
from ansible_collections.homelab.ai_stack.plugins.module_utils._zone_plan import ZonePlanError, build_zone_plan

DOMAIN_RE = re.compile(r"^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$")
FTLCONF_KEY_RE = re.compile(r"^[A-Za-z0-9_]+$")
LAN_NAMES = {"sources": "pihole_lan_sources (ai_stack_lan_sources)", "allow_public": "ai_stack_allow_public_sources"}
LIST_KEYS = ("groups", "adlists", "domains", "clients", "allow", "deny")
# List inputs (given with -e they arrive as strings: "1.1.1.1,8.8.8.8" or a JSON list) and their variables.
LIST_INPUTS = {
    "upstreams": "pihole_upstreams",
    "dns_records": "pihole_dns_records",
    "cname_records": "pihole_cname_records",
    "lan_sources": "pihole_lan_sources",
    "cap_add": "pihole_cap_add",
}
LIST_VARS = {key: f"pihole_{key}" for key in ("groups", "adlists", "domains", "clients")}
LIST_VARS.update(allow="pihole_allowlist", deny="pihole_denylist")


def _ip(value, version=None):
    """An IP address (no prefix), blanks around it allowed, as the ansible.utils ip_address test reads it."""
    return is_ip(value.strip() if isinstance(value, str) else value, version)


def is_domain(value):
    return isinstance(value, str) and bool(DOMAIN_RE.match(value.lower()))


def _record_errors(dns_records, cname_records):
    errors = []
    for item in dns_records:
        entry = item if isinstance(item, dict) else {}
        if not (_ip(entry.get("ip", "")) and is_domain(entry.get("name", ""))):
            errors.append(f"pihole_dns_records entry {item}: needs name (a DNS name) and ip (an IP address).")
    for item in cname_records:
        entry = item if isinstance(item, dict) else {}
        if not (is_domain(entry.get("name", "")) and is_domain(entry.get("target", ""))):
            errors.append(f"pihole_cname_records entry {item}: needs name and target (DNS names).")
    return errors


def _lan_errors(lan_address, lan_sources, allow_public, bind_address, host_addresses):
    if not isinstance(lan_address, str):
        return [f"pihole_lan_address {lan_address!r} must be a string: empty or a LAN IPv4 address of this host."]
    if not lan_address:
        return []
    try:
        sources = build_zone_plan(
            ports=["53/tcp", "53/udp"],
            sources=lan_sources,
            name="ai-stack-lan",
            allow_public=allow_public,
            var_names=LAN_NAMES,
        )["sources"]
    except ZonePlanError as exc:
        return [str(exc)]
    if (
        not _ip(lan_address, 4)
        or lan_address in ("0.0.0.0", bind_address)
        or not sources
        or (host_addresses and lan_address not in host_addresses)
    ):
        return [
            f"pihole_lan_address '{lan_address}' must be empty or a LAN IPv4 address of this host (not 0.0.0.0 or "
            f"ai_stack_bind_address; it has {', '.join(host_addresses)}); when set, pihole_lan_sources "
            f"(ai_stack_lan_sources) must list the LAN (now {sources})."
        ]
    return []


def port53(listeners, bind_address, stub_listener):
    """Who holds <bind address>:53, as the role reads it: ``(errors, free_stub)``.

    ``listeners``: the ``listeners`` of the host facts. docker-proxy (the
    stack's own publisher) is never in the way. Another program is an error;
    systemd-resolved's stub is one only when ``stub_listener`` is ``keep``.
    ``free_stub``: whether the role turns the stub listener off (``disable``,
    or ``auto`` when anything but docker-proxy holds the port).
    """
    wanted = ["53/tcp", "53/udp"]
    held = ports_held(listeners, wanted, bind_address)
    others = ports_held(listeners, wanted, bind_address, ["docker-proxy", "systemd-resolve"])
    errors = []
    if others:
        errors.append(
            f"Port 53 on {bind_address} is taken: {', '.join(others)}. Stop that DNS server or bind it elsewhere; "
            "the role frees only systemd-resolved's stub listener."
        )
    if stub_listener == "keep" and held:
        errors.append(
            f"systemd-resolved listens on {', '.join(held)} and pihole_resolved_stub_listener is 'keep'. "
            "Set it to 'auto' to let the role set DNSStubListener=no, or free port 53 yourself."
        )
    return errors, stub_listener == "disable" or (stub_listener == "auto" and bool(held))


def _lists(values, names, errors):
    """Each input of ``names`` as a list (list_input's reading), an error naming the variable when it is none."""
    out = {}
    for key, name in names.items():
        try:
            out[key] = list_input(values.get(key))
        except ValueError as exc:
            errors.append(f"{name}: {exc}")
            out[key] = []
    return out


# preflight()'s data keys and the role's inputs they come from (pihole_<name>), and those of ``lists``.
INPUT_KEYS = {
    "admin_password": "admin_password",
    "dns_records": "dns_records",
    "cname_records": "cname_records",
    "upstreams": "upstreams",
    "cap_add": "cap_add",
    "ftlconf": "ftlconf",
    "lan_address": "lan_address",
    "lan_sources": "lan_sources",
    "stub_listener": "resolved_stub_listener",
}
LIST_KEYS = {"groups": "groups", "adlists": "adlists", "domains": "domains", "clients": "clients"}
LIST_KEYS.update(allow="allowlist", deny="denylist")


def preflight(data):
    """Every problem with the pihole role's inputs, and the local records.

    ``data`` keys: admin_password, bind_address, nginx_host, vhosts (the nginx
    role's vhosts, each with ``fqdn``), records_address, dns_records,
    cname_records, upstreams, ftlconf, lists (the pihole_lists_check mapping),
    lan_address, lan_sources, allow_public, host_addresses, and with
    ``listeners`` (host facts) stub_listener (see :func:`port53`). Returns
    ``{"errors": [...], "records": {"hosts": [...], "cnames": [...]},
    "free_stub": bool, "inputs": {...}, "lists": {...}}`` (the list inputs of
    :data:`LIST_INPUTS` and the ``lists`` as lists); the records are empty lists
    when there are errors. With ``role_inputs`` (the role's pihole_* variables by name) the keys of
    :data:`INPUT_KEYS` and ``lists`` (:data:`LIST_KEYS`) come from them.
    """
    if "role_inputs" in data:
        given = data["role_inputs"]
        data = dict(data, **{key: given.get("pihole_" + name) for key, name in INPUT_KEYS.items()})
        data["lists"] = {key: given.get("pihole_" + name) for key, name in LIST_KEYS.items()}
    errors = []
    inputs = _lists(data, LIST_INPUTS, errors)
    lists = _lists(data.get("lists") or {}, LIST_VARS, errors)
    password = data.get("admin_password")
    if not isinstance(password, str) or len(password) < 8:
        errors.append("pihole_admin_password must be set (in the vault) and have 8 or more characters.")
    bind = data.get("bind_address") or ""
    if not _ip(bind) or bind in ("0.0.0.0", "::"):
        errors.append(
            f"ai_stack_bind_address '{bind}' must be the host's (Tailscale) IP address; "
            "set it or ai_stack_tailscale_interface."
        )
    nginx_host = data.get("nginx_host") or ""
    vhosts = (data.get("vhosts") or []) if nginx_host else []
    address = (data.get("records_address") or "") if nginx_host else ""
    if vhosts and not _ip(address):
        names = [v.get("fqdn") if isinstance(v, dict) else v for v in vhosts]
        errors.append(
            f"The vhost names {names} need an address: the nginx host '{nginx_host}' has no ai_stack_bind_address "
            "in this play; set pihole_local_records_address or apply a role of the stack to that host in the "
            "same run."
        )
    dns_records, cname_records = inputs["dns_records"], inputs["cname_records"]
    errors += _record_errors(dns_records, cname_records)
    upstreams = inputs["upstreams"]
    ftlconf = data.get("ftlconf") or {}
    if (
        not upstreams
        or not all(isinstance(u, str) and _ip(re.sub(r"#[0-9]+$", "", u)) for u in upstreams)
        or not isinstance(ftlconf, dict)
        or not all(FTLCONF_KEY_RE.match(str(k)) for k in ftlconf)
    ):
        errors.append(
            "pihole_upstreams must be IP addresses (optionally IP#port), pihole_ftlconf keys like dns_dnssec."
        )
    try:
        wanted_state(**lists)
    except PiholeListsError as exc:
        errors.append(str(exc))
    errors += _lan_errors(
        data.get("lan_address", ""),
        inputs["lan_sources"],
        data.get("allow_public", False),
        bind,
        list(data.get("host_addresses") or []),
    )
    free_stub = False
    if "listeners" in data:
        refusals, free_stub = port53(data["listeners"], bind, data.get("stub_listener", "auto"))
        errors += refusals
    records = {"hosts": [], "cnames": []}
    if not errors:
        records = pihole_records([v["fqdn"] for v in vhosts], address, dns_records, cname_records)
    return {"errors": errors, "records": records, "free_stub": free_stub, "inputs": inputs, "lists": lists}
