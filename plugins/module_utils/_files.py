# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether a file on the host differs from what a role wants: the ``file_differs`` filter.

A re-run of the stack reads each role's files with one ``ansible.builtin.find``
(checksums, modes, owners) and lets a copy, template or file task run only for
a path whose state differs. A copy or template costs two module runs even when
nothing changes; this costs none. Plain functions (stdlib only), unit-tested.
"""

from __future__ import annotations

import hashlib

STATES = ("file", "directory", "absent")


class FilesError(ValueError):
    """An input the filter refuses (a bug in the calling task, not on the host)."""


def mode_bits(mode, what="mode"):
    """An octal mode as an int: '0644', '644', 0o644 (an int is taken as bits, as Ansible does)."""
    if isinstance(mode, bool):
        raise FilesError(f"{what} must be an octal string such as '0644', got {mode!r}")
    if isinstance(mode, int):
        bits = mode
    elif isinstance(mode, str) and mode.isdigit() and set(mode) <= set("01234567"):
        bits = int(mode, 8)
    else:
        raise FilesError(f"{what} must be an octal string such as '0644', got {mode!r}")
    if not 0 <= bits <= 0o7777:
        raise FilesError(f"{what} {mode!r} is out of range")
    return bits


def index_found(found):
    """path -> entry of an ``ansible.builtin.find`` result (or of its ``files`` list)."""
    if isinstance(found, dict):
        if found.get("skipped"):
            raise FilesError("the find result was skipped: read the files before comparing them")
        entries = found.get("files")
        if entries is None:
            raise FilesError("expected the registered result of ansible.builtin.find (it has no 'files')")
    elif isinstance(found, (list, tuple)):
        entries = found
    else:
        raise FilesError(f"expected the registered result of ansible.builtin.find, got {type(found).__name__}")
    return {entry["path"]: entry for entry in entries}


def content_checksum(content):
    """The sha1 that ``find``/``stat`` report for a file holding ``content`` (written as UTF-8)."""
    data = content if isinstance(content, bytes) else str(content).encode("utf-8")
    return hashlib.sha1(data).hexdigest()  # nosec B324 - matches find's checksum_algorithm sha1


def differences(found, path, content=None, mode=None, owner=None, group=None, state="file"):
    """What differs between ``path`` in ``found`` and the wanted state, as short reasons.

    An empty list means the host already holds the wanted state. ``content``,
    ``mode``, ``owner`` and ``group`` are compared only when given.
    """
    if state not in STATES:
        raise FilesError(f"state must be one of {', '.join(STATES)}, got {state!r}")
    if not isinstance(path, str) or not path.startswith("/"):
        raise FilesError(f"path must be absolute, got {path!r}")
    entry = index_found(found).get(path.rstrip("/") or "/")
    if state == "absent":
        return ["present"] if entry is not None else []
    if entry is None:
        return ["missing"]
    reasons = []
    is_dir = bool(entry.get("isdir"))
    if (state == "directory") != is_dir:
        reasons.append("is a directory" if is_dir else "is not a directory")
        return reasons
    if content is not None:
        if state == "directory":
            raise FilesError("content is for files, not directories")
        if "checksum" in entry:
            if entry["checksum"] != content_checksum(content):
                reasons.append("content")
        elif "content_differs" in entry:
            # A secret file compared on the host (compose_state's contents):
            # no checksum of it is returned, only this answer.
            if entry["content_differs"]:
                reasons.append("content")
        else:
            raise FilesError(f"the find result has no checksum for {path}: set get_checksum: true")
    if mode is not None and mode_bits(entry.get("mode", "")) != mode_bits(mode):
        reasons.append(f"mode {entry.get('mode')}")
    if owner is not None and entry.get("pw_name") != owner:
        reasons.append(f"owner {entry.get('pw_name')}")
    if group is not None and entry.get("gr_name") != group:
        reasons.append(f"group {entry.get('gr_name')}")
    return reasons
