"""End to end: homelab.ai_stack.comfyui_models against a local server that sends slowly
prints progress lines while it downloads and the summary when it ends; a re-run
downloads nothing and prints no progress; check mode and --diff report what would be
downloaded and change nothing; a failed file is counted and the good files stay.

Runs ansible-playbook on localhost (connection local) with the checkout's collections path.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[4]
_spec = importlib.util.spec_from_file_location("trickle_progress", ROOT / "tests/standins/trickle/trickle_http.py")
trickle = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(trickle)

PLAYBOOK = """
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Models
      homelab.ai_stack.comfyui_models:
        models_dir: "{{ models_dir }}"
        models: "{{ models }}"
        owner: "{{ lookup('ansible.builtin.pipe', 'id -un') }}"
        group: "{{ lookup('ansible.builtin.pipe', 'id -gn') }}"
        progress_interval: 1
        retries: 0
        retry_delay: 0
      register: got
      ignore_errors: true

    - name: Summary
      ansible.builtin.debug:
        msg: "SUMMARY {{ got.summary.line }} CHANGED {{ got.changed }}"
"""

ANSIBLE_PLAYBOOK = pathlib.Path(sys.executable).parent / "ansible-playbook"
BIG = os.urandom(240_000)
SMALL = b"tiny vae\n"


def sha(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def play(env, tmp_path, models, *extra):
    book = tmp_path / "models.yml"
    book.write_text(PLAYBOOK)
    cmd = [
        str(ANSIBLE_PLAYBOOK),
        str(book),
        "-e",
        f"models_dir={tmp_path / 'models'}",
        "-e",
        f"{{'models': {models!r}}}",
        *extra,
    ]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, check=False)
    return proc.stdout + proc.stderr


@pytest.fixture
def slow(tmp_path):
    root = tmp_path / "srv"
    root.mkdir()
    (root / "big.safetensors").write_bytes(BIG)
    (root / "tiny.safetensors").write_bytes(SMALL)
    # 240 kB at 20 kB/s: about 12 s.
    with trickle.running(str(root), rate=20_000) as (srv, url):
        yield srv, url


pytestmark = pytest.mark.skipif(not ANSIBLE_PLAYBOOK.exists(), reason="needs ansible-playbook beside this python")


def test_slow_download_prints_progress_then_summary(ansible_env, tmp_path, slow):
    srv, url = slow
    models = [
        {"url": f"{url}/big.safetensors", "dest": "checkpoints", "checksum": sha(BIG)},
        {"url": f"{url}/tiny.safetensors", "dest": "vae", "checksum": sha(SMALL)},
        {"url": f"{url}/missing.safetensors", "dest": "vae", "checksum": sha(b"x")},
    ]
    out = play(ansible_env, tmp_path, models)
    assert "comfyui models: 3 to download, 0 in place (a line every 1s)" in out, out
    progress = [
        line
        for line in out.splitlines()
        if re.search(r"comfyui download checkpoints/big\.safetensors \(1/3\): \d+% [\d.]+ k?B of 240\.0 kB, ", line)
    ]
    # Steady lines while it runs (about 12 s at one a second), with speed and time left.
    assert len(progress) >= 2, out
    assert any(" left (elapsed " in line for line in progress), out
    percents = [int(re.search(r": (\d+)% ", line).group(1)) for line in progress]
    assert percents == sorted(percents), out
    assert re.search(r"comfyui models: FAILED: downloaded 2, skipped 0, failed 1; 240\.0 kB in \d+s", out), out
    assert "missing.safetensors: " in out and "HTTP 404" in out
    assert (tmp_path / "models/checkpoints/big.safetensors").read_bytes() == BIG
    assert (tmp_path / "models/vae/tiny.safetensors").read_bytes() == SMALL
    assert oct((tmp_path / "models/vae/tiny.safetensors").stat().st_mode & 0o777) == "0o644"
    assert not list((tmp_path / "models").rglob("*.part"))

    # A re-run downloads nothing, prints no progress and changes nothing.
    before = len(srv.requests)
    again = play(ansible_env, tmp_path, models[:2])
    assert "comfyui download" not in again and "to download" not in again, again
    assert "SUMMARY downloaded 0, skipped 2, failed 0; 0 B in 0s CHANGED False" in again, again
    assert len(srv.requests) == before


def test_check_and_diff_report_without_downloading(ansible_env, tmp_path, slow):
    srv, url = slow
    models = [{"url": f"{url}/big.safetensors", "dest": "checkpoints", "checksum": sha(BIG)}]
    out = play(ansible_env, tmp_path, models, "--check", "--diff")
    assert "comfyui download" not in out, out
    assert re.search(r'"?[^"\s]*checkpoints/big\.safetensors"?: "?missing"?', out), out
    assert "SUMMARY downloaded 1, skipped 0, failed 0; 0 B in 0s CHANGED True" in out, out
    assert srv.requests == []
    assert not (tmp_path / "models").exists()


def test_a_bad_download_leaves_the_good_file(ansible_env, tmp_path, slow):
    _srv, url = slow
    good = tmp_path / "models/vae/tiny.safetensors"
    good.parent.mkdir(parents=True)
    good.write_bytes(b"the user's own file")
    models = [{"url": f"{url}/tiny.safetensors", "dest": "vae", "checksum": sha(b"not what the server has")}]
    out = play(ansible_env, tmp_path, models)
    assert "SUMMARY downloaded 0, skipped 0, failed 1" in out, out
    assert "expected" in out
    assert good.read_bytes() == b"the user's own file"
    assert not list((tmp_path / "models").rglob("*.part"))
