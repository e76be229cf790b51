# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether a homelab.ai_stack.files run would change nothing, judged from a read the role already made.

A role's one read command prints, for each path it writes, ``PATH KIND MODE OWNER GROUP [SHA1]`` (``KIND``
``d`` for a directory, ``f`` for a regular file with the SHA-1 of its content, ``link`` or ``other``;
nothing for a missing path). :func:`in_place` compares them with the
entries of the files task. Anything it cannot judge (a numeric owner, an entry with ``src``, a link) counts
as out of place, so the files run then decides; a skipped run is only ever one that would change nothing.
"""

from __future__ import annotations

import hashlib
import json


def parse(lines):
    """``{path: [kind, mode, owner, group, sha1?]}`` from the read's lines (without any prefix)."""
    have = {}
    for line in lines or []:
        path, *seen = str(line).split()
        have[path] = seen
    return have


def parse_split(have_lines, sha_lines):
    """:func:`parse` of a read that prints ``PATH KIND MODE OWNER GROUP`` (``find -printf '%p %y %m %u %g'``:
    kind ``l`` for a link) and, apart, ``PATH SHA1`` (``sha1sum``, reordered) of the regular files it hashed."""
    have = parse(have_lines)
    for line in sha_lines or []:
        path, _sep, digest = str(line).rpartition(" ")
        if have.get(path, [])[:1] == ["f"]:
            have[path] = [*have[path][:4], digest]
    return have


def _mode(value):
    try:
        return int(str(value), 8)
    except ValueError:
        return None


def sha1(content):
    if isinstance(content, (dict, list)):
        content = json.dumps(content)  # as the files action writes data given as content
    return hashlib.sha1(str(content).encode("utf-8")).hexdigest()


def in_place(entries, have, owner="root", group="root", mode="0644", directory_mode="0755"):
    """True when every entry (dest, state file/directory/absent, content, force, mode, owner, group) is as seen.

    A mode of None (the entry's and the default) is not compared, as the files module leaves it alone.
    """
    for entry in entries or []:
        dest, state = entry.get("dest"), entry.get("state") or "file"
        seen = have.get(dest)
        if state == "absent":
            if seen is not None:
                return False
            continue
        if "src" in entry or state not in ("file", "directory") or not seen:
            return False
        want_mode = entry.get("mode") or (directory_mode if state == "directory" else mode)
        want = [
            "d" if state == "directory" else "f",
            None if want_mode is None else _mode(want_mode),
            entry.get("owner", owner),
            entry.get("group", group),
        ]
        if len(seen) < 4 or [seen[0], None if want_mode is None else _mode(seen[1]), seen[2], seen[3]] != want:
            return False
        # force false: an existing file keeps its content (the files module's rule).
        if state == "file" and entry.get("force", True) is not False and seen[4:] != [sha1(entry.get("content", ""))]:
            return False
    return True
