# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures of the contract suite: the real Open WebUI from PyPI and the stand-in.

The real program is installed once into a venv outside the checkout
(AI_STACK_CONTRACT_CACHE, default /var/cache/ai-stack-test), at the version of
the role's pinned image; a second run reuses it. It runs offline on loopback.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
STANDIN = REPO / "tests/images/services/open-webui/openwebui_standin.py"
CACHE = Path(os.environ.get("AI_STACK_CONTRACT_CACHE", "/var/cache/ai-stack-test"))
OFFLINE = {
    "OFFLINE_MODE": "true",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "RAG_EMBEDDING_ENGINE": "ollama",
    "ENABLE_OPENAI_API": "false",
    "RAG_EMBEDDING_MODEL_AUTO_UPDATE": "false",
    "RAG_RERANKING_MODEL_AUTO_UPDATE": "false",
    "WHISPER_MODEL_AUTO_UPDATE": "false",
    "ANONYMIZED_TELEMETRY": "false",
    "SCARF_NO_ANALYTICS": "true",
    "DO_NOT_TRACK": "true",
}


def pinned_version():
    defaults = yaml.safe_load((REPO / "roles/openwebui/defaults/main.yml").read_text())
    return defaults["openwebui_image"].rsplit(":", 1)[1].lstrip("v")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def real_openwebui():
    """Path of the `open-webui` program of the pinned version (installed on first use)."""
    version = pinned_version()
    venv = CACHE / f"open-webui-{version}"
    done = venv / ".installed"
    if not done.exists():
        shutil.rmtree(venv, ignore_errors=True)
        venv.parent.mkdir(parents=True, exist_ok=True)
        base = getattr(sys, "_base_executable", sys.executable)
        subprocess.run([base, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(venv / "bin/pip"), "install", "-q", "--disable-pip-version-check", f"open-webui=={version}"],
            check=True,
        )
        done.write_text(version + "\n")
    return str(venv / "bin/open-webui")


_RENDERED: dict[str, dict] = {}


def render_env(tmp_path, **role_vars):
    """The environment of the open-webui service in the compose file the ROLE renders for role_vars."""
    cache_key = json.dumps(role_vars, sort_keys=True)
    if cache_key in _RENDERED and "_expect_failure" not in role_vars:
        return dict(_RENDERED[cache_key])
    out = tmp_path / "compose.yml"
    extra = {"out": str(out), "ansible_python_interpreter": sys.executable}
    extra.update({k: v for k, v in role_vars.items() if not k.startswith("_")})
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    res = subprocess.run(
        ["ansible-playbook", "-i", "localhost,", str(REPO / "tests/contract/render.yml"), "-e", json.dumps(extra)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if role_vars.pop("_expect_failure", False):
        return res
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]
    compose = yaml.safe_load(out.read_text())
    _RENDERED[cache_key] = {k: str(v) for k, v in compose["services"]["open-webui"]["environment"].items()}
    return dict(_RENDERED[cache_key])


class Server:
    """One Open WebUI (real or stand-in) on loopback with a given environment and data directory."""

    def __init__(self, kind, program, env, data_dir, log):
        self.kind, self.program, self.env, self.data_dir, self.log = kind, program, env, data_dir, log
        self.proc = None
        self.url = None

    def start(self, **overrides):
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ENABLE_", "WEBUI_", "REDIS", "OLLAMA"))}
        env.update(OFFLINE)
        env.update(self.env)
        env.update(overrides)
        env["DATA_DIR"] = str(self.data_dir)
        env.pop("PORT", None)
        if self.kind == "real":
            argv = [self.program, "serve", "--host", "127.0.0.1", "--port", str(port)]
        else:
            argv = [sys.executable, str(STANDIN), "--host", "127.0.0.1", "--port", str(port)]
        logf = open(self.log, "a")  # noqa: SIM115 (kept open for the process)
        self.proc = subprocess.Popen(argv, env=env, stdout=logf, stderr=subprocess.STDOUT, cwd=self.data_dir)
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.time() + float(os.environ.get("AI_STACK_CONTRACT_START_TIMEOUT", "240"))
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"{self.kind} Open WebUI exited: {Path(self.log).read_text()[-3000:]}")
            with contextlib.suppress(OSError, ValueError):
                if self.call("GET", "/health")[0] == 200:
                    return self
            time.sleep(0.5)
        raise AssertionError(f"{self.kind} Open WebUI not healthy: {Path(self.log).read_text()[-3000:]}")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def restart(self, **overrides):
        self.stop()
        return self.start(**overrides)

    def call(self, method, path, body=None, token=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(req, timeout=120) as r:
                raw = r.read()
                status = r.status
        except urllib.error.HTTPError as e:
            raw, status = e.read(), e.code
        try:
            return status, json.loads(raw or b"null")
        except ValueError:
            return status, raw.decode(errors="replace")


@pytest.fixture(params=["real", "standin"])
def kind(request):
    return request.param


@pytest.fixture
def server_factory(kind, request, tmp_path):
    program = request.getfixturevalue("real_openwebui") if kind == "real" else None
    made = []

    def make(env):
        data = tmp_path / f"data-{len(made)}"
        data.mkdir()
        srv = Server(kind, program, env, data, tmp_path / f"{kind}-{len(made)}.log")
        made.append(srv)
        return srv

    yield make
    for srv in made:
        srv.stop()


@pytest.fixture
def redis_server(tmp_path):
    """Debian's redis-server on a loopback port, no persistence: yields its redis:// URL base."""
    exe = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not os.path.exists(exe):
        pytest.fail("redis-server is missing: tests/setup.sh installs it (apt-get install redis-server)")
    port = free_port()
    proc = subprocess.Popen(
        [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _attempt in range(100):
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            break
        time.sleep(0.1)
    yield f"redis://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(10)


def redis_keys(url, pattern):
    port = re.search(r":(\d+)", url[8:]).group(1)
    exe = shutil.which("redis-cli") or "/usr/bin/redis-cli"
    out = subprocess.run(
        [exe, "-p", port, "-n", "0", "--scan", "--pattern", pattern], capture_output=True, text=True, check=True
    )
    dbs = [out.stdout]
    out1 = subprocess.run(
        [exe, "-p", port, "-n", "1", "--scan", "--pattern", pattern], capture_output=True, text=True, check=True
    )
    dbs.append(out1.stdout)
    return sorted(k for d in dbs for k in d.split())
