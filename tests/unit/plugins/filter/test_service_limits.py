# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.homelab.ai_stack.plugins.filter.service_limits import FilterModule

F = FilterModule().filters()


def test_memory_limit_filter():
    assert F["service_memory_limit"]({"placements": []}, "ollama", 32768, "nvidia") == "4096m"
    with pytest.raises(AnsibleFilterError, match="service_memory_limit: service must be one of"):
        F["service_memory_limit"]({}, "nginx", 32768)


def test_hsa_overrides_filter():
    gpus = [{"vendor": "amd", "gfx_target": "gfx1032"}, {"vendor": "amd", "gfx_target": "gfx1032"}]
    assert F["hsa_overrides"](gpus) == {"HSA_OVERRIDE_GFX_VERSION": "10.3.0"}
    assert F["hsa_overrides"](None) == {}
    with pytest.raises(AnsibleFilterError, match="_input must be the list"):
        F["hsa_overrides"]("gfx1032")
