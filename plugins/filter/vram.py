# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""VRAM budgeting filters: vram_estimate, vram_plan, vram_catalog, vram_models_auto, vram_models_from_api.

Thin wrappers: the arithmetic lives in module_utils/_vram.py so the unit tests
and tests/bench/vram_accuracy.py exercise exactly what the filters run.
"""

from __future__ import annotations

import copy

from ansible.errors import AnsibleFilterError

from ansible_collections.homelab.ai_stack.plugins.module_utils._inputs import plain as _plain
from ansible_collections.homelab.ai_stack.plugins.module_utils._vram import (
    VramError,
    choose_models,
    estimate,
    models_from_api,
    plan,
)
from ansible_collections.homelab.ai_stack.plugins.module_utils._vram_catalog import (
    DIFFUSION_CATALOG,
    LLM_ALIASES,
    LLM_CATALOG,
)


def vram_estimate(workload, num_ctx=None, num_parallel=None, kv_cache_type=None, flash_attention=None):
    """MiB one workload needs: total_mib and its parts."""
    try:
        return estimate(
            _plain(workload),
            field="_input",
            num_ctx=num_ctx,
            num_parallel=num_parallel,
            kv_cache_type=kv_cache_type,
            flash_attention=flash_attention,
        )
    except VramError as exc:
        raise AnsibleFilterError(f"vram_estimate: {exc}") from exc


def vram_plan(
    workloads,
    gpus,
    reserve_mib=0,
    pins=None,
    allow_cpu_offload=False,
    num_ctx=None,
    num_parallel=None,
    kv_cache_type=None,
    flash_attention=None,
    auto_tune=True,
):
    """Placement of workloads on GPUs plus the Ollama and ComfyUI settings."""
    try:
        return plan(
            _plain(workloads),
            _plain(gpus),
            reserve_mib=_plain(reserve_mib),
            pins=_plain(pins),
            allow_cpu_offload=allow_cpu_offload,
            num_ctx=num_ctx,
            num_parallel=num_parallel,
            kv_cache_type=kv_cache_type,
            flash_attention=flash_attention,
            auto_tune=auto_tune,
        )
    except VramError as exc:
        raise AnsibleFilterError(f"vram_plan: {exc}") from exc


def vram_models_auto(wishes, gpus, workloads=None, reserve_mib=0, allow_cpu_offload=False, num_ctx=None):
    """The largest model of each wish that fits with the rest (ollama_models_auto)."""
    try:
        return choose_models(
            _plain(wishes),
            _plain(gpus),
            workloads=_plain(workloads),
            reserve_mib=_plain(reserve_mib),
            allow_cpu_offload=allow_cpu_offload,
            num_ctx=num_ctx,
        )
    except VramError as exc:
        raise AnsibleFilterError(f"vram_models_auto: {exc}") from exc


def vram_models_from_api(models, show_results, tags=None):
    """ollama_models with the metadata a running Ollama gave for uncatalogued models."""
    try:
        return models_from_api(_plain(models), _plain(show_results), _plain(tags))
    except VramError as exc:
        raise AnsibleFilterError(f"vram_models_from_api: {exc}") from exc


def vram_catalog(name=None):
    """The built-in model metadata, or one entry of it.

    Family names and :latest tags (``phi4``, ``qwen3:latest``) are listed too,
    as the entry of the tag Ollama pulls for them, with ``alias_of`` naming it.
    """
    llm = copy.deepcopy(LLM_CATALOG)
    for alias, target in LLM_ALIASES.items():
        llm[alias] = dict(copy.deepcopy(LLM_CATALOG[target]), alias_of=target)
    catalog = {"llm": llm, "diffusion": copy.deepcopy(DIFFUSION_CATALOG)}
    if name is None or name == "":
        return catalog
    if name in llm:
        return llm[name]
    if name in DIFFUSION_CATALOG:
        return catalog["diffusion"][name]
    known = ", ".join(sorted(LLM_CATALOG) + sorted(DIFFUSION_CATALOG))
    raise AnsibleFilterError(f"vram_catalog: _input: {name!r} is not in the catalog ({known})")


class FilterModule:
    def filters(self):
        return {
            "vram_estimate": vram_estimate,
            "vram_plan": vram_plan,
            "vram_catalog": vram_catalog,
            "vram_models_auto": vram_models_auto,
            "vram_models_from_api": vram_models_from_api,
        }
