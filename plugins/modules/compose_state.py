#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: compose_state
short_description: Tell whether a compose project is still as its last deploy left it, and record a deploy
version_added: 0.1.0
description:
  - Reads a compose project directory in one module run, that is the directory and its files (checksum, mode,
    owner and group, in the shape M(ansible.builtin.find) returns, so P(homelab.ai_stack.file_differs#filter)
    works on the result),
    whether a Docker network exists, and the project's containers.
  - Compares them with the record of the last deploy (O(record_file) in the project directory) and returns
    RV(in_sync). The project is in sync when its files still have the recorded checksums, and every recorded
    container still exists with the same ID, is running, is healthy or has no healthcheck, and runs the image its
    tag names now; and no other container belongs to the project. The C(_common) role then skips
    C(docker compose up), which costs about a second per project even when it changes nothing.
  - Anything else (a stopped, unhealthy, recreated or removed container, an orphan, a changed file, a re-tagged
    image, no record because a run was killed during C(up)) is reported in RV(drift) and leaves the project out of
    sync, so C(up) runs as before.
  - With O(record=true), run after a successful C(docker compose up --wait), it writes the record of what is
    deployed now (root only, mode 0600). It changes nothing else. A project it cannot record (a service scaled to
    more than one container) gets a warning and no record, so the next run runs C(compose up) again.
  - Containers are found by the C(com.docker.compose.project.working_dir) label compose sets, so the project's
    name does not matter.
  - No digest of a secret file (O(secret_files)) leaves the host, since an unsalted checksum of a short secret can be
    checked offline against guesses. Its entry in RV(files) has no C(checksum) and no C(size); give its wanted
    text in O(contents) (hidden from the output) and the module compares on the host and returns only
    C(content_differs). The record on the host keeps the checksums (it is root's, mode 0600, next to the secret
    file itself); RV(recorded) shows them as C(hidden).
options:
  project_src:
    description: The compose project directory (absolute).
    type: path
    required: true
  files:
    description: Names of the project's files to read, relative to O(project_src).
    type: list
    elements: str
    default: [compose.yml, secrets.env]
  network:
    description: A Docker network whose existence RV(network_exists) reports. Omit to skip the lookup.
    type: str
  secret_files:
    description:
      - Names among O(files) whose checksum and size are never returned (see the description).
    type: list
    elements: str
    default: [secrets.env]
  contents:
    description:
      - Name (one of O(files)) -> the text the file should hold. The module compares it with the file on the host
        and adds C(content_differs) to the file's entry in RV(files) (true when the file is missing from the list,
        so absent, or holds other bytes). The values are never logged.
      - The way to compare a secret file, whose checksum is not returned.
    type: dict
  record:
    description: Write the record of the deploy that is running now (after a successful C(compose up)).
    type: bool
    default: false
  record_file:
    description: Name of the record in O(project_src).
    type: str
    default: .deployed.json
extends_documentation_fragment:
  - homelab.ai_stack.attributes
attributes:
  check_mode:
    support: full
    details: Reading changes nothing; with O(record=true) it reports whether the record would change.
  diff_mode:
    support: none
  platform:
    platforms: posix
notes:
  - Needs the docker CLI on the host. Without it, or with the daemon down, the project is reported out of sync
    (RV(drift) says why) and nothing fails; C(compose up) then reports the real error.
seealso:
  - module: community.docker.docker_compose_v2
author:
  - homelab.ai_stack contributors (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Read the compose project of ollama
  homelab.ai_stack.compose_state:
    project_src: /opt/ai-stack/ollama
    network: self-hosted
  register: project

- name: Start and wait until healthy
  community.docker.docker_compose_v2:
    project_src: /opt/ai-stack/ollama
    wait: true
  register: up
  when: not project.in_sync

- name: Record the deploy
  homelab.ai_stack.compose_state:
    project_src: /opt/ai-stack/ollama
    record: true
  when: up is not skipped
"""

RETURN = r"""
exists:
  description: Whether O(project_src) is a directory.
  returned: always
  type: bool
files:
  description:
    - The directory itself and those of O(files) that exist, as M(ansible.builtin.find) lists them
      (C(path), C(isdir), C(checksum) of files, C(mode), C(pw_name), C(gr_name)).
    - Files in O(secret_files) have no C(checksum) and no C(size). Files named in O(contents) have
      C(content_differs).
  returned: always
  type: list
  elements: dict
network_exists:
  description: Whether O(network) exists; null when O(network) is not given or docker cannot be asked.
  returned: always
  type: bool
containers:
  description:
    - The project's containers (C(id), C(name), C(service), C(state), C(health), C(image), C(image_id)),
      and C(networks), which maps each network a container is on to its IPv4 address there.
  returned: always
  type: list
  elements: dict
recorded:
  description: The record of the last deploy, or null. The checksums of O(secret_files) read C(hidden).
  returned: always
  type: dict
in_sync:
  description: True when the project is as the last deploy left it (see the description).
  returned: always
  type: bool
drift:
  description: Why the project is not in sync; empty when it is.
  returned: always
  type: list
  elements: str
  sample: ["ollama: container is exited"]
"""

import os  # noqa: E402

from ansible.module_utils.basic import AnsibleModule  # noqa: E402 (documentation first, as ansible-doc expects)

from ansible_collections.homelab.ai_stack.plugins.module_utils._compose import (  # noqa: E402
    ComposeStateError,
    Docker,
    drift,
    make_record,
    public_record,
    read_files,
    read_record,
    write_record,
)


def _docker(module):
    binary = module.get_bin_path("docker")

    def run(argv, cwd=None):
        return module.run_command(argv, cwd=cwd, environ_update={"LC_ALL": "C"})

    return Docker(binary, run)


def run_module(module):
    p = module.params
    project = os.path.normpath(p["project_src"])
    if not os.path.isabs(project):
        module.fail_json(msg=f"project_src must be an absolute path, got {p['project_src']!r}")
    record_name = p["record_file"]
    if not record_name or "/" in record_name or record_name in (".", ".."):
        module.fail_json(msg=f"record_file must be a plain file name, got {record_name!r}")
    if record_name in p["files"]:
        module.fail_json(msg=f"record_file {record_name!r} must not be one of files")
    contents = p["contents"] or {}
    unknown = sorted(set(contents) - set(p["files"]))
    if unknown:
        module.fail_json(msg=f"contents names files that are not in files: {', '.join(unknown)}")
    secret = set(p["secret_files"])

    exists, entries, files = read_files(project, p["files"], secret, contents)
    result = {
        "changed": False,
        "exists": exists,
        "files": entries,
        "network_exists": None,
        "containers": [],
        "recorded": None,
        "in_sync": False,
        "drift": [],
    }
    docker = _docker(module)
    if docker.bin is None:
        result["drift"] = ["docker is not installed"]
        if p["record"]:
            module.fail_json(msg="cannot record a deploy: docker is not installed", **result)
        return result
    if p["network"]:
        result["network_exists"] = docker.network_exists(p["network"])
    if not exists:
        result["drift"] = [f"{project} does not exist"]
        if p["record"]:
            module.fail_json(msg=f"cannot record a deploy: {project} does not exist", **result)
        return result
    try:
        containers = docker.containers(project)
    except ComposeStateError as exc:
        if p["record"]:
            module.fail_json(msg=f"cannot record a deploy: {exc}", **result)
        result["drift"] = [str(exc)]
        return result
    result["containers"] = containers
    record_path = os.path.join(project, record_name)
    if p["record"]:
        try:
            record = make_record(files, containers)
        except ComposeStateError as exc:
            # Only a speed-up is lost: without a record the next run runs compose up.
            module.warn(f"{project}: not recorded, the next run will run compose up again: {exc}")
            result["drift"] = [str(exc)]
            return result
        result["changed"] = write_record(record_path, record, module.check_mode)
        result["recorded"] = public_record(record, secret)
        result["drift"] = drift(record, files, containers, docker.image_ids(c["image"] for c in containers))
    else:
        record = read_record(record_path)
        result["recorded"] = public_record(record, secret)
        images = docker.image_ids(c["image"] for c in containers) if record else {}
        result["drift"] = drift(record, files, containers, images)
    result["in_sync"] = not result["drift"]
    return result


def main():
    module = AnsibleModule(
        argument_spec={
            "project_src": {"type": "path", "required": True},
            "files": {"type": "list", "elements": "str", "default": ["compose.yml", "secrets.env"]},
            "network": {"type": "str"},
            "secret_files": {"type": "list", "elements": "str", "default": ["secrets.env"], "no_log": False},
            "contents": {"type": "dict", "no_log": True},
            "record": {"type": "bool", "default": False},
            "record_file": {"type": "str", "default": ".deployed.json"},
        },
        supports_check_mode=True,
    )
    module.exit_json(**run_module(module))


if __name__ == "__main__":
    main()
