# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The zabbix_agent role's verify rows and firewalld plan, as plain functions (stdlib only)."""

from __future__ import annotations

import ipaddress


class ZabbixError(ValueError):
    """An input the role cannot use; the message names the variable."""


def is_address(text):
    """True for an IPv4/IPv6 address or network (CIDR), as the firewall takes it."""
    try:
        ipaddress.ip_network(str(text), strict=False)
    except ValueError:
        return False
    return True


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


def _rule(source, port):
    family = "ipv6" if ":" in source else "ipv4"
    return f'rule family="{family}" source address="{source}" port port="{port}" protocol="tcp" accept'


def firewall_plan(read_lines, wanted_sources, port):
    """The agent port's rich rules: wanted and as they are.

    read_lines: what tasks/firewalld.yml's read printed, lines ``resolved=<name>=<addr> ...``,
    ``zone=<zone>``, ``permanent=<zone>=<rule>`` and ``runtime=<zone>=<rule>``.
    wanted_sources: addresses, CIDRs or names (resolved on the host by the read).
    Returns {names, unresolved, sources, rules, zones, differs}. Loopback needs no rule.
    """
    if isinstance(wanted_sources, str):
        wanted_sources = [s.strip() for s in wanted_sources.split(",") if s.strip()]
    try:
        port = int(port)
    except (TypeError, ValueError):
        raise ZabbixError(f"zabbix_agent_listen_port must be an integer; got {port!r}") from None
    resolved, zones, have = {}, [], []
    for line in read_lines or []:
        kind, rest = line.split("=", 1) if "=" in line else (line, "")
        if kind == "resolved":
            name, addrs = rest.split("=", 1) if "=" in rest else (rest, "")
            resolved[name] = addrs.split()
        elif kind == "zone":
            zones.append(rest)
        elif kind in ("permanent", "runtime"):
            have.append(line)
    names = [s for s in wanted_sources if not is_address(s)]
    sources = [s for s in wanted_sources if is_address(s)] + [a for addrs in resolved.values() for a in addrs]
    sources = sorted({s for s in sources if not (s.startswith("127.") or s == "::1")})
    rules = [_rule(s, port) for s in sources]
    want = sorted(f"{where}={zone}={rule}" for where in ("permanent", "runtime") for zone in zones for rule in rules)
    return {
        "names": names,
        "unresolved": [name for name in names if name in resolved and not resolved[name]],
        "sources": sources,
        "rules": rules,
        "zones": zones,
        "differs": sorted(have) != want,
    }
