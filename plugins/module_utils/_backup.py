# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plain functions of the backup tool (roles/backup/files/ai_stack_backup.py).

Stdlib only, Python >= 3.9: the backup role copies this file next to the tool
on the target; nothing here runs restic or touches the stack, and the unit
tests import it through the collection path.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import re

ITEM_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
KINDS = ("dir", "file", "sqlite", "ollama-models", "comfyui-nodes")
MANIFEST_DIR = ".ai-stack"
MANIFEST_NAME = "manifest.json"


class ConfigError(ValueError):
    """The tool's configuration is unusable."""


def validate_items(items):
    """Check the item list of the configuration; return it.

    An item: name (unique, lower case), path (absolute), kind (one of KINDS),
    optional stop (container names stopped while the item is copied), copy
    (copy into the staging tree instead of reading in place), exclude (globs
    relative to the item), restore_to (sqlite items: where the copy goes back).
    """
    seen = set()
    for item in items:
        name = item.get("name", "")
        if not ITEM_NAME_RE.match(name or ""):
            raise ConfigError(f"item name {name!r}: lower-case letters, digits, '-' and '_' only")
        if name in seen:
            raise ConfigError(f"item name {name!r} is used twice")
        seen.add(name)
        if item.get("kind", "dir") not in KINDS:
            raise ConfigError("item {}: kind {!r} is not one of {}".format(name, item.get("kind"), ", ".join(KINDS)))
        if not os.path.isabs(item.get("path", "")):
            raise ConfigError("item {}: path {!r} is not absolute".format(name, item.get("path")))
    return items


def excluded(relpath, patterns):
    """True when relpath (relative to its item, '/'-separated) matches a glob of patterns.

    A pattern matches the path itself or any of its parent directories, so
    `models` leaves out everything below models/.
    """
    parts = relpath.split("/")
    for i in range(1, len(parts) + 1):
        prefix = "/".join(parts[:i])
        for pattern in patterns:
            if fnmatch.fnmatchcase(prefix, pattern):
                return True
    return False


def restic_excludes(item, view):
    """restic --exclude arguments (absolute) for the item's globs inside the view."""
    out = []
    for pattern in item.get("exclude", []):
        out.extend(["--exclude", os.path.join(view, item["name"], pattern)])
    return out


def sha256_file(path, bufsize=1 << 20):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while True:
            chunk = handle.read(bufsize)
            if not chunk:
                break
            digest.update(chunk)
    return digest.hexdigest()


def checksum_tree(root, patterns=()):
    """{relative path: sha256} of every regular file below root (or of root itself when a file)."""
    if os.path.isfile(root):
        return {"": sha256_file(root)}
    sums = {}
    for dirpath, dirnames, filenames in os.walk(root):
        reldir = os.path.relpath(dirpath, root)
        reldir = "" if reldir == "." else reldir
        dirnames[:] = sorted(d for d in dirnames if not excluded(os.path.join(reldir, d), patterns))
        for filename in sorted(filenames):
            rel = os.path.join(reldir, filename)
            full = os.path.join(dirpath, filename)
            if excluded(rel, patterns) or os.path.islink(full) or not os.path.isfile(full):
                continue
            sums[rel] = sha256_file(full)
    return sums


def compare_sums(expected, actual):
    """Differences between two {path: sha256}: (missing, changed, extra), each sorted."""
    missing = sorted(set(expected) - set(actual))
    extra = sorted(set(actual) - set(expected))
    changed = sorted(p for p in set(expected) & set(actual) if expected[p] != actual[p])
    return missing, changed, extra


def ollama_models(manifests_root):
    """Model names (name:tag) from Ollama's manifests tree (<registry>/<namespace>/<model>/<tag>).

    The library namespace of the default registry is dropped, as `ollama list`
    shows it: registry.ollama.ai/library/llama3.2/3b -> llama3.2:3b.
    """
    names = []
    if not os.path.isdir(manifests_root):
        return names
    for dirpath, _dirnames, filenames in os.walk(manifests_root):
        rel = os.path.relpath(dirpath, manifests_root)
        parts = [] if rel == "." else rel.split(os.sep)
        if len(parts) < 3:
            continue
        registry, namespace, model = parts[0], "/".join(parts[1:-1]), parts[-1]
        for tag in filenames:
            if registry == "registry.ollama.ai" and namespace == "library":
                names.append(f"{model}:{tag}")
            elif registry == "registry.ollama.ai":
                names.append(f"{namespace}/{model}:{tag}")
            else:
                names.append(f"{registry}/{namespace}/{model}:{tag}")
    return sorted(names)


def comfyui_nodes(custom_nodes_dir):
    """[{name, url}] of the custom nodes: each directory, with its git origin when it has one."""
    nodes = []
    if not os.path.isdir(custom_nodes_dir):
        return nodes
    for name in sorted(os.listdir(custom_nodes_dir)):
        path = os.path.join(custom_nodes_dir, name)
        if not os.path.isdir(path) or name.startswith(".") or name == "__pycache__":
            continue
        nodes.append({"name": name, "url": git_origin(os.path.join(path, ".git", "config"))})
    return nodes


def git_origin(config_path):
    """The url of [remote "origin"] in a .git/config, or ''."""
    try:
        with open(config_path) as handle:
            text = handle.read()
    except OSError:
        return ""
    in_origin = False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            in_origin = stripped.replace(" ", "") == '[remote"origin"]'
        elif in_origin and stripped.startswith("url"):
            return stripped.split("=", 1)[1].strip()
    return ""


def zfs_source(path, mounts, snapshot):
    """Where path is inside a ZFS snapshot: (dataset, <mountpoint>/.zfs/snapshot/<snapshot>/<rel>).

    mounts: [(dataset, mountpoint)] of the snapshotted datasets. The deepest
    mountpoint containing path wins (a child dataset has its own .zfs).
    Returns (None, path) when no dataset holds it.
    """
    best = None
    for dataset, mountpoint in mounts:
        if not mountpoint.startswith("/"):
            continue
        mp = mountpoint.rstrip("/") or "/"
        if (path == mp or path.startswith(mp.rstrip("/") + "/")) and (best is None or len(mp) > len(best[1])):
            best = (dataset, mp)
    if best is None:
        return None, path
    rel = os.path.relpath(path, best[1])
    root = os.path.join(best[1], ".zfs", "snapshot", snapshot)
    return best[0], root if rel == "." else os.path.join(root, rel)


def parse_zfs_list(text):
    """[(name, mountpoint)] from `zfs list -H -o name,mountpoint`."""
    out = []
    for line in text.splitlines():
        fields = line.split("\t")
        if len(fields) == 2:
            out.append((fields[0], fields[1]))
    return out


def backup_age(state_text, now):
    """Seconds since the last successful backup recorded in the state file; -1 when none."""
    try:
        state = json.loads(state_text)
    except ValueError:
        return -1
    last = state.get("last_success")
    if not isinstance(last, (int, float)):
        return -1
    return max(0, int(now - last))


def forget_args(keep):
    """restic forget --keep-* arguments from {'daily': 7, ...}; periods at 0 are left out."""
    out = []
    for period in ("last", "hourly", "daily", "weekly", "monthly", "yearly"):
        count = int(keep.get(period, 0) or 0)
        if count < 0:
            raise ConfigError(f"retention {period}: {count} is negative")
        if count:
            out.extend([f"--keep-{period}", str(count)])
    if not out:
        raise ConfigError("retention keeps nothing: set at least one of daily, weekly, monthly")
    return out


def default_items(cfg):
    """The tool's items, in restore order, from the role's settings.

    cfg: storage_root, services {openwebui, pihole, nginx, comfyui, ollama,
    zabbix_psk: bool}, include_models, ollama_models_path,
    comfyui_models_path (empty: below the storage root; resolve_deployed
    reads them from the deployed compose files), extra_items.
    An item the host does not have is skipped at backup time.
    """
    root = cfg["storage_root"].rstrip("/")
    on = cfg.get("services", {})
    models = bool(cfg.get("include_models"))
    items = []
    if on.get("openwebui", True):
        items.append(
            {
                "name": "openwebui",
                "path": root + "/ai/open-webui",
                "kind": "dir",
                # The live database is copied by SQLite's online backup (openwebui-db).
                "exclude": ["data/webui.db", "data/webui.db-*", "data/cache"],
                "stop_on_restore": ["open-webui"],
            }
        )
        items.append(
            {
                "name": "openwebui-db",
                "path": root + "/ai/open-webui/data/webui.db",
                "kind": "sqlite",
                "stop_on_restore": ["open-webui"],
            }
        )
        items.append({"name": "searxng", "path": root + "/ai/searxng", "kind": "dir", "stop_on_restore": ["searxng"]})
    if on.get("pihole", True):
        # Copied while the container is stopped: FTL cannot write during the copy.
        items.append(
            {
                "name": "pihole",
                "path": root + "/services/pihole",
                "kind": "dir",
                "copy": True,
                "stop": ["pihole"],
                "stop_on_restore": ["pihole"],
            }
        )
    if on.get("nginx", True):
        items.append(
            {"name": "nginx", "path": root + "/services/nginx-proxy", "kind": "dir", "stop_on_restore": ["nginx"]}
        )
    if on.get("comfyui", True):
        comfy = root + "/ai/comfyui"
        comfy_models = cfg.get("comfyui_models_path") or comfy + "/models"
        items.append(
            {
                "name": "comfyui",
                "path": comfy,
                "kind": "dir",
                "exclude": ([] if models else ["models"]) + ["custom_nodes"],
                "stop_on_restore": ["comfyui"],
            }
        )
        items.append({"name": "comfyui-nodes", "path": comfy + "/custom_nodes", "kind": "comfyui-nodes"})
        if models and not comfy_models.startswith(comfy + "/"):
            items.append(
                {"name": "comfyui-models", "path": comfy_models, "kind": "dir", "stop_on_restore": ["comfyui"]}
            )
    if on.get("ollama", True):
        ollama = root + "/ai/ollama"
        ollama_models = cfg.get("ollama_models_path") or ollama + "/models"
        items.append(
            {
                "name": "ollama",
                "path": ollama,
                "kind": "dir",
                "exclude": [] if models else ["models"],
                "stop_on_restore": ["ollama"],
            }
        )
        items.append({"name": "ollama-models", "path": ollama_models, "kind": "ollama-models"})
        if models and not ollama_models.startswith(ollama + "/"):
            items.append({"name": "ollama-blobs", "path": ollama_models, "kind": "dir", "stop_on_restore": ["ollama"]})
    if on.get("zabbix_psk", True):
        items.append({"name": "zabbix-psk", "path": "/etc/zabbix/ai-stack.psk", "kind": "file"})
    return validate_items(items + list(cfg.get("extra_items") or []))


# What the other roles deployed, read on the host ------------------------------
# The backup role reads no other role's variables: the model paths are the
# bind mounts of the deployed compose files, the ZFS datasets those of the
# zfs_snapshots role's configuration on the host.
OLLAMA_MODELS_TARGET = "/root/.ollama/models"
_BIND_RE = re.compile(r"""^\s*-\s*(["']?)(/[^:"'\s]+):(/[^:"'\s]+)(?::[a-z,]+)?\1\s*(?:#.*)?$""")


def compose_binds(text):
    """[(host path, container path)] of the short-syntax bind mounts (``- "/a:/b[:ro]"``) of a compose file.

    Named volumes (``app:/root``) and anything that is not a list item of an
    absolute host path are left out. The stack writes its compose files with
    this syntax (roles/*/templates/compose.yml.j2).
    """
    out = []
    for line in (text or "").splitlines():
        match = _BIND_RE.match(line)
        if match:
            out.append((match.group(2), match.group(3)))
    return out


def models_path_from_compose(text, target=None, suffix="/models"):
    """The host path mounted at ``target`` (or at the container path ending in ``suffix``); '' when none."""
    for source, dest in compose_binds(text):
        if (target and dest.rstrip("/") == target) or (not target and dest.rstrip("/").endswith(suffix)):
            return source.rstrip("/") or "/"
    return ""


def zfs_snapshots_datasets(config_text):
    """The dataset names of the zfs_snapshots role's configuration (zfs-snapshots.json); [] when unreadable."""
    try:
        config = json.loads(config_text) if config_text else {}
    except ValueError:
        return []
    datasets = config.get("datasets") if isinstance(config, dict) else None
    if not isinstance(datasets, list):
        return []
    return [d["name"] for d in datasets if isinstance(d, dict) and isinstance(d.get("name"), str) and d["name"]]


def _read_text(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError):
        return ""


def resolve_deployed(cfg, read=_read_text):
    """cfg with what is deployed on the host filled in, for default_items and the ZFS snapshot.

    - ``ollama_models_path`` / ``comfyui_models_path``: the bind mounts of the
      models directories in ``<compose_root>/ollama/compose.yml`` and
      ``<compose_root>/comfyui/compose.yml`` (empty: below the storage root);
    - ``zfs_datasets``: the configured ones, or else the datasets of
      ``zfs_snapshots_config`` (the zfs_snapshots role's file on the host).
    ``read(path)`` returns a file's text, '' when it is missing.
    """
    out = dict(cfg)
    compose_root = str(cfg.get("compose_root") or "").rstrip("/")
    if compose_root and not out.get("ollama_models_path"):
        out["ollama_models_path"] = models_path_from_compose(
            read(compose_root + "/ollama/compose.yml"), target=OLLAMA_MODELS_TARGET
        )
    if compose_root and not out.get("comfyui_models_path"):
        out["comfyui_models_path"] = models_path_from_compose(read(compose_root + "/comfyui/compose.yml"))
    if not out.get("zfs_datasets") and cfg.get("zfs_snapshots_config"):
        out["zfs_datasets"] = zfs_snapshots_datasets(read(cfg["zfs_snapshots_config"]))
    return out


# What the role reads on the host in one module run (backup_facts) ------------
def parse_systemctl_show(text):
    """{unit: {property: value}} from ``systemctl show -p Id,... UNIT...`` (blocks separated by blank lines)."""
    units = {}
    for block in re.split(r"\n\s*\n", (text or "").strip()):
        props = {}
        for line in block.splitlines():
            if "=" in line:
                key, value = line.split("=", 1)
                props[key.strip()] = value.strip()
        if props.get("Id"):
            units[props["Id"]] = props
    return units


def unit_summary(props):
    """{exists, enabled, active} of one unit's ``systemctl show`` properties."""
    props = props or {}
    return {
        "exists": props.get("LoadState") not in (None, "", "not-found"),
        "enabled": props.get("UnitFileState") == "enabled",
        "active": props.get("ActiveState") == "active",
    }


def parse_dpkg_installed(text):
    """{package: installed} from ``dpkg-query -W -f='${Package}\\t${Status}\\n' PKG...``."""
    out = {}
    for line in (text or "").splitlines():
        name, _sep, status = line.partition("\t")
        if name.strip():
            out[name.strip().split(":")[0]] = status.strip().endswith("install ok installed")
    return out


def repository_key(env_text, password_text):
    """What the initialised-repository record holds: a digest of restic.env and the password file.

    Kept root-only next to them; a change of repository, backend credentials
    or password makes the record stale, so the role asks restic again.
    """
    digest = hashlib.sha256()
    digest.update((env_text or "").encode("utf-8"))
    digest.update(b"\0")
    digest.update((password_text or "").encode("utf-8"))
    return digest.hexdigest()


def clone_plan(mounts, snapshot, root, parent_name="ai-stack-backup-clones"):
    """Clones that show a snapshot where a snapdir cannot (zfs-fuse has no .zfs).

    mounts: [(dataset, mountpoint)] of the snapshotted datasets. Each one with
    a real mountpoint becomes a clone <pool>/<parent_name>/<n> of
    <dataset>@<snapshot>, mounted at <root><mountpoint>, parents first.
    Returns (parents, [(origin, clone, mountpoint)]).
    """
    usable = sorted(
        ((ds, mp) for ds, mp in mounts if mp.startswith("/")),
        key=lambda pair: (pair[1].rstrip("/").count("/"), pair[1]),
    )
    parents = []
    clones = []
    for index, (dataset, mountpoint) in enumerate(usable):
        parent = "{}/{}".format(dataset.split("/")[0], parent_name)
        if parent not in parents:
            parents.append(parent)
        target = root.rstrip("/") + ("" if mountpoint == "/" else mountpoint.rstrip("/"))
        clones.append((f"{dataset}@{snapshot}", f"{parent}/{index}", target))
    return parents, clones


def clone_source(path, mounts, root):
    """Where path shows in the clones of clone_plan: <root><path>, or path itself outside the datasets."""
    dataset = zfs_source(path, mounts, "-")[0]
    return path if dataset is None else root.rstrip("/") + path


# The role's input (roles/backup), checked on the controller before anything changes.
REPOSITORY_SCHEMES = ("sftp", "rest", "s3", "b2", "azure", "gs", "swift", "rclone")
KEEP_PERIODS = ("last", "hourly", "daily", "weekly", "monthly", "yearly")
SUBSET_RE = re.compile(r"^$|^[0-9]+(\.[0-9]+)?%$|^[0-9]+/[0-9]+$|^[0-9]+[KMGT]$")
SNAPSHOT_PREFIX_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]*$")
SETTING_BOOLS = (
    "backup_openwebui",
    "backup_pihole",
    "backup_nginx",
    "backup_comfyui",
    "backup_ollama",
    "backup_zabbix_psk",
    "backup_include_models",
    "backup_run_now",
)
# The words -e gives for booleans. This file runs on the target beside the
# backup tool, without the collection, so it keeps its own copy of
# module_utils/_inputs.py's words; tests/unit/.../test_backup.py checks they agree.
TRUE_WORDS = ("true", "yes", "on", "1", "y", "t")
FALSE_WORDS = ("false", "no", "off", "0", "n", "f", "")


def _setting_bool(name, value, errors):
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    if isinstance(value, str) and value.strip().lower() in TRUE_WORDS + FALSE_WORDS:
        return value.strip().lower() in TRUE_WORDS
    errors.append(f"{name} must be a boolean; got {value!r}")
    return False


def _setting_int(name, value, minimum, errors):
    try:
        if isinstance(value, bool):
            raise ValueError
        number = int(str(value).strip()) if isinstance(value, str) else int(value)
    except (TypeError, ValueError):
        errors.append(f"{name} must be an integer; got {value!r}")
        return minimum
    if number < minimum:
        errors.append(f"{name} must be >= {minimum}; got {number}")
    return number


def _setting_list(name, value, errors):
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, (list, tuple)):
        return list(value)
    errors.append(f"{name} must be a list; got {value!r}")
    return []


def _check_repository(s, errors):
    repository, password = s.get("backup_repository"), s.get("backup_password")
    if not isinstance(repository, str) or not repository or re.search(r"\s", repository):
        errors.append(
            "backup_repository must name the restic repository (a local path, sftp:user@host:/path or a restic "
            f"URL, no spaces); got {repository!r}"
        )
    elif not repository.startswith("/") and repository.split(":", 1)[0] not in REPOSITORY_SCHEMES:
        errors.append(
            f"backup_repository {repository} is neither an absolute path nor a restic URL "
            f"({', '.join(s + ':' for s in REPOSITORY_SCHEMES)})"
        )
    # The password is never repeated in a message.
    if not isinstance(password, str) or len(password) < 8:
        errors.append("backup_password must be a string of at least 8 characters (keep it in the vault)")
    if not isinstance(s.get("backup_repository_env") or {}, dict):
        errors.append("backup_repository_env must be a mapping of environment variables")


def _check_keep(keep, errors):
    if not isinstance(keep, dict):
        errors.append(
            f"backup_keep must be a mapping of last/hourly/daily/weekly/monthly/yearly to counts; got {keep!r}"
        )
        return {}
    unknown = sorted(set(keep) - set(KEEP_PERIODS))
    if unknown:
        errors.append(f"backup_keep: {', '.join(unknown)} is not one of {', '.join(KEEP_PERIODS)}")
    counts = {p: _setting_int(f"backup_keep.{p}", keep[p], 0, errors) for p in KEEP_PERIODS if p in keep}
    if not any(counts.values()):
        errors.append(f"backup_keep keeps nothing; got {keep!r}")
    return counts


def _check_extra_items(items, errors):
    out = []
    for item in items:
        if not isinstance(item, dict):
            errors.append(f"backup_extra_items: each item must be a mapping; got {item!r}")
            continue
        name = item.get("name", "")
        problems = []
        if not isinstance(name, str) or not ITEM_NAME_RE.match(name):
            problems.append("a name of lower-case letters, digits, '-', '_'")
        if not isinstance(item.get("path"), str) or not item["path"].startswith("/"):
            problems.append("an absolute path")
        if item.get("kind", "dir") not in ("dir", "file"):
            problems.append("kind dir or file")
        for key in ("exclude", "stop_on_restore"):
            if not isinstance(item.get(key, []), list):
                problems.append(f"{key} as a list")
        if problems:
            errors.append(f"backup_extra_items: item {item!r} needs {', '.join(problems)}")
        out.append(item)
    return out


def validate_settings(s):
    """The role's inputs (a dict of variable name -> value) checked and normalised.

    Booleans and integers given as strings (``-e backup_run_now=true``) are
    converted. Raises ConfigError naming every variable that is wrong; returns
    {state, bools..., keep, randomized_delay_sec, max_age_hours, extra_items,
    restic_options, zfs_datasets} (the password is not returned).
    """
    errors = []
    state = s.get("backup_state", "present")
    if state not in ("present", "absent"):
        errors.append(f"backup_state must be present or absent; got {state!r}")
    out = {"state": state}
    for name in SETTING_BOOLS:
        out[name[len("backup_") :]] = _setting_bool(name, s.get(name, False), errors)
    if state == "present":
        _check_repository(s, errors)
    for name in ("backup_on_calendar", "backup_check_on_calendar"):
        if not isinstance(s.get(name), str) or not s[name].strip():
            errors.append(f"{name} must be a systemd calendar expression; got {s.get(name)!r}")
    out["randomized_delay_sec"] = _setting_int(
        "backup_randomized_delay_sec", s.get("backup_randomized_delay_sec", 0), 0, errors
    )
    out["max_age_hours"] = _setting_int("backup_max_age_hours", s.get("backup_max_age_hours", 36), 1, errors)
    out["keep"] = _check_keep(s.get("backup_keep"), errors)
    subset = s.get("backup_check_read_data_subset") or ""
    if not SUBSET_RE.match(str(subset)):
        errors.append(f"backup_check_read_data_subset must be empty, N%, n/t or a size like 2G; got {subset!r}")
    for name in ("backup_install_dir", "backup_config_dir", "backup_state_dir", "backup_restore_dir"):
        value = s.get(name) or ""
        if (value or name != "backup_restore_dir") and not str(value).startswith("/"):
            errors.append(f"{name} must be an absolute path; got {value!r}")
    prefix = s.get("backup_zfs_snapshot_prefix", "")
    if not isinstance(prefix, str) or not SNAPSHOT_PREFIX_RE.match(prefix):
        errors.append(f"backup_zfs_snapshot_prefix must be letters, digits, '.' or '-'; got {prefix!r}")
    out["extra_items"] = _check_extra_items(
        _setting_list("backup_extra_items", s.get("backup_extra_items"), errors), errors
    )
    out["restic_options"] = _setting_list("backup_restic_options", s.get("backup_restic_options"), errors)
    out["zfs_datasets"] = _setting_list("backup_zfs_datasets", s.get("backup_zfs_datasets"), errors)
    if errors:
        raise ConfigError("; ".join(errors))
    if "inventory_hostname" in s:
        out["tool_config"] = tool_config(s, out)
    return out


ZFS_SNAPSHOTS_CONFIG = "/etc/ai-stack/zfs-snapshots.json"


def tool_config(s, settings):
    """The backup tool's config.json (what the role writes), from the inputs and validate_settings' result.

    ``s`` also holds ``inventory_hostname``, ``storage_root`` and ``compose_root`` (the stack-wide settings):
    the tool builds its items from them (default_items) and reads the model paths from the compose files below
    compose_root at backup time (resolve_deployed). Empty ``zfs_datasets``: the datasets of the zfs_snapshots
    role's configuration, read at backup time.
    """
    config_dir = str(s.get("backup_config_dir") or "/etc/ai-stack/backup")
    sftp = s.get("backup_sftp_command") or ""
    return {
        "host": s["inventory_hostname"],
        "tag": "ai-stack",
        "env_file": f"{config_dir}/restic.env",
        "state_dir": s.get("backup_state_dir"),
        "restore_dir": s.get("backup_restore_dir") or f"{s.get('storage_root')}/.ai-stack-restore",
        "restic_options": (["-o", f"sftp.command={sftp}"] if sftp else []) + settings["restic_options"],
        "keep": settings["keep"],
        "check_read_data_subset": s.get("backup_check_read_data_subset"),
        "password_file": f"{config_dir}/password",
        "repository_record": f"{config_dir}/repository.sha256",
        "zfs_datasets": settings["zfs_datasets"],
        "zfs_snapshots_config": ZFS_SNAPSHOTS_CONFIG,
        "zfs_snapshot_prefix": s.get("backup_zfs_snapshot_prefix"),
        "storage_root": s.get("storage_root"),
        "compose_root": s.get("compose_root"),
        "services": {
            name: settings[name] for name in ("openwebui", "pihole", "nginx", "comfyui", "ollama", "zabbix_psk")
        },
        "include_models": settings["include_models"],
        "extra_items": settings["extra_items"],
    }


def verify_checks(age_text, state_text, timer_status, max_age_hours):
    """Rows {check, result: pass|fail|skip, detail} from `tool age`, state.json and the timer's status."""
    try:
        age = int(str(age_text).strip())
    except ValueError:
        age = -1
    try:
        state = json.loads(state_text) if state_text else {}
    except ValueError:
        state = {}
    state = state if isinstance(state, dict) else {}
    limit = int(max_age_hours) * 3600
    if 0 <= age <= limit:
        result = "pass"
    elif age < 0 and "last_attempt" not in state:
        # Never attempted (a fresh deploy, before the first timer run): skip, not fail.
        result = "skip"
    else:
        result = "fail"
    detail = (
        f"last backup {round(age / 3600, 1)} h ago (limit {max_age_hours} h)"
        if age >= 0
        else "no successful backup yet"
    )
    if state.get("last_error"):
        detail += f"; last error: {state['last_error']}"
    unit_state = (timer_status or {}).get("UnitFileState") or ""
    check_ok = state.get("last_check_ok")
    return [
        {"check": "backup age", "result": result, "detail": detail},
        {
            "check": "backup timer",
            "result": "pass" if unit_state == "enabled" else "fail",
            "detail": f"ai-stack-backup.timer {unit_state or 'missing'}",
        },
        {
            "check": "backup repository check",
            "result": "skip" if check_ok is None else ("pass" if check_ok else "fail"),
            "detail": "no restic check yet"
            if check_ok is None
            else f"last restic check {'passed' if check_ok else 'FAILED'}",
        },
    ]
