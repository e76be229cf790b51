# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The requirements of ComfyUI's custom nodes: which to install, and their records.

A record per node (``<node>-<sha256 of requirements.txt>-<12 hex of the image's hash>``,
_ai_services.node_records) in the records folder says its requirements were installed
with that image, so pip runs again only when the file or the image changes. Plain
functions (stdlib only), unit-tested; the module comfyui_node_requirements runs them.
"""

from __future__ import annotations

import hashlib
import os

from ansible_collections.homelab.ai_stack.plugins.module_utils._ai_services import node_records, record_node
from ansible_collections.homelab.ai_stack.plugins.module_utils._files import write_file


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def plan(nodes_dir, names, image, record_dir):
    """(wanted, found): the records the present nodes with a requirements.txt want, the record files there are."""
    stats = []
    for name in names:
        path = os.path.join(nodes_dir, name, "requirements.txt")
        if os.path.isfile(path):
            stats.append({"item": {"name": name}, "stat": {"exists": True, "checksum": _sha256(path)}})
    wanted = node_records(stats, image)
    found = []
    if os.path.isdir(record_dir):
        found = sorted(f for f in os.listdir(record_dir) if os.path.isfile(os.path.join(record_dir, f)))
    return wanted, found


def pip_command(container, app_dir, record):
    """The pip install of a node's requirements in the container, as the image's entrypoint sets PIP_USER."""
    requirements = f"{app_dir.rstrip('/')}/custom_nodes/{record_node(record)}/requirements.txt"
    env = ["--env", "PIP_USER=true", "--env", "PIP_ROOT_USER_ACTION=ignore"]
    return ["docker", "exec", *env, container, "pip", "install", "--requirement", requirements]


def write_records(record_dir, wanted, found, image):
    """Leave exactly ``wanted`` in the records folder (root, 0755; records 0644)."""
    os.makedirs(record_dir, mode=0o755, exist_ok=True)
    content = f"installed by homelab.ai_stack with {image}\n".encode()
    for record in wanted:
        if record not in found:
            write_file(os.path.join(record_dir, record), content, 0o644, 0, 0)
    for record in found:
        if record not in wanted:
            os.unlink(os.path.join(record_dir, record))
