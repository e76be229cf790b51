# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The nvidia role's plan; the logic lives in module_utils/_nvidia.py."""

from __future__ import annotations

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.homelab.ai_stack.plugins.module_utils._inputs import plain as _plain
from ansible_collections.homelab.ai_stack.plugins.module_utils._nvidia import container_check_problem, plan


def nvidia_plan(gpus, settings=None, host=None):
    """See nvidia_plan.yml."""
    if gpus is not None and not isinstance(gpus, (list, tuple)):
        raise AnsibleFilterError("nvidia_plan: _input must be the list in ansible_facts['ai_stack_gpus']")
    for name, value in (("settings", settings), ("host", host)):
        if value is not None and not isinstance(value, Mapping):
            raise AnsibleFilterError(f"nvidia_plan: {name} must be a dict, got {value!r}")
    host = {
        key: (host or {}).get(key)
        for key in ("distribution", "os_family", "architecture", "distribution_major_version")
    }
    return plan(_plain(gpus or []), _plain(settings or {}), host)


def nvidia_container_check(result, gpus, image):
    """See nvidia_container_check.yml."""
    if not isinstance(result, Mapping):
        raise AnsibleFilterError("nvidia_container_check: _input must be the registered result of the check")
    return container_check_problem(_plain(dict(result)), _plain(list(gpus or [])), str(image))


class FilterModule:
    def filters(self):
        return {"nvidia_plan": nvidia_plan, "nvidia_container_check": nvidia_container_check}
