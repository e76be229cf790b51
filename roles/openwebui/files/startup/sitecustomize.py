# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Open WebUI reads its ComfyUI node map from COMFYUI_WORKFLOW_NODES at start.

Written by the openwebui role into the Open WebUI container (PYTHONPATH), so
Python imports it before Open WebUI. Open WebUI v0.6.33 has no environment
variable for the node map (open_webui/config.py: COMFYUI_WORKFLOW_NODES is a
PersistentConfig whose value from the environment is always []), so with
ENABLE_PERSISTENT_CONFIG=false every start empties it and the user's prompt
never reaches the workflow. This gives it one, with upstream's own rule for
every other setting (config.py PersistentConfig.__init__): the value stored in
the database when persistent config is on and one is stored, else the
environment's. Nothing else is touched; without the variable it does nothing.
"""

import importlib.abc
import importlib.machinery
import json
import os
import sys

VARIABLE = "COMFYUI_WORKFLOW_NODES"
MODULE = "open_webui.config"


def apply(config):
    """Give config.COMFYUI_WORKFLOW_NODES the environment's node map, as PersistentConfig does for the others."""
    raw = os.environ.get(VARIABLE)
    if raw is None or not hasattr(config, VARIABLE):
        return
    nodes = json.loads(raw)
    if not isinstance(nodes, list):
        raise ValueError(f"{VARIABLE} must be a JSON list of nodes, not {type(nodes).__name__}")
    item = getattr(config, VARIABLE)
    item.env_value = nodes
    if item.config_value is None or not getattr(config, "ENABLE_PERSISTENT_CONFIG", True):
        item.value = nodes


class NodeMapFinder(importlib.abc.MetaPathFinder):
    """Runs apply() right after open_webui.config is executed, before anything reads it."""

    def find_spec(self, fullname, path, target=None):
        if fullname != MODULE:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        if spec is None or spec.loader is None:
            return spec
        execute = spec.loader.exec_module

        def exec_module(module):
            execute(module)
            apply(module)

        spec.loader.exec_module = exec_module
        return spec


if os.environ.get(VARIABLE) is not None:
    sys.meta_path.insert(0, NodeMapFinder())
