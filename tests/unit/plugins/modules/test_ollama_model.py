# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""homelab.ai_stack.ollama_model end to end against the stand-in Ollama server."""

from __future__ import annotations

import importlib.util
import pathlib
import socket

import pytest

from ansible_collections.homelab.ai_stack.plugins.modules import ollama_model

_STANDIN = pathlib.Path(__file__).parents[3] / "images" / "services" / "ollama" / "ollama_standin.py"
_spec = importlib.util.spec_from_file_location("standin", _STANDIN)
standin = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(standin)


@pytest.fixture
def server(tmp_path):
    with standin.running("ollama", models_dir=str(tmp_path / "models"), pull_delay=0) as (srv, url):
        srv.url = url
        yield srv


def installed(srv):
    return sorted(f"{m}:{t}" for m, t, _manifest, _mtime in srv.state.installed())


def base(srv, **kwargs):
    return {"api_url": srv.url, "pull_retry_delay": 0, "timeout": 5, "pull_timeout": 5, **kwargs}


def test_pull_then_already_present(server, run_module):
    first = run_module(ollama_model.main, base(server, name="qwen2.5:0.5b"))
    assert first["rc"] == 0
    assert first["changed"] is True
    assert first["action"] == "pulled"
    assert first["attempts"] == 1
    assert first["statuses"][-1] == "success"
    assert first["models"] == ["qwen2.5:0.5b"]
    assert first["size"] == standin.DEFAULT_CATALOG["qwen2.5:0.5b"]
    assert first["diff"] == {
        "before": {"model": "qwen2.5:0.5b", "present": False},
        "after": {"model": "qwen2.5:0.5b", "present": True},
    }
    assert installed(server) == ["qwen2.5:0.5b"]

    again = run_module(ollama_model.main, base(server, name="qwen2.5:0.5b"))
    assert again["changed"] is False
    assert again["action"] == "none"
    assert again["attempts"] == 0
    assert again["details"]["format"] == "gguf"


def test_other_spelling_of_an_installed_model_is_unchanged(server, run_module):
    run_module(ollama_model.main, base(server, name="tinyllama"))
    result = run_module(ollama_model.main, base(server, name="registry.ollama.ai/library/TinyLlama:latest"))
    assert result["changed"] is False
    assert result["model"] == "tinyllama:latest"


def test_check_mode_reports_without_pulling(server, run_module):
    result = run_module(ollama_model.main, base(server, name="qwen2.5:0.5b"), check_mode=True)
    assert result["changed"] is True
    assert result["action"] == "pulled"
    assert result["attempts"] == 0
    assert installed(server) == []


def test_delete_and_delete_again(server, run_module):
    run_module(ollama_model.main, base(server, name="smollm2:135m"))
    run_module(ollama_model.main, base(server, name="qwen2.5:0.5b"))
    check = run_module(ollama_model.main, base(server, name="smollm2:135m", state="absent"), check_mode=True)
    assert check["changed"] is True
    assert installed(server) == ["qwen2.5:0.5b", "smollm2:135m"]

    gone = run_module(ollama_model.main, base(server, name="smollm2:135m", state="absent"))
    assert gone["changed"] is True
    assert gone["action"] == "deleted"
    assert gone["models"] == ["qwen2.5:0.5b"]
    assert installed(server) == ["qwen2.5:0.5b"]

    again = run_module(ollama_model.main, base(server, name="smollm2:135m", state="absent"))
    assert again["changed"] is False


def test_unknown_model_fails_with_servers_message(server, run_module):
    result = run_module(ollama_model.main, base(server, name="no-such-model:7b", pull_retries=5))
    assert result["rc"] == 1
    assert result["failed"] is True
    assert result["msg"] == "pull no-such-model:7b: pull model manifest: file does not exist"
    assert result["attempts"] == 1
    assert installed(server) == []


@pytest.mark.parametrize("mode", ["drop", "error"])
def test_pull_failing_half_way_is_retried(server, run_module, mode):
    server.state.failures["llama3.2:3b"] = [2, mode]
    result = run_module(ollama_model.main, base(server, name="llama3.2:3b", pull_retries=2))
    assert result["rc"] == 0
    assert result["changed"] is True
    assert result["attempts"] == 3
    assert len(result["retried_errors"]) == 2
    assert installed(server) == ["llama3.2:3b"]


def test_pull_gives_up_after_retries(server, run_module):
    server.state.failures["llama3.2:3b"] = [5, "drop"]
    result = run_module(ollama_model.main, base(server, name="llama3.2:3b", pull_retries=1))
    assert result["rc"] == 1
    assert result["attempts"] == 2
    assert len(result["retried_errors"]) == 1
    assert "connection dropped after" in result["msg"]
    assert installed(server) == []


def test_unreachable_api_fails_clearly(run_module):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = run_module(ollama_model.main, {"name": "x", "api_url": f"http://127.0.0.1:{port}", "timeout": 2})
    assert result["rc"] == 1
    assert result["msg"].startswith(f"cannot reach Ollama at http://127.0.0.1:{port}")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"name": "two words"}, "name: model name 'two words' contains whitespace"),
        ({"name": "x", "api_url": "127.0.0.1:11434"}, "api_url must start with http:// or https://"),
        ({"name": "x", "timeout": 0}, "timeout must be a positive number of seconds, got 0"),
        ({"name": "x", "pull_retries": -1}, "pull_retries and pull_retry_delay must not be negative"),
    ],
)
def test_bad_input_fails_before_any_request(run_module, args, message):
    result = run_module(ollama_model.main, args)
    assert result["rc"] == 1
    assert result["msg"].startswith(message)
