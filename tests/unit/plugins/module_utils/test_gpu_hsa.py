# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""HSA_OVERRIDE_GFX_VERSION from the gfx target gpu_facts reads, on the recorded rocm-smi outputs."""

from __future__ import annotations

from pathlib import Path

import pytest

from ansible_collections.homelab.ai_stack.plugins.module_utils import _gpu as g

FIXTURES = Path(__file__).resolve().parents[1] / "modules" / "fixtures" / "gpu"

# fixture: the environment Ollama's ROCm build (v0.12.10) needs for its GPUs
RECORDED = {
    # Instinct MI100: gfx908 is built; nothing to force.
    "mi100_rocm571.json": {},
    # RX 6700 XT: gfx1031 is not built; runs as gfx1030 (ollama#6152).
    "rx6700xt_rocm430.json": {"HSA_OVERRIDE_GFX_VERSION": "10.3.0"},
    "rx6700xt_rocm571.json": {"HSA_OVERRIDE_GFX_VERSION": "10.3.0"},
    "rx6700xt_rocm602.json": {"HSA_OVERRIDE_GFX_VERSION": "10.3.0"},
    # Vega 10: gfx900 kernels are removed from the build and no built target is
    # close: an override would only crash, so none is set.
    "vega-10-XT.json": {},
}


def test_every_rocm_fixture_is_covered():
    assert sorted(RECORDED) == sorted(p.name for p in (FIXTURES / "rocm-smi").iterdir())


@pytest.mark.parametrize("fixture", sorted(RECORDED))
def test_override_from_recorded_rocm_smi(fixture):
    gpus, _warnings = g.parse_rocm_smi_json((FIXTURES / "rocm-smi" / fixture).read_text())
    assert g.hsa_override_env(gpus) == RECORDED[fixture]


@pytest.mark.parametrize(
    ("gfx", "expected"),
    [
        ("gfx1030", None),
        ("gfx1031", "10.3.0"),
        ("gfx1032", "10.3.0"),
        ("gfx1034", "10.3.0"),
        ("gfx1036", "10.3.0"),
        ("gfx1100", None),
        ("gfx1103", "11.0.0"),
        ("gfx1151", None),
        ("gfx90a:xnack-", None),
        ("gfx900", None),
        ("gfx906", None),
        ("", None),
        (None, None),
        ("GFX1031", "10.3.0"),
    ],
)
def test_override_for_target(gfx, expected):
    assert g.hsa_override_for(gfx) == expected


def test_nvidia_gpus_get_nothing():
    assert g.hsa_override_env([g.new_gpu(vendor="nvidia", gfx_target=None)]) == {}
    assert g.hsa_override_env([]) == {}
    assert g.hsa_override_env(None) == {}


def test_mixed_amd_gpus_get_one_override_each():
    gpus = [
        g.new_gpu(index=0, vendor="amd", gfx_target="gfx1100"),
        g.new_gpu(index=1, vendor="nvidia"),
        g.new_gpu(index=2, vendor="amd", gfx_target="gfx1032"),
        g.new_gpu(index=3, vendor="amd", gfx_target="gfx1103"),
    ]
    # Positions count AMD GPUs only (ROCm's numbering), not the facts' index.
    assert g.hsa_override_env(gpus) == {"HSA_OVERRIDE_GFX_VERSION_1": "10.3.0", "HSA_OVERRIDE_GFX_VERSION_2": "11.0.0"}


def test_same_override_for_every_amd_gpu_is_one_variable():
    gpus = [g.new_gpu(index=i, vendor="amd", gfx_target=t) for i, t in enumerate(("gfx1031", "gfx1032"))]
    assert g.hsa_override_env(gpus) == {"HSA_OVERRIDE_GFX_VERSION": "10.3.0"}
