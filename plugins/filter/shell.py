# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A bash script and its environment as one command line for ansible.builtin.raw (module_utils/_shell.py)."""

from __future__ import annotations

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.homelab.ai_stack.plugins.module_utils import _shell
from ansible_collections.homelab.ai_stack.plugins.module_utils._inputs import plain as _plain


def shell_command(script, env=None):
    """See shell_command.yml."""
    if env is not None and not isinstance(env, Mapping):
        raise AnsibleFilterError(f"shell_command: env must be a dict of names and values, got {env!r}")
    try:
        return _shell.command(_plain(script), _plain(dict(env or {})))
    except ValueError as exc:
        raise AnsibleFilterError(str(exc)) from None


class FilterModule:
    def filters(self):
        return {"shell_command": shell_command}
