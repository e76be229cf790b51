"""End to end: a pull through homelab.ai_stack.ollama_model against the Ollama stand-in
serving a slow pull prints progress lines while it runs, a line when it ends, and the
summary; a re-run, check mode and --diff print none and behave as before.

Runs ansible-playbook on localhost (connection local) with the checkout's collections path.
"""

from __future__ import annotations

import importlib.util
import pathlib
import re
import subprocess
import sys
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[4]
_STANDIN = ROOT / "tests" / "images" / "services" / "ollama" / "ollama_standin.py"
_spec = importlib.util.spec_from_file_location("standin_progress", _STANDIN)
standin = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(standin)

PLAYBOOK = """
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Models
      homelab.ai_stack.ollama_model:
        name: "{{ item }}"
        api_url: "{{ api_url }}"
        progress_interval: 1
        pull_retry_delay: 0
      loop: "{{ models }}"
      register: pulled
      ignore_errors: true

    - name: Summary
      ansible.builtin.debug:
        msg: "SUMMARY {{ (pulled | homelab.ai_stack.ollama_pull_summary).line }}"
"""

ANSIBLE_PLAYBOOK = pathlib.Path(sys.executable).parent / "ansible-playbook"


def play(env, tmp_path, url, models, *extra):
    book = tmp_path / "pull.yml"
    book.write_text(PLAYBOOK)
    cmd = [str(ANSIBLE_PLAYBOOK), str(book), "-e", f"api_url={url}", "-e", f"{{'models': {models!r}}}", *extra]
    t0 = time.monotonic()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, check=False)
    return proc.stdout + proc.stderr, time.monotonic() - t0


@pytest.fixture
def slow_server(tmp_path):
    # 7 progress objects a pull, 2 s apart: a pull of about 14 s.
    with standin.running("ollama", models_dir=str(tmp_path / "models"), pull_delay=2.0) as (srv, url):
        yield srv, url


pytestmark = pytest.mark.skipif(not ANSIBLE_PLAYBOOK.exists(), reason="needs ansible-playbook beside this python")


def test_slow_pull_prints_progress_then_summary(ansible_env, tmp_path, slow_server):
    srv, url = slow_server
    out, _took = play(ansible_env, tmp_path, url, ["qwen2.5:0.5b", "no-such-model:1b"])
    lines = [line for line in out.splitlines() if "ollama pull qwen2.5:0.5b" in line]
    progress = [line for line in lines if re.search(r": \d+% [\d.]+ [kMG]?B of 397\.8 MB, [\d.]+ [kMG]?B/s, ", line)]
    # Steady lines while it runs (about 14 s at one a second; a poll costs a module run
    # or two), each with percent, bytes, speed and time left.
    assert len(progress) >= 3, out
    assert any("left" in line for line in progress), out
    percents = [int(re.search(r": (\d+)% ", line).group(1)) for line in progress]
    assert percents == sorted(percents), out
    assert any("done, 397.8 MB in" in line for line in lines), out
    # The unknown model fails with Ollama's message and is counted as failed.
    assert "file does not exist" in out
    assert "SUMMARY pulled 1, skipped 0, failed 1; 397.8 MB in" in out
    assert sorted(f"{m}:{t}" for m, t, _man, _mt in srv.state.installed()) == ["qwen2.5:0.5b"]

    # A re-run pulls nothing and prints no progress.
    again, _took = play(ansible_env, tmp_path, url, ["qwen2.5:0.5b"])
    assert "ollama pull" not in again, again
    assert "SUMMARY pulled 0, skipped 1, failed 0; 0 B in 0s" in again


def test_check_and_diff_unchanged(ansible_env, tmp_path, slow_server):
    srv, url = slow_server
    out, took = play(ansible_env, tmp_path, url, ["tinyllama"], "--check", "--diff")
    assert "ollama pull" not in out, out
    assert '"present": false' in out or "present: false" in out, out
    assert "changed=1" in out, out
    assert srv.state.installed() == []
    assert took < 60
