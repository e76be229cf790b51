# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ollama_models_auto on GPU facts parsed from recorded nvidia-smi output."""

from __future__ import annotations

import os

import pytest

from ansible_collections.homelab.ai_stack.plugins.module_utils import _gpu, _vram

XML = os.path.join(os.path.dirname(__file__), "..", "modules", "fixtures", "gpu", "nvidia-smi-xml")


def _facts(name):
    with open(os.path.join(XML, name), encoding="utf-8") as handle:
        gpus, _warnings = _gpu.parse_nvidia_smi_xml(handle.read())
    return gpus


RTX3060 = _facts("telegraf_rtx-3060-v12.xml")
RTX3090 = _facts("telegraf_rtx-3090-v12.xml")[0]
TWO_3090 = [RTX3090, dict(RTX3090, index=1, uuid="GPU-3090-second", pci_bus_id="00000000:02:00.0")]
# No RTX 4090 nvidia-smi record is among the fixtures: the 3090 record (same
# 24 GB class, Ampere) with what Ollama's own log printed for an RTX 4090
# (ollama PR #6279: name="NVIDIA GeForce RTX 4090" compute=8.9 total="23.6 GiB").
RTX4090 = [dict(RTX3090, name="NVIDIA GeForce RTX 4090", compute_capability="8.9", memory_total_mib=24166)]

WISHES = [
    {"name": "chat", "candidates": ["gemma3:27b", "qwen3:14b", "gemma3:12b", "llama3.1:8b", "qwen3:4b"]},
    "qwen2.5-coder",
    "nomic-embed-text",
]


@pytest.mark.parametrize(
    ("gpus", "expected"),
    [
        (RTX3060, ["qwen3:4b", "qwen2.5-coder:1.5b"]),
        (RTX4090, ["qwen3:14b", "qwen2.5-coder:7b", "nomic-embed-text"]),
        (TWO_3090, ["gemma3:27b", "qwen2.5-coder:14b", "nomic-embed-text"]),
        ([], ["qwen3:4b", "qwen2.5-coder:1.5b", "nomic-embed-text"]),
    ],
    ids=["rtx3060-12gb", "rtx4090", "2x-rtx3090", "no-gpu"],
)
def test_largest_fitting_model_of_each_wish_next_to_comfyui(gpus, expected):
    result = _vram.choose_models(WISHES, gpus, workloads=["sdxl"])
    assert [m["name"] for m in result["models"]] == expected
    assert all(m["state"] == "present" for m in result["models"])
    if gpus:
        assert result["plan"]["fully_on_gpu"] is True
        # Every candidate larger than the pick was tried and the reason printed.
        chosen = result["chosen"][0]["model"]
        assert any(m.startswith(f"chat: {chosen} (") and "largest candidate that fits" in m for m in result["messages"])
    else:
        assert all("no usable GPU" in m for m in result["messages"])


def test_passed_over_candidates_say_why():
    result = _vram.choose_models(WISHES, RTX3060, workloads=["sdxl"])
    assert (
        "chat: gemma3:27b (19419 MiB) does not fit next to sdxl: gemma3:27b would run partly from system RAM"
        in (result["messages"])
    )
    assert result["messages"][-1].startswith("nomic-embed-text: no candidate fits on the GPUs; skipped")
    offload = _vram.choose_models(WISHES, RTX3060, workloads=["sdxl"], allow_cpu_offload=True)
    assert [m["name"] for m in offload["models"]][-1] == "nomic-embed-text"


def test_a_family_is_tried_largest_first():
    result = _vram.choose_models(["qwen2.5-coder"], TWO_3090)
    assert [m["name"] for m in result["models"]] == ["qwen2.5-coder:32b"]


def test_a_model_already_listed_is_not_added_twice():
    result = _vram.choose_models(["nomic-embed-text"], RTX4090, workloads=["nomic-embed-text"])
    assert result["models"] == []
    assert "already in the model set" in result["messages"][0]


def test_candidate_dict_feeds_its_vram_entry():
    custom = {"name": "my-llama:8b-q8", "model": "llama3.1:8b", "quantization": "Q8_0", "size_bytes": 8540000000}
    result = _vram.choose_models([{"name": "chat", "candidates": [custom]}], RTX4090)
    assert result["models"] == [
        {"name": "my-llama:8b-q8", "state": "present", "vram": {k: v for k, v in custom.items() if k != "name"}}
    ]


@pytest.mark.parametrize(
    ("wishes", "field"),
    [
        ("qwen", "ollama_models_auto"),
        (["no-such-family"], "ollama_models_auto[0].family"),
        ([{"candidates": ["qwen3:4b"]}], "ollama_models_auto[0].name"),
        ([{"name": "chat", "candidates": []}], "ollama_models_auto[0].candidates"),
        ([{"name": "chat", "candidates": [3]}], "ollama_models_auto[0].candidates[0]"),
    ],
)
def test_bad_wishes_name_the_field(wishes, field):
    with pytest.raises(_vram.VramError) as err:
        _vram.choose_models(wishes, RTX4090)
    assert err.value.field == field
