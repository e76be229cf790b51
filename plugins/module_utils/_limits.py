# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Memory limits of the GPU services (CIS Docker 5.11), sized from the VRAM plan and host memory.

Plain functions (stdlib only). A model's weights pass through system RAM on
their way to the GPU, and whatever the plan leaves off the GPU (``on_cpu_mib``:
layers Ollama offloads, a diffusion pipeline in --lowvram) lives there for good.
The limit is that resident part plus the runtime's own overhead, never below a
floor that lets the service start, and never above a share of the host's memory
so that one runaway container cannot take the host down.
"""

from __future__ import annotations

import math

# service: (runtime overhead MiB, floor MiB, share of host memory at most)
_SIZING = {
    # The Go server, the runner and its KV/compute buffers on the host side.
    "ollama": (2048, 4096, 0.75),
    # Python, PyTorch and CUDA/ROCm libraries take about 3-4 GiB before a model.
    "comfyui": (4096, 6144, 0.5),
}
_KIND = {"ollama": "llm", "comfyui": "diffusion"}


class LimitsError(ValueError):
    """An input that cannot be sized."""


def _mib(value, field):
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise LimitsError(f"{field} must be a whole number of MiB, got {value!r}") from None
    if number < 0:
        raise LimitsError(f"{field} must not be negative, got {number}")
    return number


def memory_limit_mib(plan, service, host_memory_mib, gpu_mode="cpu"):
    """The memory limit in MiB for ``service`` (ollama or comfyui).

    ``plan`` is a vram_plan result (its ``placements``); ``gpu_mode`` is
    ``nvidia``, ``rocm`` or ``cpu``. On the CPU the whole of every workload is
    resident in RAM; on a GPU only what the plan puts off the GPU.
    """
    if service not in _SIZING:
        raise LimitsError(f"service must be one of {', '.join(sorted(_SIZING))}, got {service!r}")
    host = _mib(host_memory_mib, "host_memory_mib")
    if host == 0:
        raise LimitsError("host_memory_mib must be the host's memory (ansible_facts['memtotal_mb']), got 0")
    overhead, floor, share = _SIZING[service]
    placements = (plan or {}).get("placements") or []
    resident = 0
    for pos, placement in enumerate(placements):
        if not isinstance(placement, dict) or placement.get("kind") != _KIND[service]:
            continue
        key = "total_mib" if gpu_mode == "cpu" else "on_cpu_mib"
        resident += _mib(placement.get(key, 0), f"plan.placements[{pos}].{key}")
    # A diffusion pipeline is loaded through RAM whole even when it then sits on the GPU.
    if service == "comfyui" and gpu_mode != "cpu":
        largest = [
            _mib(p.get("total_mib", 0), f"plan.placements[{pos}].total_mib")
            for pos, p in enumerate(placements)
            if isinstance(p, dict) and p.get("kind") == "diffusion"
        ]
        resident = max([resident, *largest])
    cap = int(host * share)
    wanted = max(resident + overhead, floor)
    return _round_up(min(wanted, cap) if cap >= 1024 else host, 256)


def _round_up(value, step):
    return int(math.ceil(value / step) * step)


def memory_limit(plan, service, host_memory_mib, gpu_mode="cpu"):
    """The limit as Docker's mem_limit spells it (``"6144m"``)."""
    return f"{memory_limit_mib(plan, service, host_memory_mib, gpu_mode)}m"
