# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of homelab.ai_stack.openwebui_admin: a light run when the admin and its settings are in force.

The light run is a check-mode run. Its answer is taken only when the admin signed in and nothing
would change; a sign-up, a setting to put back, or an account that cannot sign in (check mode
cannot tell that apart from a first run) goes to the module. See plugins/plugin_utils/_lite_read.py.
"""

from __future__ import annotations

from ansible_collections.homelab.ai_stack.plugins.module_utils import _read_specs
from ansible_collections.homelab.ai_stack.plugins.plugin_utils._lite_read import LiteReadAction


class ActionModule(LiteReadAction):
    MODULE = "openwebui_admin"
    SPEC = _read_specs.OPENWEBUI_ADMIN

    def accepts(self, data):
        return data.get("how") == "signin"
