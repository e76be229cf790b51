# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Compose projects: the core of ``compose_project``.

Is a compose project still as its last deploy left it?

After every successful ``docker compose up --wait`` the ``_common`` role records
what it deployed: the checksums of the project's files and, per service, the
container and image IDs. On the next run the project is *in sync* when the
files still have those checksums and every recorded container still exists
with the same ID, runs, is healthy (or has no healthcheck), and still runs
the image its tag names now; and no other container claims the project. Then
``compose up`` (about a second per project even when it does nothing) can be
skipped. Anything else (a stopped, unhealthy, recreated or removed container,
an orphan, a changed file, a re-tagged image, a run killed before the record)
leaves the project out of sync and ``compose up`` runs as before.

Compose's own ``config-hash`` label is not used: ``docker compose config
--hash`` does not match it for services with an ``env_file`` in compose 2.26.

``compose_project`` also plans what a run must do (:func:`plan`), writes the
env file text (:func:`env_text`) and drops ``healthcheck.start_interval`` for a
Docker Engine older than 25 (:func:`strip_start_interval`), which compose
refuses to start a container with.

Plain functions (stdlib only), unit-tested without a host; the few that touch
the host (:func:`read_files`, :class:`Docker`) take what they run as arguments.
"""

from __future__ import annotations

import grp
import hashlib
import json
import os
import pwd
import re
import stat
import tempfile

from ansible_collections.homelab.ai_stack.plugins.module_utils._dirs import PATHS_SPEC

RECORD_VERSION = 1
HEALTHY = ("healthy", "")
FILES = ("compose.yml", "secrets.env")
SECRET = ("secrets.env",)


class ComposeStateError(ValueError):
    """Output of docker that cannot be understood."""


def parse_inspect(text):
    """Containers from ``docker inspect`` JSON: id, name, service, state, health, image_id, image, networks.

    ``networks`` maps each network the container is on to its IPv4 address there.
    """
    try:
        data = json.loads(text or "[]")
    except ValueError as exc:
        raise ComposeStateError(f"docker inspect printed no JSON: {exc}") from exc
    if not isinstance(data, list):
        raise ComposeStateError("docker inspect printed no list")
    containers = []
    for item in data:
        config = item.get("Config") or {}
        labels = config.get("Labels") or {}
        state = item.get("State") or {}
        health = state.get("Health") or {}
        containers.append(
            {
                "id": item.get("Id", ""),
                "name": (item.get("Name") or "").lstrip("/"),
                "service": labels.get("com.docker.compose.service", ""),
                "oneoff": labels.get("com.docker.compose.oneoff", "False") == "True",
                "state": state.get("Status", ""),
                "health": health.get("Status", ""),
                "image_id": item.get("Image", ""),
                "image": config.get("Image", ""),
                "networks": {
                    name: (net or {}).get("IPAddress", "")
                    for name, net in ((item.get("NetworkSettings") or {}).get("Networks") or {}).items()
                },
            }
        )
    return sorted(containers, key=lambda c: (c["service"], c["name"]))


def parse_image_ids(text):
    """``ref id`` lines (``docker image inspect --format '{{.Id}}'`` prefixed with the ref) as a dict."""
    ids = {}
    for line in (text or "").splitlines():
        parts = line.split()
        if len(parts) == 2:
            ids[parts[0]] = parts[1]
    return ids


def make_record(files, containers):
    """What a deploy leaves: file checksums and, per service, container and image IDs."""
    services = {}
    for c in containers:
        if c["oneoff"]:
            continue
        if c["service"] in services:
            raise ComposeStateError(f"service {c['service']} has more than one container; cannot record it")
        services[c["service"]] = {"container": c["id"], "image_id": c["image_id"]}
    return {
        "version": RECORD_VERSION,
        "files": {name: entry["checksum"] for name, entry in sorted(files.items())},
        "services": dict(sorted(services.items())),
    }


def public_record(record, secret):
    """The record as it may be shown: the checksums of the ``secret`` files read ``hidden``.

    An unsalted checksum of a short secret (a password in an env file) can be
    checked offline against guesses, so it never leaves the host.
    """
    if not isinstance(record, dict):
        return record
    shown = dict(record)
    files = record.get("files")
    if isinstance(files, dict):
        shown["files"] = {name: "hidden" if name in secret else value for name, value in files.items()}
    return shown


def drift(record, files, containers, image_ids):
    """Why the project is not as the last deploy left it; an empty list means in sync.

    ``record``: the stored record (or None); ``files``: name -> {checksum} of the
    project files now; ``containers``: parse_inspect() of the project's
    containers; ``image_ids``: image reference -> ID now.
    """
    if not record:
        return ["no deploy recorded"]
    if record.get("version") != RECORD_VERSION:
        return [f"record version {record.get('version')!r} is not {RECORD_VERSION}"]
    reasons = []
    now = {name: entry["checksum"] for name, entry in files.items()}
    for name in sorted(set(now) | set(record.get("files", {}))):
        if now.get(name) != record.get("files", {}).get(name):
            reasons.append(f"{name} changed since the last deploy")
    services = record.get("services") or {}
    if not services:
        reasons.append("the record lists no service")
    by_id = {c["id"]: c for c in containers}
    for service, want in sorted(services.items()):
        c = by_id.get(want.get("container"))
        if c is None:
            reasons.append(f"{service}: its container is gone or was recreated outside this role")
            continue
        if c["state"] != "running":
            reasons.append(f"{service}: container is {c['state'] or 'in an unknown state'}")
        if c["health"] not in HEALTHY:
            reasons.append(f"{service}: container is {c['health']}")
        if c["image_id"] != want.get("image_id"):
            reasons.append(f"{service}: container runs another image than recorded")
        elif image_ids.get(c["image"]) != c["image_id"]:
            reasons.append(f"{service}: {c['image']} now names another image")
    known = {want.get("container") for want in services.values()}
    for c in containers:
        if c["id"] not in known and not c["oneoff"]:
            reasons.append(f"{c['service'] or c['name']}: container {c['name']} is not part of the last deploy")
    return reasons


# --- what a run of compose_project must do -----------------------------------

ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
START_INTERVAL = re.compile(r"^[ \t]*start_interval[ \t]*:.*(?:\r?\n|$)", re.MULTILINE)
# Docker Engine 25 (API 1.44) added the health-check start interval.
START_INTERVAL_API = (1, 44)


def env_text(service, env):
    """The secrets.env text for ``env`` (name -> value), as the role always wrote it.

    Compose reads env files with interpolation; single-quoted values are taken
    literally, so a single quote or a line break is the one thing a value
    cannot hold. Raises ComposeStateError naming the offending key (never the
    value). Keys are sorted case-insensitively (Jinja's dictsort).
    """
    lines = [f"# Managed by homelab.ai_stack. Secrets of {service}.\n"]
    for key, value in sorted((env or {}).items(), key=lambda kv: str(kv[0]).lower()):
        key = str(key)
        if not ENV_NAME.match(key):
            raise ComposeStateError(f"env name {key!r} is not a shell-style variable name")
        text = str(value)
        if "'" in text or "\n" in text or "\r" in text:
            raise ComposeStateError(f"the value of env {key} holds a single quote or a line break")
        lines.append(f"{key}='{text}'\n")
    return "".join(lines)


def api_version_tuple(text):
    """``1.41`` -> (1, 41); None when the text is not a version."""
    m = re.match(r"^\s*(\d+)\.(\d+)", text or "")
    return (int(m.group(1)), int(m.group(2))) if m else None


def knows_start_interval(api_version):
    """Whether an engine with this API version accepts ``healthcheck.start_interval``.

    An unknown version (docker could not be asked) counts as new: compose then
    reports the real error.
    """
    version = api_version_tuple(api_version)
    return version is None or version >= START_INTERVAL_API


def strip_start_interval(text):
    """The compose text without its ``start_interval:`` lines (block style only).

    Compose 2.26 fails ``up`` on an engine older than 25 with "can't set
    healthcheck.start_interval as feature require Docker Engine v25 or later";
    without the line the health check simply starts at its interval.
    """
    return START_INTERVAL.sub("", text)


def file_reasons(entry, mode, uid=None, gid=None):
    """Why a file (an entry of read_files, or None) is not as wanted: ``missing``, ``content``, ``mode``, ``owner``."""
    if entry is None:
        return ["missing"]
    if entry.get("isdir") or not entry.get("isreg", True):
        return ["not a regular file"]
    reasons = []
    if entry.get("content_differs"):
        reasons.append("content")
    if entry.get("mode") != mode:
        reasons.append(f"mode {entry.get('mode')}")
    if uid is not None and (entry.get("uid"), entry.get("gid")) != (uid, gid):
        reasons.append(f"owner {entry.get('pw_name')}:{entry.get('gr_name')}")
    return reasons


def plan(directory, files, network_exists, drift_reasons, pull="missing", uid=None, gid=None):
    """What a run must do, step -> reasons (only the steps that must run).

    ``directory``: the read_files entry of the project dir (or None);
    ``files``: name -> entry (or None) of compose.yml and secrets.env, with
    ``content_differs``; ``network_exists``: True/False, or None when no network
    is managed; ``drift_reasons``: drift() before the run. Steps: ``directory``,
    ``network``, ``secrets.env``, ``compose.yml``, ``up``. Only a content change
    (not a mode or owner) of a file makes ``up`` run.
    """
    steps = {}
    if directory is None:
        steps["directory"] = ["missing"]
    elif not directory.get("isdir"):
        raise ComposeStateError(f"{directory.get('path')} is not a directory")
    else:
        reasons = []
        if directory.get("mode") != "0750":
            reasons.append(f"mode {directory.get('mode')}")
        if uid is not None and (directory.get("uid"), directory.get("gid")) != (uid, gid):
            reasons.append(f"owner {directory.get('pw_name')}:{directory.get('gr_name')}")
        if reasons:
            steps["directory"] = reasons
    if network_exists is False:
        steps["network"] = ["missing"]
    up = []
    for name, mode in (("secrets.env", "0600"), ("compose.yml", "0640")):
        reasons = file_reasons(files.get(name), mode, uid, gid)
        if reasons:
            steps[name] = reasons
            if "missing" in reasons or "content" in reasons:
                up.append(f"{name} is new" if "missing" in reasons else f"{name} changed")
    up.extend(drift_reasons)
    if pull == "always":
        up.append("pull always")
    if up:
        steps["up"] = up
    return steps


def container_changes(before, after):
    """What ``compose up`` changed: containers created, removed, started, now healthy."""
    old = {c["id"]: c for c in before}
    new = {c["id"]: c for c in after}
    changes = []
    for c in after:
        was = old.get(c["id"])
        label = c["service"] or c["name"]
        if was is None:
            changes.append(f"{label}: created {c['name']}")
        elif (was["state"], was["health"]) != (c["state"], c["health"]):
            changes.append(f"{label}: {was['state'] or '?'} -> {c['state']}")
    for c in before:
        if c["id"] not in new:
            changes.append(f"{c['service'] or c['name']}: removed {c['name']}")
    return changes


# --- in sync, judged on the controller from a role's read ----------------------

# The ``compose_project`` option of the read modules (ai_host_probe, directories):
# the project to read. Documented in doc_fragments/compose_read.py.
READ_SPEC = {
    "type": "dict",
    "options": {
        "project_src": {"type": "path", "required": True},
        "network": {"type": "str"},
        "record_file": {"type": "str", "default": ".deployed.json"},
        "env": {"type": "dict", "no_log": True},
        "secrets": {"type": "str", "no_log": True},
        "secrets_digest": {"type": "bool", "default": False},
        "directories": {"type": "dict", "options": {"root": {"type": "path", "required": True}, "paths": PATHS_SPEC}},
    },
}


def sha1_text(text):
    return hashlib.sha1(text_bytes(text)).hexdigest()  # nosec B324 - compared with a file's checksum


def sync_reasons(read, compose, secrets_equal=None, env=None, pull="missing", directories=None):
    """Why ``compose_project`` would change something, judged from a role's read; empty when it would not.

    ``read``: what :func:`read_project` returned before the compose text was
    rendered; ``compose``: the wanted compose text. ``secrets.env`` is judged
    by ``secrets_equal`` when given, else by the read's ``secrets_equal`` (the
    read compared the wanted text on the host), else by comparing the SHA-1 of
    ``env_text(<project>, env)`` with the read's ``secrets_sha1`` (only a
    ``no_log`` read returns it); a file nothing can judge is not in sync. The
    steps are :func:`plan`'s, so a run skipped on an empty answer is one
    ``compose_project`` would have found in sync; the read's ``directories``
    reasons (the data directories ``compose_project`` would make) count too,
    and ``directories`` (compose_project's option) must hold only directories
    the read judged.
    """
    if not isinstance(read, dict) or not isinstance(read.get("drift"), list):
        return ["the project was not read"]
    files = {name: dict(entry) for name, entry in (read.get("files") or {}).items() if isinstance(entry, dict)}
    entry = files.get("compose.yml")
    if entry is not None and entry.get("isreg"):
        wanted = str(compose)
        if START_INTERVAL.search(wanted) and not knows_start_interval(read.get("api_version")):
            wanted = strip_start_interval(wanted)
        entry["content_differs"] = entry.get("checksum") != sha1_text(wanted)
    entry = files.get("secrets.env")
    if entry is not None and entry.get("isreg"):
        if secrets_equal is None:
            secrets_equal = read.get("secrets_equal")
        if secrets_equal is None and env is not None and read.get("secrets_sha1"):
            try:
                text = env_text(os.path.basename(str(read.get("project_src", ""))), env)
            except ComposeStateError as exc:
                return [f"secrets.env: {exc}"]
            secrets_equal = sha1_text(text) == read["secrets_sha1"]
        if secrets_equal is None:
            return ["secrets.env: not compared with the wanted secrets"]
        entry["content_differs"] = not secrets_equal
    uid, gid = read.get("owner") or (None, None)
    try:
        steps = plan(read.get("directory"), files, read.get("network_exists"), read["drift"], pull, uid, gid)
    except ComposeStateError as exc:
        return [str(exc)]
    reasons = [f"{step}: {why}" for step, whys in steps.items() for why in whys]
    reasons += [f"directories: {why}" for why in read.get("directories") or []]
    if directories:
        judged = set(read.get("directories_judged") or [])
        unread = [key for key in dir_keys(directories.get("root"), directories.get("paths")) if key not in judged]
        reasons += [f"directories: {key} not read" for key in unread]
    return reasons


# --- the host side (stdlib; docker through a run function) ----------------------


def _entry(path, st):
    try:
        owner = pwd.getpwuid(st.st_uid).pw_name
    except KeyError:
        owner = str(st.st_uid)
    try:
        group = grp.getgrgid(st.st_gid).gr_name
    except KeyError:
        group = str(st.st_gid)
    return {
        "path": path,
        "isdir": stat.S_ISDIR(st.st_mode),
        "isreg": stat.S_ISREG(st.st_mode),
        "mode": f"{stat.S_IMODE(st.st_mode):04o}",
        "pw_name": owner,
        "gr_name": group,
        "uid": st.st_uid,
        "gid": st.st_gid,
        "size": st.st_size,
    }


def sha1_file(path):
    digest = hashlib.sha1()  # nosec B324 - the checksum find and stat report
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(65536), b""):
            digest.update(chunk)
    return digest.hexdigest()


def text_bytes(text):
    return text if isinstance(text, bytes) else str(text).encode("utf-8")


def read_files(project, names, secret=(), contents=None):
    """The directory and the named files, find-style; plus name -> entry of the regular files.

    Returns (exists, entries, files). The entries returned for ``secret`` names
    carry no checksum and no size (``files``, used for the record, has the
    checksums of all). For names in ``contents`` the entry says whether the
    file holds that text (``content_differs``).
    """
    contents = contents or {}
    entries, files = [], {}
    try:
        st = os.lstat(project)
    except FileNotFoundError:
        return False, entries, files
    entries.append(_entry(project, st))
    if not stat.S_ISDIR(st.st_mode):
        return False, entries, files
    for name in names:
        path = os.path.join(project, name)
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            continue
        entry = _entry(path, st)
        if entry["isreg"]:
            checksum = sha1_file(path)
            files[name] = dict(entry, checksum=checksum)
            if name in secret:
                del entry["size"]
            else:
                entry["checksum"] = checksum
            if name in contents:
                entry["content_differs"] = checksum != hashlib.sha1(text_bytes(contents[name])).hexdigest()  # nosec B324
        elif name in contents:
            entry["content_differs"] = True
        entries.append(entry)
    return True, entries, files


def read_record(path):
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def write_atomic(path, data, mode, uid=None, gid=None):
    """Write ``data`` (bytes) to ``path`` through a temporary file in the same directory."""
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=f".{os.path.basename(path)}-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, mode)
        if uid is not None:
            os.chown(tmp, uid, gid)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_record(path, record, check_mode=False):
    """Write the record (root only, 0600) unless it holds this already; whether it (would have) changed."""
    text = json.dumps(record, indent=2, sort_keys=True) + "\n"
    try:
        with open(path, encoding="utf-8") as f:
            if f.read() == text:
                return False
    except OSError:
        pass
    if not check_mode:
        write_atomic(path, text.encode("utf-8"), 0o600)
    return True


class Docker:
    """The docker CLI, through ``run(argv) -> (rc, out, err)`` (AnsibleModule.run_command in the modules)."""

    def __init__(self, binary, run):
        self.bin = binary
        self._run = run

    def run(self, *args, cwd=None):
        rc, out, err = self._run([self.bin, *args], cwd)
        return rc, out, (err or "").strip()

    def api_version(self):
        rc, out, _err = self.run("version", "--format", "{{.Server.APIVersion}}")
        return out.strip() if rc == 0 else None

    def network_exists(self, name):
        rc, _out, _err = self.run("network", "inspect", "--format", "{{.Name}}", name)
        return rc == 0

    def containers(self, project):
        label = f"label=com.docker.compose.project.working_dir={project}"
        rc, out, err = self.run("ps", "-a", "-q", "--no-trunc", "--filter", label)
        if rc != 0:
            raise ComposeStateError(f"docker ps failed: {err}")
        ids = out.split()
        if not ids:
            return []
        rc, out, err = self.run("inspect", *ids)
        if rc != 0:
            raise ComposeStateError(f"docker inspect failed: {err}")
        return parse_inspect(out)

    def image_ids(self, refs):
        refs = sorted({r for r in refs if r})
        if not refs:
            return {}
        rc, out, _err = self.run("image", "inspect", "--format", "{{.Id}}", *refs)
        lines = out.split()
        if rc != 0 or len(lines) != len(refs):
            return {}
        # zip(strict=) is Python 3.10+; RHEL 9's interpreter is 3.9.
        return parse_image_ids("\n".join(f"{ref} {lines[n]}" for n, ref in enumerate(refs)))


def read_state(project, docker, network=None, record_file=".deployed.json", contents=None):
    """What ``compose_project`` reads of a project before it plans.

    Returns a dict: ``directory`` (the read_files entry or None), ``files``
    (name -> entry; no checksum for ``secrets.env``; ``content_differs`` for
    the names in ``contents``), ``checksums`` (name -> SHA-1 of every file, for
    the record; never to be returned for ``secrets.env``), ``network_exists``
    (None when ``network`` is unset), ``containers`` and ``drift`` (reasons).
    """
    exists, entries, files = read_files(project, FILES, SECRET, contents)
    state = {
        "directory": entries[0] if entries else None,
        "files": {os.path.basename(e["path"]): e for e in entries[1:]},
        "checksums": {name: entry["checksum"] for name, entry in files.items()},
        "network_exists": docker.network_exists(network) if network else None,
        "containers": [],
        "drift": [],
    }
    if not exists:
        state["drift"] = [f"{project} does not exist"]
        return state
    try:
        state["containers"] = docker.containers(project)
    except ComposeStateError as exc:
        state["drift"] = [str(exc)]
        return state
    record = read_record(os.path.join(project, record_file))
    images = docker.image_ids(c["image"] for c in state["containers"]) if record else {}
    state["drift"] = drift(record, files, state["containers"], images)
    return state


def read_project(project, docker, network=None, record_file=".deployed.json", secrets=None, digest=False):
    """A role's read of its compose project, for :func:`sync_reasons` on the controller.

    ``secrets``: the wanted text of ``secrets.env`` when the role knows it
    before its read; then only whether the file holds it is returned
    (``secrets_equal``). ``digest``: return the file's SHA-1 (``secrets_sha1``)
    instead; only for a read whose task is ``no_log``. ``api_version`` is asked
    of the engine only when ``compose.yml`` holds no ``start_interval`` line
    (the one case where the engine's age decides what the file should hold).
    """
    project = os.path.normpath(project)
    contents = {"secrets.env": secrets} if secrets is not None else {}
    state = read_state(project, docker, network, record_file, contents)
    files = state["files"]
    out = {
        "project_src": project,
        "exists": bool(state["directory"] and state["directory"].get("isdir")),
        "directory": state["directory"],
        "files": files,
        "network": network,
        "network_exists": state["network_exists"],
        "containers": state["containers"],
        "drift": state["drift"],
        "owner": [0, 0] if os.geteuid() == 0 else None,
        "api_version": None,
        "secrets_equal": None,
    }
    entry = files.get("secrets.env")
    if entry is not None and secrets is not None:
        out["secrets_equal"] = not entry.pop("content_differs", True)
    if digest and "secrets.env" in state["checksums"]:
        out["secrets_sha1"] = state["checksums"]["secrets.env"]
    entry = files.get("compose.yml")
    if entry is not None and entry.get("isreg"):
        with open(entry["path"], encoding="utf-8", errors="replace") as f:
            if not START_INTERVAL.search(f.read()):
                out["api_version"] = docker.api_version()
    return out


def role_read(options, docker, dirs_reasons):
    """The ``compose`` result of a read module's ``compose_project`` option (READ_SPEC).

    ``docker``: a :class:`Docker`, or None when the CLI is missing (then the
    project reads as not deployed); ``dirs_reasons(root, paths)``: the
    ``directories`` module's rules (``_dirs.out_of_place``). Raises
    ComposeStateError for an ``env`` that cannot be written.
    """
    project = os.path.normpath(options["project_src"])
    secrets = options.get("secrets")
    if secrets is None and options.get("env") is not None:
        secrets = env_text(os.path.basename(project), options["env"])
    if docker is None:
        out = {"project_src": project, "exists": False, "files": {}, "containers": [], "drift": ["no docker CLI"]}
    else:
        record_file = options.get("record_file") or ".deployed.json"
        digest = bool(options.get("secrets_digest"))
        out = read_project(project, docker, options.get("network"), record_file, secrets, digest)
    dirs = options.get("directories")
    if dirs:
        out["directories"] = dirs_reasons(dirs["root"], dirs.get("paths") or [])
        out["directories_judged"] = dir_keys(dirs["root"], dirs.get("paths"))
    return out


def dir_keys(root, paths):
    """``root`` + each path of a directories list, normalized, for comparing two lists of the same tree."""
    root = os.path.normpath(str(root or ""))
    keys = set()
    for entry in paths or []:
        rel = str(entry.get("path", ".") if isinstance(entry, dict) else entry).strip().rstrip("/")
        keys.add(root if rel in ("", ".") else os.path.normpath(f"{root}/{rel}"))
    return sorted(keys)


def module_read(module, options, dirs_reasons):
    """:func:`role_read` run by an AnsibleModule (its docker CLI, its fail_json)."""
    binary = module.get_bin_path("docker")
    docker = None
    if binary:
        docker = Docker(binary, lambda argv, cwd: module.run_command(argv, cwd=cwd, environ_update={"LC_ALL": "C"}))
    try:
        return role_read(options, docker, dirs_reasons)
    except ComposeStateError as exc:
        module.fail_json(msg=f"compose_project: {exc}")
