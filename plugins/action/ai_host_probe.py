# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of homelab.ai_stack.ai_host_probe: a light run when it only reads, else the module.

See plugins/plugin_utils/_lite_read.py.
"""

from __future__ import annotations

from ansible_collections.homelab.ai_stack.plugins.module_utils import _read_specs
from ansible_collections.homelab.ai_stack.plugins.plugin_utils._lite_read import LiteReadAction


class ActionModule(LiteReadAction):
    MODULE = "ai_host_probe"
    SPEC = _read_specs.AI_HOST_PROBE
