# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The vram_* filters: thin wrappers that turn input errors into AnsibleFilterError."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.homelab.ai_stack.plugins.filter import vram
from ansible_collections.homelab.ai_stack.plugins.module_utils._vram_catalog import (
    DIFFUSION_CATALOG,
    LLM_ALIASES,
    LLM_CATALOG,
)

GPU = {"index": 0, "vendor": "nvidia", "name": "RTX 3060", "uuid": "GPU-1", "memory_total_mib": 12288}


def test_filter_module_exports_the_vram_filters():
    filters = vram.FilterModule().filters()
    assert sorted(filters) == ["vram_catalog", "vram_estimate", "vram_models_auto", "vram_models_from_api", "vram_plan"]
    assert filters["vram_plan"] is vram.vram_plan


def test_vram_estimate_returns_total_and_parts():
    est = vram.vram_estimate("llama3.1:8b", num_ctx=8192)
    assert est["total_mib"] == 6609
    # Each part is rounded up on its own, so they may sum a few MiB above the total.
    parts = est["weights_mib"] + est["kv_cache_mib"] + est["graph_mib"] + est["overhead_mib"]
    assert 0 <= parts - est["total_mib"] <= 4
    assert est["kv_cache_mib"] == 1024


def test_vram_plan_contract_keys():
    plan = vram.vram_plan(["llama3.2:3b", "sd15"], [GPU])
    assert {"fits", "gpus", "placements", "cpu_offload", "ollama", "comfyui", "messages"} <= set(plan)
    assert set(plan["ollama"]) >= {
        "max_loaded_models",
        "num_parallel",
        "kv_cache_type",
        "flash_attention",
        "context_length",
        "gpu_uuids",
    }
    assert set(plan["comfyui"]) == {"vram_mode", "reserve_vram_gb", "gpu_uuids"}
    gpu_row = plan["gpus"][0]
    assert {"index", "uuid", "name", "memory_total_mib", "budget_mib", "used_mib", "free_mib", "workloads"} <= set(
        gpu_row
    )
    for place in plan["placements"]:
        assert {"name", "kind", "gpu_index", "gpu_uuid", "total_mib", "on_gpu_mib", "on_cpu_mib", "partial"} <= set(
            place
        )
    assert gpu_row["workloads"] == ["llama3.2:3b", "sd15"]


@pytest.mark.parametrize(
    ("call", "text"),
    [
        (lambda: vram.vram_estimate("llama3.1:8b", num_ctx=0), "vram_estimate: _input.num_ctx: must be >= 1"),
        (lambda: vram.vram_estimate("llama3.1:8b", kv_cache_type="fp8"), "_input.kv_cache_type"),
        (lambda: vram.vram_estimate({"architecture": "rwkv9", "size_bytes": 1}), "_input.block_count"),
        (lambda: vram.vram_plan(["llama3.1:8b"], [GPU], pins={"llama3.1:8b": 2}), "vram_plan: pins.llama3.1:8b"),
        (lambda: vram.vram_plan(["llama3.1:8b"], [GPU], num_ctx=-1), "vram_plan: num_ctx"),
        (lambda: vram.vram_catalog("gpt-9"), "vram_catalog: _input"),
    ],
)
def test_bad_input_raises_filter_error_naming_the_field(call, text):
    with pytest.raises(AnsibleFilterError) as err:
        call()
    assert text in str(err.value)


def test_vram_catalog_entries_cite_their_sources():
    whole = vram.vram_catalog("")
    # Every entry, plus family names and :latest tags as the tag Ollama pulls.
    assert set(whole["llm"]) == set(LLM_CATALOG) | set(LLM_ALIASES)
    assert set(whole["diffusion"]) == set(DIFFUSION_CATALOG)
    for name, entry in LLM_CATALOG.items():
        assert entry["sources"]["shape"] and entry["sources"]["size"], name
    for name, entry in DIFFUSION_CATALOG.items():
        assert set(entry["sources"]) == set(entry["components"]), name
    # A copy: changing it must not change the next plan.
    whole["llm"]["llama3.1:8b"]["size_bytes"] = 1
    assert vram.vram_catalog("llama3.1:8b")["size_bytes"] == 4920753328


def test_issue_models_are_in_the_catalog():
    for name in (
        "llama3.1:8b",
        "llama3.2:3b",
        "qwen2.5:7b",
        "qwen2.5-coder:32b",
        "mistral:7b",
        "gemma2:9b",
        "gemma3:12b",
        "deepseek-r1:8b",
    ):
        assert name in LLM_CATALOG


def test_inputs_are_copied_to_plain_values_without_deepcopy():
    """Templated inputs are lazy containers on ansible-core 2.19; deep-copying one copies its templar."""

    class Tagged(str):
        pass

    class LazyList(list):
        def __deepcopy__(self, memo):
            raise AssertionError("deep-copied a container")

    class LazyDict(dict):
        def __deepcopy__(self, memo):
            raise AssertionError("deep-copied a container")

    value = LazyList([Tagged("sdxl"), LazyDict(name=Tagged("x"), n=1, f=1.5, ok=True, none=None), (1, 2)])
    plain = vram._plain(value)
    assert plain == ["sdxl", {"name": "x", "n": 1, "f": 1.5, "ok": True, "none": None}, [1, 2]]
    assert plain.__class__ is list
    assert plain[0].__class__ is str
    assert plain[1].__class__ is dict
    assert plain[1]["name"].__class__ is str


def test_vram_estimate_output_has_no_internal_parts():
    assert "_parts" not in vram.vram_estimate("gemma3:12b")


def test_vram_models_auto_wraps_errors_with_the_filter_name():
    with pytest.raises(AnsibleFilterError, match=r"vram_models_auto: ollama_models_auto\[0\].family"):
        vram.vram_models_auto(["no-such-family"], [])
    result = vram.vram_models_auto(["nomic-embed-text"], [])
    assert result["models"] == [{"name": "nomic-embed-text", "state": "present"}]


def test_vram_catalog_lists_family_names_as_their_default_tag():
    entry = vram.vram_catalog("phi4")
    assert entry["alias_of"] == "phi4:14b"
    assert entry["size_bytes"] == LLM_CATALOG["phi4:14b"]["size_bytes"]
    assert "phi4" in vram.vram_catalog()["llm"]
