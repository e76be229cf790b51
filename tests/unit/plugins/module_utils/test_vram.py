# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the VRAM estimator and planner (plugins/module_utils/_vram.py)."""

from __future__ import annotations

import copy
import csv
import os

import pytest
import yaml

from ansible_collections.homelab.ai_stack.plugins.module_utils import _vram
from ansible_collections.homelab.ai_stack.plugins.module_utils._vram_catalog import LLM_CATALOG

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "filter", "fixtures", "vram")
MIB = 1024 * 1024

RTX3060 = {
    "index": 0,
    "vendor": "nvidia",
    "name": "NVIDIA GeForce RTX 3060",
    "uuid": "GPU-3060",
    "memory_total_mib": 12288,
    "memory_used_mib": 1,
    "memory_free_mib": 12287,
    "compute_capability": "8.6",
    "architecture": "Ampere",
    "mig_mode": None,
    "mig_devices": [],
}


def gpu(index, mib, uuid=None, vendor="nvidia", **extra):
    entry = dict(RTX3060, index=index, memory_total_mib=mib, uuid=uuid, vendor=vendor, name=f"GPU{index}")
    entry.update(extra)
    return entry


def _datapoints():
    with open(os.path.join(FIXTURES, "measured_datapoints.csv"), newline="", encoding="utf-8") as handle:
        rows = {row["id"]: row for row in csv.DictReader(handle)}
    with open(os.path.join(FIXTURES, "datapoints.yml"), encoding="utf-8") as handle:
        specs = {str(k): v for k, v in yaml.safe_load(handle).items()}
    return [(ident, rows[ident], spec) for ident, spec in specs.items() if spec.get("scope") == "single-gpu"]


def _reported_mib(row):
    value = float(row["reported_value"])
    unit = row["unit"]
    if unit.startswith("MiB"):
        return value
    if unit.startswith("GiB"):
        return value * 1024
    return value * 1e9 / MIB


# ------------------------------------------------------------ LLM estimate


def test_llama8b_graph_and_kv_match_the_issue_7622_log():
    # Log: kv="1.0 GiB" graph.full="560.0 MiB" graph.partial="677.5 MiB" for ctx 8192 (2048 x 4).
    est = _vram.estimate_llm("llama3:8b", num_ctx=2048, num_parallel=4)
    assert est["kv_cache_mib"] == 1024
    assert est["graph_mib"] == 561  # 587,204,608 B = 560.0 MiB, rounded up
    assert est["graph_partial_mib"] == 678  # 710,385,664 B = 677.5 MiB
    assert est["minimum_mib"] == 457
    assert est["num_ctx"] == 2048
    assert est["num_parallel"] == 4


def test_qwen_coder_32b_parts_match_the_fixture_notes():
    est = _vram.estimate_llm("qwen2.5-coder:32b", num_ctx=2048)
    assert est["weights_mib"] == 18515  # file minus the Q4_K token_embd that stays on CPU
    assert est["kv_cache_mib"] == 512
    assert est["graph_mib"] == 307
    assert est["total_mib"] == 20078


@pytest.mark.parametrize(("ident", "row", "spec"), _datapoints(), ids=[d[0] for d in _datapoints()])
def test_single_gpu_datapoints_meet_the_accuracy_target(ident, row, spec):
    est = _vram.estimate_llm(spec["model"], num_ctx=spec["num_ctx"], num_parallel=spec["num_parallel"])
    value = est["total_mib"] if spec["compare"] == "total" else est["total_partial_mib"]
    error = (value - _reported_mib(row)) / _reported_mib(row) * 100
    assert -5.0 <= error <= 10.0, f"{ident}: {value} MiB vs {row['reported_value']} {row['unit']} ({error:+.2f}%)"


def test_partial_split_reproduces_issue_5756_layer_count():
    # 20 GB MIG slice, OLLAMA_NUM_PARALLEL=64: the log says 15/33 layers offloaded.
    est = _vram.estimate_llm("llama3:8b", num_ctx=2048, num_parallel=64)
    on_gpu, on_cpu, layers = _vram.llm_partial(est, 19968)
    assert layers == 15
    assert on_gpu <= 19968
    assert on_gpu + on_cpu == pytest.approx(est["total_partial_mib"], abs=2)


def test_partial_split_reproduces_issue_10801_share():
    est = _vram.estimate_llm("llama3.1:8b", num_ctx=4096)
    on_gpu, on_cpu, layers = _vram.llm_partial(est, 3379)
    assert layers == 14
    # ollama ps: 47%/53% CPU/GPU
    assert round(on_gpu * 100 / (on_gpu + on_cpu)) in (52, 53, 54)


def test_partial_split_with_no_room_runs_wholly_on_cpu():
    est = _vram.estimate_llm("llama3.1:8b")
    assert _vram.llm_partial(est, 500) == (0, est["total_mib"], 0)


def test_model_that_fits_is_not_split():
    est = _vram.estimate_llm("llama3.2:3b")
    # Every block plus the output layer, as Ollama's layers.offload counts them.
    assert _vram.llm_partial(est, 12288) == (est["total_mib"], 0, est["block_count"] + 1)


@pytest.mark.parametrize(
    ("kv_type", "flash", "expect_type", "expect_kv"),
    [
        ("f16", True, "f16", 512),
        ("q8_0", True, "q8_0", 256),
        ("q4_0", True, "q4_0", 128),
        # Ollama ignores a quantized cache without flash attention.
        ("q8_0", False, "f16", 512),
    ],
)
def test_kv_cache_type_scales_the_cache(kv_type, flash, expect_type, expect_kv):
    est = _vram.estimate_llm("llama3.1:8b", num_ctx=4096, kv_cache_type=kv_type, flash_attention=flash)
    assert est["kv_cache_type"] == expect_type
    assert est["kv_cache_mib"] == expect_kv
    assert bool(est["notes"]) == (expect_type != kv_type)


def test_gemma2_never_gets_flash_attention_or_a_quantized_cache():
    est = _vram.estimate_llm("gemma2:9b", kv_cache_type="q8_0", flash_attention=True)
    assert est["flash_attention"] is False
    assert est["kv_cache_type"] == "f16"
    assert any("flash attention" in note for note in est["notes"])


def test_gemma3_sliding_window_layers_cap_the_cache():
    # dr14 log: kv 1.3 GiB for gemma3 12B at --ctx-size 8192 --parallel 2.
    est = _vram.estimate_llm("gemma3:12b", num_ctx=4096, num_parallel=2)
    assert est["kv_cache_mib"] == 1312
    assert est["flash_attention"] is True  # Ollama's default for gemma3
    assert est["projector_graph_mib"] == 1034
    full = _vram.estimate_llm(dict(LLM_CATALOG["gemma3:12b"], architecture="gemma2"), num_ctx=4096, num_parallel=2)
    assert full["kv_cache_mib"] == 48 * 8192 * 512 * 8 * 2 // MIB


def test_tied_embeddings_keep_token_embd_on_the_gpu():
    tied = dict(LLM_CATALOG["llama3.1:8b"], tied_embeddings=True)
    untied = _vram.estimate_llm("llama3.1:8b")
    assert _vram.estimate_llm(tied)["weights_mib"] - untied["weights_mib"] == 282  # 128256*4096*4.5/8 B


def test_unknown_quantization_keeps_token_embd_in_the_estimate():
    meta = dict(LLM_CATALOG["llama3.1:8b"], quantization=None)
    assert _vram.estimate_llm(meta)["weights_mib"] == 4693  # whole file, the safe side


def test_model_info_from_api_show_gives_the_catalog_estimate():
    model_info = {
        "general.architecture": "llama",
        "general.file_type": 15,
        "general.parameter_count": 8030261312,
        "llama.block_count": 32,
        "llama.embedding_length": 4096,
        "llama.attention.head_count": 32,
        "llama.attention.head_count_kv": 8,
        "llama.vocab_size": 128256,
        "llama.context_length": 131072,
        "tokenizer.ggml.tokens": None,
    }
    est = _vram.estimate_llm(
        {"name": "pulled", "model_info": model_info, "size_bytes": 4920753328, "tied_embeddings": False},
        num_ctx=8192,
    )
    assert est["total_mib"] == _vram.estimate_llm("llama3.1:8b", num_ctx=8192)["total_mib"]
    assert est["quantization"] == "Q4_K_M"
    assert est["name"] == "pulled"


def test_workload_keys_override_plan_defaults():
    est = _vram.estimate_llm({"model": "llama3.1:8b", "num_ctx": 16384}, num_ctx=2048)
    assert est["num_ctx"] == 16384
    assert est["kv_cache_mib"] == 2048


def test_unknown_architecture_uses_the_generic_graph():
    meta = dict(LLM_CATALOG["qwen3:8b"])
    est = _vram.estimate_llm(meta, num_ctx=4096)
    # memory.go fallback: (heads / heads_kv) * kv / 6
    assert est["graph_mib"] == -(-(4 * est["kv_cache_mib"] * MIB) // 6 // MIB)


def test_context_beyond_training_is_clamped_as_ollama_does():
    est = _vram.estimate_llm({"model": "llama3.1:8b", "context_length": 8192}, num_ctx=16384)
    assert est["num_ctx"] == 8192
    assert "16384" in est["notes"][0] and "8192" in est["notes"][0]
    kept = _vram.estimate_llm({"model": "llama3.1:8b", "context_length": 8192}, num_ctx=16384, clamp_context=False)
    assert kept["num_ctx"] == 16384


@pytest.mark.parametrize(
    ("workload", "options", "field"),
    [
        ({"architecture": "mamba9", "size_bytes": 10}, {}, "workload.block_count"),
        ("llama3.1:8b", {"num_ctx": 0}, "workload.num_ctx"),
        ("llama3.1:8b", {"num_ctx": -5}, "workload.num_ctx"),
        ("llama3.1:8b", {"num_parallel": 0}, "workload.num_parallel"),
        ("llama3.1:8b", {"kv_cache_type": "q5_1"}, "workload.kv_cache_type"),
        ("llama3.1:8b", {"flash_attention": "maybe"}, "workload.flash_attention"),
        ("nosuch:7b", {}, "workload"),
        ({"model": "nosuch:7b"}, {}, "workload.model"),
        (dict(LLM_CATALOG["llama3.1:8b"], size_bytes=0), {}, "workload.size_bytes"),
        (dict(LLM_CATALOG["llama3.1:8b"], head_count_kv=[8, 8]), {}, "workload.head_count_kv"),
        ({"model_info": {"llama.block_count": 3}, "size_bytes": 1}, {}, "workload.model_info.general.architecture"),
        (42, {}, "workload"),
    ],
)
def test_bad_llm_input_names_the_field(workload, options, field):
    with pytest.raises(_vram.VramError) as err:
        _vram.estimate_llm(workload, **options)
    assert err.value.field == field


# ------------------------------------------------------ diffusion estimate


@pytest.mark.parametrize(
    ("workload", "total", "normal", "weights"),
    [
        ("sd15", 3457, 3023, 2034),
        ("sdxl", 8503, 6612, 6622),
        ("flux", 36618, 26190, 32181),
        ("flux:fp8", 19136, 13705, 16288),
        ({"model": "flux", "precision": "fp8"}, 19136, 13705, 16288),
        ({"kind": "diffusion", "model": "sdxl", "precision": "fp8"}, 5807, 3916, 4171),
    ],
)
def test_diffusion_follows_comfyui_loading_rule(workload, total, normal, weights):
    est = _vram.estimate_diffusion(workload)
    assert est["total_mib"] == total
    assert est["normalvram_mib"] == normal
    assert est["weights_mib"] == weights
    # weights * 1.1 + 0.8 GiB + 400 MiB reserve
    assert est["total_mib"] == pytest.approx(sum(est["components_mib"].values()) * 1.1 + 819.2 + 400, abs=1)


@pytest.mark.parametrize(
    ("workload", "field"),
    [
        ("sd3", "workload"),
        ({"model": "sdxl", "precision": "int4"}, "workload.precision"),
        ("flux:fp4", "workload.precision"),
    ],
)
def test_bad_diffusion_input_names_the_field(workload, field):
    with pytest.raises(_vram.VramError) as err:
        _vram.estimate(workload) if workload != "sd3" else _vram.estimate_diffusion(workload)
    assert err.value.field.startswith(field)


# ------------------------------------------------------------------ plans


def test_seed_rtx3060_llm_and_sdxl_share_the_gpu():
    # q8_0: 5553 MiB for llama3.1:8b + 6612 (SDXL one model at a time) = 12165 MiB
    # < 12288, but Ollama checks every layer against the larger (partial) graph:
    # loading whole needs more free memory than the 5676 MiB SDXL leaves, so the
    # output layer stays in system RAM and the plan says so instead of "fits".
    plan = _vram.plan(["llama3.1:8b", "sdxl"], [RTX3060])
    llm, sd = plan["placements"]
    assert llm["estimate"]["total_mib"] == 5553
    assert llm["estimate"]["fit_mib"] > 12288 - 6612
    assert plan["fits"] is False
    assert llm["partial"] is True and llm["on_cpu_mib"] == 411
    assert sd["on_gpu_mib"] == 6612
    assert plan["ollama"]["kv_cache_type"] == "q8_0"
    assert any("free to load whole" in m for m in plan["messages"])
    # Alone on the card it loads whole.
    alone = _vram.plan(["llama3.1:8b"], [RTX3060])
    assert alone["fully_on_gpu"] is True


def test_set_that_fits_as_asked_is_left_untuned():
    plan = _vram.plan(["llama3.2:3b", "sd15"], [RTX3060])
    assert plan["ollama"] == {
        "max_loaded_models": 1,
        "num_parallel": 1,
        "kv_cache_type": "f16",
        "flash_attention": True,  # Ampere supports it
        "context_length": 4096,
        "gpu_uuids": ["GPU-3060"],
    }
    # Both fit with every SD1.5 model resident, next to Ollama.
    assert plan["placements"][1]["on_gpu_mib"] == 3457
    assert plan["comfyui"]["vram_mode"] == "normalvram"


def test_auto_tune_turns_on_q8_cache_when_that_makes_the_set_fit():
    # f16 at 8192: 6609 + 5707 = 12316 MiB > 12288; q8_0: 6081 + 5475 = 11556.
    plan = _vram.plan(["llama3.1:8b", "qwen2.5:7b"], [RTX3060], num_ctx=8192)
    assert plan["fully_on_gpu"] is True
    assert plan["ollama"]["kv_cache_type"] == "q8_0"
    assert plan["ollama"]["flash_attention"] is True
    assert plan["gpus"][0]["used_mib"] == 11556
    assert any("q8_0" in m for m in plan["messages"])
    untuned = _vram.plan(["llama3.1:8b", "qwen2.5:7b"], [RTX3060], num_ctx=8192, auto_tune=False)
    assert untuned["fits"] is False
    assert untuned["ollama"]["kv_cache_type"] == "f16"


def test_auto_tune_lowers_parallelism_when_the_cache_alone_is_not_enough():
    plan = _vram.plan(["llama3.1:8b", "qwen2.5:7b"], [RTX3060], num_ctx=8192, num_parallel=4)
    assert plan["fully_on_gpu"] is True
    assert plan["ollama"]["num_parallel"] == 1


def test_explicit_flash_attention_off_is_respected():
    plan = _vram.plan(["llama3.1:8b", "qwen2.5:7b"], [RTX3060], num_ctx=8192, flash_attention=False)
    assert plan["ollama"]["flash_attention"] is False
    assert plan["ollama"]["kv_cache_type"] == "f16"


def test_no_gpu_means_everything_on_cpu_not_an_error():
    plan = _vram.plan(["llama3.1:8b", "sd15"], [])
    assert plan["fits"] is True
    assert plan["cpu_only"] is True
    assert plan["cpu_offload"] == ["llama3.1:8b", "sd15"]
    assert plan["comfyui"] == {"vram_mode": "cpu", "reserve_vram_gb": None, "gpu_uuids": []}
    assert plan["ollama"]["gpu_uuids"] == []
    assert all(p["gpu_index"] is None and p["on_gpu_mib"] == 0 for p in plan["placements"])
    assert "no usable GPU" in plan["messages"][0]


def test_too_big_without_offload_does_not_fit_and_says_how_much():
    plan = _vram.plan(["qwen2.5-coder:32b"], [RTX3060])
    assert plan["fits"] is False
    assert plan["cpu_offload"] == ["qwen2.5-coder:32b"]
    # Nothing fits whole, so tuning keeps what spills least (q8_0: 8667 MiB
    # in RAM instead of 9187), and the placement says how Ollama would run it.
    assert (
        "set flash attention on with a q8_0 KV cache: 8667 MiB left in system RAM instead of 9187" in (plan["messages"])
    )
    assert any(
        m.startswith("qwen2.5-coder:32b needs 20119 MiB (20688 MiB free to load whole")
        and m.endswith("gets 12021 MiB of GPU 0; 8667 MiB run from system RAM")
        for m in plan["messages"]
    )
    assert plan["placements"][0]["split"] == [{"index": 0, "uuid": "GPU-3060", "on_gpu_mib": 12021, "layers": 36}]


def test_no_quantized_cache_on_gpus_without_flash_attention():
    pascal = gpu(0, 8192, "GPU-p", name="GTX 1070", compute_capability="6.1")
    plan = _vram.plan(["llama3.1:8b", "qwen2.5:7b"], [pascal], num_ctx=8192, allow_cpu_offload=True)
    assert plan["ollama"]["kv_cache_type"] == "f16"
    assert plan["ollama"]["flash_attention"] is False
    assert not any("q8_0" in m for m in plan["messages"])
    asked = _vram.plan(["llama3.1:8b"], [pascal], kv_cache_type="q8_0", flash_attention=True)
    # The setting is passed on, but the estimate is f16: that is what Ollama will allocate.
    assert asked["placements"][0]["estimate"]["kv_cache_type"] == "f16"
    assert asked["placements"][0]["estimate"]["kv_cache_mib"] == 512
    assert any("cannot run it" in m for m in asked["messages"])


def test_offload_allowed_splits_layers_onto_the_gpu():
    plan = _vram.plan(["qwen2.5-coder:32b"], [RTX3060], allow_cpu_offload=True)
    (place,) = plan["placements"]
    assert plan["fits"] is True
    assert plan["fully_on_gpu"] is False
    assert place["partial"] is True
    assert place["gpu_index"] == 0
    assert 0 < place["on_gpu_mib"] <= 12288
    assert place["on_cpu_mib"] > 0


def test_first_fit_decreasing_over_two_gpus():
    gpus = [gpu(0, 8192, "GPU-a"), gpu(1, 24576, "GPU-b")]
    plan = _vram.plan(["llama3.2:3b", "qwen2.5-coder:32b", "llama3.1:8b"], gpus, num_ctx=2048)
    where = {p["name"]: p["gpu_index"] for p in plan["placements"]}
    # Largest first: the 32B model only fits the 24 GB card, then 8B and 3B go first-fit.
    assert where == {"qwen2.5-coder:32b": 1, "llama3.1:8b": 0, "llama3.2:3b": 1}
    assert plan["ollama"]["gpu_uuids"] == ["GPU-a", "GPU-b"]
    assert plan["ollama"]["max_loaded_models"] == 3


def test_pins_are_honoured_by_index_and_uuid():
    gpus = [gpu(0, 24576, "GPU-a"), gpu(1, 24576, "GPU-b")]
    plan = _vram.plan(["llama3.1:8b", "sdxl"], gpus, pins={"llama3.1:8b": "GPU-b", "sdxl": 1})
    assert [p["gpu_index"] for p in plan["placements"]] == [1, 1]
    assert plan["comfyui"]["reserve_vram_gb"] == 6.1  # (5817 + 400) / 1024 rounded up


def test_comfyui_alone_on_a_gpu_gets_highvram_and_no_reserve():
    gpus = [gpu(0, 12288, "GPU-a"), gpu(1, 12288, "GPU-b")]
    plan = _vram.plan(["llama3.1:8b", "sdxl"], gpus, pins={"sdxl": 1})
    assert plan["comfyui"] == {"vram_mode": "highvram", "reserve_vram_gb": None, "gpu_uuids": ["GPU-b"]}


def test_comfyui_falls_back_to_lowvram_when_offload_is_allowed():
    plan = _vram.plan(["flux"], [gpu(0, 8192, "GPU-a")], allow_cpu_offload=True)
    assert plan["comfyui"]["vram_mode"] == "lowvram"
    assert plan["cpu_offload"] == ["flux"]


def test_reserve_mib_shrinks_the_budget_per_gpu():
    gpus = [gpu(0, 12288, "GPU-a"), gpu(1, 12288, "GPU-b")]
    plan = _vram.plan(["llama3.1:8b"], gpus, reserve_mib={0: 7000})
    assert [g["budget_mib"] for g in plan["gpus"]] == [5288, 12288]
    assert plan["placements"][0]["gpu_index"] == 1


def test_mig_instances_are_the_placement_targets():
    h100 = gpu(
        0,
        81559,
        "GPU-h100",
        mig_mode=True,
        mig_devices=[
            {"index": 0, "uuid": "MIG-a", "memory_total_mib": 40192, "profile": "3g.40gb"},
            {"index": 1, "uuid": "MIG-b", "memory_total_mib": 9856, "profile": "1g.10gb"},
        ],
    )
    plan = _vram.plan(["llama3.1:8b", "qwen2.5-coder:32b"], [h100], num_ctx=2048)
    assert [g["uuid"] for g in plan["gpus"]] == ["MIG-a", "MIG-b"]
    where = {p["name"]: p["gpu_uuid"] for p in plan["placements"]}
    assert where == {"qwen2.5-coder:32b": "MIG-a", "llama3.1:8b": "MIG-a"}


def test_non_cuda_gpus_are_skipped_with_a_message():
    plan = _vram.plan(["llama3.2:3b"], [gpu(0, 16384, None, vendor="intel")])
    assert plan["gpus"] == []
    assert plan["cpu_only"] is True
    assert any("intel" in m for m in plan["messages"])


def test_gpu_without_uuid_is_named_by_index():
    plan = _vram.plan(["llama3.2:3b"], [gpu(3, 16384, None)])
    assert plan["ollama"]["gpu_uuids"] == ["3"]


def test_plan_does_not_modify_its_input():
    workloads = [{"name": "chat", "model": "llama3.1:8b", "num_ctx": 8192}, "sdxl"]
    gpus = [dict(RTX3060)]
    before = copy.deepcopy((workloads, gpus))
    _vram.plan(workloads, gpus)
    assert (workloads, gpus) == before


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"pins": {"llama3.1:8b": 5}}, "pins.llama3.1:8b"),
        ({"pins": {"ghost": 0}}, "pins.ghost"),
        ({"pins": ["llama3.1:8b"]}, "pins"),
        ({"reserve_mib": -1}, "reserve_mib"),
        ({"reserve_mib": {"GPU-x": 100}}, "reserve_mib.GPU-x"),
        ({"num_ctx": 0}, "num_ctx"),
        ({"kv_cache_type": "q5_0"}, "kv_cache_type"),
        ({"allow_cpu_offload": "perhaps"}, "allow_cpu_offload"),
    ],
)
def test_bad_plan_options_name_the_field(kwargs, field):
    with pytest.raises(_vram.VramError) as err:
        _vram.plan(["llama3.1:8b"], [RTX3060], **kwargs)
    assert err.value.field == field


@pytest.mark.parametrize(
    ("workloads", "gpus", "field"),
    [
        (["llama3.1:8b", "llama3.1:8b"], [RTX3060], "workloads[1].name"),
        ([{"num_ctx": 4}], [RTX3060], "workloads[0].name"),
        ([3], [RTX3060], "workloads[0]"),
        (["llama3.1:8b"], "GPU0", "gpus"),
        (["llama3.1:8b"], [dict(RTX3060, memory_total_mib="lots")], "gpus[0].memory_total_mib"),
        (
            ["llama3.1:8b"],
            [dict(RTX3060, mig_mode=True, mig_devices=[{"uuid": "MIG-x"}])],
            "gpus[0].mig_devices[0].memory_total_mib",
        ),
    ],
)
def test_bad_plan_input_names_the_field(workloads, gpus, field):
    with pytest.raises(_vram.VramError) as err:
        _vram.plan(workloads, gpus)
    assert err.value.field == field


def test_model_too_big_for_any_one_gpu_is_split_over_two():
    # 2 x 12 GB, qwen2.5-coder:32b at 2048: 20078 MiB on one GPU; split, each
    # GPU pays 457 + 288 buffer + 917 graph (the larger one), as Ollama does.
    gpus = [gpu(0, 12288, "GPU-a"), gpu(1, 12288, "GPU-b")]
    plan = _vram.plan(["qwen2.5-coder:32b"], gpus, num_ctx=2048)
    (place,) = plan["placements"]
    assert plan["fully_on_gpu"] is True
    assert place["partial"] is False
    assert [s["uuid"] for s in place["split"]] == ["GPU-a", "GPU-b"]
    assert sum(s["layers"] for s in place["split"]) == 65  # 64 blocks + output
    assert place["on_gpu_mib"] == sum(s["on_gpu_mib"] for s in place["split"])
    assert place["on_gpu_mib"] == pytest.approx(18515 + 512 + 2 * (457 + 288 + 917), abs=3)
    assert plan["ollama"]["gpu_uuids"] == ["GPU-a", "GPU-b"]
    assert [g["workloads"] for g in plan["gpus"]] == [["qwen2.5-coder:32b"], ["qwen2.5-coder:32b"]]


def test_split_reproduces_the_two_gpu_issue_9988_sizes():
    for ctx, reported in ((65536, 50009), (131072, 79961)):
        est = _vram.estimate_llm("qwen2.5-coder:32b", num_ctx=ctx)
        # The rig's GPUs are not named: spread over two (OLLAMA_SCHED_SPREAD) checks the arithmetic.
        est = _vram.estimate_llm("qwen2.5-coder:32b", num_ctx=ctx, clamp_context=False)
        split, on_cpu = _vram.llm_split(est, [("a", 10**7), ("b", 10**7)], spread=True)
        assert abs(sum(s[1] for s in split) + on_cpu - reported) / reported < 0.001


def test_pinned_model_is_not_split():
    gpus = [gpu(0, 12288, "GPU-a"), gpu(1, 12288, "GPU-b")]
    plan = _vram.plan(["qwen2.5-coder:32b"], gpus, pins={"qwen2.5-coder:32b": 0}, allow_cpu_offload=True)
    (place,) = plan["placements"]
    assert [s["uuid"] for s in place["split"]] == ["GPU-a"]
    assert place["partial"] is True


@pytest.mark.parametrize(
    ("vendor", "capability", "expected"),
    [
        ("nvidia", "8.6", True),
        ("nvidia", "7.0", True),
        ("nvidia", "7.2", False),  # Jetson Xavier, excluded by Ollama
        ("nvidia", "6.1", False),  # Pascal
        ("nvidia", None, False),
        ("amd", None, True),
    ],
)
def test_flash_attention_follows_what_the_gpus_support(vendor, capability, expected):
    target = gpu(0, 24576, "GPU-a", vendor=vendor, compute_capability=capability)
    assert _vram.flash_attention_capable(target) is expected
    assert _vram.plan(["llama3.2:3b"], [target])["ollama"]["flash_attention"] is expected


def test_small_gpu_keeps_comfyui_streaming_room_next_to_a_split_llm():
    # GTX 1050 class, 4 GB: neither fits whole. ComfyUI keeps the least it can
    # stream weights with (1348 MiB), the LLM takes layers in the rest.
    plan = _vram.plan(["llama3.1:8b", "sdxl"], [gpu(0, 4096, None, compute_capability="6.1")], allow_cpu_offload=True)
    llm, sd = plan["placements"]
    assert plan["fits"] is True
    assert plan["cpu_offload"] == ["llama3.1:8b", "sdxl"]
    assert llm["split"][0]["layers"] > 0
    assert sd["vram_mode"] == "lowvram"
    assert llm["on_gpu_mib"] + sd["on_gpu_mib"] == 4096
    assert sd["on_gpu_mib"] >= 1348
    assert plan["ollama"]["flash_attention"] is False  # Pascal
    assert plan["comfyui"]["reserve_vram_gb"] == pytest.approx((llm["on_gpu_mib"] + 400) / 1024, abs=0.1)


def test_mig_instances_from_gpu_facts_without_uuids_get_distinct_keys():
    # gpu_facts reads MIG instances from nvidia-smi's XML: no UUID, memory in MiB.
    a100 = gpu(
        0,
        40960,
        None,
        mig_mode=True,
        mig_devices=[
            {"index": 0, "gpu_instance_id": 1, "memory_total_mib": 19968},
            {"index": 1, "gpu_instance_id": 2, "memory_total_mib": 19968},
        ],
    )
    plan = _vram.plan(["qwen2.5-coder:32b", "flux:fp8"], [a100], num_ctx=2048)
    assert [g["budget_mib"] for g in plan["gpus"]] == [19968, 19968]
    # 20078 MiB with f16 misses a 19968 MiB instance; the q8_0 cache brings the
    # size to 19818, but loading whole needs 20428 free (the partial graph is
    # checked per layer), so the least spill wins and Flux gets an instance of its own.
    assert plan["fully_on_gpu"] is False
    assert plan["ollama"]["kv_cache_type"] == "q8_0"
    assert plan["placements"][0]["on_cpu_mib"] == 610
    assert plan["ollama"]["gpu_uuids"] == ["0:1"]
    assert plan["comfyui"] == {"vram_mode": "highvram", "reserve_vram_gb": None, "gpu_uuids": ["0:0"]}
    # Without tuning it may not spread over both instances (one process, one
    # MIG instance): Flux takes one, the model runs partly on the other.
    untuned = _vram.plan(["qwen2.5-coder:32b", "flux:fp8"], [a100], num_ctx=2048, auto_tune=False)
    (split,) = untuned["placements"][0]["split"]
    assert untuned["comfyui"]["gpu_uuids"] == ["0:0"]
    assert untuned["ollama"]["gpu_uuids"] == ["0:1"]
    assert split["on_gpu_mib"] <= 19968
    assert untuned["placements"][0]["on_cpu_mib"] > 0


def test_all_llms_share_one_mig_instance():
    a100 = gpu(
        0,
        40960,
        None,
        mig_mode=True,
        mig_devices=[{"index": 0, "memory_total_mib": 9856}, {"index": 1, "memory_total_mib": 9856}],
    )
    plan = _vram.plan(["llama3.1:8b", "qwen2.5:7b"], [a100], allow_cpu_offload=True)
    where = {p["name"]: [s["index"] for s in p["split"]] for p in plan["placements"]}
    assert plan["ollama"]["gpu_uuids"] == ["0:0"]
    assert where == {"llama3.1:8b": [0], "qwen2.5:7b": [0]}
    assert plan["cpu_offload"] == ["qwen2.5:7b"]


def test_comfyui_moves_to_a_gpu_of_its_own_when_one_holds_everything():
    # First-fit would put SDXL (6612 one at a time) next to the 8B model on the
    # first 24 GB card; the second card can hold all of SDXL (8503) alone.
    gpus = [gpu(0, 24576, "GPU-a"), gpu(1, 12288, "GPU-b")]
    plan = _vram.plan(["llama3.1:8b", "sdxl"], gpus)
    assert plan["comfyui"] == {"vram_mode": "highvram", "reserve_vram_gb": None, "gpu_uuids": ["GPU-b"]}
    assert plan["ollama"]["gpu_uuids"] == ["GPU-a"]
    assert [g["used_mib"] for g in plan["gpus"]] == [5817, 8503]
