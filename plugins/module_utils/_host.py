# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Host facts: parsers for ss, ip -j, getent, systemctl show, and path probes.

Plain functions over text so that every recorded output can be tested
directly; the probes (:func:`storage_info`, :func:`path_info`,
:func:`pending_markers`) read the file system and take a root to test with.
Stdlib only: this runs on the target with Python >= 3.9.

This is the one ``ss`` parser of the collection (:func:`parse_ss`) and the
one port check (:func:`ports_held`): the common pre-flight and the roles that
bind ports (nginx, pihole) use them through the host_facts module and the
``ports_held`` filter.
"""

from __future__ import annotations

import grp
import json
import os
import pwd
import re
import stat

# The processes that publish the stack's own ports: a port they hold is the
# stack's, not something in its way.
STACK_PROCESSES = ("docker-proxy",)

# Addresses a listener binds to that cover every address of the host.
WILDCARDS = ("0.0.0.0", "*", "::")

_USERS_RE = re.compile(r'users:\(\("((?:[^"\\]|\\.)*)"')


def _split_local(local):
    """``127.0.0.53%lo:53`` -> (``127.0.0.53``, 53); ``[::1]:9091`` -> (``::1``, 9091)."""
    address, _dummy, port = local.rpartition(":")
    address = address.split("%", 1)[0]
    if address.startswith("[") and address.endswith("]"):
        address = address[1:-1]
    try:
        port = int(port)
    except ValueError:
        port = None
    return address, port


def parse_ss(text):
    """Parse ``ss -H -l -n -t -u -p`` output into listener dicts.

    Each listener is ``{proto, address, port, process}``: proto ``tcp`` or
    ``udp``; address without the ``%iface`` scope or the IPv6 brackets (``*``
    stays ``*``); port an int; process the first process name of the
    ``users:`` column, or None when ss does not show it (another network
    namespace, no privilege). Lines that are not sockets are skipped.
    """
    listeners = []
    seen = set()
    for line in (text or "").splitlines():
        fields = line.split()
        if len(fields) < 5 or fields[0] not in ("tcp", "udp"):
            continue
        address, port = _split_local(fields[4])
        if port is None:
            continue
        match = _USERS_RE.search(line)
        process = match.group(1) if match else None
        key = (fields[0], address, port, process)
        if key in seen:
            continue
        seen.add(key)
        listeners.append({"proto": fields[0], "address": address, "port": port, "process": process})
    return listeners


def parse_ip_addr(text):
    """Parse ``ip -j -4 addr show`` into ``(interfaces, addresses)``.

    ``interfaces`` maps each interface name to its IPv4 addresses (interfaces
    without one are left out); ``addresses`` lists every IPv4 address in the
    order ip prints them.
    """
    data = json.loads(text) if (text or "").strip() else []
    interfaces = {}
    addresses = []
    for link in data:
        name = link.get("ifname")
        local = [a["local"] for a in link.get("addr_info", []) if a.get("family", "inet") == "inet" and a.get("local")]
        if name and local:
            interfaces.setdefault(name, []).extend(local)
            addresses.extend(local)
    return interfaces, addresses


def parse_ip_route(text):
    """Parse ``ip -j -4 route show`` into its list of route dicts (as ip prints them)."""
    return json.loads(text) if (text or "").strip() else []


def parse_getent_group(text):
    """``getent group docker`` -> the member names (``[]`` for none), or None when there is no group."""
    line = (text or "").strip().splitlines()
    if not line:
        return None
    parts = line[0].split(":")
    if len(parts) < 4:
        return None
    return [m for m in parts[3].split(",") if m]


def parse_df(text):
    """``df -Pk PATH`` -> ``{filesystem, available_kb, mount}`` of its first data line, or None."""
    lines = (text or "").strip().splitlines()
    if len(lines) < 2:
        return None
    fields = lines[1].split()
    if len(fields) < 6:
        return None
    return {"filesystem": fields[0], "available_kb": int(fields[3]), "mount": " ".join(fields[5:])}


def parse_systemctl_show(text, names):
    """Parse ``systemctl show --property=Id,LoadState,ActiveState,UnitFileState UNIT...``.

    systemctl prints one block per unit, in the order asked, separated by an
    empty line. Returns ``{name: {active, enabled}}`` for each of ``names``:
    ``active`` is the ActiveState (``active``, ``inactive``, ``failed``...) or
    ``absent`` when the unit is not installed (LoadState ``not-found``);
    ``enabled`` is the UnitFileState (``enabled``, ``disabled``...) or
    ``absent``.
    """
    blocks = []
    current = {}
    for line in (text or "").splitlines():
        if not line.strip():
            if current:
                blocks.append(current)
                current = {}
            continue
        key, _dummy, value = line.partition("=")
        current[key.strip()] = value.strip()
    if current:
        blocks.append(current)
    result = {}
    for name, block in zip(names, blocks, strict=False):
        if block.get("LoadState", "not-found") == "not-found":
            result[name] = {"active": "absent", "enabled": "absent"}
        else:
            result[name] = {
                "active": block.get("ActiveState") or "unknown",
                "enabled": block.get("UnitFileState") or "unknown",
            }
    for name in names:
        result.setdefault(name, {"active": "absent", "enabled": "absent"})
    return result


def _nearest_existing(path):
    probe = path
    while not os.path.lexists(probe):
        parent = os.path.dirname(probe)
        if parent == probe:
            break
        probe = parent
    return probe


def storage_info(path):
    """Free space and writability of ``path``, or of its nearest existing parent when it is missing.

    ``{path, exists, kind (dir|notdir|absent), probed, free_kb, free_gb, writable}``:
    ``probed`` is the directory whose file system was measured (the path, or
    the parent it would be created in), ``writable`` whether that directory
    is writable (so the path can be created), free space as ``df -Pk``
    reports it as available (blocks available to unprivileged users).
    """
    probed = _nearest_existing(path)
    if os.path.isdir(path):
        kind = "dir"
    elif os.path.lexists(path):
        kind = "notdir"
    else:
        kind = "absent"
    try:
        st = os.statvfs(probed)
        free_kb = st.f_bavail * st.f_frsize // 1024
    except OSError:
        free_kb = 0
    writable = os.access(probed, os.W_OK) and not _read_only(probed)
    return {
        "path": path,
        "exists": kind != "absent",
        "kind": kind,
        "probed": probed,
        "free_kb": free_kb,
        "free_gb": round(free_kb / 1048576.0, 1),
        "writable": bool(writable),
    }


def _read_only(path):
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return True


def _name(lookup, ident):
    try:
        return lookup(ident)[0]
    except KeyError:
        return str(ident)


def path_info(path):
    """``{exists, type, mode, owner, group, uid, gid}`` of ``path`` (lstat: a symlink is a link)."""
    try:
        st = os.lstat(path)
    except OSError:
        return {"exists": False, "type": "absent", "mode": None, "owner": None, "group": None, "uid": None, "gid": None}
    if stat.S_ISDIR(st.st_mode):
        kind = "directory"
    elif stat.S_ISREG(st.st_mode):
        kind = "file"
    elif stat.S_ISLNK(st.st_mode):
        kind = "link"
    else:
        kind = "other"
    return {
        "exists": True,
        "type": kind,
        "mode": f"{stat.S_IMODE(st.st_mode):04o}",
        "owner": _name(pwd.getpwuid, st.st_uid),
        "group": _name(grp.getgrgid, st.st_gid),
        "uid": st.st_uid,
        "gid": st.st_gid,
    }


def pending_markers(directory):
    """The restart markers left in ``directory`` (sorted file names), ``[]`` when there is none."""
    try:
        return sorted(n for n in os.listdir(directory) if not n.startswith("."))
    except OSError:
        return []


def ports_held(listeners, wanted, address=None, ignore_processes=STACK_PROCESSES):
    """The listeners in the way of binding ``wanted`` ports on ``address``.

    ``listeners``: what :func:`parse_ss` returns (the ``listeners`` of the
    host facts). ``wanted``: ``port/proto`` strings (``53/udp``) or ints
    (tcp). A listener is in the way when it has a wanted port and protocol,
    listens on ``address`` or on a wildcard (``0.0.0.0``, ``*``, ``::``), or
    on any address when ``address`` is empty, and its process is not one of
    ``ignore_processes`` (a listener whose process ss could not see counts:
    it may be anything). Returns sorted unique
    ``"addr:port/proto (process)"`` strings, the process ``unknown`` when not
    shown.
    """
    want = set()
    for item in wanted or []:
        text = str(item).strip().lower()
        port, _dummy, proto = text.partition("/")
        want.add((int(port), proto or "tcp"))
    ignored = set(ignore_processes or [])
    held = set()
    for lst in listeners or []:
        if (int(lst["port"]), lst["proto"]) not in want:
            continue
        if address and lst["address"] not in (address, *WILDCARDS):
            continue
        process = lst.get("process")
        if process in ignored:
            continue
        held.add("{}:{}/{} ({})".format(lst["address"], lst["port"], lst["proto"], process or "unknown"))
    return sorted(held)


# What setup's distribution collector reports for the IDs of os-release(5)
# this collection targets (and their close relatives); os_family groups them.
_DISTRIBUTIONS = {
    "debian": "Debian",
    "ubuntu": "Ubuntu",
    "raspbian": "Debian",
    "fedora": "Fedora",
    "rhel": "RedHat",
    "centos": "CentOS",
    "rocky": "Rocky",
    "almalinux": "AlmaLinux",
    "ol": "OracleLinux",
}
_FAMILIES = {
    "debian": "Debian",
    "ubuntu": "Debian",
    "raspbian": "Debian",
    "fedora": "RedHat",
    "rhel": "RedHat",
    "centos": "RedHat",
}
_VERSION_RE = re.compile(r"^\d+(\.\d+)*$")
_PARENS_RE = re.compile(r"\(([^)]+)\)")


def parse_os_release(text):
    """``/etc/os-release`` as a dict (quotes removed, comments and blank lines skipped)."""
    out = {}
    for line in (text or "").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        out[key.strip()] = value
    return out


def platform_facts(os_release, debian_version="", architecture="", python=None):
    """The platform facts of setup's ``min`` subset that the roles read, under setup's names.

    ``os_release`` is the text of ``/etc/os-release``, ``debian_version`` that of
    ``/etc/debian_version`` (Debian's point release: setup reports ``13.8``, not ``13``).
    Returns ``os_family``, ``distribution``, ``distribution_version``,
    ``distribution_major_version``, ``distribution_release``, ``architecture`` and
    ``python`` (when given).
    """
    info = parse_os_release(os_release)
    ident = info.get("ID", "").lower()
    likes = info.get("ID_LIKE", "").lower().split()
    distribution = _DISTRIBUTIONS.get(ident) or info.get("NAME") or "NA"
    family = _FAMILIES.get(ident) or next((_FAMILIES[like] for like in likes if like in _FAMILIES), distribution)
    version = info.get("VERSION_ID", "")
    point = (debian_version or "").strip()
    if ident == "debian" and _VERSION_RE.match(point):
        version = point
    release = info.get("VERSION_CODENAME") or info.get("UBUNTU_CODENAME") or ""
    if not release and ident != "fedora":
        match = _PARENS_RE.search(info.get("VERSION", ""))
        release = match.group(1) if match else ""
    facts = {
        "os_family": family,
        "distribution": distribution,
        "distribution_version": version or "NA",
        "distribution_major_version": version.split(".")[0] if version else "NA",
        "distribution_release": release or ("" if ident == "fedora" else "NA"),
        "architecture": architecture,
    }
    if python is not None:
        facts["python"] = python
    return facts


def read_platform(root="/"):
    """:func:`platform_facts` of the running host (``root`` for tests), with this interpreter as ``python``."""
    import platform
    import sys

    def _read(path):
        try:
            with open(os.path.join(root, path.lstrip("/")), encoding="utf-8") as handle:
                return handle.read()
        except OSError:
            return ""

    version = sys.version_info
    python = {
        "executable": sys.executable,
        "type": sys.implementation.name.capitalize() if sys.implementation.name != "cpython" else "CPython",
        "version": {
            "major": version.major,
            "minor": version.minor,
            "micro": version.micro,
            "releaselevel": version.releaselevel,
            "serial": version.serial,
        },
        "version_info": list(version),
    }
    text = _read("/etc/os-release") or _read("/usr/lib/os-release")
    return platform_facts(text, _read("/etc/debian_version"), platform.machine(), python)
