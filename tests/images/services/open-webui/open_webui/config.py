# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""STAND-IN for the part of open_webui/config.py (v0.6.33) a start hook sees (tests only).

As upstream, importing this module reads the stored config (CONFIG_DATA from
webui.db in DATA_DIR) and creates the PersistentConfig of the ComfyUI node map:
its environment value is [] (no variable upstream; the env_name is the
mistyped "COMFYUI_WORKFLOW" of config.py 3223-3227), its value the stored one
when ENABLE_PERSISTENT_CONFIG is on and one is stored (config.py 160-185).
The stand-in server takes the node map from here at start.
"""

from __future__ import annotations

import json
import os
import sqlite3

ENABLE_PERSISTENT_CONFIG = os.environ.get("ENABLE_PERSISTENT_CONFIG", "True").lower() == "true"
DEFAULT_CONFIG = {"version": 0, "ui": {}}


def get_config():
    path = os.path.join(os.environ.get("DATA_DIR", "/app/backend/data"), "webui.db")
    if not os.path.exists(path):
        return DEFAULT_CONFIG
    with sqlite3.connect(path) as c:
        try:
            row = c.execute("SELECT data FROM config ORDER BY id DESC LIMIT 1").fetchone()
        except sqlite3.OperationalError:
            return DEFAULT_CONFIG
    return json.loads(row[0]) if row else DEFAULT_CONFIG


CONFIG_DATA = get_config()


def get_config_value(config_path):
    cur = CONFIG_DATA
    for key in config_path.split("."):
        if not isinstance(cur, dict) or key not in cur:
            return None
        cur = cur[key]
    return cur


class PersistentConfig:
    def __init__(self, env_name, config_path, env_value):
        self.env_name = env_name
        self.config_path = config_path
        self.env_value = env_value
        self.config_value = get_config_value(config_path)
        if self.config_value is not None and ENABLE_PERSISTENT_CONFIG:
            self.value = self.config_value
        else:
            self.value = env_value


COMFYUI_WORKFLOW_NODES = PersistentConfig("COMFYUI_WORKFLOW", "image_generation.comfyui.nodes", [])
