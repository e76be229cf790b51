# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""module_utils/_webui.py: what the openwebui and pihole roles decide before changing anything.

The inventories are the ones of molecule/ai, molecule/services and
molecule/stack_two_hosts; the sign-up rules are what Open WebUI v0.6.33 answered
in the contract suite (tests/contract: 400 for admin@home, 500 over 72 bytes).
"""

import pytest

from ansible_collections.homelab.ai_stack.plugins.module_utils._webui import (
    InputError,
    comfyui_url,
    input_list,
    nginx_host,
    ollama_backends,
    openwebui_preflight,
    password_bytes,
    pihole_records,
)

# molecule/stack_two_hosts: the GPU host publishes Ollama and ComfyUI, the edge host runs Open WebUI.
TWO_HOSTS = {
    "gpu-host": {"ai_stack_bind_address": "100.64.0.11", "ollama_publish": True, "comfyui_publish": True},
    "edge-host": {"ai_stack_bind_address": "100.64.0.10"},
}
OK = {"admin_email": "admin@home.arpa", "admin_password": "correct-horse-battery-staple", "ollama_base_urls": None}


@pytest.mark.parametrize(
    ("given", "wanted"),
    [
        (["1.1.1.1", "8.8.8.8"], ["1.1.1.1", "8.8.8.8"]),
        ("1.1.1.1,8.8.8.8", ["1.1.1.1", "8.8.8.8"]),
        ("1.1.1.1, 8.8.8.8,", ["1.1.1.1", "8.8.8.8"]),
        ('["a.example", "b.example"]', ["a.example", "b.example"]),
        ('[{"name": "nas.home.arpa", "ip": "100.100.1.50"}]', [{"name": "nas.home.arpa", "ip": "100.100.1.50"}]),
        ("", []),
        (None, None),
        (("CHOWN",), ["CHOWN"]),
    ],
)
def test_input_list_reads_what_e_gives(given, wanted):
    assert input_list(given, "pihole_upstreams") == wanted


@pytest.mark.parametrize("given", ["[1, 2", '{"a": 1}', 5])
def test_input_list_names_the_variable_it_cannot_read(given):
    with pytest.raises(InputError, match="pihole_dns_records"):
        input_list(given if given != '{"a": 1}' else "[" + given, "pihole_dns_records")


def test_this_hosts_ollama_by_container_name():
    assert ollama_backends(["ai-deb13"], {"ai-deb13": {}}, "ai-deb13") == [
        {"host": "ai-deb13", "url": "http://ollama:11434", "remote": False}
    ]


def test_native_ollama_through_the_docker_host():
    hv = {"ai-deb13": {"ollama_install_method": "native", "ollama_port": "11500"}}
    assert ollama_backends(["ai-deb13"], hv, "ai-deb13")[0]["url"] == "http://host.docker.internal:11500"


def test_remote_ollama_on_its_published_address_and_absent_ones_skipped():
    hv = dict(TWO_HOSTS, off={"ollama_state": "absent"})
    backends = ollama_backends(["gpu-host", "off"], hv, "edge-host")
    assert backends == [
        {
            "host": "gpu-host",
            "url": "http://100.64.0.11:11434",
            "remote": True,
            "address": "100.64.0.11",
            "published": True,
        }
    ]


def test_published_given_as_an_e_string():
    hv = {"gpu-host": {"ai_stack_bind_address": "100.64.0.11", "ollama_publish": "false"}}
    assert ollama_backends(["gpu-host"], hv, "edge-host")[0]["published"] is False


def test_comfyui_url_order():
    assert comfyui_url("http://x:1", ["gpu-host"], TWO_HOSTS, "edge-host") == "http://x:1"
    assert comfyui_url(None, ["ai-deb13"], {"ai-deb13": {}}, "ai-deb13") == "http://comfyui:8188"
    assert comfyui_url(None, ["gpu-host"], TWO_HOSTS, "edge-host") == "http://100.64.0.11:8188"
    assert comfyui_url(None, ["gpu-host"], {"gpu-host": {"comfyui_state": "absent"}}, "edge-host") == ""
    assert comfyui_url(None, [], {}, "edge-host") == ""


def test_a_good_setting_has_no_error():
    assert openwebui_preflight(OK, [], "") == []


@pytest.mark.parametrize(
    ("email", "password", "refused"),
    [
        ("admin@home", "pw", "openwebui_admin_email"),
        ("admin@localhost", "pw", None),
        ("ADMIN@LOCALHOST", "pw", None),
        ("a b@home.arpa", "pw", "openwebui_admin_email"),
        ("admin@home.arpa", "p" * 73, "openwebui_admin_password"),
        ("admin@home.arpa", "p" * 72, None),
        ("admin@home.arpa", "é" * 37, "openwebui_admin_password"),
        ("admin@home.arpa", "é" * 36, None),
        ("admin@home.arpa", "", "must both be set"),
        ("", "secret", "must both be set"),
    ],
)
def test_preflight_refuses_what_open_webui_refuses(email, password, refused):
    errors = openwebui_preflight(dict(OK, admin_email=email, admin_password=password), [], "")
    if refused is None:
        assert errors == []
    else:
        assert len(errors) == 1 and refused in errors[0]
        assert password not in errors[0] or len(password) < 3


def test_password_bytes_counts_utf8():
    assert password_bytes("é" * 36) == 72


def test_every_error_at_once():
    backends = ollama_backends(["gpu-host"], {"gpu-host": {}}, "edge-host")
    errors = openwebui_preflight(
        {"admin_email": "admin@home", "admin_password": "", "ollama_base_urls": None, "comfyui_enabled": True},
        backends,
        "",
    )
    text = "\n".join(errors)
    assert len(errors) == 5, text
    assert "Missing address: gpu-host; not published: gpu-host" in text
    assert "openwebui_comfyui_checkpoint" in text and "openwebui_comfyui_url" in text


def test_remote_check_skipped_with_urls_by_hand():
    backends = ollama_backends(["gpu-host"], {"gpu-host": {}}, "edge-host")
    assert openwebui_preflight(dict(OK, ollama_base_urls=["http://x:11434"]), backends, "") == []


def test_image_generation_needs_checkpoint_and_admin():
    settings = {"admin_email": "", "admin_password": "", "ollama_base_urls": None, "comfyui_enabled": True}
    errors = openwebui_preflight(dict(settings, comfyui_checkpoint="sd.safetensors"), [], "http://comfyui:8188")
    assert errors == [e for e in errors if "openwebui_admin_email" in e] and len(errors) == 1


def test_nginx_host_is_this_host_else_the_first_edge_host_running_nginx():
    hv = {"e1": {"nginx_state": "absent"}, "e2": {}, "e3": {}}
    assert nginx_host(["e1", "e2", "e3"], hv, "e3") == "e3"
    assert nginx_host(["e1", "e2", "e3"], hv, "gpu") == "e2"
    assert nginx_host(["e1"], hv, "gpu") == ""
    assert nginx_host([], {}, "gpu") == ""


def test_pihole_records_of_molecule_services():
    records = pihole_records(
        ["chat.home.arpa", "hole.home.arpa"],
        "100.100.1.1",
        [{"name": "NAS.home.arpa", "ip": "100.100.1.50"}],
        [{"name": "www.home.arpa", "target": "Chat.home.arpa"}],
    )
    assert records == {
        "hosts": ["100.100.1.1 chat.home.arpa", "100.100.1.1 hole.home.arpa", "100.100.1.50 nas.home.arpa"],
        "cnames": ["www.home.arpa,chat.home.arpa"],
    }
    assert pihole_records([], "", [], []) == {"hosts": [], "cnames": []}
