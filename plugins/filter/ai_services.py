# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pre-flight filters of the ollama and comfyui roles; the logic lives in module_utils/_ai_services.py."""

from __future__ import annotations

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.homelab.ai_stack.plugins.module_utils import _ai_services
from ansible_collections.homelab.ai_stack.plugins.module_utils._inputs import plain as _plain


def _inputs(inputs, name):
    if not isinstance(inputs, Mapping):
        raise AnsibleFilterError(f"{name}: _input must be the role's inputs as a dict")
    return _plain(inputs)


def ollama_settings(inputs, gpus=None, toolkit=False, host_memory_mib=None, show_results=None, tags=None, probe=None):
    """Errors, GPU mode, VRAM plan and the settings of the ollama role."""
    return _ai_services.ollama_settings(
        _inputs(inputs, "ollama_settings"),
        gpus=_plain(gpus or []),
        toolkit=_ai_services.as_bool(toolkit or False, "toolkit"),
        host_memory_mib=_ai_services.host_mib(host_memory_mib),
        show_results=_plain(show_results or []),
        tags=_plain(tags or {}),
        probe=_plain(probe) if probe is not None else None,
    )


def comfyui_settings(inputs, gpus=None, toolkit=False, host_memory_mib=None, probe=None):
    """Errors, GPU mode, VRAM plan and the launch flags of the comfyui role."""
    return _ai_services.comfyui_settings(
        _inputs(inputs, "comfyui_settings"),
        gpus=_plain(gpus or []),
        toolkit=_ai_services.as_bool(toolkit or False, "toolkit"),
        host_memory_mib=_ai_services.host_mib(host_memory_mib),
        probe=_plain(probe) if probe is not None else None,
    )


def models_path_check(fs_line, name, path, sizes=None, missing=None):
    """An error for a models path that cannot be created or lacks room, or an empty string."""
    sizes = _plain(sizes or {})
    missing = [str(m) for m in (missing or [])]
    return _ai_services.models_room_error(name, path, fs_line, sum(int(sizes.get(m) or 0) for m in missing), missing)


class FilterModule:
    def filters(self):
        return {
            "ollama_settings": ollama_settings,
            "comfyui_settings": comfyui_settings,
            "models_path_check": models_path_check,
        }
