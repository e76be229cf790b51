# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The backup role's no-op read (roles/backup/files/backup-read.sh, run with raw), judged on the controller.

The facts the role's tasks act on, as backup_facts returns them (packages, timers, timers_down,
repository_initialised, paths), and whether its files task would change nothing (files_in_place, judged as
_file_state judges). Plain functions (stdlib only), unit-tested on a recorded read.
"""

from __future__ import annotations

import os

from ansible_collections.homelab.ai_stack.plugins.module_utils import _backup, _file_state


def _keyed(lines):
    keyed = {}
    for line in lines or []:
        key, _sep, value = str(line).rstrip("\r\n").partition("=")
        keyed.setdefault(key, []).append(value)
    return keyed


def read_state(lines, packages, timers, dirs, files, optional=()):
    """The facts of the read's lines, for PACKAGES, TIMERS and DIRS, and files_in_place for the files task's
    entries FILES (root, 0644, directories 0755) plus the OPTIONAL ones whose directory exists; in_place when
    the files are in place, the repository recorded, every package installed and no timer down."""
    keyed = _keyed(lines)
    seen = _file_state.parse_split(keyed.get("have", []), keyed.get("sha", []))
    installed = _backup.parse_dpkg_installed("\n".join(keyed.get("pkg", [])))
    status = _backup.parse_systemctl_show("\n".join(keyed.get("unit", [])))
    found = set(keyed.get("dir", []))
    summary = {name: _backup.unit_summary(status.get(name)) for name in timers}
    down = [name for name in timers if not summary[name]["enabled"]]
    entries = list(files) + [e for e in optional if os.path.dirname(str(e.get("dest", ""))) in found]
    facts = {
        "packages": {name: installed.get(name, False) for name in packages},
        "timers": summary,
        "timers_down": down + [name for name in timers if name not in down and not summary[name]["active"]],
        "repository_initialised": keyed.get("repository") == ["initialised"],
        "paths": {path: path in found for path in dirs},
        "files_in_place": _file_state.in_place(entries, seen, "root", "root", "0644", "0755"),
    }
    facts["in_place"] = (
        facts["files_in_place"]
        and facts["repository_initialised"]
        and not facts["timers_down"]
        and all(facts["packages"].values())
    )
    return facts
