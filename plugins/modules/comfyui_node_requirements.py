#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: comfyui_node_requirements
short_description: Install the requirements of ComfyUI's custom nodes that changed, and record them
version_added: 0.3.0
description:
  - For each node of O(names) with a C(requirements.txt) in O(nodes_dir), a record in O(record_dir) named
    C(<node>-<sha256 of requirements.txt>-<12 hex of the sha256 of O(image)>) says its requirements were installed
    with that image. In one module run it finds the records missing, installs those nodes' requirements with the
    image's pip in the running container O(container) (C(docker exec), C(PIP_USER=true) as the image's entrypoint
    sets it, into C(/root/.local)), then leaves exactly the wanted records (the others, of older files, images or
    removed nodes, are deleted).
  - A pip install that fails fails the task before any record is written, so the next run tries again.
options:
  nodes_dir:
    description: The custom nodes folder on the host (mounted at C(custom_nodes) of O(app_dir) in the container).
    type: path
    required: true
  names:
    description: The nodes that are present.
    type: list
    elements: str
    default: []
  image:
    description: The image the container runs.
    type: str
    required: true
  record_dir:
    description: The records folder on the host (made root's, 0755; records 0644).
    type: path
    required: true
  container:
    description: The running ComfyUI container.
    type: str
    default: comfyui
  app_dir:
    description: Where the image keeps ComfyUI, in the container.
    type: str
    default: /root/ComfyUI
extends_documentation_fragment:
  - homelab.ai_stack.attributes
attributes:
  check_mode:
    support: full
    details: Reports in RV(installed) and RV(forgotten) what it would do; runs no pip and writes nothing.
  diff_mode:
    support: none
  platform:
    platforms: posix
author:
  - homelab.ai_stack contributors (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Install the requirements that changed and record them
  homelab.ai_stack.comfyui_node_requirements:
    nodes_dir: /srv/ai-stack/ai/comfyui/custom_nodes
    names: [ComfyUI-Manager]
    image: yanwk/comfyui-boot:cu126-slim-20260914
    record_dir: /srv/ai-stack/ai/comfyui/local/.homelab-ai-stack-nodes
  notify: Restart comfyui
"""

RETURN = r"""
installed:
  description: The records whose node's requirements were (would be) installed.
  returned: always
  type: list
  elements: str
forgotten:
  description: The records that were (would be) deleted.
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule  # noqa: E402 (documentation first)

from ansible_collections.homelab.ai_stack.plugins.module_utils._comfyui_nodes import (  # noqa: E402
    pip_command,
    plan,
    write_records,
)


def main():
    module = AnsibleModule(
        argument_spec={
            "nodes_dir": {"type": "path", "required": True},
            "names": {"type": "list", "elements": "str", "default": []},
            "image": {"type": "str", "required": True},
            "record_dir": {"type": "path", "required": True},
            "container": {"type": "str", "default": "comfyui"},
            "app_dir": {"type": "str", "default": "/root/ComfyUI"},
        },
        supports_check_mode=True,
    )
    p = module.params
    wanted, found = plan(p["nodes_dir"], p["names"], p["image"], p["record_dir"])
    installed = [r for r in wanted if r not in found]
    forgotten = [r for r in found if r not in wanted]
    result = {"changed": bool(installed or forgotten), "installed": installed, "forgotten": forgotten}
    if module.check_mode or not result["changed"]:
        module.exit_json(**result)
    for record in installed:
        rc, out, err = module.run_command(pip_command(p["container"], p["app_dir"], record))
        if rc != 0:
            module.fail_json(
                msg=f"pip install of the requirements of {record} failed (rc {rc})", stdout=out, stderr=err
            )
    write_records(p["record_dir"], wanted, found, p["image"])
    module.exit_json(**result)


if __name__ == "__main__":
    main()
