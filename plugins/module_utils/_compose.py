# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Is a compose project still as its last deploy left it? The core of ``compose_state``.

After every successful ``docker compose up --wait`` the ``_common`` role records
what it deployed: the checksums of the project's files and, per service, the
container and image IDs. On the next run the project is *in sync* when the
files still have those checksums and every recorded container still exists
with the same ID, runs, is healthy (or has no healthcheck), and still runs
the image its tag names now; and no other container claims the project. Then
``compose up`` (about a second per project even when it does nothing) can be
skipped. Anything else (a stopped, unhealthy, recreated or removed container,
an orphan, a changed file, a re-tagged image, a run killed before the record)
leaves the project out of sync and ``compose up`` runs as before.

Compose's own ``config-hash`` label is not used: ``docker compose config
--hash`` does not match it for services with an ``env_file`` in compose 2.26.

Plain functions (stdlib only), unit-tested without a host.
"""

from __future__ import annotations

import json

RECORD_VERSION = 1
HEALTHY = ("healthy", "")


class ComposeStateError(ValueError):
    """Output of docker that cannot be understood."""


def parse_inspect(text):
    """Containers from ``docker inspect`` JSON: id, name, service, state, health, image_id, image, networks.

    ``networks`` maps each network the container is on to its IPv4 address there.
    """
    try:
        data = json.loads(text or "[]")
    except ValueError as exc:
        raise ComposeStateError(f"docker inspect printed no JSON: {exc}") from exc
    if not isinstance(data, list):
        raise ComposeStateError("docker inspect printed no list")
    containers = []
    for item in data:
        config = item.get("Config") or {}
        labels = config.get("Labels") or {}
        state = item.get("State") or {}
        health = state.get("Health") or {}
        containers.append(
            {
                "id": item.get("Id", ""),
                "name": (item.get("Name") or "").lstrip("/"),
                "service": labels.get("com.docker.compose.service", ""),
                "oneoff": labels.get("com.docker.compose.oneoff", "False") == "True",
                "state": state.get("Status", ""),
                "health": health.get("Status", ""),
                "image_id": item.get("Image", ""),
                "image": config.get("Image", ""),
                "networks": {
                    name: (net or {}).get("IPAddress", "")
                    for name, net in ((item.get("NetworkSettings") or {}).get("Networks") or {}).items()
                },
            }
        )
    return sorted(containers, key=lambda c: (c["service"], c["name"]))


def parse_image_ids(text):
    """``ref id`` lines (``docker image inspect --format '{{.Id}}'`` prefixed with the ref) as a dict."""
    ids = {}
    for line in (text or "").splitlines():
        parts = line.split()
        if len(parts) == 2:
            ids[parts[0]] = parts[1]
    return ids


def make_record(files, containers):
    """What a deploy leaves: file checksums and, per service, container and image IDs."""
    services = {}
    for c in containers:
        if c["oneoff"]:
            continue
        if c["service"] in services:
            raise ComposeStateError(f"service {c['service']} has more than one container; cannot record it")
        services[c["service"]] = {"container": c["id"], "image_id": c["image_id"]}
    return {
        "version": RECORD_VERSION,
        "files": {name: entry["checksum"] for name, entry in sorted(files.items())},
        "services": dict(sorted(services.items())),
    }


def public_record(record, secret):
    """The record as it may be shown: the checksums of the ``secret`` files read ``hidden``.

    An unsalted checksum of a short secret (a password in an env file) can be
    checked offline against guesses, so it never leaves the host.
    """
    if not isinstance(record, dict):
        return record
    shown = dict(record)
    files = record.get("files")
    if isinstance(files, dict):
        shown["files"] = {name: "hidden" if name in secret else value for name, value in files.items()}
    return shown


def drift(record, files, containers, image_ids):
    """Why the project is not as the last deploy left it; an empty list means in sync.

    ``record``: the stored record (or None); ``files``: name -> {checksum} of the
    project files now; ``containers``: parse_inspect() of the project's
    containers; ``image_ids``: image reference -> ID now.
    """
    if not record:
        return ["no deploy recorded"]
    if record.get("version") != RECORD_VERSION:
        return [f"record version {record.get('version')!r} is not {RECORD_VERSION}"]
    reasons = []
    now = {name: entry["checksum"] for name, entry in files.items()}
    for name in sorted(set(now) | set(record.get("files", {}))):
        if now.get(name) != record.get("files", {}).get(name):
            reasons.append(f"{name} changed since the last deploy")
    services = record.get("services") or {}
    if not services:
        reasons.append("the record lists no service")
    by_id = {c["id"]: c for c in containers}
    for service, want in sorted(services.items()):
        c = by_id.get(want.get("container"))
        if c is None:
            reasons.append(f"{service}: its container is gone or was recreated outside this role")
            continue
        if c["state"] != "running":
            reasons.append(f"{service}: container is {c['state'] or 'in an unknown state'}")
        if c["health"] not in HEALTHY:
            reasons.append(f"{service}: container is {c['health']}")
        if c["image_id"] != want.get("image_id"):
            reasons.append(f"{service}: container runs another image than recorded")
        elif image_ids.get(c["image"]) != c["image_id"]:
            reasons.append(f"{service}: {c['image']} now names another image")
    known = {want.get("container") for want in services.values()}
    for c in containers:
        if c["id"] not in known and not c["oneoff"]:
            reasons.append(f"{c['service'] or c['name']}: container {c['name']} is not part of the last deploy")
    return reasons
