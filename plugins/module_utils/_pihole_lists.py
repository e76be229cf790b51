# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pi-hole v6 blocklists as data: validation of the inputs and the plan of API calls.

Plain functions (stdlib only) used by the ``pihole_lists`` module. The shapes
are FTL v6.2.3's (``src/api/list.c``, ``src/api/docs/content/specs/{lists,
domains,groups,clients}.yaml``): every row carries ``comment`` and ``id``,
lists/domains/clients carry ``groups`` (group ids), groups/lists/domains
carry ``enabled``; a domain row has ``type`` (allow/deny) and ``kind``
(exact/regex); a list row has ``type`` (block/allow).

Ownership: an entry is the role's when its comment starts with the marker
(``managed by homelab.ai_stack``, the comment ``pihole allow|deny --comment``
gave before). Entries without it (made in the web UI) are never changed or
removed; a wanted entry that already exists without the marker is left as
the user made it.
"""

from __future__ import annotations

import re
import urllib.parse

from ansible_collections.homelab.ai_stack.plugins.module_utils._inputs import bool_word, list_input

MARKER = "managed by homelab.ai_stack"
DEFAULT_GROUP = "Default"
KINDS = ("groups", "lists", "domains", "clients")
DOMAIN_TYPES = ("allow", "deny")
DOMAIN_KINDS = ("exact", "regex")
LIST_TYPES = ("block", "allow")
LIST_SCHEMES = ("http", "https", "file")

_DOMAIN_RE = re.compile(r"^(?=.{1,253}$)[a-z0-9_*]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$")
_CLIENT_RE = re.compile(r"^\S{1,253}$")
_GROUP_RE = re.compile(r"^[^\s/?#%][^/?#%]{0,63}$")


class PiholeListsError(ValueError):
    """Raised for any input the plan refuses; the message names the variable."""


# --------------------------------------------------------------------------
# inputs
# --------------------------------------------------------------------------
def _as_list(values, var_name):
    """A list input the collection's way (``_inputs.list_input``): a JSON list or comma-separated words from ``-e``."""
    if isinstance(values, dict):
        raise PiholeListsError(f"{var_name}: must be a list, got dict")
    try:
        return list_input(values)
    except ValueError as exc:
        raise PiholeListsError(f"{var_name}: must be a list: {exc}") from None


def _bool(value, var_name, default=True):
    """A boolean the collection's way (``_inputs.bool_word``); None is the default."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    word = bool_word(value) if isinstance(value, str) else None
    if word is None:
        raise PiholeListsError(f"{var_name}: {value!r} is not true or false")
    return word


def _entry(item, var_name, key, allowed):
    """A string (the key) or a mapping with the key and only the allowed fields."""
    if isinstance(item, str):
        item = {key: item}
    if not isinstance(item, dict):
        raise PiholeListsError(f"{var_name}: {item!r} must be a string or a mapping with '{key}'")
    unknown = sorted(set(item) - set(allowed) - {key})
    if unknown:
        raise PiholeListsError(f"{var_name}: {item!r} has unknown keys {unknown} (allowed: {[key, *allowed]})")
    value = item.get(key)
    if not isinstance(value, str) or not value.strip():
        raise PiholeListsError(f"{var_name}: {item!r} needs '{key}' (a non-empty string)")
    return item, value.strip()


def _comment(item, var_name):
    comment = item.get("comment")
    if comment is None:
        return ""
    if not isinstance(comment, str) or "\n" in comment:
        raise PiholeListsError(f"{var_name}: comment {comment!r} must be one line of text")
    return comment.strip()


def _group_names(item, var_name, known):
    groups = item.get("groups", [DEFAULT_GROUP])
    if isinstance(groups, str):
        groups = [g.strip() for g in groups.split(",") if g.strip()]
    if not isinstance(groups, (list, tuple)):
        raise PiholeListsError(f"{var_name}: groups of {item!r} must be a list of group names")
    for name in groups:
        if name != DEFAULT_GROUP and name not in known:
            raise PiholeListsError(
                f"{var_name}: group {name!r} of {item!r} is not 'Default' and not defined in pihole_groups"
            )
    return sorted(set(groups))


def normalize_groups(values, var_name="pihole_groups"):
    groups = {}
    for item in _as_list(values, var_name):
        item, name = _entry(item, var_name, "name", ("comment", "enabled"))
        if not _GROUP_RE.match(name) or name == DEFAULT_GROUP:
            raise PiholeListsError(
                f"{var_name}: {name!r} is not a group name the role may manage (no '/', '?', '#', '%', "
                f"at most 64 characters, not 'Default')"
            )
        if name in groups:
            raise PiholeListsError(f"{var_name}: group {name!r} is given twice")
        groups[name] = {
            "name": name,
            "comment": _comment(item, var_name),
            "enabled": _bool(item.get("enabled"), f"{var_name} ({name}).enabled"),
        }
    return groups


def check_domain(domain, var_name):
    text = domain.strip().lower().rstrip(".")
    if not _DOMAIN_RE.match(text):
        raise PiholeListsError(f"{var_name}: {domain!r} is not a domain name")
    return text


def check_regex(pattern, var_name):
    if any(c in pattern for c in " \t\n"):
        raise PiholeListsError(f"{var_name}: regex {pattern!r} may not contain spaces (FTL refuses them)")
    # FTL compiles POSIX extended regexes (with its own ;querytype= extensions);
    # Python's re is a stricter check of the common part.
    try:
        re.compile(pattern.split(";", 1)[0])
    except re.error as exc:
        raise PiholeListsError(f"{var_name}: regex {pattern!r} does not compile ({exc})") from None
    return pattern


def normalize_domains(values, groups, allow=None, deny=None, var_name="pihole_domains"):
    """Exact and regex rules; pihole_allowlist/pihole_denylist are exact rules in the Default group."""
    rules = {}

    def add(rule, source):
        key = (rule["domain"], rule["type"], rule["kind"])
        if key in rules:
            raise PiholeListsError(f"{source}: {rule['type']} {rule['kind']} {rule['domain']!r} is given twice")
        rules[key] = rule

    for item in _as_list(values, var_name):
        item, domain = _entry(item, var_name, "domain", ("type", "kind", "comment", "enabled", "groups"))
        rtype = str(item.get("type", "deny")).lower()
        kind = str(item.get("kind", "exact")).lower()
        if rtype not in DOMAIN_TYPES:
            raise PiholeListsError(f"{var_name}: type of {item!r} must be one of {list(DOMAIN_TYPES)}")
        if kind not in DOMAIN_KINDS:
            raise PiholeListsError(f"{var_name}: kind of {item!r} must be one of {list(DOMAIN_KINDS)}")
        domain = check_domain(domain, var_name) if kind == "exact" else check_regex(domain, var_name)
        add(
            {
                "domain": domain,
                "type": rtype,
                "kind": kind,
                "comment": _comment(item, var_name),
                "enabled": _bool(item.get("enabled"), f"{var_name} ({domain}).enabled"),
                "groups": _group_names(item, var_name, groups),
            },
            var_name,
        )
    for rtype, legacy, legacy_name in (("allow", allow, "pihole_allowlist"), ("deny", deny, "pihole_denylist")):
        for domain in _as_list(legacy, legacy_name):
            if not isinstance(domain, str):
                raise PiholeListsError(f"{legacy_name}: {domain!r} is not a domain name")
            domain = check_domain(domain, legacy_name)
            key = (domain, rtype, "exact")
            if key not in rules:
                rules[key] = {
                    "domain": domain,
                    "type": rtype,
                    "kind": "exact",
                    "comment": "",
                    "enabled": True,
                    "groups": [DEFAULT_GROUP],
                }
    return rules


def check_address(address, var_name):
    parsed = urllib.parse.urlsplit(address)
    if parsed.scheme not in LIST_SCHEMES or (parsed.scheme != "file" and not parsed.netloc):
        raise PiholeListsError(f"{var_name}: {address!r} is not an http(s):// or file:// URL")
    if any(c in address for c in " \t\n"):
        raise PiholeListsError(f"{var_name}: {address!r} may not contain spaces (FTL refuses them)")
    return address


def normalize_adlists(values, groups, var_name="pihole_adlists"):
    lists = {}
    for item in _as_list(values, var_name):
        item, address = _entry(item, var_name, "address", ("type", "comment", "enabled", "groups"))
        address = check_address(address, var_name)
        ltype = str(item.get("type", "block")).lower()
        if ltype not in LIST_TYPES:
            raise PiholeListsError(f"{var_name}: type of {item!r} must be one of {list(LIST_TYPES)}")
        key = (address, ltype)
        if key in lists:
            raise PiholeListsError(f"{var_name}: {ltype} list {address!r} is given twice")
        lists[key] = {
            "address": address,
            "type": ltype,
            "comment": _comment(item, var_name),
            "enabled": _bool(item.get("enabled"), f"{var_name} ({address}).enabled"),
            "groups": _group_names(item, var_name, groups),
        }
    return lists


def normalize_clients(values, groups, var_name="pihole_clients"):
    clients = {}
    for item in _as_list(values, var_name):
        item, client = _entry(item, var_name, "client", ("comment", "groups"))
        if not _CLIENT_RE.match(client):
            raise PiholeListsError(
                f"{var_name}: {client!r} is not a client (an IP address, a CIDR, a MAC address, a host name or "
                f":interface)"
            )
        if client in clients:
            raise PiholeListsError(f"{var_name}: client {client!r} is given twice")
        clients[client] = {
            "client": client,
            "comment": _comment(item, var_name),
            "groups": _group_names(item, var_name, groups),
        }
    return clients


def wanted_state(groups=None, adlists=None, domains=None, clients=None, allow=None, deny=None):
    """Every input validated, keyed the way plan() compares them."""
    wanted_groups = normalize_groups(groups)
    return {
        "groups": wanted_groups,
        "lists": normalize_adlists(adlists, wanted_groups),
        "domains": normalize_domains(domains, wanted_groups, allow=allow, deny=deny),
        "clients": normalize_clients(clients, wanted_groups),
    }


# --------------------------------------------------------------------------
# the plan
# --------------------------------------------------------------------------
def owned(row, marker=MARKER):
    comment = row.get("comment")
    return isinstance(comment, str) and comment.startswith(marker)


def our_comment(comment, marker=MARKER):
    return f"{marker}: {comment}" if comment else marker


def _q(text):
    return urllib.parse.quote(text, safe="")


def _row_groups(row, names):
    return sorted(names.get(gid, f"#{gid}") for gid in row.get("groups") or [])


def _key(kind, row):
    if kind == "lists":
        return (row["address"], row.get("type", "block"))
    if kind == "domains":
        return (row["domain"], row["type"], row["kind"])
    if kind == "clients":
        return row["client"]
    return row["name"]


def _path(kind, key):
    if kind == "lists":
        return f"/lists/{_q(key[0])}?type={key[1]}"
    if kind == "domains":
        return f"/domains/{key[1]}/{key[2]}/{_q(key[0])}"
    if kind == "clients":
        return f"/clients/{_q(key)}"
    return f"/groups/{_q(key)}"


def _collection(kind, key):
    if kind == "domains":
        return f"/domains/{key[1]}/{key[2]}"
    return f"/{kind}"


def _label(kind, key):
    if kind == "lists":
        return f"{key[1]} list {key[0]}"
    if kind == "domains":
        return f"{key[1]} {key[2]} {key[0]}"
    if kind == "clients":
        return f"client {key}"
    return f"group {key}"


def _comparable(kind, entry, marker):
    """The fields the role sets, in the form FTL answers them."""
    out = {"comment": our_comment(entry["comment"], marker)}
    if kind != "clients":
        out["enabled"] = entry["enabled"]
    if kind != "groups":
        out["groups"] = entry["groups"]
    return out


def _current_comparable(kind, row, names):
    out = {"comment": row.get("comment")}
    if kind != "clients":
        out["enabled"] = bool(row.get("enabled", True))
    if kind != "groups":
        out["groups"] = _row_groups(row, names)
    return out


def _body(kind, key, fields, new):
    body = dict(fields)
    if new:
        body[{"lists": "address", "domains": "domain", "clients": "client", "groups": "name"}[kind]] = (
            key[0] if isinstance(key, tuple) else key
        )
    if kind == "lists":
        # FTL needs the type in every write to /api/lists (list.c, api_list_write).
        body["type"] = key[1]
    return body


def plan(wanted, current, marker=MARKER):
    """The API calls that bring the role's entries to ``wanted``.

    ``current`` holds the rows FTL answered: {"groups": [...], "lists": [...],
    "domains": [...], "clients": [...]}. Returns {"ops": [...], "kept": [...],
    "gravity": bool, "before": [...], "after": [...]}; each op is
    {"method", "path", "body", "kind", "label"}, its ``groups`` given as group
    names (the module maps them to ids when it sends the call: a group the
    plan creates has no id yet). Order: groups are made first and removed
    last, so no entry points at a missing group.
    """
    names = {g["id"]: g["name"] for g in current.get("groups") or [] if "id" in g}
    ops_first, ops_entries, ops_last, kept = [], [], [], []
    before, after = [], []
    gravity = False
    for kind in ("groups", "lists", "domains", "clients"):
        rows = {}
        for row in current.get(kind) or []:
            rows.setdefault(_key(kind, row), row)
        want = wanted.get(kind) or {}
        for key, row in sorted(rows.items(), key=lambda kv: str(kv[0])):
            if owned(row, marker):
                before.append(_describe(kind, key, _current_comparable(kind, row, names)))
        for key, entry in sorted(want.items(), key=lambda kv: str(kv[0])):
            fields = _comparable(kind, entry, marker)
            row = rows.get(key)
            if row is not None and not owned(row, marker):
                kept.append(_label(kind, key))
                continue
            after.append(_describe(kind, key, fields))
            if row is None:
                op = {"method": "POST", "path": _collection(kind, key), "body": _body(kind, key, fields, True)}
            elif _current_comparable(kind, row, names) != fields:
                op = {"method": "PUT", "path": _path(kind, key), "body": _body(kind, key, fields, False)}
            else:
                if kind == "lists" and entry["enabled"] and not row.get("date_updated"):
                    # Added before but never downloaded (a gravity run failed).
                    gravity = True
                continue
            op.update(kind=kind, label=_label(kind, key))
            (ops_first if kind == "groups" else ops_entries).append(op)
            gravity = gravity or kind == "lists"
        for key, row in sorted(rows.items(), key=lambda kv: str(kv[0])):
            if key in want or not owned(row, marker):
                continue
            op = {"method": "DELETE", "path": _path(kind, key), "body": None, "kind": kind, "label": _label(kind, key)}
            (ops_last if kind == "groups" else ops_entries).append(op)
            gravity = gravity or kind == "lists"
    return {
        "ops": ops_first + ops_entries + ops_last,
        "kept": kept,
        "gravity": gravity,
        "before": sorted(before),
        "after": sorted(after),
    }


def _describe(kind, key, fields):
    parts = [_label(kind, key)]
    if "groups" in fields:
        parts.append("groups=" + ",".join(fields["groups"]))
    if fields.get("enabled") is False:
        parts.append("disabled")
    return " ".join(parts)


def resolve_groups(body, group_ids):
    """The body of an op with its group names replaced by FTL's group ids."""
    if not body or "groups" not in body:
        return body
    missing = [n for n in body["groups"] if n not in group_ids]
    if missing:
        raise PiholeListsError(f"Pi-hole has no group {missing[0]!r} (it was to be created first)")
    out = dict(body)
    out["groups"] = sorted(group_ids[n] for n in body["groups"])
    return out


def group_ids(rows):
    return {g["name"]: g["id"] for g in rows or [] if "name" in g and "id" in g}
