# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Files on the host: the ``files`` module's logic.

The ``homelab.ai_stack.files`` module writes every file of one concern in one module
run: normalize() checks the entries and fills the set's defaults, observe() reads a
path once, reasons() says what differs, describe() makes a diff that never shows a
secret, stage_file()/write_file() write atomically with owner, group and mode, and
restore() puts back what observe() saw when a validate or check command fails.
The pending-restart markers are named by check_slug() and written by marker_text().
Plain functions (stdlib only), unit-tested.
"""

from __future__ import annotations

import contextlib
import errno
import grp
import os
import pwd
import re
import stat as stat_mod
import tempfile

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


# ---------------------------------------------------------------------------
# The files module (homelab.ai_stack.files): one module run writes a set of
# files. Everything below is used on the target; the action plugin only
# renders templates. Plain functions on the real file system, unit-tested.
# ---------------------------------------------------------------------------


PENDING_DIR = "/var/lib/ai-stack/pending"
_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
# Content compared and shown in a diff only up to this size (a larger file is still written).
DIFF_MAX_BYTES = 256 * 1024


def entry_name(index, entry):
    """How an error names an entry: files[2] (/etc/x.conf)."""
    dest = entry.get("dest") if isinstance(entry, dict) else None
    return f"files[{index}] ({dest})" if dest else f"files[{index}]"


def check_slug(slug, what="pending"):
    """A marker name: one path component of letters, digits, '.', '_' and '-'."""
    if not isinstance(slug, str) or not _SLUG.match(slug) or slug in (".", ".."):
        raise FilesError(f"{what} must be a name of letters, digits, '.', '_' and '-' (no '/'), got {slug!r}")
    return slug


def resolve_owner(owner, what="owner"):
    """A user name or numeric uid as a uid (None stays None)."""
    if owner is None or owner == "":
        return None
    owner = str(owner)
    if owner.isdigit():
        return int(owner)
    try:
        return pwd.getpwnam(owner).pw_uid
    except KeyError:
        raise FilesError(f"{what} {owner!r} is not a user on the host") from None


def resolve_group(group, what="group"):
    """A group name or numeric gid as a gid (None stays None)."""
    if group is None or group == "":
        return None
    group = str(group)
    if group.isdigit():
        return int(group)
    try:
        return grp.getgrnam(group).gr_gid
    except KeyError:
        raise FilesError(f"{what} {group!r} is not a group on the host") from None


def normalize(entries, owner=None, group=None, mode=None, directory_mode=None, lenient_ids=False):
    """The entries of the module with the set's defaults filled in, checked before anything changes.

    Each entry comes back as a dict with: dest, state, content (bytes or None),
    secret, owner/group (names as given), uid/gid (resolved), mode (bits or
    None), validate, backup, force, index, name. With ``lenient_ids`` (check
    mode) an owner or group the host does not know yet (a package would add it)
    gets uid/gid -2, which matches nothing, instead of an error.
    """
    if entries is None:
        entries = []
    if not isinstance(entries, (list, tuple)):
        raise FilesError(f"files must be a list, got {type(entries).__name__}")
    seen = {}
    plan = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise FilesError(f"files[{index}] must be a dict with dest, got {entry!r}")
        name = entry_name(index, entry)
        dest = entry.get("dest")
        if not isinstance(dest, str) or not dest.startswith("/"):
            raise FilesError(f"{name}: dest must be an absolute path, got {dest!r}")
        dest = os.path.normpath(dest)
        if dest in seen:
            raise FilesError(f"{name}: dest is listed twice (also {seen[dest]})")
        seen[dest] = name
        state = entry.get("state") or "file"
        if state not in STATES:
            raise FilesError(f"{name}: state must be one of {', '.join(STATES)}, got {state!r}")
        content = entry.get("content")
        secret_content = entry.get("secret_content")
        secret = bool(entry.get("secret")) or secret_content is not None
        if content is not None and secret_content is not None:
            raise FilesError(f"{name}: content and secret_content are mutually exclusive")
        if secret_content is not None:
            content = secret_content
        if state == "file" and content is None:
            raise FilesError(f"{name}: a file needs content (or src, a template of the role)")
        if state != "file" and content is not None:
            raise FilesError(f"{name}: content is only for state file, not {state}")
        validate = entry.get("validate")
        if validate is not None and state != "file":
            raise FilesError(f"{name}: validate is only for state file")
        if validate is not None and "%s" not in validate:
            raise FilesError(f"{name}: validate must contain %s (the path of the new file), got {validate!r}")
        default_mode = directory_mode if state == "directory" else mode
        want_mode = entry.get("mode") if entry.get("mode") not in (None, "") else default_mode
        want_owner = entry.get("owner") if entry.get("owner") not in (None, "") else owner
        want_group = entry.get("group") if entry.get("group") not in (None, "") else group
        item = {
            "index": index,
            "name": name,
            "dest": dest,
            "state": state,
            "content": None if content is None else _to_bytes(content),
            "secret": secret,
            "validate": validate,
            "backup": bool(entry.get("backup")),
            "force": True if entry.get("force") is None else bool(entry.get("force")),
            "owner": None,
            "group": None,
            "uid": None,
            "gid": None,
            "mode": None,
        }
        if state != "absent":
            item["mode"] = None if want_mode in (None, "") else mode_bits(want_mode, f"{name}: mode")
            item["owner"] = None if want_owner in (None, "") else str(want_owner)
            item["group"] = None if want_group in (None, "") else str(want_group)
            try:
                item["uid"] = resolve_owner(item["owner"], f"{name}: owner")
            except FilesError:
                if not lenient_ids:
                    raise
                item["uid"] = -2
            try:
                item["gid"] = resolve_group(item["group"], f"{name}: group")
            except FilesError:
                if not lenient_ids:
                    raise
                item["gid"] = -2
        plan.append(item)
    return plan


def _to_bytes(content):
    return content if isinstance(content, bytes) else str(content).encode("utf-8", "surrogateescape")


def observe(path, read_content=True, follow=True):
    """What is at ``path`` now, from one stat (and a read of a regular file's content).

    A symlink is followed to what it points at (the file is written there); with
    ``follow=False`` (a removal) the link itself is seen, as kind ``link``.
    """
    if os.path.islink(path):
        if not follow:
            return {"path": path, "kind": "link", "target": os.readlink(path)}
        target = os.path.realpath(path)
    else:
        target = path
    try:
        st = os.stat(target)
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return {"path": target, "kind": "absent"}
        raise
    if stat_mod.S_ISDIR(st.st_mode):
        kind = "directory"
    elif stat_mod.S_ISREG(st.st_mode):
        kind = "file"
    else:
        kind = "other"
    seen = {
        "path": target,
        "kind": kind,
        "mode": stat_mod.S_IMODE(st.st_mode),
        "uid": st.st_uid,
        "gid": st.st_gid,
        "size": st.st_size,
    }
    if kind == "file" and read_content:
        with open(target, "rb") as handle:
            seen["content"] = handle.read()
    return seen


def reasons(item, seen):
    """Why ``item`` is not what is on the host (``seen`` from observe()), as short words; [] when in place."""
    state, kind = item["state"], seen["kind"]
    if state == "absent":
        return [] if kind == "absent" else ["present"]
    if kind == "absent":
        return ["missing"]
    if kind == "other":
        return [f"{item['dest']} is neither a file nor a directory"]
    if (state == "directory") != (kind == "directory"):
        return ["is a directory" if kind == "directory" else "is not a directory"]
    out = []
    if state == "file" and item["force"] and seen.get("content") != item["content"]:
        out.append("content")
    if item["mode"] is not None and seen["mode"] != item["mode"]:
        out.append(f"mode {seen['mode']:04o}")
    if item["uid"] is not None and seen["uid"] != item["uid"]:
        out.append(f"owner {_user_name(seen['uid'])}")
    if item["gid"] is not None and seen["gid"] != item["gid"]:
        out.append(f"group {_group_name(seen['gid'])}")
    return out


def refusal(item, seen):
    """Why the module refuses to change ``item`` at all (before anything is written), or None."""
    if seen["kind"] == "other":
        return f"{item['name']}: is neither a file nor a directory on the host; remove it first"
    if item["state"] == "file" and seen["kind"] == "directory":
        return f"{item['name']}: is a directory on the host, the task wants a file"
    if item["state"] == "directory" and seen["kind"] == "file":
        return f"{item['name']}: is a file on the host, the task wants a directory"
    if item["state"] == "absent" and seen["kind"] == "directory":
        try:
            if os.listdir(seen["path"]):
                return f"{item['name']}: is a directory that is not empty; this module only removes empty ones"
        except OSError as exc:
            return f"{item['name']}: cannot read the directory: {exc}"
    return None


def _user_name(uid):
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def _group_name(gid):
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


def describe(item, seen, why):
    """One diff entry (before/after texts) for ``item``; a secret's content is never in it.

    Lines starting with '# ' say what is not content: absence, a directory, the
    owner, group or mode (old values before, wanted ones after).
    """
    before, after = [], []
    if seen["kind"] == "absent":
        before.append("(absent)")
    elif seen["kind"] == "link":
        before.append(f"(symlink to {seen['target']})")
    if item["state"] == "absent":
        after.append("(absent)")
    elif item["state"] == "directory" and seen["kind"] == "absent":
        after.append("(directory)")
    for word in why:
        if word.startswith(("mode ", "owner ", "group ")):
            before.append(word)
    if item["state"] != "absent":
        if item["mode"] is not None and (seen["kind"] == "absent" or any(w.startswith("mode ") for w in why)):
            after.append(f"mode {item['mode']:04o}")
        if item["owner"] is not None and (seen["kind"] == "absent" or any(w.startswith("owner ") for w in why)):
            after.append(f"owner {item['owner']}")
        if item["group"] is not None and (seen["kind"] == "absent" or any(w.startswith("group ") for w in why)):
            after.append(f"group {item['group']}")
    old = seen.get("content", b"") if seen["kind"] == "file" else b""
    new = item["content"] if item["state"] == "file" else b""
    old_text = new_text = ""
    show = seen["kind"] == "file" or item["state"] == "file"
    if show and ("content" in why or seen["kind"] == "absent" or item["state"] == "absent"):
        if item["secret"]:
            if seen["kind"] == "file":
                before.append("(secret content, not shown)")
            if item["state"] == "file":
                after.append("(secret content, not shown)")
        elif max(len(old), len(new)) > DIFF_MAX_BYTES or b"\0" in old or b"\0" in new:
            before.append(f"({len(old)} bytes, not shown)")
            after.append(f"({len(new)} bytes, not shown)")
        else:
            old_text = old.decode("utf-8", "replace")
            new_text = new.decode("utf-8", "replace")
    return {
        "before_header": item["dest"],
        "after_header": item["dest"],
        "before": "".join(f"# {line}\n" for line in before) + old_text,
        "after": "".join(f"# {line}\n" for line in after) + new_text,
    }


def marker_text(now, slug, changed, run_id=None, record_reason=None):
    """What a pending marker says: when and why; its second line names the run that wrote it."""
    why = ", ".join(changed) if changed else (record_reason or "recorded")
    text = f"{now} {slug}: {why}\n"
    if run_id:
        text += f"run: {run_id}\n"
    return text


def marker_run(text):
    """The run that wrote a marker (marker_text()), or None for a marker without one."""
    for line in text.splitlines()[1:]:
        if line.startswith("run: "):
            return line[5:].strip() or None
    return None


# ---- writes (each leaves the old state recoverable until the set is done) ----


def snapshot(seen):
    """What restore() needs to put ``seen`` back."""
    return dict(seen)


def write_file(path, data, mode, uid, gid, old=None):
    """Write ``data`` to ``path`` atomically: a temp file in the same directory, attributes set, fsync, rename.

    Attributes not wanted (None) are kept from the old file; a new file without a
    wanted mode gets 0644 (0600 when ``mode`` is None and the caller wants it secret
    passes 0o600 itself).
    """
    directory = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            apply_fd_attributes(handle.fileno(), mode, uid, gid, old)
            os.fsync(handle.fileno())
        os.rename(tmp, path)
    except BaseException:
        _unlink_quiet(tmp)
        raise


def stage_file(path, data, mode, uid, gid, old=None):
    """The new content in a temp file next to ``path`` (for validate); the caller renames or removes it."""
    directory = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            apply_fd_attributes(handle.fileno(), mode, uid, gid, old)
            os.fsync(handle.fileno())
    except BaseException:
        _unlink_quiet(tmp)
        raise
    return tmp


def apply_fd_attributes(fd, mode, uid, gid, old=None):
    """Owner, group and mode on an open file: the wanted ones, else the old file's, else 0644 and the caller's ids."""
    old = old if old and old.get("kind") == "file" else {}
    want_uid = uid if uid is not None else old.get("uid", -1)
    want_gid = gid if gid is not None else old.get("gid", -1)
    if want_uid != -1 or want_gid != -1:
        os.fchown(fd, want_uid, want_gid)
    want_mode = mode if mode is not None else old.get("mode", 0o644)
    os.fchmod(fd, want_mode)


def set_attributes(path, mode, uid, gid):
    """Owner, group and mode of an existing path (not following a symlink at the last component)."""
    if uid is not None or gid is not None:
        os.chown(path, -1 if uid is None else uid, -1 if gid is None else gid)
    if mode is not None:
        os.chmod(path, mode)


def restore(seen):
    """Put back what observe() saw at a path (file content and attributes, a directory, or nothing)."""
    path = seen["path"]
    kind = seen["kind"]
    if kind == "file":
        write_file(path, seen["content"], seen["mode"], seen["uid"], seen["gid"])
    elif kind == "link":
        if not os.path.islink(path):
            os.symlink(seen["target"], path)
    elif kind == "directory":
        if not os.path.isdir(path):
            _unlink_quiet(path)
            os.mkdir(path)
        set_attributes(path, seen["mode"], seen["uid"], seen["gid"])
    elif kind == "absent":
        if os.path.isdir(path) and not os.path.islink(path):
            with contextlib.suppress(OSError):  # something was put in it meanwhile: keep it
                os.rmdir(path)
        else:
            _unlink_quiet(path)


def _unlink_quiet(path):
    with contextlib.suppress(OSError):
        os.unlink(path)
