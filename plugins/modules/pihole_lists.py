#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: pihole_lists
short_description: Keep Pi-hole v6's adlists, domain rules, groups and clients as data, through its REST API
version_added: 0.2.0
description:
  - Signs in to Pi-hole's API (C(POST /api/auth)), reads C(/api/groups), C(/api/lists), C(/api/domains) and
    C(/api/clients), and makes the entries the module owns match the inputs with C(POST), C(PUT) and
    C(DELETE) calls (FTL v6 C(src/api/list.c)).
  - The module owns an entry when its comment starts with O(marker). Entries without it (made in the web UI
    or with the CLI) are never changed or removed; a wanted entry that already exists without the marker is
    left as it is and reported in RV(kept).
  - Gravity (C(POST /api/action/gravity), which runs C(pihole -g)) is run only when an adlist was added,
    changed or removed, or an owned adlist was never downloaded. Domain rules, groups and clients take
    effect without it.
  - The API is reached on the container's address in its Docker network (asked of the Docker Engine API on
    its UNIX socket, or with C(docker inspect) when the socket is not there) unless O(api_url) is given.
  - Every call goes over one kept-alive connection (one session, C(POST /api/auth), signed out at the end).
options:
  container:
    description: Name of the Pi-hole container; its address is read from the Docker Engine API.
    type: str
    default: pihole
  api_url:
    description: Base URL of the API (C(http://ADDRESS/api)); empty reads the container's address.
    type: str
    default: ""
  password:
    description: The web UI / API password (C(webserver.api.password)).
    type: str
    required: true
  marker:
    description: Comment prefix that marks the entries the module owns.
    type: str
    default: managed by homelab.ai_stack
  groups:
    description: Groups, C({name, comment, enabled}) or a name. C(Default) always exists and is never managed.
    type: list
    elements: raw
    default: []
  adlists:
    description: Adlists, C({address, type (block|allow), groups, enabled, comment}) or a URL.
    type: list
    elements: raw
    default: []
  domains:
    description: Domain rules, C({domain, type (deny|allow), kind (exact|regex), groups, enabled, comment}).
    type: list
    elements: raw
    default: []
  clients:
    description: Clients (IP, CIDR, MAC, host name or C(:interface)), C({client, groups, comment}).
    type: list
    elements: raw
    default: []
  allow:
    description: Exact allow rules in the C(Default) group (the role's C(pihole_allowlist)).
    type: list
    elements: str
    default: []
  deny:
    description: Exact deny rules in the C(Default) group (the role's C(pihole_denylist)).
    type: list
    elements: str
    default: []
  timeout:
    description: Seconds an API call may take; gravity gets ten times as long.
    type: int
    default: 30
  compose:
    description:
      - The wanted text of the Pi-hole project's C(compose.yml) (the O(compose) of M(homelab.ai_stack.compose_project)),
        with O(compose_project).
      - The module then judges the project read with the rules of compose_project (as the
        C(homelab.ai_stack.compose_in_sync) filter does) and, when compose_project would change something, changes
        nothing and calls no API (RV(applied) is false); the role then deploys the project and runs the module again.
    type: str
    version_added: 0.3.0
extends_documentation_fragment:
  - homelab.ai_stack.attributes
  - homelab.ai_stack.compose_read
attributes:
  check_mode:
    support: full
    details: Reads the API and reports the calls it would make; without a running container it plans from nothing.
  diff_mode:
    support: full
  platform:
    platforms: posix
author:
  - homelab.ai_stack contributors (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Blocklists as data
  homelab.ai_stack.pihole_lists:
    password: "{{ pihole_admin_password }}"
    groups: [{name: kids}]
    adlists:
      - https://raw.githubusercontent.com/StevenBlack/hosts/master/hosts
    domains:
      - {domain: '(\.|^)tracker\.example$', kind: regex}
      - {domain: games.example.com, groups: [kids]}
    clients:
      - {client: 192.168.1.40, groups: [kids, Default]}
"""

RETURN = r"""
calls:
  description: The API calls made (or, in check mode, that would be made), as C(METHOD /api/path label).
  returned: always
  type: list
  elements: str
kept:
  description: Wanted entries that exist without the marker (made by a user) and were left alone.
  returned: always
  type: list
  elements: str
gravity:
  description: Whether gravity ran (or would run).
  returned: always
  type: bool
lists:
  description: The owned adlists after gravity, with the number of domains FTL read from each.
  returned: when gravity ran
  type: list
  elements: dict
applied:
  description: Whether the lists were read and applied; false when O(compose_project) is not in sync.
  returned: always
  type: bool
  version_added: 0.3.0
compose:
  description: The read of O(compose_project) (as the C(compose) result of M(homelab.ai_stack.directories)).
  returned: when O(compose_project) is given
  type: dict
  version_added: 0.3.0
compose_in_sync:
  description: M(homelab.ai_stack.compose_project) would change nothing (O(compose) judged against the read).
  returned: when O(compose_project) is given
  type: bool
  version_added: 0.3.0
compose_reasons:
  description: Why compose_project would change something; empty when in sync.
  returned: when O(compose_project) is given
  type: list
  elements: str
  version_added: 0.3.0
"""

import contextlib  # noqa: E402 (documentation first, as ansible-doc expects)
import http.client  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
from urllib.parse import quote, urlsplit  # noqa: E402

from ansible.module_utils.basic import AnsibleModule  # noqa: E402

from ansible_collections.homelab.ai_stack.plugins.module_utils import _compose, _docker_api, _read_specs  # noqa: E402
from ansible_collections.homelab.ai_stack.plugins.module_utils._dirs import out_of_place  # noqa: E402
from ansible_collections.homelab.ai_stack.plugins.module_utils._pihole_lists import (  # noqa: E402
    KINDS,
    PiholeListsError,
    group_ids,
    owned,
    plan,
    resolve_groups,
    wanted_state,
)


class ApiError(Exception):
    pass


class Api:
    """FTL's REST API over one connection, kept alive between calls (http.client: a lighter import than
    ansible.module_utils.urls, and no new TCP connection per call); reopened when FTL closes it."""

    def __init__(self, base, timeout):
        url = urlsplit(base.rstrip("/"))
        self.base = base.rstrip("/")
        self.prefix = url.path
        self.timeout = timeout
        self.sid = None
        if url.scheme == "https":
            import ssl  # pylint: disable=import-outside-toplevel

            # As before with validate_certs=False: FTL's certificate is its own self-signed one.
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            self.conn = http.client.HTTPSConnection(url.hostname, url.port, timeout=timeout, context=context)
        else:
            self.conn = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)

    def _send(self, method, path, data, headers, timeout):
        self.conn.timeout = timeout
        if self.conn.sock is not None:
            self.conn.sock.settimeout(timeout)
        self.conn.request(method, self.prefix + path, body=data, headers=headers)
        resp = self.conn.getresponse()
        return resp.status, resp.read().decode("utf-8", "replace")

    def call(self, method, path, body=None, timeout=None, raw=False):
        headers = {"Accept": "application/json"}
        if self.sid:
            headers["X-FTL-SID"] = self.sid
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        reused = self.conn.sock is not None
        try:
            try:
                status, text = self._send(method, path, data, headers, timeout or self.timeout)
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                if not reused:
                    raise
                # The server closed the kept-alive connection between two calls: once more on a new one.
                self.conn.close()
                status, text = self._send(method, path, data, headers, timeout or self.timeout)
        except (OSError, http.client.HTTPException) as exc:
            self.conn.close()
            raise ApiError(f"{method} {self.base}{path}: {exc}") from None
        if raw:
            return status, text
        if status >= 400:
            raise ApiError(f"{method} {self.base}{path} answered {status}: {text[:300]}")
        try:
            return json.loads(text) if text.strip() else {}
        except ValueError:
            raise ApiError(f"{method} {self.base}{path} answered no JSON: {text[:200]!r}") from None

    def login(self, password):
        answer = self.call("POST", "/auth", {"password": password})
        session = answer.get("session") or {}
        if not session.get("valid"):
            raise ApiError("Pi-hole refused the password (POST /api/auth)")
        self.sid = session.get("sid")

    def logout(self):
        if self.sid:
            with contextlib.suppress(ApiError):
                self.call("DELETE", "/auth", raw=True)
            self.sid = None
        self.conn.close()

    def read(self):
        out = {}
        for kind in KINDS:
            answer = self.call("GET", "/" + kind)
            out[kind] = answer.get(kind) or []
        return out


DOCKER_SOCKET = _docker_api.SOCKET


def container_address(module, container, docker_socket=DOCKER_SOCKET):
    """The container's first address in its Docker networks, or None (no such container, no Docker)."""
    if os.path.exists(docker_socket):
        api = _docker_api.DockerAPI(docker_socket, 30)
        try:
            status, info = api.get(f"/containers/{quote(container, safe='')}/json")
            # No such container: no address; an answer that is not JSON: ask the CLI.
            info = {} if status != 200 else (info if isinstance(info, dict) else None)
        except _docker_api.Unreachable:
            info = None
        finally:
            api.close()
        if info is not None:
            networks = (info.get("NetworkSettings") or {}).get("Networks") or {}
            addresses = [n.get("IPAddress") for n in networks.values() if (n or {}).get("IPAddress")]
            return addresses[0] if addresses else None
    docker = module.get_bin_path("docker")
    if not docker:
        return None
    rc, out, _err = module.run_command(
        [docker, "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}", container]
    )
    if rc != 0:
        return None
    addresses = out.split()
    return addresses[0] if addresses else None


def main():
    module = AnsibleModule(
        argument_spec=_read_specs.PIHOLE_LISTS,
        required_together=_read_specs.PIHOLE_LISTS_TOGETHER,
        supports_check_mode=True,
    )
    p = module.params
    try:
        wanted = wanted_state(
            groups=p["groups"],
            adlists=p["adlists"],
            domains=p["domains"],
            clients=p["clients"],
            allow=p["allow"],
            deny=p["deny"],
        )
    except PiholeListsError as exc:
        module.fail_json(msg=str(exc))

    project = {}
    if p["compose_project"]:
        read = _docker_api.module_read(module, p["compose_project"], out_of_place)
        reasons = _compose.sync_reasons(read, p["compose"], directories=p["compose_project"].get("directories"))
        project = {"compose": read, "compose_in_sync": not reasons, "compose_reasons": reasons}
        if reasons:
            # The role deploys the project first, then applies the lists (a new container has none yet).
            module.exit_json(changed=False, applied=False, calls=[], kept=[], gravity=False, **project)

    base = p["api_url"]
    if not base:
        address = container_address(module, p["container"])
        if address is None:
            if module.check_mode:
                # A first run in check mode: no container yet, everything would be added.
                result = plan(wanted, {}, p["marker"])
                module.exit_json(**summary(result, module._diff, []), **project)
            module.fail_json(msg=f"Cannot find the address of the container {p['container']!r} (docker inspect)")
        base = f"http://{address}/api"
    api = Api(base, p["timeout"])
    try:
        api.login(p["password"])
        result = plan(wanted, api.read(), p["marker"])
        if not module.check_mode and result["ops"]:
            ids = None
            for op in result["ops"]:
                if op["kind"] != "groups" and ids is None:
                    ids = group_ids(api.call("GET", "/groups").get("groups"))
                answer = api.call(
                    op["method"], op["path"], resolve_groups(op["body"], ids) if ids is not None else op["body"]
                )
                # FTL answers 201/200 and lists what it could not write in processed.errors (list.c 467-502).
                errors = (answer.get("processed") or {}).get("errors") or []
                if errors:
                    raise ApiError(f"{op['method']} /api{op['path']} ({op['label']}): {errors}")
        lists = []
        if result["gravity"] and not module.check_mode:
            status, text = api.call("POST", "/action/gravity", timeout=p["timeout"] * 10, raw=True)
            if status != 200:
                raise ApiError(f"POST /api/action/gravity answered {status}: {text[-300:]}")
            lists = [
                {"address": r.get("address"), "number": r.get("number"), "status": r.get("status")}
                for r in api.call("GET", "/lists").get("lists") or []
                if owned(r, p["marker"])
            ]
    except (ApiError, PiholeListsError) as exc:
        module.fail_json(msg=str(exc))
    finally:
        api.logout()
    module.exit_json(**summary(result, module._diff, lists), **project)


def summary(result, diff, lists):
    out = {
        "changed": bool(result["ops"]) or result["gravity"],
        "calls": [f"{op['method']} /api{op['path']} ({op['label']})" for op in result["ops"]],
        "kept": result["kept"],
        "gravity": result["gravity"],
        "applied": True,
    }
    if result["gravity"]:
        out["calls"].append("POST /api/action/gravity")
    if lists:
        out["lists"] = lists
    if diff:
        out["diff"] = {
            "before": "\n".join(result["before"]) + "\n",
            "after": "\n".join(result["after"]) + "\n",
            "before_header": "Pi-hole entries owned by the role",
            "after_header": "Pi-hole entries owned by the role",
        }
    return out


if __name__ == "__main__":
    main()
