#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: comfyui_models
short_description: Download ComfyUI model files, checked, resumable, with progress
version_added: 0.1.0
description:
  - Makes each file of O(models) present under O(models_dir) with its checksum, in one module run.
  - A file whose checksum matches is left alone; nothing is transferred on a re-run.
  - A download is written to C(<file>.part) first and replaces the file only when its checksum matches, so a
    partial or corrupt download never replaces a good file. An interrupted download resumes from the C(.part)
    file with an HTTP C(Range) request (a server that ignores it sends the whole file again).
  - A file that fails after O(retries) is reported and the others are still downloaded; the task fails at the
    end, naming each failed file.
  - Downloads show their progress while they run. A module cannot print while it runs, so the collection's action
    plugin of the same name does it, with the mechanism P(homelab.ai_stack.ollama_model#module) uses. It asks the
    module first whether anything must be downloaded (O(defer_download)); only then it starts the module as an async
    job that writes its progress to a file on the target (O(progress_file)), reads that file every
    O(progress_interval) seconds and prints one line (file, percent, bytes, speed, time left), and one summary line
    at the end (downloaded, skipped, failed, bytes, time). A run that downloads nothing costs one module run.
  - Check mode and C(--diff) report which files would be downloaded, without progress lines.
  - Uses the Python standard library; nothing needs installing on the target.
author:
  - homelab.ai_stack contributors (!UNKNOWN)
extends_documentation_fragment:
  - homelab.ai_stack.attributes
attributes:
  check_mode:
    support: full
    details: Checks the files in place and reports which would be downloaded; downloads nothing.
  diff_mode:
    support: full
  platform:
    platforms: posix
options:
  models:
    description:
      - The files to have, each with its URL, the folder under O(models_dir), its file name and its checksum.
    type: list
    elements: dict
    required: true
    suboptions:
      url:
        description: Where to download the file from (V(http), V(https), V(ftp) or V(file) URL).
        type: str
        required: true
      dest:
        description: Folder under O(models_dir), for example V(checkpoints) or V(vae).
        type: str
        required: true
      filename:
        description: The file's name in O(models[].dest). Default the last path part of O(models[].url).
        type: str
      checksum:
        description: C(algorithm:hex), one of V(sha256), V(sha512), V(sha1), V(md5).
        type: str
        required: true
  models_dir:
    description: The ComfyUI C(models/) folder on the host.
    type: path
    required: true
  owner:
    description: Owner of the files and of the folders the module creates.
    type: str
    default: root
  group:
    description: Group of the files and of the folders the module creates.
    type: str
    default: root
  mode:
    description: Mode of the files (folders the module creates get C(0755)).
    type: raw
    default: "0644"
  timeout:
    description: Seconds a download may wait for data before the attempt counts as dropped (and is retried).
    type: int
    default: 60
  retries:
    description: How many times a download that failed in a retryable way is tried again (resuming).
    type: int
    default: 3
  retry_delay:
    description: Seconds to wait before retrying a download.
    type: float
    default: 5.0
  validate_certs:
    description: Check the TLS certificate of C(https) URLs.
    type: bool
    default: true
  progress_interval:
    description:
      - Seconds between two progress lines. V(0) turns the progress lines off (the module then runs once, as any).
    type: int
    default: 10
  defer_download:
    description:
      - Internal, set by the action plugin. When a download is needed, return C(download_needed=true) without
        downloading.
    type: bool
    default: false
  progress_file:
    description:
      - Internal, set by the action plugin. File on the target the progress is written to while the module runs
        (JSON, replaced atomically, the format of P(homelab.ai_stack.ollama_model#module)); removed when it ends.
    type: path
notes:
  - The role P(homelab.ai_stack.comfyui#role) runs this once with every entry of C(comfyui_models).
  - Checking a file in place reads it whole (its checksum), as M(ansible.builtin.get_url) does.
seealso:
  - module: homelab.ai_stack.ollama_model
"""

EXAMPLES = r"""
- name: Have the SDXL base checkpoint and its VAE
  homelab.ai_stack.comfyui_models:
    models_dir: /srv/ai/comfyui/models
    models:
      - url: https://huggingface.co/stabilityai/stable-diffusion-xl-base-1.0/resolve/main/sd_xl_base_1.0.safetensors
        dest: checkpoints
        checksum: sha256:31e35c80fc4829d14f90153f4c74cd59c90b779f6afe05a74cd6120b893f7e5b
    progress_interval: 30
"""

RETURN = r"""
files:
  description: One entry per file of O(models), in order.
  returned: always
  type: list
  elements: dict
  contains:
    path:
      description: The file on the host.
      type: str
    url:
      description: Where it comes from.
      type: str
    action:
      description: What happened to it (in check mode, what would).
      type: str
      choices: [skipped, downloaded, would download, failed]
    bytes:
      description: Bytes received for it in this run.
      type: int
    seconds:
      description: Seconds its download took.
      type: float
    attempts:
      description: Download attempts; 0 when skipped.
      type: int
    error:
      description: Why it failed (the last attempt's error).
      type: str
      returned: when it failed
  sample:
    - {path: /srv/ai/comfyui/models/vae/sdxl_vae.safetensors, url: "https://example.org/sdxl_vae.safetensors",
       action: downloaded, bytes: 334641164, seconds: 41.2, attempts: 1}
summary:
  description: Counts and totals over O(models) (what would be downloaded in check mode), and the line the role prints.
  returned: always
  type: dict
  sample: {downloaded: 1, skipped: 2, failed: 0, bytes: 334641164, seconds: 41.2,
           line: "downloaded 1, skipped 2, failed 0; 334.6 MB in 41s"}
download_needed:
  description: With O(defer_download), true when a file must be downloaded (nothing was downloaded yet).
  returned: with O(defer_download) when a download is needed
  type: bool
  sample: true
"""

import os  # noqa: E402

from ansible.module_utils.basic import AnsibleModule  # noqa: E402

from ansible_collections.homelab.ai_stack.plugins.module_utils._downloads import (  # noqa: E402
    DownloadError,
    _opener,
    download,
    parse_checksum,
    plan,
    summary,
)
from ansible_collections.homelab.ai_stack.plugins.module_utils._progress import (  # noqa: E402
    Progress,
    ProgressFile,
)

_SCHEMES = ("http://", "https://", "ftp://", "file://")


def _file_args(module, path):
    params = module.params
    return {
        "path": path,
        "owner": params["owner"],
        "group": params["group"],
        "mode": params["mode"],
        "seuser": None,
        "serole": None,
        "setype": None,
        "selevel": None,
        "secontext": [None, None, None],
        "attributes": None,
    }


def _make_dirs(module, path, stop):
    """Create ``path`` and its missing parents up to ``stop`` with owner/group and 0755."""
    missing = []
    while not os.path.isdir(path) and path not in ("/", stop):
        missing.append(path)
        path = os.path.dirname(path)
    for folder in reversed(missing):
        os.makedirs(folder, exist_ok=True)
        module.set_fs_attributes_if_different(dict(_file_args(module, folder), mode="0755"), False)


def checked_models(module):
    out = []
    for pos, model in enumerate(module.params["models"]):
        url = str(model.get("url") or "")
        name = str(model.get("filename") or url.split("?", maxsplit=1)[0].rstrip("/").rsplit("/", maxsplit=1)[-1])
        dest = str(model.get("dest") or "")
        label = f"models[{pos}] ({url})"
        if not url.startswith(_SCHEMES):
            module.fail_json(msg=f"{label}: url must be an http, https, ftp or file URL")
        if not dest or dest.startswith("/") or ".." in dest.split("/"):
            module.fail_json(msg=f"{label}: dest must be a folder under models_dir (relative, no '..'), got {dest!r}")
        if not name or "/" in name or name in (".", ".."):
            module.fail_json(msg=f"{label}: filename must be a file name, got {name!r}")
        try:
            parse_checksum(model.get("checksum"))
        except ValueError as exc:
            module.fail_json(msg=f"{label}: {exc}")
        out.append({"url": url, "dest": dest, "filename": name, "checksum": str(model["checksum"])})
    return out


def run(module, opener=None):
    params = module.params
    models_dir = params["models_dir"]
    entries = plan(checked_models(module), models_dir)
    needed = [e for e in entries if e["state"] != "present"]
    result = {"changed": False, "files": []}
    before, after = {}, {}
    for entry in entries:
        before[entry["path"]] = entry["state"]
        after[entry["path"]] = "present"
    result["diff"] = {"before": before, "after": after}

    if needed and params["defer_download"] and not module.check_mode:
        result["download_needed"] = True
        result["files"] = [_row(e, "skipped" if e["state"] == "present" else "would download") for e in entries]
        result["summary"] = summary([])
        return result

    tracker = None
    if params["progress_file"] and needed and not module.check_mode:
        tracker = ProgressFile(params["progress_file"], Progress("comfyui models"))
    try:
        for pos, entry in enumerate(entries):
            if entry["state"] == "present":
                row = _row(entry, "skipped")
                if module.set_fs_attributes_if_different(_file_args(module, entry["path"]), False):
                    result["changed"] = True
            elif module.check_mode:
                row = _row(entry, "would download")
                result["changed"] = True
            else:
                row = _fetch_one(module, entry, pos, len(entries), tracker, models_dir, opener)
                result["changed"] = result["changed"] or row["action"] == "downloaded"
            result["files"].append(row)
    finally:
        if tracker is not None:
            tracker.remove()
    result["summary"] = summary(result["files"])
    return result


def _row(entry, action, **extra):
    return dict(
        {"path": entry["path"], "url": entry["url"], "action": action, "bytes": 0, "seconds": 0.0, "attempts": 0},
        **extra,
    )


def _fetch_one(module, entry, pos, count, tracker, models_dir, opener):
    params = module.params
    progress = None
    if tracker is not None:
        tracker.progress = Progress(f"{entry['label']} ({pos + 1}/{count})")
        tracker.write()
        progress = tracker
    _make_dirs(module, os.path.dirname(entry["path"]), os.path.dirname(models_dir.rstrip("/")))
    try:
        got = download(
            entry,
            timeout=params["timeout"],
            retries=params["retries"],
            delay=params["retry_delay"],
            progress=progress,
            opener=opener or _opener(params["validate_certs"]),
        )
    except DownloadError as exc:
        return _row(entry, "failed", bytes=exc.bytes, seconds=exc.seconds, attempts=exc.attempts, error=exc.message)
    module.set_fs_attributes_if_different(_file_args(module, got["part"]), False)
    os.replace(got["part"], entry["path"])
    return _row(entry, "downloaded", bytes=got["bytes"], seconds=got["seconds"], attempts=got["attempts"])


def main():
    module = AnsibleModule(
        argument_spec={
            "models": {
                "type": "list",
                "elements": "dict",
                "required": True,
                "options": {
                    "url": {"type": "str", "required": True},
                    "dest": {"type": "str", "required": True},
                    "filename": {"type": "str"},
                    "checksum": {"type": "str", "required": True},
                },
            },
            "models_dir": {"type": "path", "required": True},
            "owner": {"type": "str", "default": "root"},
            "group": {"type": "str", "default": "root"},
            "mode": {"type": "raw", "default": "0644"},
            "timeout": {"type": "int", "default": 60},
            "retries": {"type": "int", "default": 3},
            "retry_delay": {"type": "float", "default": 5.0},
            "validate_certs": {"type": "bool", "default": True},
            "progress_interval": {"type": "int", "default": 10},
            "defer_download": {"type": "bool", "default": False},
            "progress_file": {"type": "path"},
        },
        supports_check_mode=True,
    )
    params = module.params
    if params["timeout"] <= 0:
        module.fail_json(msg=f"timeout must be a positive number of seconds, got {params['timeout']}")
    if params["retries"] < 0 or params["retry_delay"] < 0:
        module.fail_json(msg="retries and retry_delay must not be negative")
    result = run(module)
    failed = [f for f in result["files"] if f["action"] == "failed"]
    if failed:
        module.fail_json(msg="could not download " + "; ".join(f"{f['path']}: {f['error']}" for f in failed), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
