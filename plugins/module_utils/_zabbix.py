# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The zabbix_agent role's input checks, its no-op read and verify rows, as plain functions (stdlib only)."""

from __future__ import annotations

import json
import re

from ansible_collections.homelab.ai_stack.plugins.module_utils import _file_state, _port_rules
from ansible_collections.homelab.ai_stack.plugins.module_utils._inputs import bool_word, is_network, list_input


class ZabbixError(ValueError):
    """An input the role cannot use; the message names the variable."""


def _listed(name, value, errors, text=True):
    try:
        return [str(item).strip() if text else item for item in list_input(value)]
    except ValueError as exc:
        errors.append(f"{name} must be a list: {exc}.")
        return []


# Agent major version each distribution release ships (Debian's and Ubuntu's zabbix-agent2).
DISTRO_VERSIONS = {"Debian-12": "6.0", "Debian-13": "7.0", "Ubuntu-24.04": "6.0", "Ubuntu-22.04": "5.0"}


def _flag(name, value, errors):
    if isinstance(value, str):
        word = bool_word(value)
        if word is None:
            errors.append(f"{name} must be a boolean (got {value!r}).")
        return bool(word)
    return bool(value)


def settings(inputs):
    """The zabbix_agent role's input, checked at once and resolved.

    inputs: the role's variables without the ``zabbix_agent_`` prefix (server, server_active,
    hostname, listen_ip, firewalld_zones, firewalld_sources, version, source, tls_psk,
    tls_psk_identity, tls_psk_generate, docker_enabled, user_parameters), plus distribution,
    distribution_major_version, distribution_version and inventory_hostname. Lists may be
    lists, JSON lists or comma-separated words, booleans the words ``-e`` gives.
    Returns {errors (each naming its variable; [] when all are good), servers, servers_active,
    fw_zones, fw_sources (addresses or names to admit), fw_names (those that are names),
    source (distro | zabbix), distro_version ('' when unknown), tls, psk_generated, hostname,
    psk_identity, deny_keys}.
    """
    errors = []
    servers = _listed("zabbix_agent_server", inputs.get("server"), errors)
    active = _listed("zabbix_agent_server_active", inputs.get("server_active"), errors)
    if not (servers or active) or [s for s in servers + active if re.search(r"[\s,]", s)]:
        errors.append(
            "Set zabbix_agent_server (passive) and/or zabbix_agent_server_active (active) to lists of addresses, "
            f"one per item without spaces or commas; got server={servers}, server_active={active}."
        )
    psk = str(inputs.get("tls_psk") or "")
    tls = bool(psk) or _flag("zabbix_agent_tls_psk_generate", inputs.get("tls_psk_generate", True), errors)
    hostname = str(inputs.get("hostname") or "") or str(inputs.get("inventory_hostname") or "")
    identity = str(inputs.get("tls_psk_identity") or "")
    if psk and not re.fullmatch(r"[0-9a-fA-F]{32,512}", psk):
        errors.append(
            "zabbix_agent_tls_psk must be 32 to 512 hex digits (openssl rand -hex 32), "
            "or empty for a key generated on the host."
        )
    if identity and not tls:
        errors.append(
            "zabbix_agent_tls_psk_identity needs a PSK: set zabbix_agent_tls_psk "
            "or leave zabbix_agent_tls_psk_generate true."
        )
    if re.search(r"[\s,]", identity):
        errors.append(f"zabbix_agent_tls_psk_identity must have no spaces or commas (got {identity!r}).")
    listen = str(inputs.get("listen_ip") or "")
    if [ip for ip in (p.strip() for p in listen.split(",")) if ip and not is_network(ip)]:
        errors.append(f"zabbix_agent_listen_ip must be IP addresses separated by commas (got {listen!r}).")
    given = _listed("zabbix_agent_firewalld_sources", inputs.get("firewalld_sources"), errors)
    bad = [s for s in given if not is_network(s)]
    if bad:
        errors.append(f"zabbix_agent_firewalld_sources must be IP addresses or CIDRs (got {bad}).")
    fw_sources = given or servers
    version = str(inputs.get("version"))
    if not re.fullmatch(r"[0-9]+\.[0-9]+", version):
        errors.append(f"zabbix_agent_version must look like 7.0 (got {version}).")
    dist = str(inputs.get("distribution") or "")
    distro_version = DISTRO_VERSIONS.get(f"{dist}-{inputs.get('distribution_major_version')}") or DISTRO_VERSIONS.get(
        f"{dist}-{inputs.get('distribution_version')}", ""
    )
    source = str(inputs.get("source") or "auto")
    if source == "auto":
        source = "distro" if distro_version == version else "zabbix"
    if source not in ("distro", "zabbix"):
        errors.append(f"zabbix_agent_source must be auto, distro or zabbix (got {source!r}).")
    elif source == "distro" and not distro_version:
        known = ", ".join(DISTRO_VERSIONS)
        errors.append(f"zabbix_agent_source=distro needs a release whose agent version is known ({known}).")
    params = _listed("zabbix_agent_user_parameters", inputs.get("user_parameters"), errors, text=False)
    if any(not isinstance(p, dict) or "key" not in p or "command" not in p for p in params) or any(
        str(p.get("key", "")).startswith("ai_stack.") for p in params if isinstance(p, dict)
    ):
        errors.append(
            "zabbix_agent_user_parameters items need `key` and `command`, and ai_stack.* keys are the role's own."
        )
    # docker.container_info[<c>] (short, the template's) returns no Config.Env or labels;
    # [<c>,full] returns the whole inspect, environment included (both read from Debian's
    # 6.0.14 and 7.0.22 agents against a stand-in Docker socket).
    docker = _flag("zabbix_agent_docker_enabled", inputs.get("docker_enabled", False), errors)
    zones = _listed("zabbix_agent_firewalld_zones", inputs.get("firewalld_zones"), errors)
    return {
        "errors": errors,
        "servers": servers,
        "servers_active": active,
        "fw_zones": zones,
        "fw_sources": fw_sources,
        "fw_names": [s for s in fw_sources if not is_network(s)],
        "source": source,
        "distro_version": distro_version,
        "tls": tls,
        "psk_generated": not psk and tls,
        "hostname": hostname,
        "psk_identity": identity or f"ai-stack-{hostname}",
        "deny_keys": ["docker.container_info[*,full]"] if docker else ["docker.*", "docker.*[*]"],
    }


def key_value(stdout):
    """The value of `zabbix_agent2 -t <key>` output, ``<key>   [<type>|<value>]``; None when there is none."""
    out = (stdout or "").strip()
    if "|" not in out or not out.endswith("]"):
        return None
    return out.split("|", 1)[1][:-1]


def agent_checks(key_results, service_status):
    """Rows {check, result, detail}: the service, then one per key asked with `zabbix_agent2 -t`.

    key_results: the ``results`` of a command loop (item, rc, stdout, msg).
    A key fails when the agent does not support it; docker.ping also when it is not 1.
    """
    state = (service_status or {}).get("ActiveState") or ""
    rows = [
        {
            "check": "zabbix-agent2 service",
            "result": "pass" if state == "active" else "fail",
            "detail": state or "not installed",
        }
    ]
    for res in key_results or []:
        key = res.get("item")
        out = (res.get("stdout") or "").strip()
        value = key_value(out)
        ok = res.get("rc", 1) == 0 and value is not None and "ZBX_NOTSUPPORTED" not in out
        if key == "docker.ping" and value != "1":
            ok = False
        detail = (value if value is not None else out) if out else (res.get("msg") or "")
        detail = str(detail)
        if len(detail) > 120:
            detail = detail[:117] + "..."
        rows.append({"check": f"zabbix key {key}", "result": "pass" if ok else "fail", "detail": detail})
    return rows


def _zone_rules(text):
    """The rich rules of a busctl --json=short answer of getSettings2/getZoneSettings2, None when there is none."""
    try:
        settings = json.loads(text)["data"][0]
        return [str(rule) for rule in (settings.get("rules_str") or {}).get("data") or []]
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return None


def read_state(lines, files, port, sources, protocol="tcp"):
    """What the role's no-op read (roles/zabbix_agent/files/zabbix-read.sh) says is out of place.

    ``files``: the entries of the role's files task (owner/group root, mode 0644, no directory mode);
    ``port``/``sources``: the firewalld_port_sources task's options (its zones are in the read).
    Returns {firewall_in_place, files_in_place, in_place}. The firewall is in place when that module would
    change nothing: firewalld does not run, or each zone it knows holds exactly one rule per resolved source
    on the port (permanent and runtime, _port_rules.plan). A source that does not resolve, or an answer the
    read could not get (no busctl, no bus), is out of place: the module then decides (and names the error).
    The files are judged as _file_state judges (a restart marker left behind is out of place).
    """
    keyed = {}
    for line in lines or []:
        key, _sep, value = str(line).strip().partition("=")
        keyed.setdefault(key, []).append(value)
    addresses = {}
    for value in keyed.get("addr", []):
        name, _sep, address = value.partition(" ")
        addresses.setdefault(name, []).append(address.strip())
    given = [str(s).strip() for s in sources or [] if str(s).strip()]
    wanted, unresolved = _port_rules.resolve(given, lambda name: addresses.get(name, []))
    running = keyed.get("fw", [""])[-1].strip()
    if unresolved or running not in ("b true", "b false"):
        firewall = False
    elif running == "b false":
        firewall = True
    else:
        current = {"permanent": {}, "runtime": {}}
        for value in keyed.get("zone", []):
            layer, name, text = [*value.split(" ", 2), "", ""][:3]
            rules = _zone_rules(text)
            if layer in current and rules is not None:
                current[layer][name] = rules
        current["runtime"] = {z: r for z, r in current["runtime"].items() if z in current["permanent"]}
        firewall = not _port_rules.plan(current, wanted, int(port), protocol)["changes"]
    have = _file_state.parse_split(keyed.get("have", []), keyed.get("sha", []))
    in_files = "pending" not in keyed and _file_state.in_place(files, have, "root", "root", "0644", None)
    return {"firewall_in_place": firewall, "files_in_place": in_files, "in_place": firewall and in_files}
