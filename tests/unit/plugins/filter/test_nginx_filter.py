# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.homelab.ai_stack.plugins.filter.nginx import FilterModule

F = FilterModule().filters()


def test_filters_wrap_the_functions_and_name_the_variable_in_errors():
    vhosts = F["nginx_vhosts"]([{"name": "chat", "upstream": "http://x:1"}], [], "ai.test", "100m")
    assert vhosts[0]["fqdn"] == "chat.ai.test"
    assert F["nginx_vhost_problems"](vhosts, "ai.test", "true") == []
    assert F["nginx_acme_names"](["chat.ai.test"], "ai.test", "false") == ["chat.ai.test"]
    with pytest.raises(AnsibleFilterError, match="nginx_vhosts: nginx_vhosts must be a list"):
        F["nginx_vhosts"]({"name": "chat"}, [], "ai.test")
    catalog = [
        {
            "service": "ollama",
            "group": "gpu",
            "subdomain": "ollama",
            "container": "ollama",
            "port": 11434,
            "client_max_body_size": "1g",
        }
    ]
    assert F["nginx_inventory_vhosts"](catalog, {"gpu": ["g"]}, {"g": {}}, "g")[0]["upstream"] == "http://ollama:11434"
