# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rich rules that admit exactly a set of sources to one port of firewalld zones (stdlib only).

The plan of the firewalld_port_sources module: which rules a zone should hold on the port, which it
holds, what to add and remove; plus a parser of ``firewall-cmd --list-all-zones`` (the module's
fallback when the host's Python has no D-Bus binding).
"""

from __future__ import annotations

from ansible_collections.homelab.ai_stack.plugins.module_utils._inputs import is_network
from ansible_collections.homelab.ai_stack.plugins.module_utils._zone_plan import zone_blocks

CONFIGS = ("permanent", "runtime")


def rich_rule(source, port, protocol="tcp"):
    """The rule admitting SOURCE to PORT, in firewalld's own spelling (what it lists back)."""
    family = "ipv6" if ":" in source else "ipv4"
    return f'rule family="{family}" source address="{source}" port port="{port}" protocol="{protocol}" accept'


def resolve(sources, lookup):
    """(addresses, unresolved): SOURCES with each name replaced by what LOOKUP(name) returns.

    Addresses and CIDRs stay as they are; loopback needs no rule. LOOKUP returns a list of addresses
    (empty when the name does not resolve).
    """
    found, unresolved = [], []
    for source in sources:
        if is_network(source):
            found.append(source)
            continue
        addresses = list(lookup(source))
        found.extend(addresses)
        if not addresses:
            unresolved.append(source)
    kept = sorted({s for s in found if not (s.startswith("127.") or s == "::1")})
    return kept, unresolved


def plan(current, sources, port, protocol="tcp"):
    """What each zone needs so that its rich rules on PORT are exactly one per source.

    current: {config: {zone: [rich rule, ...]}} with config permanent and/or runtime, holding the
    zones to manage that exist in that configuration. Rules on other ports are not counted.
    Returns {rules, changes: {config: {zone: {add, remove}}} (zones with something to do only)}.
    """
    rules = [rich_rule(s, port, protocol) for s in sources]
    on_port = f'port="{port}"'
    changes = {}
    for config in CONFIGS:
        for zone, held in (current.get(config) or {}).items():
            have = [r for r in held if on_port in r]
            add = [r for r in rules if r not in have]
            remove = [r for r in have if r not in rules]
            if add or remove:
                changes.setdefault(config, {})[zone] = {"add": add, "remove": remove}
    return {"rules": rules, "changes": changes}


def rich_rules(text):
    """{zone: [rich rule]} of every zone in ``firewall-cmd [--permanent] --list-all-zones``.

    The zones are split as the firewalld_zone module splits them (_zone_plan.zone_blocks); a
    zone's rich rules follow its ``  rich rules:`` line, one per tab-indented line.
    """
    rules = {}
    for zone, lines in zone_blocks(text or "").items():
        rules[zone], in_rich = [], False
        for line in lines:
            if line.startswith("\t"):
                if in_rich and line.strip():
                    rules[zone].append(line.strip())
            else:
                in_rich = line.strip().startswith("rich rules:")
    return rules
