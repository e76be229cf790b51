# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The nginx role's vhost logic, on the catalog of roles/nginx/vars/main.yml and inventories shaped like the
Molecule scenarios' (one host; an edge host and a GPU host)."""

from __future__ import annotations

import datetime
import hashlib
import os
import re

import pytest
import yaml

from ansible_collections.homelab.ai_stack.plugins.module_utils import _nginx

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))


def _catalog(**overrides):
    """The role's own catalog, with the switches the role passes (roles/nginx/vars/main.yml)."""
    return _nginx.catalog(overrides)


def test_one_host_gets_every_service_on_the_docker_network():
    groups = {"ai_stack_edge": ["box"], "ai_stack_gpu": ["box"]}
    vhosts = _nginx.inventory_vhosts(_catalog(), groups, {"box": {}}, "box", {"chat": "chat"})
    assert [v["name"] for v in vhosts] == ["chat", "ollama", "comfy", "hole"]
    assert [v["upstream"] for v in vhosts] == [
        "http://open-webui:8080",
        "http://ollama:11434",
        "http://comfyui:8188",
        "http://pihole:80",
    ]
    ollama = vhosts[1]
    assert ollama["allow"] == ["100.64.0.0/10"] and ollama["token_auth"] is True and ollama["basic_auth"] is False
    assert vhosts[2]["basic_auth"] is True and vhosts[3]["frame_options"] == "DENY"


def test_a_service_state_absent_gets_no_vhost_and_subdomains_rename():
    groups = {"ai_stack_edge": ["box"], "ai_stack_gpu": ["box"]}
    hostvars = {"box": {"pihole_state": "absent", "openwebui_state": "absent"}}
    vhosts = _nginx.inventory_vhosts(_catalog(), groups, hostvars, "box", {"ollama": "llm", "comfy": "draw"})
    assert [v["name"] for v in vhosts] == ["llm", "draw"]


def test_a_service_on_another_host_is_reached_at_its_bind_address():
    groups = {"ai_stack_edge": ["edge"], "ai_stack_gpu": ["gpu1", "gpu2"]}
    hostvars = {"edge": {}, "gpu1": {"ai_stack_bind_address": "100.100.1.2"}, "gpu2": {}}
    vhosts = _nginx.inventory_vhosts(_catalog(), groups, hostvars, "edge")
    assert {v["name"]: v["upstream"] for v in vhosts} == {
        "chat": "http://open-webui:8080",
        "ollama": "http://100.100.1.2:11434",
        "comfy": "http://100.100.1.2:8188",
        "hole": "http://pihole:80",
    }
    # IPv6 bind address in brackets; a GPU host without one yields an upstream the validation refuses.
    hostvars["gpu1"]["ai_stack_bind_address"] = "fd7a:115c::2"
    assert _nginx.inventory_vhosts(_catalog(), groups, hostvars, "edge")[1]["upstream"] == "http://[fd7a:115c::2]:11434"
    del hostvars["gpu1"]["ai_stack_bind_address"]
    vhosts = _nginx.normalize_vhosts(_nginx.inventory_vhosts(_catalog(), groups, hostvars, "edge"), [], "ai.test")
    assert any("has no ai_stack_bind_address" in p for p in _nginx.vhost_problems(vhosts, "ai.test"))


@pytest.mark.parametrize(
    "text, expected", [("true", True), ("false", False), ("False", False), ("yes", True), ("0", False)]
)
def test_booleans_given_as_command_line_strings(text, expected):
    vhosts = _nginx.inventory_vhosts(
        _catalog(comfyui_basic_auth=text, ollama_token_auth=text),
        {"ai_stack_gpu": ["box"]},
        {"box": {}},
        "box",
    )
    assert [v["basic_auth"] for v in vhosts] == [False, expected]
    assert [v["token_auth"] for v in vhosts] == [expected, False]
    with pytest.raises(_nginx.NginxError, match="comfyui basic_auth: 'maybe' is not a boolean"):
        _nginx.inventory_vhosts(_catalog(comfyui_basic_auth="maybe"), {"ai_stack_gpu": ["box"]}, {"box": {}}, "box")


def test_normalize_fills_every_key():
    vhosts = _nginx.normalize_vhosts(
        [{"name": "chat", "upstream": "http://open-webui:8080"}],
        '[{"name": "wiki.example.org", "upstream": "http://10.0.0.5:80",'
        ' "websocket": "true", "frame_options": "deny"}]',
        "ai.test",
        "100m",
    )
    assert vhosts == [
        {
            "name": "chat",
            "fqdn": "chat.ai.test",
            "upstream": "http://open-webui:8080",
            "websocket": False,
            "client_max_body_size": "100m",
            "allow": [],
            "basic_auth": False,
            "token_auth": False,
            "frame_options": "SAMEORIGIN",
        },
        {
            "name": "wiki.example.org",
            "fqdn": "wiki.example.org",
            "upstream": "http://10.0.0.5:80",
            "websocket": True,
            "client_max_body_size": "100m",
            "allow": [],
            "basic_auth": False,
            "token_auth": False,
            "frame_options": "DENY",
        },
    ]
    assert _nginx.normalize_vhosts([], "", "ai.test") == []
    with pytest.raises(_nginx.NginxError, match="nginx_vhosts_extra must be a list"):
        _nginx.normalize_vhosts([], "{oops", "ai.test")
    with pytest.raises(_nginx.NginxError, match="nginx_vhosts entry 0: must be a dict"):
        _nginx.normalize_vhosts(["chat"], [], "ai.test")


def _one(**kw):
    return _nginx.normalize_vhosts([dict({"name": "chat", "upstream": "http://open-webui:8080"}, **kw)], [], "ai.test")


def test_good_vhosts_have_no_problems():
    vhosts = _one(allow=["100.64.0.0/10", "fd7a:115c:a1e0::/48", "10.1.2.3", "all"], client_max_body_size="1g")
    assert _nginx.vhost_problems(vhosts, "ai.test", name_constrained=True) == []


@pytest.mark.parametrize(
    "entry, message",
    [
        ({"name": "chat;evil"}, "name must be a DNS label"),
        ({"upstream": "http://open-webui:8080; return 200"}, "upstream must be http(s)://host:port"),
        ({"client_max_body_size": "1 g"}, "client_max_body_size must be a size"),
        ({"allow": "100.64.0.0/10"}, "allow must be a list"),
        ({"allow": ["100.64.0.0/10;"]}, "allow holds what is not an address or CIDR: 100.64.0.0/10;"),
        ({"allow": ["999.1.1.1"]}, "not an address or CIDR: 999.1.1.1"),
        ({"frame_options": "ALLOW-FROM x"}, "frame_options must be DENY, SAMEORIGIN or ''"),
        ({"name": "chat.example.org"}, "chat.example.org is not below ai_stack_domain ai.test"),
    ],
)
def test_each_problem_is_named(entry, message):
    problems = _nginx.vhost_problems(_one(**entry), "ai.test", name_constrained=True)
    assert len(problems) == 1 and message in problems[0], problems
    assert problems[0].startswith("nginx_vhosts entry")


def test_names_outside_the_domain_are_fine_without_name_constraints_and_duplicates_are_not():
    vhosts = _nginx.normalize_vhosts(
        [
            {"name": "chat.example.org", "upstream": "http://a:1"},
            {"name": "chat.example.org", "upstream": "http://b:1"},
        ],
        [],
        "ai.test",
    )
    assert _nginx.vhost_problems(vhosts, "ai.test") == [
        "nginx_vhosts entry 'chat.example.org': duplicate name chat.example.org"
    ]


def test_acme_names():
    fqdns = ["comfy.ai.test", "chat.ai.test", "chat.ai.test", "a.b.ai.test", "wiki.example.org"]
    assert _nginx.acme_names(fqdns, "ai.test") == ["a.b.ai.test", "chat.ai.test", "comfy.ai.test", "wiki.example.org"]
    assert _nginx.acme_names(fqdns, "ai.test", "true") == ["*.ai.test", "a.b.ai.test", "wiki.example.org"]
    assert _nginx.acme_names([], "ai.test", True) == ["*.ai.test"]


# --- records: what a re-run compares instead of running the crypto modules or reading a secret

DATA = "/srv/cold-storage/services/nginx-proxy"
SETTINGS = {"worker_gid": 65534, "auth_user": "admin", "auth_salt": "0123456789abcdef", "token_user": "api"}
SETTINGS["renew_before_days"] = "30"
NOW = datetime.datetime(2026, 12, 6, tzinfo=datetime.timezone.utc)


def _entry(rel, checksum=None, mode="0644", gid=0, isdir=False, islnk=False):
    e = {"path": f"{DATA}/{rel}", "mode": mode, "uid": 0, "gid": gid, "isdir": isdir, "islnk": islnk}
    if checksum is not None:
        e["checksum"] = checksum
    return e


def _host(not_after="20271206000000Z", names=("chat.ai.test", "comfy.ai.test"), constrained=True):
    """A find result and the certificate record's text as the role leaves them after a converge."""
    found = [
        _entry("ca/ca.crt", "aa" * 20),
        _entry("certs/server.key", "bb" * 20, mode="0640", gid=65534),
        _entry("certs/server.crt", "cc" * 20),
        _entry("basic-auth.password", _nginx.sha1("pw"), mode="0600"),
        _entry("auth/htpasswd", _nginx.sha1("admin:$6$hash"), mode="0640", gid=65534),
        _entry("api-token", _nginx.sha1("tok\n"), mode="0600"),
        _entry("auth/api-token.map", _nginx.sha1("map"), mode="0640", gid=65534),
    ]
    record = _nginx.written_cert_record(found, DATA, list(names), not_after, constrained)
    found.append(_entry("certs/server-certificate.json", _nginx.sha1(record), mode="0600"))
    auth = _nginx.secret_record("auth", "pw", "admin:$6$hash", "admin", "0123456789abcdef")
    found.append(_entry("basic-auth.json", _nginx.sha1(auth), mode="0600"))
    token = _nginx.secret_record("token", "tok\n", "map", "api")
    found.append(_entry("api-token.json", _nginx.sha1(token), mode="0600"))
    return found, record


def test_a_converged_host_is_current():
    found, record = _host()
    state = _nginx.current(found, DATA, ["chat.ai.test", "comfy.ai.test"], record, SETTINGS, NOW)
    assert state == {"tls": True, "ca_unconstrained": False, "htpasswd": True, "token": True}
    # The find result as registered (a dict with files) reads the same.
    assert _nginx.current({"files": found}, DATA, ["chat.ai.test", "comfy.ai.test"], record, SETTINGS, NOW) == state


@pytest.mark.parametrize(
    "change, stale",
    [
        (lambda f, r: (f, r, ["chat.ai.test"]), "tls"),  # a vhost removed
        (lambda f, r: ([e for e in f if not e["path"].endswith("ca.crt")], r, None), "tls"),  # CA gone
        (lambda f, r: ([dict(e, mode="0644") if e["path"].endswith("server.key") else e for e in f], r, None), "tls"),
        (
            lambda f, r: ([dict(e, checksum="dd" * 20) if e["path"].endswith("server.crt") else e for e in f], r, None),
            "tls",
        ),
        (lambda f, r: ([dict(e, islnk=True) if e["path"].endswith("server.key") else e for e in f], r, None), "tls"),
        (lambda f, r: (f, "", None), "tls"),  # no record read
        (
            lambda f, r: ([dict(e, checksum="ee" * 20) if e["path"].endswith("/htpasswd") else e for e in f], r, None),
            "htpasswd",
        ),
        (lambda f, r: ([dict(e, gid=0) if e["path"].endswith("/htpasswd") else e for e in f], r, None), "htpasswd"),
        (lambda f, r: ([e for e in f if not e["path"].endswith("basic-auth.password")], r, None), "htpasswd"),
        (
            lambda f, r: ([dict(e, checksum="ff" * 20) if e["path"].endswith("api-token") else e for e in f], r, None),
            "token",
        ),
        (lambda f, r: ([e for e in f if not e["path"].endswith("api-token.json")], r, None), "token"),
    ],
)
def test_a_change_on_the_host_makes_its_part_due(change, stale):
    found, record = _host()
    found, record, names = change(found, record)
    state = _nginx.current(found, DATA, names or ["chat.ai.test", "comfy.ai.test"], record, SETTINGS, NOW)
    assert [k for k in ("tls", "htpasswd", "token") if not state[k]] == [stale]


def test_the_renewal_window_and_an_unconstrained_ca():
    found, record = _host(not_after="20261231000000Z")  # 25 days left, renewal at 30
    assert not _nginx.current(found, DATA, ["chat.ai.test", "comfy.ai.test"], record, SETTINGS, NOW)["tls"]
    found, record = _host(constrained=False)
    state = _nginx.current(found, DATA, ["chat.ai.test", "comfy.ai.test"], record, SETTINGS, NOW)
    assert state["tls"] and state["ca_unconstrained"]
    # No vhost: the CA and the key are all that is needed.
    found, record = _host()
    assert _nginx.current(found, DATA, [], "", SETTINGS, NOW)["tls"]
    assert _nginx.current([], DATA, [], "", SETTINGS, NOW) == {
        "tls": False,
        "ca_unconstrained": False,
        "htpasswd": False,
        "token": False,
    }


def _info(names=("chat.ai.test", "comfy.ai.test"), renew=True, key="k1", cn="chat.ai.test"):
    """Shaped like community.crypto.x509_certificate_info's result with valid_at.renew."""
    return {
        "subject": {"commonName": cn},
        "subject_alt_name": ["DNS:" + n for n in names],
        "public_key_fingerprints": {"sha256": key},
        "valid_at": {"renew": renew},
        "not_after": "20271206000000Z",
    }


def test_certificate_due_for_each_reason():
    names = ["chat.ai.test", "comfy.ai.test"]
    assert _nginx.certificate_due(_info(), "k1", names, "chat.ai.test") == []
    assert _nginx.certificate_due({}, "k1", names) == ["no certificate"]
    assert _nginx.certificate_due(_info(renew=False), "k1", names) == ["the renewal window is reached"]
    assert _nginx.certificate_due(_info(), "k1", ["chat.ai.test"]) == ["the names changed"]
    assert _nginx.certificate_due(_info(cn="comfy.ai.test"), "k1", names, "chat.ai.test") == ["the common name changed"]
    assert _nginx.certificate_due(_info(), "k2", names) == ["the server key changed"]
    record = {"directory": "https://127.0.0.1:14000/dir", "names": names}
    assert _nginx.certificate_due(_info(), "k1", names, record=record, directory=record["directory"]) == []
    assert _nginx.certificate_due(_info(), "k1", names, record={}, directory=record["directory"]) == [
        "the ACME directory changed",
        "the recorded names differ",
    ]


# The pre-flight check (preflight_problems): every rule at once, each message
# naming its variable; the settings as the role's defaults give them.
HOST_FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "host")


def _defaults(**overrides):
    with open(os.path.join(ROOT, "roles", "nginx", "defaults", "main.yml"), encoding="utf-8") as f:
        defaults = yaml.safe_load(f)
    settings = {k[len("nginx_") :]: v for k, v in defaults.items() if k.startswith("nginx_")}
    settings.update(bind_address="100.100.1.1", domain="ai.test")
    settings.update(overrides)
    return settings


def _listeners(name):
    from ansible_collections.homelab.ai_stack.plugins.module_utils import _host

    with open(os.path.join(HOST_FIXTURES, name), encoding="utf-8") as f:
        return _host.parse_ss(f.read())


def test_preflight_of_the_defaults_on_the_demo_stack_is_clean():
    # nginx's own docker-proxy holds 80 and 443 on the demo host: not in the way.
    vhosts = _nginx.normalize_vhosts([{"name": "chat", "upstream": "http://open-webui:8080"}], domain="ai.test")
    assert _nginx.preflight_problems(vhosts, _defaults(), _listeners("ss_demo_stack_deb13.txt")) == []


@pytest.mark.parametrize(
    "address",
    ["", "0.0.0.0", "::", "tailscale0", "100.100.1.1/32", None],
)
def test_preflight_refuses_a_bind_address_that_is_not_the_hosts(address):
    problems = _nginx.preflight_problems([], _defaults(bind_address=address), [])
    assert len(problems) == 1
    assert problems[0].startswith(f"ai_stack_bind_address '{address or ''}' must be the host's (Tailscale) IP address")


def test_preflight_names_the_process_that_holds_a_port():
    listeners = [
        {"proto": "tcp", "address": "0.0.0.0", "port": 80, "process": "apache2"},
        {"proto": "tcp", "address": "100.100.1.1", "port": 443, "process": None},
        {"proto": "tcp", "address": "100.100.1.2", "port": 80, "process": "lighttpd"},
        {"proto": "tcp", "address": "100.100.1.1", "port": 443, "process": "docker-proxy"},
    ]
    assert _nginx.preflight_problems([], _defaults(), listeners) == [
        "Ports held by another process: 0.0.0.0:80/tcp (apache2), 100.100.1.1:443/tcp (unknown);"
        " stop it or change ai_stack_bind_address."
    ]


def test_preflight_reports_the_vhosts_and_the_name_constraints():
    vhosts = _nginx.normalize_vhosts([{"name": "chat.other.test", "upstream": "http://x"}], domain="ai.test")
    problems = _nginx.preflight_problems(vhosts, _defaults(tls_ca_name_constraints="true"), [])
    assert len(problems) == 2
    assert "upstream must be http(s)://host:port" in problems[0]
    assert "not below ai_stack_domain ai.test" in problems[1]
    # Name constraints matter only for the internal CA.
    provided = _defaults(tls_source="provided", tls_certificate=True, tls_key=True, tls_ca_name_constraints=True)
    assert len(_nginx.preflight_problems(vhosts, provided, [])) == 1


def _acme(**overrides):
    rfc = {"server": "192.0.2.53", "port": 53, "key_name": "acme", "key_secret": "c2VjcmV0"}
    settings = {"tls_source": "acme", "acme_terms_agreed": "true", "acme_rfc2136": rfc}
    settings.update(overrides)
    return _defaults(**settings)


@pytest.mark.parametrize(
    "overrides, messages",
    [
        ({}, []),
        ({"acme_dns_provider": "cloudflare", "acme_cloudflare_api_token": True}, []),
        ({"acme_terms_agreed": False}, ["nginx_tls_source=acme needs nginx_acme_terms_agreed=true"]),
        ({"acme_terms_agreed": "no"}, ["nginx_tls_source=acme needs nginx_acme_terms_agreed=true"]),
        ({"acme_directory": "ftp://ca.test/dir"}, ["nginx_acme_directory must be an http(s) URL"]),
        (
            {"acme_rfc2136": {"server": "192.0.2.53", "key_name": ""}},
            ["nginx_acme_dns_provider=rfc2136 needs nginx_acme_rfc2136.key_name, .key_secret (vault)"],
        ),
        (
            {"acme_dns_provider": "cloudflare"},
            ["nginx_acme_dns_provider=cloudflare needs nginx_acme_cloudflare_api_token (vault)"],
        ),
    ],
)
def test_preflight_checks_the_acme_settings(overrides, messages):
    problems = _nginx.preflight_problems([], _acme(**overrides), [])
    assert len(problems) == len(messages)
    for index, message in enumerate(messages):
        assert problems[index].startswith(message)
    # The ACME rules count only for nginx_tls_source=acme.
    assert _nginx.preflight_problems([], _defaults(acme_terms_agreed=False, acme_directory=""), []) == []


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"tls_source": "provided"}, "nginx_tls_source=provided needs nginx_tls_certificate and nginx_tls_key (PEM)"),
        ({"tls_source": "provided", "tls_certificate": True}, "nginx_tls_source=provided needs"),
        ({"tls_renew_before_days": 400}, "nginx_tls_renew_before_days must be below nginx_tls_cert_valid_days"),
        ({"tls_renew_before_days": "30", "tls_cert_valid_days": "30"}, "nginx_tls_renew_before_days must be below"),
        ({"basic_auth_user": "ad min"}, "nginx_basic_auth_user may not contain ':' or spaces"),
        ({"basic_auth_user": "ad:min"}, "nginx_basic_auth_user may not contain"),
        ({"basic_auth_password": "short"}, "nginx_basic_auth_password needs 8 or more characters"),
        ({"api_token": "a" * 23}, "nginx_api_token needs 24 to 256 of A-Z a-z 0-9 . _ ~ -"),
        ({"api_token": "a" * 30 + " "}, "nginx_api_token needs"),
        ({"api_token_user": "api/user"}, "nginx_api_token_user may hold A-Z a-z 0-9 . _ - only"),
        ({"hsts_max_age": "1y"}, "nginx_hsts_max_age must be a number of seconds"),
        ({"referrer_policy": "unsafe-url"}, "nginx_referrer_policy must be one of no-referrer, "),
        ({"pids_limit": 15}, "nginx_pids_limit must be a number of 16 or more"),
        ({"pids_limit": "many"}, "nginx_pids_limit must be a number"),
        ({"tmpfs_size": "64MB"}, "nginx_tmpfs_size must be a size like 64m"),
    ],
)
def test_preflight_rule_names_its_variable(overrides, message):
    problems = _nginx.preflight_problems([], _defaults(**overrides), [])
    assert len(problems) == 1
    assert problems[0].startswith(message)


def test_preflight_accepts_command_line_strings_and_reports_everything_at_once():
    good = _defaults(
        tls_renew_before_days="30",
        tls_cert_valid_days="365",
        hsts_max_age="0",
        pids_limit="16",
        basic_auth_password="12345678",
        api_token="A" * 24,
    )
    assert _nginx.preflight_problems([], good, []) == []
    bad = _defaults(bind_address="", basic_auth_password="x", pids_limit=1, tmpfs_size="big")
    assert len(_nginx.preflight_problems([], bad, [])) == 4


# The secret files (secret_files): what the files task is given for the basic
# auth password and the API token, and when nothing is due.
_SECRET_SETTINGS = {
    "data_path": "/srv/n",
    "worker_gid": 65534,
    "host": "box",
    "auth_user": "admin",
    "auth_password": "",
    "token": "",
    "token_user": "api",
}
_BOTH = [{"basic_auth": True, "token_auth": False}, {"basic_auth": False, "token_auth": True}]


def _fake_hash(password, salt):
    return f"$6${salt}${password[::-1]}"


def _secret_files(vhosts=None, read=None, current=None, **settings):
    vhosts = _BOTH if vhosts is None else vhosts
    return _nginx.secret_files(vhosts, read or {}, current or {}, {**_SECRET_SETTINGS, **settings}, _fake_hash)


def test_secret_files_keep_the_generated_secrets_read_on_the_host():
    files = {f["dest"]: f for f in _secret_files(read={"basic-auth.password": "pw12345678", "api-token": "tok"})}
    salt = _nginx.basic_auth_salt("box", "admin")
    assert salt == hashlib.sha256(b"boxadmin").hexdigest()[:16]
    assert files["/srv/n/auth/htpasswd"] == {
        "dest": "/srv/n/auth/htpasswd",
        "content": f"admin:$6${salt}$87654321wp",
        "group": "65534",
        "mode": "0640",
        "secret": True,
    }
    assert files["/srv/n/basic-auth.password"]["content"] == "pw12345678"
    assert files["/srv/n/basic-auth.password"]["force"] is False
    assert files["/srv/n/basic-auth.json"]["content"] == _nginx.secret_record(
        "auth", "pw12345678", f"admin:$6${salt}$87654321wp", "admin", salt
    )
    token_map = files["/srv/n/auth/api-token.map"]["content"]
    assert token_map.splitlines()[1:] == ['"Bearer tok" 1;', '"Basic YXBpOnRvaw==" 1;']
    assert files["/srv/n/api-token.json"]["content"] == _nginx.secret_record("token", "tok", token_map, "api")
    assert all(f["secret"] for f in files.values())


def test_secret_files_draw_new_secrets_of_the_documented_alphabets():
    files = {f["dest"].rsplit("/", 1)[1]: f["content"] for f in _secret_files()}
    assert re.fullmatch(r"[A-Za-z0-9]{24}", files["basic-auth.password"])
    assert re.fullmatch(r"[a-z0-9]{40}", files["api-token"])
    assert f'"Bearer {files["api-token"]}" 1;' in files["api-token.map"]


def test_secret_files_given_secrets_write_only_htpasswd_and_map():
    files = _secret_files(auth_password="given-password", token="given-token-given-token-1")
    assert [f["dest"] for f in files] == ["/srv/n/auth/htpasswd", "/srv/n/auth/api-token.map"]
    assert files[0]["content"].endswith("drowssap-nevig")


@pytest.mark.parametrize(
    ("vhosts", "current", "given", "dests"),
    [
        (_BOTH, {"htpasswd": True, "token": True}, {}, []),
        (_BOTH, {"htpasswd": True, "token": False}, {}, ["auth/api-token.map", "api-token", "api-token.json"]),
        (
            [{"basic_auth": True, "token_auth": True}],
            {},
            {},
            ["auth/htpasswd", "basic-auth.password", "basic-auth.json"],
        ),
        ([{"basic_auth": False, "token_auth": False}], {}, {}, []),
        (_BOTH, {"htpasswd": True, "token": True}, {"auth_password": "given-password"}, ["auth/htpasswd"]),
    ],
)
def test_secret_files_only_what_is_due(vhosts, current, given, dests):
    assert [f["dest"][len("/srv/n/") :] for f in _secret_files(vhosts, current=current, **given)] == dests


def test_the_record_counts_only_with_the_ca_and_the_certificate():
    found, record = _host(constrained=False)
    for gone in ("ca/ca.crt", "certs/server.crt"):
        left = [e for e in found if not e["path"].endswith(gone)]
        state = _nginx.current(left, DATA, ["chat.ai.test", "comfy.ai.test"], record, SETTINGS, NOW)
        assert (state["tls"], state["ca_unconstrained"]) == (False, False)


def test_the_htpasswd_salt_comes_from_the_host_when_not_given():
    found, _record = _host()
    settings = {k: v for k, v in SETTINGS.items() if k != "auth_salt"}
    salt = _nginx.basic_auth_salt("box", "admin")
    auth = _nginx.secret_record("auth", "pw", "admin:$6$hash", "admin", salt)
    found = [e for e in found if not e["path"].endswith("basic-auth.json")]
    found.append(_entry("basic-auth.json", _nginx.sha1(auth), mode="0600"))
    assert _nginx.current(found, DATA, [], "", dict(settings, host="box"), NOW)["htpasswd"] is True
    assert _nginx.current(found, DATA, [], "", dict(settings, host="other"), NOW)["htpasswd"] is False


# The plan (plan): what a run of the role must do, from its one read.
def _plan(found=None, record=None, in_place=True, compose_reasons=(), names=("chat.ai.test", "comfy.ai.test"), **s):
    if found is None:
        found, record = _host()
    read = {"files": found, "contents": {"certs/server-certificate.json": record or ""}, "root": DATA, "created": []}
    if in_place is not None:
        read["files_in_place"] = in_place
    settings = {**SETTINGS, **_SECRET_SETTINGS, "data_path": DATA, "auth_salt": "0123456789abcdef", **s}
    vhosts = [{"fqdn": name, "basic_auth": True, "token_auth": False} for name in names]
    vhosts.append({"fqdn": "ollama.ai.test", "basic_auth": False, "token_auth": True})
    settings.setdefault("tls_source", "internal_ca")
    return _nginx.plan(read, vhosts, settings, _fake_hash, compose_reasons, NOW)


def test_the_plan_of_a_converged_host_is_empty():
    found, record = _host()
    record = _nginx.written_cert_record(
        found, DATA, ["chat.ai.test", "comfy.ai.test", "ollama.ai.test"], "20271206000000Z", True
    )
    found = [e for e in found if not e["path"].endswith("server-certificate.json")]
    found.append(_entry("certs/server-certificate.json", _nginx.sha1(record), mode="0600"))
    plan = _plan(found, record)
    assert (plan["apply"], plan["reasons"], plan["secret_files"]) == (False, [], [])
    assert plan["tls"] and plan["htpasswd"] and plan["token"] and not plan["check_first_run"]


@pytest.mark.parametrize(
    ("change", "reasons"),
    [
        ({"in_place": False}, ["files_due"]),
        ({"in_place": None}, ["files_due"]),  # a read without wanted_files judges nothing
        ({"compose_reasons": ["up: pihole is stopped"]}, ["compose_due", "compose: up: pihole is stopped"]),
        ({"names": ("chat.ai.test",)}, ["tls_due"]),  # a vhost fewer: the certificate is due
        ({"tls_source": "acme"}, ["tls_due"]),  # an ACME certificate is judged by its own tasks
        ({"tls_source": "provided"}, []),
    ],
)
def test_the_plan_names_what_is_due(change, reasons):
    found, record = _host()
    record = _nginx.written_cert_record(
        found, DATA, ["chat.ai.test", "comfy.ai.test", "ollama.ai.test"], "20271206000000Z", True
    )
    found = [e for e in found if not e["path"].endswith("server-certificate.json")]
    found.append(_entry("certs/server-certificate.json", _nginx.sha1(record), mode="0600"))
    plan = _plan(found, record, **change)
    assert plan["reasons"] == reasons
    assert plan["apply"] is bool(reasons)


def test_the_plan_writes_generated_secrets_only_when_their_records_are_not_current():
    found, record = _host()
    found = [e for e in found if not e["path"].endswith("api-token.json")]
    plan = _plan(found, record, tls_source="provided")
    assert plan["files_due"] and [f["dest"].rsplit("/", 1)[1] for f in plan["secret_files"]] == [
        "api-token.map",
        "api-token",
        "api-token.json",
    ]
    # A token given: its map was judged by the read (files_in_place); nothing else is due.
    plan = _plan(found, record, tls_source="provided", token="given-token-given-token-1")
    assert (plan["files_due"], [f["dest"].rsplit("/", 1)[1] for f in plan["secret_files"]]) == (
        False,
        ["api-token.map"],
    )


def test_the_plan_warns_about_an_unconstrained_ca_and_knows_a_first_check_run():
    found, record = _host(constrained=False, names=("chat.ai.test", "comfy.ai.test", "ollama.ai.test"))
    plan = _plan(found, record)
    assert plan["reasons"] == ["warn_ca"]
    assert _plan(found, record, ca_name_constraints="false")["reasons"] == []
    read = {"root": DATA, "created": [DATA], "files_in_place": False}
    settings = {**SETTINGS, **_SECRET_SETTINGS, "data_path": DATA, "check_mode": "true", "tls_source": "internal_ca"}
    plan = _nginx.plan(read, [], settings, _fake_hash, (), NOW)
    assert plan["check_first_run"] and plan["tls_due"] and plan["files_due"]
