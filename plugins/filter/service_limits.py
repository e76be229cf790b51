# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters the GPU service roles use: a memory limit sized from the VRAM plan, and the ROCm gfx overrides."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.homelab.ai_stack.plugins.module_utils._gpu import hsa_override_env
from ansible_collections.homelab.ai_stack.plugins.module_utils._inputs import plain as _plain
from ansible_collections.homelab.ai_stack.plugins.module_utils._limits import LimitsError, memory_limit


def service_memory_limit(plan, service, host_memory_mib, gpu_mode="cpu"):
    """mem_limit for ollama or comfyui from the VRAM plan and the host's memory."""
    try:
        return memory_limit(_plain(plan), service, host_memory_mib, gpu_mode)
    except LimitsError as exc:
        raise AnsibleFilterError(f"service_memory_limit: {exc}") from exc


def hsa_overrides(gpus):
    """HSA_OVERRIDE_GFX_VERSION[_n] for the AMD GPUs whose gfx target Ollama's ROCm build lacks."""
    if gpus is not None and not isinstance(gpus, list):
        raise AnsibleFilterError("hsa_overrides: _input must be the list in ansible_facts['ai_stack_gpus']")
    return hsa_override_env(_plain(gpus or []))


class FilterModule:
    def filters(self):
        return {"service_memory_limit": service_memory_limit, "hsa_overrides": hsa_overrides}
