# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the pre-flight of the ollama and comfyui roles reads from the host, in one module run (ai_host_probe)."""

from __future__ import annotations

import json
import os
import re

OLLAMA_LIBRARY = "manifests/registry.ollama.ai/library"


def memtotal_mib(text):
    """MemTotal of the text of /proc/meminfo in MiB, or None."""
    match = re.search(r"^MemTotal:\s+([0-9]+)", text or "", re.M)
    return int(match.group(1)) // 1024 if match else None


def models_fs_line(path):
    """``ok|notdir|readonly <nearest existing dir> <free bytes>`` of a models path, '' when it is not absolute.

    The nearest existing path (the path itself, or the parent it would be
    created in) must be a writable directory on a writable file system; the
    free bytes are those available to unprivileged users (``df -B1``'s Available).
    """
    if not path or not str(path).startswith("/"):
        return ""
    probe = os.path.normpath(str(path))
    while not os.path.exists(probe):
        probe = os.path.dirname(probe)
    if not os.path.isdir(probe):
        return f"notdir {probe} 0"
    try:
        st = os.statvfs(probe)
    except OSError:
        return f"readonly {probe} 0"
    if not os.access(probe, os.W_OK) or st.f_flag & os.ST_RDONLY:
        return f"readonly {probe} 0"
    return f"ok {probe} {st.f_bavail * st.f_frsize}"


def ollama_library(models_dir):
    """The models pulled into an Ollama models directory: ``name`` and ``name/tag`` under its manifests."""
    root = os.path.join(str(models_dir or ""), OLLAMA_LIBRARY)
    found = []
    try:
        names = sorted(os.listdir(root))
    except OSError:
        return found
    for name in names:
        found.append(name)
        try:
            found += [f"{name}/{tag}" for tag in sorted(os.listdir(os.path.join(root, name)))]
        except OSError:
            continue
    return found


def read_record(path):
    """``(content, warning)``: the JSON document at ``path`` (None when missing) and why it could not be read."""
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle), None
    except FileNotFoundError:
        return None, None
    except (OSError, ValueError) as exc:
        return None, f"{path} could not be read as JSON: {exc}"


def network_gateway(name, run):
    """The gateway of the Docker network ``name`` ('' when it has none), or None when it does not exist
    (or Docker does not answer). ``run(argv)`` returns ``(rc, stdout, stderr)`` (AnsibleModule.run_command)."""
    fmt = "{{range .IPAM.Config}}{{.Gateway}}{{end}}"
    rc, out, _err = run(["docker", "network", "inspect", "--format", fmt, str(name)])
    return out.strip() if rc == 0 else None


def probe(models_dir, ollama_library_wanted=False, records=(), meminfo="/proc/meminfo"):
    """Everything the roles' pre-flight reads; see the ai_host_probe module's RETURN."""
    try:
        with open(meminfo, encoding="utf-8") as handle:
            mib = memtotal_mib(handle.read())
    except OSError:
        mib = None
    warnings, contents = [], {}
    for path in records or ():
        contents[path], warning = read_record(path)
        if warning:
            warnings.append(warning)
    return {
        "memtotal_mib": mib,
        "models_dir": models_dir,
        "models_fs": models_fs_line(models_dir),
        "ollama_library": ollama_library(models_dir) if ollama_library_wanted else [],
        "records": contents,
    }, warnings


def missing_models(names, library):
    """The model names (``name`` or ``name:tag``) not pulled, by ``ollama_library``'s listing."""
    have = set(library or [])
    return [n for n in names if str(n).replace(":", "/") not in have]
