# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""module_utils/_docker_api.py: the compose read's questions through the Docker API answer as the CLI does.

A fake engine on a unix socket serves what the demo host's engine answered
(fixtures/docker_api, recorded with the CLI's answers of the same minute).
"""

import json
import socketserver
import threading
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from ansible_collections.homelab.ai_stack.plugins.module_utils import _compose, _docker_api

FIXTURES = Path(__file__).parent / "fixtures" / "docker_api"
PROJECT = "/opt/ai-stack/ollama"
IMAGE = "localhost/ai-stack-test/ollama:test"


def fixture(name):
    return (FIXTURES / name).read_text()


class _Engine(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # kept alive, as the engine does
    seen = []

    def do_GET(self):
        self.seen.append(self.path)
        url = urlsplit(self.path)
        container = json.loads(fixture("container_ollama.json"))
        status, body = 404, '{"message": "not found"}'
        if url.path == "/containers/json":
            query = parse_qs(url.query)
            labels = json.loads(query["filters"][0])["label"]
            wanted = query.get("all") == ["1"] and labels == [f"com.docker.compose.project.working_dir={PROJECT}"]
            status, body = 200, fixture("containers_list_ollama.json") if wanted else "[]"
        elif url.path == f"/containers/{container['Id']}/json":
            status, body = 200, fixture("container_ollama.json")
        elif url.path == "/images/localhost%2Fai-stack-test%2Follama%3Atest/json":
            status, body = 200, fixture("image_ollama.json")
        elif url.path == "/networks/self-hosted":
            status, body = 200, fixture("network_self-hosted.json")
        elif url.path == "/version":
            status, body = 200, fixture("version.json")
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


class _UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


@pytest.fixture
def engine(tmp_path):
    path = str(tmp_path / "docker.sock")
    server = _UnixServer(path, _Engine)
    _Engine.seen = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield path
    server.shutdown()
    server.server_close()


def test_containers_are_what_the_cli_inspect_gives(engine):
    api = _docker_api.DockerAPI(engine, timeout=5)
    from_cli = _compose.parse_inspect(fixture("cli_inspect_ollama.txt"))
    assert api.containers(PROJECT) == from_cli
    assert from_cli[0]["service"] == "ollama" and from_cli[0]["health"] == "healthy"
    assert from_cli[0]["networks"]["self-hosted"].startswith("172.30.")
    assert api.containers("/opt/ai-stack/other") == []
    # One kept-alive connection for the listing and the inspect.
    assert [p.split("?")[0] for p in _Engine.seen] == [
        "/containers/json",
        f"/containers/{from_cli[0]['id']}/json",
        "/containers/json",
    ]
    api.close()


def test_image_ids_network_and_api_version_are_the_clis(engine):
    api = _docker_api.DockerAPI(engine, timeout=5)
    assert api.image_ids([IMAGE, IMAGE, ""]) == {IMAGE: fixture("cli_image_id_ollama.txt").strip()}
    # docker image inspect fails for every ref when one is missing: no ids at all.
    assert api.image_ids([IMAGE, "nope:1"]) == {}
    assert api.network_exists("self-hosted") is True
    assert api.network_exists("nope") is False
    assert api.api_version() == "1.45"
    api.close()


def test_an_engine_that_does_not_answer_is_unreachable(tmp_path):
    api = _docker_api.DockerAPI(str(tmp_path / "none.sock"), timeout=5)
    with pytest.raises(_docker_api.Unreachable, match="did not answer GET /networks/x"):
        api.network_exists("x")
    assert issubclass(_docker_api.Unreachable, _compose.ComposeStateError)


@pytest.mark.parametrize(
    ("environ", "config", "usable"),
    [
        ({}, None, True),
        ({"DOCKER_HOST": "tcp://10.0.0.2:2375"}, None, False),
        ({"DOCKER_CONTEXT": "remote"}, None, False),
        ({}, {"currentContext": "remote"}, False),
        ({}, {"currentContext": "default", "auths": {}}, True),
        ({}, "not json", True),
    ],
)
def test_the_api_is_used_only_where_the_cli_would_talk_to_the_same_socket(tmp_path, environ, config, usable):
    sock = tmp_path / "docker.sock"
    sock.write_text("")
    conf = tmp_path / "config.json"
    if config is not None:
        conf.write_text(config if isinstance(config, str) else json.dumps(config))
    assert _docker_api.api_usable(environ, str(sock), str(conf)) is usable
    assert _docker_api.api_usable({}, str(tmp_path / "missing.sock"), str(conf)) is False
