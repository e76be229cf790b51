# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Ollama client against the stand-in Ollama server (a real HTTP server on 127.0.0.1)."""

from __future__ import annotations

import importlib.util
import pathlib
import socket

import pytest

from ansible_collections.homelab.ai_stack.plugins.module_utils import _ollama as o

_STANDIN = pathlib.Path(__file__).parents[3] / "images" / "services" / "ollama" / "ollama_standin.py"
_spec = importlib.util.spec_from_file_location("standin", _STANDIN)
standin = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(standin)


@pytest.fixture
def ollama(tmp_path):
    with standin.running("ollama", models_dir=str(tmp_path / "models"), pull_delay=0) as (server, url):
        yield server, o.OllamaClient(url, timeout=5, pull_timeout=5)


# --- names -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("llama3", "llama3:latest"),
        ("llama3:latest", "llama3:latest"),
        ("LLaMA3.1:8B", "llama3.1:8b"),
        ("registry.ollama.ai/library/llama3", "llama3:latest"),
        ("library/qwen2.5:0.5b", "qwen2.5:0.5b"),
        ("  qwen2.5:0.5b ", "qwen2.5:0.5b"),
        ("someone/model", "someone/model:latest"),
        ("registry.ollama.ai/someone/model:q4", "someone/model:q4"),
        ("myreg:5000/ns/model", "myreg:5000/ns/model:latest"),
        ("hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M", "hf.co/bartowski/llama-3.2-1b-instruct-gguf:q4_k_m"),
    ],
)
def test_normalize_name(given, expected):
    assert o.normalize_name(given) == expected


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("", "non-empty"),
        ("   ", "non-empty"),
        (None, "non-empty"),
        ("llama 3", "whitespace"),
        ("m@sha256:ab", "digest"),
    ],
)
def test_normalize_name_rejects(bad, message):
    with pytest.raises(ValueError, match=message):
        o.normalize_name(bad)


def test_find_model_matches_other_spellings():
    models = [{"name": "qwen2.5:0.5b", "model": "qwen2.5:0.5b"}, {"name": "llama3:latest"}]
    assert o.find_model(models, "registry.ollama.ai/library/llama3")["name"] == "llama3:latest"
    assert o.find_model(models, "QWEN2.5:0.5b")["name"] == "qwen2.5:0.5b"
    assert o.find_model(models, "qwen2.5:7b") is None


@pytest.mark.parametrize(
    ("message", "status", "permanent"),
    [
        ("pull model manifest: file does not exist", None, True),
        ("model 'x' not found", 404, True),
        ("invalid model name", 400, True),
        ("anything", 400, True),
        ("write /root/.ollama/models/blobs/x: no space left on device", None, True),
        ("max retries exceeded: unexpected EOF", None, False),
        ("timed out", 408, False),
        ("too many requests", 429, False),
        ("internal error", 500, False),
        ("", None, False),
    ],
)
def test_is_permanent(message, status, permanent):
    assert o.is_permanent(message, status) is permanent


# --- the client against the stand-in ----------------------------------------


def test_version_and_empty_list(ollama):
    _server, client = ollama
    assert client.version() == standin.STANDIN_VERSION
    assert client.list_models() == []


def test_pull_lists_show_delete(ollama):
    _server, client = ollama
    statuses = client.pull("qwen2.5:0.5b")
    assert statuses[0] == "pulling manifest"
    assert statuses[-3:] == ["verifying sha256 digest", "writing manifest", "success"]
    models = client.list_models()
    assert [m["name"] for m in models] == ["qwen2.5:0.5b"]
    assert models[0]["size"] == standin.DEFAULT_CATALOG["qwen2.5:0.5b"]
    assert client.show("qwen2.5:0.5b")["details"]["format"] == "gguf"
    assert client.show("llama3.1:8b") is None
    assert client.delete("qwen2.5:0.5b") is True
    assert client.delete("qwen2.5:0.5b") is False
    assert client.list_models() == []


def test_unknown_model_fails_with_servers_message_and_is_not_retryable(ollama):
    _server, client = ollama
    with pytest.raises(o.OllamaError) as err:
        client.pull("no-such-model:1b")
    assert err.value.message == "pull no-such-model:1b: pull model manifest: file does not exist"
    assert err.value.retryable is False


@pytest.mark.parametrize(
    ("mode", "fragment"),
    [("drop", "connection dropped after"), ("error", "max retries exceeded: unexpected EOF")],
)
def test_pull_failing_half_way_is_retryable(ollama, mode, fragment):
    server, client = ollama
    server.state.failures["tinyllama:latest"] = [1, mode]
    with pytest.raises(o.OllamaError) as err:
        client.pull("tinyllama")
    assert fragment in err.value.message
    assert err.value.retryable is True
    assert client.list_models() == []
    # The failure was armed once: the next pull completes.
    assert client.pull("tinyllama")[-1] == "success"


def test_drop_reports_progress_reached(ollama):
    server, client = ollama
    server.state.failures["llama3.1:8b"] = [1, "drop"]
    with pytest.raises(o.OllamaError, match=r"dropped after [1-9]\d* of 4920753328 bytes"):
        client.pull("llama3.1:8b")


def test_pull_with_retries_recovers(ollama):
    server, client = ollama
    server.state.failures["smollm2:135m"] = [2, "drop"]
    slept = []
    statuses, attempts, errors = o.pull_with_retries(client, "smollm2:135m", retries=3, delay=7, sleep=slept.append)
    assert statuses[-1] == "success"
    assert attempts == 3
    assert len(errors) == 2
    assert slept == [7, 7]


def test_pull_with_retries_gives_up(ollama):
    server, client = ollama
    server.state.failures["smollm2:135m"] = [9, "error"]
    slept = []
    with pytest.raises(o.OllamaError) as err:
        o.pull_with_retries(client, "smollm2:135m", retries=2, delay=1, sleep=slept.append)
    assert err.value.attempts == 3
    assert len(err.value.errors) == 3
    assert slept == [1, 1]


def test_pull_with_retries_does_not_retry_unknown(ollama):
    _server, client = ollama
    slept = []
    with pytest.raises(o.OllamaError) as err:
        o.pull_with_retries(client, "nope:1b", retries=5, delay=1, sleep=slept.append)
    assert err.value.attempts == 1
    assert slept == []


def test_unreachable_server_is_retryable():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = o.OllamaClient(f"http://127.0.0.1:{port}", timeout=2)
    with pytest.raises(o.OllamaError, match="cannot reach Ollama") as err:
        client.version()
    assert err.value.retryable is True


def test_http_error_carries_the_servers_json_message(ollama):
    _server, client = ollama
    with pytest.raises(o.OllamaError) as err:
        client._json("POST", "/api/show", {"model": "ghost:1b"})
    assert err.value.status == 404
    assert err.value.message.endswith("model 'ghost:1b' not found")
    assert err.value.retryable is False


@pytest.mark.parametrize(
    ("body", "text"),
    [(b'{"error": "boom"}', "boom"), (b"plain failure\n", "plain failure"), (b'{"detail": 1}', "{'detail': 1}")],
)
def test_error_text(body, text):
    assert o._error_text(body) == text


# --- metadata for the VRAM plan (ollama_metadata) -----------------------------


def test_read_metadata_shows_only_the_models_ollama_has(ollama):
    _server, client = ollama
    client.pull("qwen2.5:0.5b")
    tags, results = o.read_metadata(client, ["qwen2.5:0.5b", "llama3.1:8b"])
    assert [m["name"] for m in tags["models"]] == ["qwen2.5:0.5b"]
    assert [(r["item"], r["status"]) for r in results] == [("qwen2.5:0.5b", 200)]
    assert results[0]["json"]["model_info"] == {"general.architecture": "qwen"}


def test_read_metadata_of_an_ollama_that_does_not_answer():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert o.read_metadata(o.OllamaClient(f"http://127.0.0.1:{port}", timeout=2), ["qwen2.5:0.5b"]) == ({}, [])


@pytest.mark.parametrize(
    ("inspect", "address"),
    [
        ('{"ai-stack": {"IPAddress": "172.30.0.5"}, "bridge": {"IPAddress": "172.17.0.2"}}', "172.30.0.5"),
        ('{"bridge": {"IPAddress": "172.17.0.2"}}', ""),
        ('{"ai-stack": {"IPAddress": ""}}', ""),
        ("", ""),
        ("not json", ""),
    ],
)
def test_container_address(inspect, address):
    assert o.container_address(inspect, "ai-stack") == address
