# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The reads of a compose project through the Docker Engine API on its unix socket.

The ``compose_project`` read option (``_compose.role_read``) asks the engine four
things: ``docker network inspect``, ``docker ps``, ``docker inspect`` and
``docker image inspect``. Each CLI run starts the Go binary (0.03-0.1 s here);
the same answers come from the engine's API over ``/var/run/docker.sock`` in a
few milliseconds each: ``GET /networks/<name>``, ``/containers/json``,
``/containers/<id>/json`` (the JSON ``docker inspect`` prints), ``/images/<ref>/json``
and ``/version``. :class:`DockerAPI` answers as ``_compose.Docker`` does, for
``_compose.role_read``. The CLI is used instead when the engine may be another
one (``DOCKER_HOST``, ``DOCKER_CONTEXT``, a current context in the CLI's
config) or the socket is missing. Standard library only (it runs on the target).
"""

from __future__ import annotations

import json
import os
import socket
from http.client import HTTPConnection, HTTPException
from urllib.parse import quote

from ansible_collections.homelab.ai_stack.plugins.module_utils import _compose

SOCKET = "/var/run/docker.sock"


class _UnixConnection(HTTPConnection):
    def __init__(self, path, timeout):
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self._path)
        self.sock = sock


class Unreachable(_compose.ComposeStateError):
    """The engine did not answer on its socket (the caller reads with the CLI instead)."""


class DockerAPI:
    """What ``_compose.role_read`` asks of ``_compose.Docker``, from the engine's API (one kept-alive connection)."""

    def __init__(self, path=SOCKET, timeout=60):
        self._conn = _UnixConnection(path, timeout)

    def close(self):
        self._conn.close()

    def get(self, path):
        """``(status, decoded JSON or None)``; Unreachable when the engine does not answer (twice)."""
        for attempt in (1, 2):
            try:
                self._conn.request("GET", path, headers={"Host": "docker"})
                resp = self._conn.getresponse()
                status, text = resp.status, resp.read()
                break
            except (OSError, HTTPException) as exc:
                self._conn.close()
                if attempt == 2:
                    raise Unreachable(f"the Docker API did not answer GET {path}: {exc}") from None
        try:
            return status, json.loads(text or b"null")
        except ValueError:
            return status, None

    def api_version(self):
        status, body = self.get("/version")
        if status != 200 or not isinstance(body, dict):
            return None
        return str(body.get("ApiVersion") or "") or None

    def network_exists(self, name):
        return self.get("/networks/" + quote(str(name), safe=""))[0] == 200

    def containers(self, project):
        filters = json.dumps({"label": [f"com.docker.compose.project.working_dir={project}"]})
        status, listed = self.get("/containers/json?all=1&filters=" + quote(filters, safe=""))
        if status != 200 or not isinstance(listed, list):
            raise _compose.ComposeStateError(f"docker ps failed: HTTP {status}")
        items = []
        for entry in listed:
            status, item = self.get(f"/containers/{entry.get('Id', '')}/json")
            if status != 200 or not isinstance(item, dict):
                raise _compose.ComposeStateError(f"docker inspect failed: HTTP {status} for {entry.get('Id', '')}")
            items.append(item)
        return _compose.parse_inspect(json.dumps(items)) if items else []

    def image_ids(self, refs):
        """ref -> image ID; {} when one of them is missing (``docker image inspect`` fails for all then)."""
        ids = {}
        for ref in sorted({r for r in refs if r}):
            status, body = self.get(f"/images/{quote(ref, safe='')}/json")
            if status != 200 or not isinstance(body, dict) or not body.get("Id"):
                return {}
            ids[ref] = body["Id"]
        return ids


def api_usable(environ=None, path=SOCKET, config=None):
    """Whether the socket is the engine the CLI would talk to: no DOCKER_HOST or DOCKER_CONTEXT, no current
    context in the CLI's config (``~/.docker/config.json`` or ``$DOCKER_CONFIG/config.json``), the socket there."""
    environ = os.environ if environ is None else environ
    if environ.get("DOCKER_HOST") or environ.get("DOCKER_CONTEXT"):
        return False
    if config is None:
        config = os.path.join(environ.get("DOCKER_CONFIG") or os.path.expanduser("~/.docker"), "config.json")
    try:
        with open(config, encoding="utf-8") as handle:
            if (json.load(handle) or {}).get("currentContext") not in (None, "", "default"):
                return False
    except (OSError, ValueError, AttributeError):
        pass
    return os.path.exists(path)


def module_read(module, options, dirs_reasons):
    """``_compose.module_read`` with the engine's API when :func:`api_usable`, else the CLI as there."""
    if not module.get_bin_path("docker") or not api_usable():
        return _compose.module_read(module, options, dirs_reasons)
    docker = DockerAPI()
    try:
        return _compose.role_read(options, docker, dirs_reasons)
    except Unreachable:
        return _compose.module_read(module, options, dirs_reasons)
    except _compose.ComposeStateError as exc:
        module.fail_json(msg=f"compose_project: {exc}")
    finally:
        docker.close()
