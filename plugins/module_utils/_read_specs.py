# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The argument specs of the modules that also run light (module_utils/_lite.py) on a no-op.

The module builds its AnsibleModule from the spec here, and its action plugin
validates the task's arguments against the same spec on the controller before a
light run, so both ways take the same input and give the same errors.
"""

from __future__ import annotations

from ansible_collections.homelab.ai_stack.plugins.module_utils._compose import READ_SPEC
from ansible_collections.homelab.ai_stack.plugins.module_utils._dirs import PATHS_SPEC

HOST_FACTS = {
    "services": {"type": "list", "elements": "str", "default": ["docker", "firewalld", "zabbix-agent2"]},
    "storage": {"type": "path"},
    "paths": {"type": "list", "elements": "path", "default": []},
    "pending_dir": {"type": "path", "default": "/var/lib/ai-stack/pending"},
    "gpus": {"type": "bool", "default": False},
    "platform": {"type": "bool", "default": False},
}

AI_HOST_PROBE = {
    "models_dir": {"type": "str", "required": True},
    "ollama_library": {"type": "bool", "default": False},
    "records": {"type": "list", "elements": "path", "default": []},
    "docker_network": {"type": "str"},
    "compose_project": READ_SPEC,
}

DIRECTORIES = {
    "root": {"type": "path", "required": True},
    "paths": PATHS_SPEC,
    "checksums": {"type": "list", "elements": "str", "default": []},
    "read": {"type": "list", "elements": "str", "default": []},
    "compose_project": READ_SPEC,
    "wanted_files": {"type": "str", "no_log": True},
}

PIHOLE_LISTS = {
    "container": {"type": "str", "default": "pihole"},
    "api_url": {"type": "str", "default": ""},
    "password": {"type": "str", "required": True, "no_log": True},
    "marker": {"type": "str", "default": "managed by homelab.ai_stack"},
    "groups": {"type": "list", "elements": "raw", "default": []},
    "adlists": {"type": "list", "elements": "raw", "default": []},
    "domains": {"type": "list", "elements": "raw", "default": []},
    "clients": {"type": "list", "elements": "raw", "default": []},
    "allow": {"type": "list", "elements": "str", "default": []},
    "deny": {"type": "list", "elements": "str", "default": []},
    "timeout": {"type": "int", "default": 30},
    "compose": {"type": "str"},
    "compose_project": READ_SPEC,
}
PIHOLE_LISTS_TOGETHER = [("compose", "compose_project")]

OPENWEBUI_ADMIN = {
    "url": {"type": "str", "required": True},
    "email": {"type": "str", "required": True},
    "password": {"type": "str", "required": True, "no_log": True},
    "name": {"type": "str", "default": "Admin"},
    "enable_signup": {"type": "bool", "default": False},
    "images": {
        "type": "dict",
        "options": {
            "workflow": {"type": "raw", "required": True},
            "nodes": {"type": "list", "elements": "dict", "required": True},
        },
    },
    "timeout": {"type": "int", "default": 60},
}
