# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The estimate and the layout against what Ollama itself logged, and every
catalog entry against the row that records its source."""

from __future__ import annotations

import csv
import json
import os

import pytest
import yaml

from ansible_collections.homelab.ai_stack.plugins.module_utils import _vram
from ansible_collections.homelab.ai_stack.plugins.module_utils._vram_catalog import LLM_CATALOG

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "filter", "fixtures", "vram")
GIB = 1024

with open(os.path.join(FIXTURES, "ollama_reports.yml"), encoding="utf-8") as _handle:
    REPORTS = yaml.safe_load(_handle)
with open(os.path.join(FIXTURES, "catalog_sources.csv"), newline="", encoding="utf-8") as _handle:
    SOURCES = {row["name"]: row for row in csv.DictReader(_handle)}


def _layout_for(report):
    est = _vram.estimate_llm(
        report["model"], num_ctx=report["num_ctx"], num_parallel=report["num_parallel"], clamp_context=False
    )
    rooms = [(str(i), gib * GIB) for i, gib in enumerate(report["available_gib"])]
    return est, _vram.ollama_layout(est, rooms)


@pytest.mark.parametrize("report", REPORTS["catalog"], ids=[r["id"] for r in REPORTS["catalog"]])
def test_estimate_by_catalog_name_meets_the_reported_full_size(report):
    _est, layout = _layout_for(report)
    error = (layout["total_mib"] / (report["required_full_gib"] * GIB) - 1) * 100
    if "known_miss" in report:
        # Recorded with its reason; it must not drift further.
        assert -10 <= error <= 15
        return
    assert -5 <= error <= 15, f"{report['id']}: {layout['total_mib']} MiB vs {report['required_full_gib']} GiB"
    if "layers_offload" in report:
        assert layout["offload"] == report["layers_offload"]


def test_partial_offload_of_gemma3_carries_the_partial_graph():
    report = next(r for r in REPORTS["catalog"] if r["id"] == "ollama-12000")
    est, layout = _layout_for(report)
    assert not layout["fully_loaded"]
    assert layout["offload"] == 48
    # Against the full-graph total the same run looks 6.5 % low: the gap the issue reported.
    assert est["total_mib"] < report["required_full_gib"] * GIB * 0.95
    assert layout["total_mib"] == est["total_partial_mib"]
    assert abs(layout["allocations"]["0"] / (report["required_partial_gib"] * GIB) - 1) < 0.05
    # And the plan does not call it a fit on that GPU although total_mib is below the free memory.
    assert est["total_mib"] < 11.1 * GIB < est["fit_mib"]


def _split_estimate(report):
    blocks = report["blocks"]
    layer = (report["weights_repeating_gib"] + report.get("kv_gib", 0)) * GIB / blocks
    cycle = report.get("kv_cycle_mib", [0.0])
    layers = [layer + cycle[i % len(cycle)] for i in range(blocks)]
    graph = report["graph_gib"] * GIB
    return {
        "minimum_mib": _vram.OLLAMA_MINIMUM_MIB,
        "total_mib": 0,
        "_parts": {
            "layers": layers,
            "last": report["nonrepeating_gib"] * GIB,
            "gpu0": 0.0,
            "buffer": layers[0],
            "graph_full": graph,
            "graph_partial": graph,
        },
    }


@pytest.mark.parametrize("report", REPORTS["split"], ids=[r["id"] for r in REPORTS["split"]])
def test_multi_gpu_split_follows_ollamas_round_robin(report):
    est = _split_estimate(report)
    rooms = [(str(i), gib * GIB) for i, gib in enumerate(report["available_gib"])]
    layout = _vram.ollama_layout(est, rooms)
    assert [layout["layers"][key] for key, _room in rooms] == report["layers_split"]
    assert layout["offload"] == report["layers_offload"]
    for (key, _room), want in zip(rooms, report["allocations_gib"], strict=True):
        assert abs(layout["allocations"][key] / (want * GIB) - 1) <= 0.10
    assert abs(layout["total_mib"] / (report["required_full_gib"] * GIB) - 1) <= 0.10


def test_split_uses_the_fewest_gpus_that_hold_the_model():
    est = _vram.estimate_llm("qwen2.5-coder:32b", num_ctx=8192)
    split, on_cpu = _vram.llm_split(est, [("a", 24576), ("b", 24576)])
    assert [s[0] for s in split] == ["a"] and on_cpu == 0
    split, on_cpu = _vram.llm_split(est, [("a", 12288), ("b", 12288)])
    assert [s[0] for s in split] == ["a", "b"] and on_cpu == 0
    # Round robin from the top layer: 65 layers (64 blocks + output) over two GPUs.
    assert sum(s[2] for s in split) == 65
    assert abs(split[0][2] - split[1][2]) <= 1


@pytest.mark.parametrize("name", sorted(LLM_CATALOG))
def test_catalog_entry_matches_its_recorded_source(name):
    entry = LLM_CATALOG[name]
    row = SOURCES[name]
    for key in ("architecture", "quantization"):
        assert entry[key] == row[key]
    for key in (
        "block_count",
        "embedding_length",
        "head_count",
        "head_count_kv",
        "key_length",
        "value_length",
        "vocab_size",
        "context_length",
        "size_bytes",
    ):
        assert entry[key] == int(row[key]), key
    tied = entry["tied_embeddings"]
    assert ("" if tied is None else str(tied)) == row["tied_embeddings"]
    for key in ("projector_bytes", "sliding_window"):
        assert str(entry.get(key, "")) == row[key], key
    for key in ("vision", "cross_attention_layers"):
        assert entry.get(key) == (json.loads(row[key]) if row[key] else None), key
    assert entry["sources"]["shape"] == row["shape_source"]
    assert entry["sources"]["size"] == row["size_source"]
    # Every entry estimates at the default settings.
    assert _vram.estimate_llm(name)["total_mib"] > entry["size_bytes"] / 2**20 * 0.5


def test_every_recorded_source_row_is_in_the_catalog():
    assert set(SOURCES) == set(LLM_CATALOG)


def test_catalog_covers_the_families_the_issue_lists():
    families = (
        "llama3.1:",
        "llama3.2:",
        "llama3.3:",
        "llama3.2-vision:",
        "qwen2.5:",
        "qwen2.5-coder:",
        "qwen3:",
        "gemma2:",
        "gemma3:1b",
        "gemma3:4b",
        "gemma3:12b",
        "gemma3:27b",
        "mistral:",
        "mistral-nemo:",
        "mistral-small",
        "phi3:",
        "phi4:",
        "deepseek-r1:",
        "llava:",
        "gpt-oss:",
        "granite3.2:",
        "codellama:",
        "starcoder2:",
        "nomic-embed-text",
        "mxbai-embed-large",
        "bge-m3",
    )
    for family in families:
        assert any(name.startswith(family) for name in LLM_CATALOG), family


def test_unknown_name_says_how_to_give_the_metadata():
    with pytest.raises(_vram.VramError) as err:
        _vram.estimate_llm("mixtral:8x7b")
    text = str(err.value)
    assert "mixtral:8x7b" in text and "model_info" in text and "/api/show" in text and "block_count" in text


def test_model_info_of_a_vision_model_counts_its_vision_graph():
    # The keys /api/show returns for gemma3:12b (model_info), with the catalog's numbers.
    info = {
        "general.architecture": "gemma3",
        "general.file_type": 15,
        "gemma3.block_count": 48,
        "gemma3.embedding_length": 3840,
        "gemma3.attention.head_count": 16,
        "gemma3.attention.head_count_kv": 8,
        "gemma3.attention.key_length": 256,
        "gemma3.attention.value_length": 256,
        "gemma3.attention.sliding_window": 1024,
        "gemma3.context_length": 131072,
        "gemma3.vision.block_count": 27,
        "gemma3.vision.image_size": 896,
        "gemma3.vision.patch_size": 14,
        "gemma3.vision.embedding_length": 1152,
        "gemma3.vision.attention.head_count": 16,
    }
    est = _vram.estimate_llm(
        {"model_info": info, "size_bytes": LLM_CATALOG["gemma3:12b"]["size_bytes"], "vocab_size": 262208},
        num_ctx=2048,
    )
    catalog = _vram.estimate_llm("gemma3:12b", num_ctx=2048)
    assert est["projector_graph_mib"] == catalog["projector_graph_mib"] == 1034
    # Without tensor sizes the vision weights stay in the layers, so the one-layer
    # buffer is 796/48 MiB larger: never lower than the catalog, 17 MiB above it.
    assert 0 <= est["total_mib"] - catalog["total_mib"] <= 20


def test_model_info_pooling_type_marks_an_embedding_model():
    info = {
        "general.architecture": "nomic-bert",
        "nomic-bert.block_count": 12,
        "nomic-bert.embedding_length": 768,
        "nomic-bert.attention.head_count": 12,
        "nomic-bert.pooling_type": 1,
        "nomic-bert.context_length": 2048,
    }
    est = _vram.estimate_llm({"model_info": info, "size_bytes": 274_290_656, "vocab_size": 30522}, num_parallel=4)
    assert est["num_parallel"] == 1 and est["flash_attention"] is False
    assert est["num_ctx"] == 2048


def _show(name, info, status=200, tensors=None):
    answer = {"model_info": info}
    if tensors is not None:
        answer["tensors"] = tensors
    return {"item": name, "status": status, "json": answer}


LLAMA_INFO = {
    "general.architecture": "llama",
    "general.file_type": 15,
    "llama.block_count": 32,
    "llama.embedding_length": 4096,
    "llama.attention.head_count": 32,
    "llama.attention.head_count_kv": 8,
    "llama.vocab_size": 128256,
    "llama.context_length": 131072,
}


def test_models_from_api_gives_uncatalogued_models_their_metadata():
    models = [{"name": "my-llama:8b"}, {"name": "llama3.1:8b"}, {"name": "custom", "vram": {"model": "qwen3:8b"}}]
    tags = {"models": [{"name": "my-llama:8b", "size": 4920753328}, {"name": "custom", "size": 1}]}
    shown = [
        _show("my-llama:8b", LLAMA_INFO, tensors=[{"name": "token_embd.weight"}, {"name": "output.weight"}]),
        _show("custom", LLAMA_INFO),
    ]
    out = _vram.models_from_api(models, shown, tags)
    assert out[0]["vram"] == {"model_info": LLAMA_INFO, "size_bytes": 4920753328, "tied_embeddings": False}
    assert out[1] == {"name": "llama3.1:8b"}
    assert out[2] == models[2]  # a hand-given vram entry wins
    # The metadata gives the catalog's estimate of the same model.
    est = _vram.estimate_llm(dict(out[0]["vram"], name="my-llama:8b"))
    assert est["total_mib"] == _vram.estimate_llm("llama3.1:8b")["total_mib"]


def test_models_from_api_leaves_models_it_cannot_size_alone():
    models = [{"name": "a"}, {"name": "b"}, {"name": "c"}]
    tags = {"models": [{"name": "a", "size": 10}, {"name": "b", "size": 10}]}
    shown = [
        _show("a", {"general.architecture": "llama"}),  # what the stand-in answers: no shape
        _show("b", LLAMA_INFO, status=404),
        _show("c", LLAMA_INFO),  # not in /api/tags: no size
    ]
    assert _vram.models_from_api(models, shown, tags) == models
    with pytest.raises(_vram.VramError):
        _vram.models_from_api("x", [], {})


@pytest.mark.parametrize(("num_ctx", "partial"), [(2048, False), (32768, True)])
def test_plan_reports_ollamas_per_gpu_split_for_a_70b_on_two_24gb_cards(num_ctx, partial):
    gpus = [
        {"index": 0, "vendor": "nvidia", "name": "RTX 3090", "uuid": "GPU-a", "memory_total_mib": 24576},
        {"index": 1, "vendor": "nvidia", "name": "RTX 3090", "uuid": "GPU-b", "memory_total_mib": 24576},
    ]
    plan = _vram.plan(["llama3.3:70b"], gpus, num_ctx=num_ctx, allow_cpu_offload=True, auto_tune=False)
    (place,) = plan["placements"]
    est = _vram.estimate_llm("llama3.3:70b", num_ctx=num_ctx, flash_attention=True)
    layout = _vram.ollama_layout(est, [("GPU-a", 24576), ("GPU-b", 24576)])
    # 40 GiB of weights over 2 x 24 GB: the layers alternate over both cards (81 with the output
    # layer at 2048); at 32768 the cache pushes some layers to system RAM.
    assert place["partial"] is partial
    assert [(s["uuid"], s["on_gpu_mib"], s["layers"]) for s in place["split"]] == [
        (key, layout["allocations"][key], layout["layers"][key]) for key in ("GPU-a", "GPU-b")
    ]
    assert abs(place["split"][0]["layers"] - place["split"][1]["layers"]) <= 1
    assert (place["on_cpu_mib"] > 0) is partial
    assert sum(s["layers"] for s in place["split"]) == (81 if not partial else layout["offload"])
    assert all(s["on_gpu_mib"] <= 24576 for s in place["split"])


@pytest.mark.parametrize(
    ("alias", "tag"), [("phi4", "phi4:14b"), ("qwen3:latest", "qwen3:8b"), ("bge-m3:latest", "bge-m3")]
)
def test_family_names_and_latest_tags_estimate_as_the_tag_ollama_pulls(alias, tag):
    assert _vram.estimate_llm(alias)["total_mib"] == _vram.estimate_llm(tag)["total_mib"]
    assert (
        _vram.estimate_llm({"model": alias, "num_ctx": 2048})["total_mib"]
        == (_vram.estimate_llm(tag, num_ctx=2048)["total_mib"])
    )


def test_every_alias_points_at_a_catalog_entry_of_its_family():
    from ansible_collections.homelab.ai_stack.plugins.module_utils._vram_catalog import LLM_ALIASES

    for alias, target in LLM_ALIASES.items():
        assert target in LLM_CATALOG
        assert target.split(":")[0] == alias.split(":")[0]


@pytest.mark.parametrize("name", ["phi4", "qwen2.5:14b", "llama3.2-vision:11b", "gemma3:27b"])
def test_the_models_the_issue_found_missing_are_planned_by_name(name):
    est = _vram.estimate_llm(name)
    assert est["total_mib"] > est["weights_mib"]
    plan = _vram.plan([name], [{"index": 0, "vendor": "nvidia", "name": "RTX 4090", "memory_total_mib": 24564}])
    assert plan["placements"][0]["total_mib"] == est["total_mib"] or plan["ollama"]["kv_cache_type"] != "f16"
