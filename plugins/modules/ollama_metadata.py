#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: ollama_metadata
short_description: What a running Ollama says of some models, for the VRAM plan
version_added: 0.3.0
description:
  - Asks a running Ollama for its models (C(/api/tags)) and, for each of O(models) it has, their GGUF metadata
    (verbose C(/api/show)), in one module run. The ollama role plans the VRAM of models its catalog lacks with
    them (the C(ollama_settings) filter's C(show_results) and C(tags)).
  - The API is O(api_url), or the address of the container O(container) on the Docker network O(network)
    (C(docker inspect)). An Ollama that does not run or does not answer gives empty results; nothing fails.
  - Reads only; talks HTTP with the Python standard library.
options:
  api_url:
    description: Base URL of the Ollama API. Empty or not given, O(container) on O(network) is asked.
    type: str
    default: ""
  container:
    description: The Ollama container whose address on O(network) is the API's (port 11434).
    type: str
    default: ollama
  network:
    description: The Docker network of O(container).
    type: str
    default: ""
  models:
    description: The models to describe (those Ollama does not have are left out).
    type: list
    elements: str
    default: []
  timeout:
    description: Seconds to wait for each answer.
    type: int
    default: 30
extends_documentation_fragment:
  - homelab.ai_stack.attributes
attributes:
  check_mode:
    support: full
    details: Reads only; runs the same in check mode.
  diff_mode:
    support: none
  platform:
    platforms: posix
seealso:
  - module: homelab.ai_stack.ollama_model
author:
  - homelab.ai_stack contributors (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Read the metadata of models the VRAM catalog lacks
  homelab.ai_stack.ollama_metadata:
    network: ai-stack
    models: [my-finetune:latest]
  register: ollama_read
"""

RETURN = r"""
api_url:
  description: The API asked; empty when there was none (no container on the network).
  returned: always
  type: str
  sample: http://172.30.0.5:11434
tags:
  description: The answer of C(/api/tags) (empty when Ollama did not answer).
  returned: always
  type: dict
show_results:
  description: One entry per model of O(models) that Ollama has, C(item) (the name), C(status) (200, or the HTTP
    status of a failure, -1 without one) and C(json) (the answer of C(/api/show), when 200).
  returned: always
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule  # noqa: E402 (documentation first)

from ansible_collections.homelab.ai_stack.plugins.module_utils._ollama import (  # noqa: E402
    OllamaClient,
    container_address,
    read_metadata,
)


def main():
    module = AnsibleModule(
        argument_spec={
            "api_url": {"type": "str", "default": ""},
            "container": {"type": "str", "default": "ollama"},
            "network": {"type": "str", "default": ""},
            "models": {"type": "list", "elements": "str", "default": []},
            "timeout": {"type": "int", "default": 30},
        },
        supports_check_mode=True,
    )
    url = module.params["api_url"]
    if not url and module.params["network"]:
        fmt = "{{json .NetworkSettings.Networks}}"
        rc, out, _err = module.run_command(
            ["docker", "inspect", "--type", "container", "--format", fmt, module.params["container"]]
        )
        address = container_address(out, module.params["network"]) if rc == 0 else ""
        url = f"http://{address}:11434" if address else ""
    tags, results = (
        read_metadata(OllamaClient(url, timeout=module.params["timeout"]), module.params["models"]) if url else ({}, [])
    )
    module.exit_json(changed=False, api_url=url, tags=tags, show_results=results)


if __name__ == "__main__":
    main()
