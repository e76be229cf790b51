# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Directory trees below one root: the checks and the plan the ``directories`` module applies.

Plain functions (stdlib only) so that the rules are unit-tested without a host:
every listed path is relative, made of plain name segments, and stays below
the root even through symlinks that already exist on the host; parents come
before their children; and the directories that do not exist yet are known
before anything is created (what check mode reports). ``ensure`` applies a
plan with an AnsibleModule (the ``directories`` module, and ``compose_project``
for the data directories of a project).
"""

from __future__ import annotations

import grp
import hashlib
import os
import posixpath
import pwd
import re
import stat

_SEGMENT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]*$")
_MODE = re.compile(r"^0?[0-7]{3}$")


# The argument spec of a list of directories, shared by the modules that take one
# (directories: paths; compose_project: directories.paths).
PATHS_SPEC = {
    "type": "list",
    "elements": "dict",
    "default": [],
    "options": {
        "path": {"type": "str", "required": True},
        "owner": {"type": "str", "default": "root"},
        "group": {"type": "str", "default": "root"},
        "mode": {"type": "str", "default": "0755"},
    },
}


class DirsError(ValueError):
    """An input the module must refuse before it touches the host."""


def normalize(root, entries):
    """Check ``root`` and the ``entries`` and return them as a plan.

    ``entries`` are dicts with ``path`` (relative to root; ``.`` is the root
    itself), ``owner``, ``group`` and ``mode`` (an octal string). Returns a list
    of dicts with ``path`` (absolute), ``rel``, ``owner``, ``group`` and ``mode``,
    sorted so that every parent comes before its children. The same path twice
    with different attributes is an error; twice with the same is once.
    """
    if not isinstance(root, str) or not root.startswith("/"):
        raise DirsError(f"root must be an absolute path, got {root!r}")
    if ".." in root.split("/"):
        raise DirsError(f"root must not contain '..', got {root!r}")
    root = posixpath.normpath(root)
    if root == "/":
        raise DirsError("root must not be /")
    plan = {}
    for index, entry in enumerate(entries):
        rel = str(entry.get("path", ""))
        where = f"paths[{index}] ({rel!r})"
        if rel in ("", "."):
            rel = "."
        else:
            if rel.startswith("/"):
                raise DirsError(f"{where}: must be relative to root {root}")
            rel = rel.rstrip("/")
            bad = [seg for seg in rel.split("/") if not _SEGMENT.match(seg)]
            if bad:
                raise DirsError(f"{where}: segment {bad[0]!r} is not a plain name (letters, digits, . _ -, no '..')")
        mode = str(entry.get("mode", "0755"))
        if not _MODE.match(mode):
            raise DirsError(f"{where}: mode {mode!r} is not an octal mode such as '0755'")
        item = {
            "path": root if rel == "." else f"{root}/{rel}",
            "rel": rel,
            "owner": str(entry.get("owner", "root")),
            "group": str(entry.get("group", "root")),
            "mode": mode.zfill(4),
        }
        seen = plan.get(item["path"])
        if seen is not None and seen != item:
            raise DirsError(f"{where}: listed twice with different owner, group or mode")
        plan[item["path"]] = item
    return sorted(plan.values(), key=lambda item: (item["path"].count("/"), item["path"]))


def within(root, path, realpath=os.path.realpath):
    """True when ``path`` resolves (existing symlinks followed) to ``root`` or below it."""
    real_root = realpath(root)
    real = realpath(path)
    return real == real_root or real.startswith(real_root.rstrip("/") + "/")


def missing(plan, exists=os.path.lexists):
    """Every directory the plan would create, parents first: listed paths and the unlisted ones between."""
    out = []
    for item in plan:
        chain = []
        path = item["path"]
        while not exists(path) and path not in out and path != "/":
            chain.append(path)
            path = posixpath.dirname(path)
        out.extend(reversed(chain))
    return out


def owner_id(name, lookup):
    """A uid/gid from a name or a number; None when the name is unknown."""
    if str(name).isdigit():
        return int(name)
    try:
        return lookup(str(name))[2]
    except KeyError:
        return None


def out_of_place(root, entries):
    """Why ``ensure`` would change something (a missing path, a wrong owner, group or mode); empty when nothing.

    Reads only. Anything ``ensure`` would refuse (bad input, a path outside the
    root, a path that is not a directory) is a reason too, so the run that
    reports it is not skipped.
    """
    try:
        plan = normalize(root, entries)
    except DirsError as exc:
        return [str(exc)]
    reasons = [f"{path}: missing" for path in missing(plan)]
    for item in plan:
        path = item["path"]
        if f"{path}: missing" in reasons:
            continue
        if not within(os.path.normpath(root), path) or not os.path.isdir(path):
            reasons.append(f"{path}: not a directory below {root}")
            continue
        st = os.stat(path)
        want = (owner_id(item["owner"], pwd.getpwnam), owner_id(item["group"], grp.getgrnam), item["mode"])
        have = (st.st_uid, st.st_gid, f"{stat.S_IMODE(st.st_mode):04o}")
        if want != have:
            wanted = f"{item['owner']}:{item['group']} {item['mode']}"
            reasons.append(f"{path}: {have[0]}:{have[1]} {have[2]}, wanted {wanted}")
    return reasons


def ensure(module, root, entries, label="paths"):
    """Make the tree ``entries`` below ``root`` exist with its owner, group and mode.

    ``module`` is the AnsibleModule that runs (check mode, --diff, file
    attributes, fail_json); ``label`` starts every error message. Refuses bad
    input, paths that resolve outside ``root`` and paths that are not
    directories before it changes anything. Returns ``changed``, ``created``
    (parents first; in check mode what would be), ``updated``, ``paths``,
    ``root`` and, with --diff and a change, ``diff``.
    """
    try:
        plan = normalize(root, entries)
    except DirsError as exc:
        module.fail_json(msg=f"{label}: {exc}")
    root = os.path.normpath(root)
    outside = [item["rel"] for item in plan if not within(root, item["path"])]
    if outside:
        module.fail_json(msg=f"{label} {outside} resolve outside {root} through a symlink on the host: refusing")
    not_dirs = [item["path"] for item in plan if os.path.lexists(item["path"]) and not os.path.isdir(item["path"])]
    if not_dirs:
        module.fail_json(msg=f"{label}: {not_dirs} exist and are not directories")

    created = missing(plan)
    updated = []
    before, after = [], []
    for item in plan:
        is_new = item["path"] in created
        if is_new and not module.check_mode:
            os.makedirs(item["path"], mode=0o755, exist_ok=True)
        if not (is_new and module.check_mode):
            args = module.load_file_common_arguments(
                # follow: a listed path that is a symlink to a directory below root (the
                # storage root on a ZFS mountpoint, say) gets the attributes on the directory.
                {
                    "path": item["path"],
                    "owner": item["owner"],
                    "group": item["group"],
                    "mode": item["mode"],
                    "follow": True,
                }
            )
            diff = {"before": {}, "after": {}}
            changed = module.set_fs_attributes_if_different(args, False, diff=diff, expand=False)
            if changed and not is_new:
                updated.append(item["path"])
                before.append(f"{item['path']}: {diff['before']}")
                after.append(f"{item['path']}: {diff['after']}")
        if is_new:
            before.append(f"{item['path']}: absent")
            after.append(f"{item['path']}: directory {item['owner']}:{item['group']} {item['mode']}")
    result = {
        "changed": bool(created or updated),
        "created": created,
        "updated": updated,
        "paths": [item["path"] for item in plan],
        "root": root,
    }
    if module._diff and result["changed"]:
        result["diff"] = {"before": "\n".join(before) + "\n", "after": "\n".join(after) + "\n"}
    return result


def survey(root, names, depth=2):
    """The entries named ``names`` below ``root``, as ansible.builtin.find reports them (no symlinks followed).

    One dict per match within ``depth`` levels (``root/a`` is level 1): path,
    islnk, isreg, mode (``'0640'``), uid, gid, size and, for a regular file,
    checksum (SHA-1, as find's get_checksum). Sorted by path; empty when
    ``root`` does not exist.
    """
    wanted = set(names or [])
    out = []
    root = os.path.normpath(root)
    if not wanted or not os.path.isdir(root):
        return out
    base = root.count(os.sep)
    for current, dirs, files in os.walk(root):
        level = current.count(os.sep) - base + 1
        if level >= depth:
            dirs[:] = []
        for name in sorted(dirs + files):
            if name not in wanted:
                continue
            path = os.path.join(current, name)
            st = os.lstat(path)
            entry = {
                "path": path,
                "islnk": stat.S_ISLNK(st.st_mode),
                "isreg": stat.S_ISREG(st.st_mode),
                "mode": f"{stat.S_IMODE(st.st_mode):04o}",
                "uid": st.st_uid,
                "gid": st.st_gid,
                "size": st.st_size,
            }
            if entry["isreg"]:
                digest = hashlib.sha1()  # the checksum find reports, not a security hash
                with open(path, "rb") as f:
                    for chunk in iter(lambda: f.read(65536), b""):
                        digest.update(chunk)
                entry["checksum"] = digest.hexdigest()
            out.append(entry)
    return sorted(out, key=lambda e: e["path"])


def read_texts(root, rels, limit=65536):
    """relative path -> text of the regular files ``rels`` below ``root`` that exist (not symlinks; ``limit`` bytes)."""
    out = {}
    for rel in rels or []:
        path = os.path.join(os.path.normpath(root), rel)
        if os.path.isfile(path) and not os.path.islink(path) and within(root, path):
            with open(path, "rb") as f:
                out[rel] = f.read(limit).decode("utf-8", errors="replace")
    return out
