# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.homelab.ai_stack.plugins.filter.nginx import FilterModule
from ansible_collections.homelab.ai_stack.plugins.module_utils import _nginx

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


# Controller side (ansible.plugins is not importable from module_utils unit tests): the
# records are byte for byte what the role's to_nice_json wrote, so converged hosts are
# not rewritten.
def test_records_are_written_as_to_nice_json_wrote_them():
    from ansible.plugins.filter.core import to_nice_json

    data = "/srv/cold-storage/services/nginx-proxy"
    found = [
        {"path": f"{data}/{rel}", "mode": "0644", "uid": 0, "gid": 0, "isdir": False, "islnk": False, "checksum": c}
        for rel, c in (("ca/ca.crt", "aa" * 20), ("certs/server.key", "bb" * 20), ("certs/server.crt", "cc" * 20))
    ]
    record = _nginx.written_cert_record(found, data, ["chat.ai.test", "comfy.ai.test"], "20271206000000Z", True)
    assert record == to_nice_json(
        {
            "common_name": "chat.ai.test",
            "names": ["chat.ai.test", "comfy.ai.test"],
            "not_after": "20271206000000Z",
            "ca_name_constrained": True,
            "sha1": {"ca.crt": "aa" * 20, "server.key": "bb" * 20, "server.crt": "cc" * 20},
        },
        sort_keys=True,
    )
    assert _nginx.secret_record("token", "t", "m", "api") == to_nice_json(
        {"user": "api", "sha1": {"api-token": _nginx.sha1("t"), "api-token.map": _nginx.sha1("m")}}, sort_keys=True
    )
    with pytest.raises(_nginx.NginxError, match="kind must be auth or token"):
        _nginx.secret_record("key", "t", "m", "api")


def test_nginx_problems_filter_reports_every_rule():
    assert F["nginx_problems"]([], {"bind_address": ""}, None)[0].startswith("ai_stack_bind_address '' must be")


def test_nginx_problems_filter_takes_the_role_variables_by_their_names():
    settings = {"bind_address": "100.64.0.1", "domain": "ai.test", "nginx_tls_source": "provided", "nginx_tls_key": "k"}
    settings.update({"nginx_tls_certificate": "", "nginx_basic_auth_password": "short", "nginx_pids_limit": 8})
    problems = F["nginx_problems"]([], settings, [])
    assert "nginx_tls_source=provided needs nginx_tls_certificate and nginx_tls_key (PEM)" in problems
    assert "nginx_basic_auth_password needs 8 or more characters" in problems
    assert "nginx_pids_limit must be a number of 16 or more" in problems
    settings.update({"nginx_tls_certificate": "c", "nginx_basic_auth_password": "long enough", "nginx_pids_limit": 512})
    assert "nginx_tls_source=provided needs nginx_tls_certificate and nginx_tls_key (PEM)" not in F["nginx_problems"](
        [], settings, []
    )


def test_nginx_catalog_filter_gives_the_switches_to_the_catalog():
    catalog = F["nginx_catalog"]({"comfyui_basic_auth": "false", "allow": ["10.0.0.0/8"]})
    assert [c["service"] for c in catalog] == ["openwebui", "ollama", "comfyui", "pihole"]
    vhosts = F["nginx_inventory_vhosts"](catalog, {"ai_stack_gpu": ["g"]}, {"g": {}}, "g")
    assert [(v["name"], v["allow"], v["basic_auth"], v["token_auth"]) for v in vhosts] == [
        ("ollama", ["10.0.0.0/8"], False, True),
        ("comfy", [], False, False),
    ]


def test_nginx_secret_files_hashes_as_the_password_hash_filter_did():
    from ansible.plugins.filter.core import FilterModule as CoreFilters

    settings = {
        "data_path": "/d",
        "worker_gid": 65534,
        "host": "h",
        "auth_user": "admin",
        "auth_password": "pw-given-1",
    }
    settings.update({"token": "", "token_user": "api"})
    files = F["nginx_secret_files"]([{"basic_auth": True, "token_auth": False}], {}, {}, settings)
    salt = _nginx.basic_auth_salt("h", "admin")
    expected = CoreFilters().filters()["password_hash"]("pw-given-1", "sha512", salt)
    assert files == [
        {"dest": "/d/auth/htpasswd", "content": f"admin:{expected}", "group": "65534", "mode": "0640", "secret": True}
    ]


def test_nginx_plan_judges_the_compose_read_with_compose_projects_rule():
    settings = {"data_path": "/d", "worker_gid": 65534, "host": "h", "auth_user": "admin", "auth_password": ""}
    settings.update(token="", token_user="api", renew_before_days=30, tls_source="provided")
    read = {"files": [], "contents": {}, "root": "/d", "created": [], "files_in_place": True}
    plan = F["nginx_plan"](read, [], "services: {}\n", settings)
    # No compose read: compose_project must run (as compose_in_sync says of a missing read).
    assert plan["reasons"] == ["compose_due", "compose: the project was not read"]
    assert plan["apply"] is True and plan["files_due"] is False
