# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Memory limits of Ollama and ComfyUI from the VRAM plan and the host's memory."""

from __future__ import annotations

import pytest

from ansible_collections.homelab.ai_stack.plugins.module_utils import _limits as lim
from ansible_collections.homelab.ai_stack.plugins.module_utils._vram import plan as vram_plan

RTX_3060 = [{"index": 0, "vendor": "nvidia", "name": "RTX 3060", "uuid": "GPU-1", "memory_total_mib": 12288,
             "compute_capability": "8.6"}]  # fmt: skip


def test_models_on_the_gpu_need_only_the_overhead():
    plan = vram_plan(["llama3.2:3b", "sdxl"], RTX_3060)
    assert all(p["on_cpu_mib"] == 0 for p in plan["placements"] if p["kind"] == "llm")
    assert lim.memory_limit(plan, "ollama", 32768, "nvidia") == "4096m"
    sdxl = next(p for p in plan["placements"] if p["kind"] == "diffusion")
    # The pipeline loads through RAM: at least its size plus 4 GiB of PyTorch.
    assert lim.memory_limit_mib(plan, "comfyui", 65536, "nvidia") == lim._round_up(sdxl["total_mib"] + 4096, 256)


def test_on_the_cpu_the_whole_model_is_resident():
    plan = vram_plan(["llama3.1:8b"], [])
    total = plan["placements"][0]["total_mib"]
    assert lim.memory_limit_mib(plan, "ollama", 65536, "cpu") == lim._round_up(total + 2048, 256)


def test_offloaded_layers_count():
    plan = vram_plan(["qwen2.5:32b"], RTX_3060, allow_cpu_offload=True)
    off = sum(p["on_cpu_mib"] for p in plan["placements"])
    assert off > 0
    assert lim.memory_limit_mib(plan, "ollama", 131072, "nvidia") == lim._round_up(off + 2048, 256)


@pytest.mark.parametrize(("service", "host", "expected"), [("ollama", 8192, 6144), ("comfyui", 8192, 4096)])
def test_never_above_a_share_of_the_host(service, host, expected):
    plan = vram_plan(["llama3.1:8b", "sdxl"], [])
    assert lim.memory_limit_mib(plan, service, host, "cpu") == expected


def test_empty_plan_gets_the_floor():
    assert lim.memory_limit({}, "ollama", 65536) == "4096m"
    assert lim.memory_limit(None, "comfyui", 65536, "nvidia") == "6144m"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (({}, "openwebui", 1024), "service must be one of"),
        (({}, "ollama", 0), "host_memory_mib must be the host's memory"),
        (({}, "ollama", "lots"), "host_memory_mib must be a whole number"),
        (({"placements": [{"kind": "llm", "on_cpu_mib": -1}]}, "ollama", 4096, "nvidia"), "must not be negative"),
    ],
)
def test_bad_input_names_the_field(args, message):
    with pytest.raises(lim.LimitsError, match=message):
        lim.memory_limit(*args)
