#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ai_host_probe
short_description: Read what the pre-flight of the ollama and comfyui roles needs from the host, in one run
version_added: 0.2.0
description:
  - Reads the host's memory (C(/proc/meminfo)), whether a models path can be created and its free space, the
    models an Ollama models directory holds and JSON records of other roles, for the C(ollama_settings) and
    C(comfyui_settings) filters.
  - Never changes the host; a record that is missing reads as V(null).
author:
  - homelab.ai_stack contributors (!UNKNOWN)
options:
  models_dir:
    description:
      - The models path to check. A path that is not absolute is not probed (RV(models_fs) is empty; the
        settings filter reports the variable).
    type: str
    required: true
  ollama_library:
    description: List the models pulled into O(models_dir) (Ollama's C(manifests/registry.ollama.ai/library)).
    type: bool
    default: false
  records:
    description: JSON files to read (another role's records on the host).
    type: list
    elements: path
    default: []
  docker_network:
    description:
      - A Docker network to read the gateway of (RV(network_gateway)), with C(docker network inspect).
      - Unset reads none.
    type: str
    version_added: 0.2.0
extends_documentation_fragment:
  - homelab.ai_stack.attributes
  - homelab.ai_stack.compose_read
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: posix
notes:
  - The logic lives in C(plugins/module_utils/_ai_probe.py) and is unit-tested.
  - O(compose_project) is read through the Docker Engine API on C(/var/run/docker.sock)
    (C(plugins/module_utils/_docker_api.py), the answers of the C(docker) CLI without starting it four times), or
    with the CLI when C(DOCKER_HOST), C(DOCKER_CONTEXT) or a CLI context names another engine, or the socket does
    not answer.
"""

EXAMPLES = r"""
- name: Read the host's memory, the models path and Ollama's VRAM record
  homelab.ai_stack.ai_host_probe:
    models_dir: /srv/cold-storage/ai/comfyui/models
    records: [/var/lib/ai-stack/vram/ollama.json]
  register: __comfyui_probe
"""

RETURN = r"""
compose:
  description:
    - The read of O(compose_project) for the C(homelab.ai_stack.compose_in_sync) filter (C(project_src), C(exists),
      C(directory), C(files), C(network_exists), C(containers), C(drift), C(owner), C(api_version), C(secrets_equal),
      C(secrets_sha1) with O(compose_project.secrets_digest), C(directories) and C(directories_judged) with
      O(compose_project.directories)).
    - Never a checksum or size of C(secrets.env) unless O(compose_project.secrets_digest) is set.
  returned: when O(compose_project) is given
  type: dict
  version_added: 0.2.0
memtotal_mib:
  description: The host's memory in MiB (MemTotal), V(null) when unreadable.
  returned: always
  type: int
  sample: 23948
models_dir:
  description: O(models_dir) as given.
  returned: always
  type: str
models_fs:
  description:
    - V(ok), V(notdir) or V(readonly), the nearest existing directory of O(models_dir) and its free bytes, space
      separated; empty when O(models_dir) is not absolute.
  returned: always
  type: str
  sample: ok /srv/cold-storage 52743213056
ollama_library:
  description: The C(name) and C(name/tag) entries of the pulled models, when O(ollama_library) is set.
  returned: always
  type: list
  elements: str
  sample: [llama3.2, llama3.2/3b]
network_gateway:
  description:
    - The gateway of O(docker_network) (empty when its IPAM config has none); V(null) when the network does not
      exist, Docker does not answer, or O(docker_network) is unset.
  returned: always
  type: str
  sample: 172.30.0.1
  version_added: 0.2.0
records:
  description: Each of O(records) with its JSON content, V(null) when it is missing or not JSON (with a warning).
  returned: always
  type: dict
  sample: {/var/lib/ai-stack/vram/ollama.json: {models: [{name: llama3.2:3b}]}}
"""

from ansible.module_utils.basic import AnsibleModule  # noqa: E402

from ansible_collections.homelab.ai_stack.plugins.module_utils import _ai_probe, _dirs, _docker_api, _read_specs  # noqa: E402


def main():
    module = AnsibleModule(argument_spec=_read_specs.AI_HOST_PROBE, supports_check_mode=True)
    params = module.params
    result, warnings = _ai_probe.probe(params["models_dir"], params["ollama_library"], params["records"])
    result["network_gateway"] = None
    if params["docker_network"]:
        result["network_gateway"] = _ai_probe.network_gateway(params["docker_network"], module.run_command)
    if params["compose_project"]:
        result["compose"] = _docker_api.module_read(module, params["compose_project"], _dirs.out_of_place)
    for warning in warnings:
        module.warn(warning)
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
