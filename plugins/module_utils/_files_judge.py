# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether a ``homelab.ai_stack.files`` run would change nothing, judged on the host by a role's read module.

A role whose read module already runs on a no-op (``backup_facts``, ``firewalld_port_sources``) hands it the
entries its files task would write (a ``no_log`` option: they may hold secrets) and skips the files run when
:func:`in_place` says every one is as wanted. The judgement is the files module's own (``_files.normalize``,
``observe``, ``reasons``), so a skipped run is one that would have written nothing; only a boolean comes back,
never a digest of a secret. Plain functions (stdlib only), unit-tested.
"""

from __future__ import annotations

import json
import os

from ansible_collections.homelab.ai_stack.plugins.module_utils import _files


def in_place(
    files,
    optional=None,
    owner=None,
    group=None,
    mode=None,
    directory_mode=None,
    pending=None,
    pending_dir="/var/lib/ai-stack/pending",
):
    """True when a files run of ``files`` (with the set's defaults) would change nothing.

    ``optional`` entries count only where the directory of their ``dest`` exists (the role writes them only
    there). A restart marker ``pending`` left in ``pending_dir`` (a run killed before its handler) means the
    files run must run again, to report it. An entry the files module would refuse, an owner the host does not
    know or anything unreadable counts as out of place: the files run then decides.
    """
    entries = list(files or [])
    entries += [entry for entry in optional or [] if os.path.isdir(os.path.dirname(str(entry.get("dest", ""))))]
    if pending and os.path.lexists(os.path.join(pending_dir, pending)):
        return False
    try:
        plan = _files.normalize(entries, owner, group, mode, directory_mode, lenient_ids=True)
        for item in plan:
            state = item["state"]
            seen = _files.observe(item["dest"], read_content=state != "directory", follow=state != "absent")
            if _files.refusal(item, seen) or _files.reasons(item, seen):
                return False
    except (_files.FilesError, OSError):
        return False
    return True


def judge(wanted):
    """:func:`in_place` of a read module's ``wanted_files`` option: the arguments of the role's files task.

    A JSON document (or its dict): ``files`` and ``optional`` are entry lists; ``owner``, ``group``, ``mode``,
    ``directory_mode`` the set's defaults; ``pending`` the task's restart marker (in ``pending_dir``). The
    modules take it as one ``no_log`` string, so that Ansible hides it whole: a ``no_log`` dict would have every
    value in it (``root``, ``0644``, a path) masked wherever it appears in the module's result. A malformed
    option is out of place.
    """
    if isinstance(wanted, str):
        try:
            wanted = json.loads(wanted)
        except ValueError:
            return False
    if not isinstance(wanted, dict):
        return False
    files, optional = wanted.get("files") or [], wanted.get("optional") or []
    if not isinstance(files, list) or not isinstance(optional, list):
        return False
    if not all(isinstance(entry, dict) for entry in files + optional):
        return False
    keys = ("owner", "group", "mode", "directory_mode", "pending")
    kwargs = {key: (None if wanted.get(key) in (None, "") else str(wanted[key])) for key in keys}
    pending_dir = str(wanted.get("pending_dir") or "/var/lib/ai-stack/pending")
    return in_place(files, optional, pending_dir=pending_dir, **kwargs)
