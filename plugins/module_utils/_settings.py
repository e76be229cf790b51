# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The stack-wide settings (``ai_stack_*``): normalising, resolving, pre-flight checks.

Plain functions, used by the ``stack_settings`` and ``preflight_checks``
filters (the ``_common`` entry point ``settings`` and the ``common`` role's
pre-flight report). Values given on the command line (``-e name=value``)
arrive as strings: :func:`normalize` turns them into the type the argument
specs declare, or raises :class:`SettingsError` naming the variable.
"""

from __future__ import annotations

import ipaddress
import json
import re

from ansible_collections.homelab.ai_stack.plugins.module_utils._host import ports_held
from ansible_collections.homelab.ai_stack.plugins.module_utils._inputs import bool_word, is_network, list_input

DNS_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")

# Variable name -> kind. The order is the order of ai_stack_settings.
SETTINGS = {
    "ai_stack_bind_address": "str",
    "ai_stack_tailscale_interface": "str",
    "ai_stack_allowed_sources": "list",
    "ai_stack_allow_public_sources": "bool",
    "ai_stack_storage_root": "str",
    "ai_stack_compose_root": "str",
    "ai_stack_domain": "str",
    "ai_stack_subdomains": "dict",
    "ai_stack_docker_network": "str",
    "ai_stack_docker_subnet": "str",
    "ai_stack_timezone": "str",
    "ai_stack_gpus_recorded": "list",
    "ai_stack_nvidia_container_runtime_recorded": "bool",
    # A name (sd15, sdxl, flux), a vram_estimate workload dict, or None.
    "ai_stack_vram_comfyui_pipeline": "raw",
}


class SettingsError(ValueError):
    """A setting that cannot be read; the message names the variable."""


def to_bool(value, name):
    """A boolean from a bool, an int 0/1 or a string such as ``true``/``no`` (what ``-e`` gives)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    word = bool_word(value) if isinstance(value, str) else None
    if word is not None:
        return word
    raise SettingsError(f"{name} must be a boolean (true or false), got {json.dumps(value, default=str)}")


def to_list(value, name):
    """A list from a list, a JSON list in a string, or a comma-separated string (``-e a=x,y``)."""
    try:
        return list_input(value)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a list: {exc}") from None


def to_dict(value, name):
    """A dict from a dict or a JSON object in a string."""
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            return parsed
    raise SettingsError(f"{name} must be a dictionary, got {json.dumps(value, default=str)}")


def normalize(raw):
    """``{ai_stack_name: value}`` -> ``{name: value}`` (the prefix dropped), each of its declared type.

    Also takes the keys without the prefix (``ai_stack_settings`` itself), so
    that resolved settings can be checked again.
    """
    out = {}
    for var, kind in SETTINGS.items():
        short = var[len("ai_stack_") :]
        if var in raw:
            value = raw[var]
        elif short in raw:
            value = raw[short]
        else:
            continue
        if kind == "bool":
            value = to_bool(value, var)
        elif kind == "list":
            value = to_list(value, var)
        elif kind == "dict":
            value = to_dict(value, var)
        elif kind == "raw":
            if isinstance(value, str):
                value = value.strip()
                if value.lower() in ("", "none", "null"):
                    value = None
                elif value.startswith("{"):
                    value = to_dict(value, var)
        else:
            value = "" if value is None else str(value).strip()
        out[short] = value
    return out


def interface_address(interface, facts):
    """The first IPv4 address of ``interface`` in the host facts (host_facts, else setup's), or ``''``."""
    facts = facts or {}
    host = facts.get("ai_stack_host") or {}
    addresses = (host.get("interfaces") or {}).get(interface) or []
    if addresses:
        return addresses[0]
    setup = facts.get(interface.replace("-", "_").replace(".", "_")) or {}
    return ((setup.get("ipv4") or {}).get("address")) or ""


def host_addresses(facts):
    """Every IPv4 address the facts know of (host_facts, else setup's all_ipv4_addresses); None when unknown."""
    facts = facts or {}
    host = facts.get("ai_stack_host")
    if host:
        return list(host.get("addresses") or [])
    if "all_ipv4_addresses" in facts:
        return list(facts["all_ipv4_addresses"])
    return None


def resolve(raw, facts):
    """Normalised settings with ``bind_address`` read from the interface when it is empty (``''`` when it cannot)."""
    settings = normalize(raw)
    if not settings.get("bind_address"):
        settings["bind_address"] = interface_address(settings.get("tailscale_interface", ""), facts)
    return settings


def _check(name, ok, detail, status_if_bad="fail"):
    return {"check": name, "status": "ok" if ok else status_if_bad, "detail": detail}


def _abs_path(value):
    return isinstance(value, str) and value.startswith("/") and value.rstrip("/") != ""


def check_inputs(raw, facts):
    """The checks of the stack-wide inputs and the bind address: a list of ``{check, status, detail}``."""
    try:
        s = resolve(raw, facts)
    except SettingsError as exc:
        return [{"check": "settings", "status": "fail", "detail": str(exc)}]
    checks = []

    bind = s.get("bind_address", "")
    iface = s.get("tailscale_interface", "")
    addresses = host_addresses(facts)
    if not bind:
        detail = (
            f"ai_stack_tailscale_interface '{iface}' has no IPv4 address on this host (is Tailscale up?); "
            "set ai_stack_bind_address or fix ai_stack_tailscale_interface"
        )
        checks.append(_check("tailscale address", False, detail))
    elif addresses is not None and bind not in addresses:
        detail = f"ai_stack_bind_address {bind} is not an address of this host ({', '.join(addresses)})"
        checks.append(_check("tailscale address", False, detail))
    else:
        on_iface = bind == interface_address(iface, facts)
        checks.append(_check("tailscale address", True, f"{bind} on {iface}" if on_iface else bind))

    sources = s.get("allowed_sources", [])
    bad = [str(x) for x in sources if not is_network(x)]
    if not sources:
        checks.append(
            _check("allowed sources", False, "ai_stack_allowed_sources is empty: nobody could reach the stack")
        )
    elif bad:
        checks.append(
            _check(
                "allowed sources",
                False,
                "ai_stack_allowed_sources has entries that are not an IP address or CIDR: " + ", ".join(bad),
            )
        )
    else:
        checks.append(_check("allowed sources", True, ", ".join(str(x) for x in sources)))

    for key, label in (("storage_root", "storage root"), ("compose_root", "compose root")):
        value = s.get(key, "")
        if _abs_path(value):
            checks.append(_check(label, True, value))
        else:
            checks.append(
                _check(label, False, f"ai_stack_{key} must be an absolute path other than /, got {json.dumps(value)}")
            )

    subdomains = s.get("subdomains", {})
    domain = s.get("domain", "")
    bad_labels = [f"{k}={json.dumps(v)}" for k, v in sorted(subdomains.items()) if not DNS_LABEL.match(str(v))]
    if bad_labels:
        checks.append(
            _check(
                "subdomains",
                False,
                "ai_stack_subdomains: {} is not a DNS label (a-z, 0-9, inner hyphens, 1 to 63 characters)".format(
                    ", ".join(bad_labels)
                ),
            )
        )
    else:
        checks.append(_check("subdomains", True, ", ".join(f"{v}.{domain}" for v in subdomains.values())))

    if domain and all(DNS_LABEL.match(label) for label in domain.split(".")):
        checks.append(_check("domain", True, domain))
    else:
        checks.append(_check("domain", False, f"ai_stack_domain {json.dumps(domain)} is not a valid DNS name"))

    subnet = s.get("docker_subnet", "")
    try:
        ipaddress.IPv4Network(subnet, strict=False)
        ok = "/" in subnet
    except ValueError:
        ok = False
    checks.append(
        _check(
            "docker subnet",
            ok,
            subnet if ok else f"ai_stack_docker_subnet must be an IPv4 CIDR, got {json.dumps(subnet)}",
        )
    )
    return checks


def check_storage(storage, warn_gb, min_gb):
    """The storage check from the ``storage`` entry of the host facts."""
    if not storage:
        return []
    probed = storage.get("probed") or storage.get("path")
    free = storage.get("free_gb", 0)
    path = storage.get("path")
    if storage.get("kind") == "notdir":
        return [_check("storage space", False, f"ai_stack_storage_root {path} exists and is not a directory")]
    if not storage.get("writable"):
        return [_check("storage space", False, f"ai_stack_storage_root cannot be created: {probed} is not writable")]
    if free < min_gb:
        return [_check("storage space", False, f"{free} GB free on {probed}, below common_disk_min_gb ({min_gb} GB)")]
    if free < warn_gb:
        return [
            _check("storage space", False, f"{free} GB free on {probed} (below {warn_gb} GB: models need room)", "warn")
        ]
    return [_check("storage space", True, f"{free} GB free on {probed}")]


def check_ports(listeners, wanted, address):
    """The port check: ``wanted`` (``port/proto``) free on ``address`` or held by the stack (docker-proxy)."""
    if not wanted:
        return [_check("ports", True, "no extra ports to check (each role checks the ports it binds)")]
    held = ports_held(listeners, wanted, address)
    if held:
        return [
            _check(
                "ports",
                False,
                "held by another process: {}; stop it or change ai_stack_bind_address".format(", ".join(held)),
            )
        ]
    return [_check("ports", True, "{} free or held by this stack".format(", ".join(str(w) for w in wanted)))]


def check_host_info(host, gpus):
    """The informational lines: firewalld, docker, GPUs (never failing)."""
    services = (host or {}).get("services") or {}
    checks = []
    for name, role in (("firewalld", "networking"), ("docker", "docker")):
        state = services.get(name, "absent")
        checks.append(
            _check(name, True, f"not installed yet: the {role} role installs it" if state == "absent" else state)
        )
    if gpus:
        detail = ", ".join("{} {} MiB".format(g.get("name"), g.get("memory_total_mib")) for g in gpus)
    else:
        detail = "no GPU found: AI services run on the CPU"
    checks.append(_check("gpu", True, detail))
    return checks


def preflight_checks(raw, facts, disk_warn_gb=50, disk_min_gb=10, check_ports_enabled=True, extra_ports=None):
    """Every pre-flight check of the common role, in report order."""
    facts = facts or {}
    host = facts.get("ai_stack_host") or {}
    checks = check_inputs(raw, facts)
    try:
        warn_gb = float(disk_warn_gb)
        min_gb = float(disk_min_gb)
        ports_on = to_bool(check_ports_enabled, "common_check_ports")
        extra = to_list(extra_ports, "common_extra_ports")
        bind = resolve(raw, facts).get("bind_address", "")
    except (SettingsError, ValueError, TypeError) as exc:
        return [*checks, {"check": "inputs", "status": "fail", "detail": str(exc)}]
    checks += check_storage(host.get("storage"), warn_gb, min_gb)
    if ports_on:
        checks += check_ports(host.get("listeners") or [], extra, bind)
    checks += check_host_info(host, facts.get("ai_stack_gpus") or [])
    return checks
