# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of homelab.ai_stack.pihole_lists: a light run when the lists are in place, else the module.

The light run is a check-mode run: it reads FTL's lists and writes nothing; any call it would make
(or a project out of sync, or no container yet) hands over to the module. See
plugins/plugin_utils/_lite_read.py.
"""

from __future__ import annotations

from ansible_collections.homelab.ai_stack.plugins.module_utils import _read_specs
from ansible_collections.homelab.ai_stack.plugins.plugin_utils._lite_read import LiteReadAction


class ActionModule(LiteReadAction):
    MODULE = "pihole_lists"
    SPEC = _read_specs.PIHOLE_LISTS
    VALIDATION = {"required_together": _read_specs.PIHOLE_LISTS_TOGETHER}

    def accepts(self, data):
        # Out of sync, the module returns applied=false without calling the API, in check mode or not. In sync,
        # the container runs: the check-mode run read FTL's lists from it, as the module would. Without a project
        # read, check mode cannot tell a missing container (an error of the module) from one with nothing to do.
        if "compose_in_sync" not in data:
            return False
        return data["compose_in_sync"] is False or data.get("applied") is True
