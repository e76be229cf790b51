#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: compose_project
short_description: Deploy a compose project in one run, only when it differs from its last deploy
version_added: 0.2.0
description:
  - One module run per service. It reads the project directory, its C(compose.yml) and C(secrets.env), the Docker
    network and the project's containers, and compares them with the record of the last deploy
    (O(record_file) in the project directory).
  - The project is B(in sync) when its files still have the recorded checksums, every recorded container still
    exists with the same ID, is running, is healthy or has no healthcheck, and runs the image its tag names now, no
    other container belongs to the project, and the wanted O(compose) and secrets equal the files on the host.
    Then nothing runs and the result is not changed.
  - Otherwise, in this order and each step only when needed, it creates the project directory (root, 0750) and the
    network (O(network_driver), O(network_subnet)); writes C(secrets.env) (root, 0600); writes C(compose.yml)
    (root, 0640) after C(docker compose --project-directory <dir> -f <tmp> config --quiet) accepted it, so an
    invalid file never replaces the running one; runs C(docker compose up --detach --wait) (O(pull),
    O(remove_orphans), O(wait_timeout)) when a file's content changed, the project drifted or O(pull=always); and
    records the deploy (root, 0600). A failed C(up) returns the project's recent logs in the message.
  - Only a change of content makes C(up) run; a wrong mode or owner is repaired in place.
  - C(secrets.env) is compared on the host. Its wanted content (O(env) or O(secrets)) is never logged, and no
    checksum or size of it is returned (an unsalted digest of a short secret can be checked offline).
  - For a Docker Engine older than 25 (API < 1.44), which compose refuses to start a container with a
    C(healthcheck.start_interval) for, the C(start_interval:) lines are dropped from O(compose) (on the host, before
    comparing), so the same compose text works on both.
  - With O(state=absent), C(docker compose down --remove-orphans) (when C(compose.yml) exists) and the project
    directory is removed. Named volumes and data outside the project directory are kept.
options:
  project_src:
    description: The compose project directory (absolute). Its base name is the compose project name.
    type: path
    required: true
  state:
    description: C(present) deploys, C(absent) stops the project and removes its directory.
    type: str
    choices: [present, absent]
    default: present
  compose:
    description:
      - The wanted content of C(compose.yml). Required with O(state=present).
      - Write a health check's C(start_interval) in block style (one key per line); it is dropped for old engines.
    type: str
  env:
    description:
      - Secrets (name -> value) written to C(secrets.env) as C(NAME='value') lines under a header naming the project.
        Names must be shell-style variable names; values may not contain a single quote or a line break.
      - Never logged. Mutually exclusive with O(secrets); without either, C(secrets.env) holds only the header (it
        always exists, so a compose file can always name it in C(env_file)).
    type: dict
  secrets:
    description: The wanted text of C(secrets.env), given whole. Never logged. Mutually exclusive with O(env).
    type: str
  network:
    description: An external Docker network the compose file uses, created when missing. Omit to manage none.
    type: str
  network_subnet:
    description: Subnet of O(network) when it is created.
    type: str
  network_driver:
    description: Driver of O(network) when it is created.
    type: str
    default: bridge
  pull:
    description: Pull policy of C(docker compose up); C(policy) follows each service's C(pull_policy).
    type: str
    choices: [always, missing, never, policy]
    default: missing
  remove_orphans:
    description: Remove containers of services no longer in the compose file.
    type: bool
    default: true
  wait_timeout:
    description: Seconds C(docker compose up --wait) may take until every container is running and healthy.
    type: int
    default: 300
  record_file:
    description: Name of the record of the last deploy in O(project_src).
    type: str
    default: .deployed.json
  directories:
    description:
      - The data directories the project's volumes bind, made to exist with their owner, group and mode
        before anything else of the project (as the M(homelab.ai_stack.directories) module does), so that
        C(up) never lets Docker create them as root.
      - Only with O(state=present); O(state=absent) leaves them and their data alone.
    type: dict
    suboptions:
      root:
        description: The directory every path is relative to; absolute, other than C(/), without C(..).
        type: path
        required: true
      paths:
        description: The directories to ensure. V(.) is O(directories.root) itself.
        type: list
        elements: dict
        default: []
        suboptions:
          path:
            description: Path relative to O(directories.root), made of plain names.
            type: str
            required: true
          owner:
            description: Owner (name or uid).
            type: str
            default: root
          group:
            description: Group (name or gid).
            type: str
            default: root
          mode:
            description: Octal mode as a string.
            type: str
            default: "0755"
extends_documentation_fragment:
  - homelab.ai_stack.attributes
attributes:
  check_mode:
    support: full
    details: Reports every step that would run (RV(changes)); writes nothing and runs no C(up).
  diff_mode:
    support: full
    details: The diff of C(compose.yml) and of the data directories; never of C(secrets.env).
  platform:
    platforms: posix
notes:
  - Needs the docker CLI with its compose plugin on the host; no Python Docker SDK.
  - Runs as root (files are root's); run as another user it leaves owners alone.
  - A service scaled to more than one container cannot be recorded; such a project runs C(up) on every run (warned).
seealso:
  - module: community.docker.docker_compose_v2
author:
  - homelab.ai_stack contributors (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Deploy the compose project of ollama
  homelab.ai_stack.compose_project:
    project_src: /opt/ai-stack/ollama
    compose: "{{ lookup('ansible.builtin.template', 'compose.yml.j2') }}"
    env: {}
    network: self-hosted
    network_subnet: 172.30.0.0/24
    wait_timeout: 300
  register: deploy

- name: Remove the project (data below the storage root is kept)
  homelab.ai_stack.compose_project:
    project_src: /opt/ai-stack/ollama
    state: absent
"""

RETURN = r"""
changes:
  description: Each step that ran (or would run in check mode), with why.
  returned: always
  type: list
  elements: str
  sample: ["compose.yml: content", "up: compose.yml changed", "up: open-webui: container is exited"]
applied:
  description: Whether C(docker compose up) ran (in check mode, would run).
  returned: always
  type: bool
project_exists:
  description: Whether the project directory exists after the run (in check mode, now).
  returned: always
  type: bool
drift:
  description: Why the project was not as the last deploy left it before the run; empty when it was.
  returned: always
  type: list
  elements: str
containers:
  description:
    - The project's containers after the run (before, when nothing ran or in check mode)
      (C(id), C(name), C(service), C(state), C(health), C(image), C(image_id), and C(networks), which maps each
      network a container is on to its IPv4 address there).
  returned: always
  type: list
  elements: dict
container_changes:
  description: What C(up) changed in the containers (created, removed, started); empty when it changed none.
  returned: always
  type: list
  elements: str
start_interval_dropped:
  description: Whether C(start_interval) lines were dropped from O(compose) for an engine older than 25.
  returned: always
  type: bool
directories:
  description:
    - What was done to O(directories) (C(created), parents first, in check mode what would be; C(updated);
      C(paths); C(root)), as the M(homelab.ai_stack.directories) module returns it.
  returned: when O(directories) is given with O(state=present)
  type: dict
  sample: {"created": [], "updated": [], "paths": ["/srv/ai-stack/ai/ollama"], "root": "/srv/ai-stack/ai/ollama"}
"""

import hashlib  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402

from ansible.module_utils.basic import AnsibleModule  # noqa: E402 (documentation first, as ansible-doc expects)

from ansible_collections.homelab.ai_stack.plugins.module_utils._compose import (  # noqa: E402
    FILES,
    SECRET,
    START_INTERVAL,
    ComposeStateError,
    Docker,
    container_changes,
    env_text,
    knows_start_interval,
    make_record,
    plan,
    read_files,
    read_state,
    sha1_file,
    strip_start_interval,
    text_bytes,
    write_atomic,
    write_record,
)
from ansible_collections.homelab.ai_stack.plugins.module_utils._dirs import PATHS_SPEC, ensure  # noqa: E402


class Project:
    def __init__(self, module):
        self.module = module
        p = module.params
        self.p = p
        self.dir = os.path.normpath(p["project_src"])
        self.name = os.path.basename(self.dir)
        self.compose_file = os.path.join(self.dir, "compose.yml")
        self.record_path = os.path.join(self.dir, p["record_file"])
        root = os.geteuid() == 0
        self.uid, self.gid = (0, 0) if root else (None, None)
        binary = module.get_bin_path("docker", required=True)
        self.docker = Docker(binary, self._run)
        self.result = {
            "changed": False,
            "changes": [],
            "applied": False,
            "project_exists": False,
            "drift": [],
            "containers": [],
            "container_changes": [],
            "start_interval_dropped": False,
        }

    def _run(self, argv, cwd=None):
        return self.module.run_command(argv, cwd=cwd, environ_update={"LC_ALL": "C"})

    def fail(self, msg):
        self.module.fail_json(msg=f"{self.name}: {msg}", **self.result)

    def compose(self, *args):
        return self.docker.run("compose", "--ansi", "never", "--project-directory", self.dir, *args, cwd=self.dir)

    # --- state present ----------------------------------------------------------

    def wanted(self):
        p = self.p
        compose = p["compose"]
        # The engine is asked only when the file on the host is not the text as given
        # (a no-op on a current engine costs no extra docker call).
        given = hashlib.sha1(text_bytes(compose)).hexdigest()  # nosec B324 - compared with the file, not a secret
        if (
            START_INTERVAL.search(compose)
            and self.current_checksum() != given
            and not knows_start_interval(self.docker.api_version())
        ):
            compose = strip_start_interval(compose)
            self.result["start_interval_dropped"] = True
        if p["secrets"] is not None:
            secrets = p["secrets"]
        else:
            try:
                secrets = env_text(self.name, p["env"])
            except ComposeStateError as exc:
                self.fail(f"env: {exc}")
        return compose, secrets

    def current_checksum(self):
        try:
            return sha1_file(self.compose_file)
        except OSError:
            return None

    def read(self, compose, secrets):
        contents = {"compose.yml": compose, "secrets.env": secrets}
        state = read_state(self.dir, self.docker, self.p["network"], self.p["record_file"], contents)
        return state["directory"], state["files"], state["network_exists"], state["containers"], state["drift"]

    def present(self):
        compose, secrets = self.wanted()
        directory, files, network, containers, reasons = self.read(compose, secrets)
        r = self.result
        r["drift"], r["containers"] = reasons, containers
        r["project_exists"] = directory is not None and bool(directory.get("isdir"))
        try:
            steps = plan(directory, files, network, reasons, self.p["pull"], self.uid, self.gid)
        except ComposeStateError as exc:
            self.fail(str(exc))
        for step, why in steps.items():
            r["changes"].extend(f"{step}: {reason}" for reason in why)
        r["applied"] = "up" in steps
        if self.module._diff and "compose.yml" in steps:
            r["diff"] = self.diff(files.get("compose.yml"), compose)
        if not steps or self.module.check_mode:
            r["changed"] = bool(steps)
            return r
        self.apply(steps, compose, secrets, containers)
        return r

    def diff(self, entry, compose):
        before = ""
        if entry is not None and entry.get("isreg"):
            with open(entry["path"], encoding="utf-8", errors="replace") as f:
                before = f.read()
        header = self.compose_file
        return {"before": before, "after": compose, "before_header": header, "after_header": header}

    def apply(self, steps, compose, secrets, before):
        r = self.result
        r["changed"] = any(step != "up" for step in steps)
        if "directory" in steps:
            os.makedirs(self.dir, mode=0o750, exist_ok=True)
            os.chmod(self.dir, 0o750)
            if self.uid is not None:
                os.chown(self.dir, self.uid, self.gid)
            r["project_exists"] = True
        if "network" in steps:
            args = ["network", "create", "--driver", self.p["network_driver"]]
            if self.p["network_subnet"]:
                args += ["--subnet", self.p["network_subnet"]]
            rc, _out, err = self.docker.run(*args, self.p["network"])
            if rc != 0:
                self.fail(f"cannot create the network {self.p['network']}: {err}")
        self.write("secrets.env", steps, secrets, 0o600)
        self.write("compose.yml", steps, compose, 0o640, validate=True)
        if "up" in steps:
            self.up(before)

    def write(self, name, steps, text, mode, validate=False):
        reasons = steps.get(name)
        if not reasons:
            return
        path = os.path.join(self.dir, name)
        if "missing" not in reasons and "content" not in reasons and "not a regular file" not in reasons:
            os.chmod(path, mode)
            if self.uid is not None:
                os.chown(path, self.uid, self.gid)
            return
        if validate:
            self.validate(text)
        if os.path.isdir(path) and not os.path.islink(path):
            self.fail(f"{path} is a directory")
        write_atomic(path, text_bytes(text), mode, self.uid, self.gid)

    def validate(self, text):
        tmp = os.path.join(self.dir, ".compose.yml.validate")
        write_atomic(tmp, text_bytes(text), 0o600)
        try:
            rc, out, err = self.compose("-f", tmp, "config", "--quiet")
        finally:
            os.unlink(tmp)
        if rc != 0:
            self.fail(f"docker compose config refused the compose file, which was not written: {err or out}")

    def up(self, before):
        r = self.result
        rc, out, err = self.compose(
            "-f",
            self.compose_file,
            "up",
            "--detach",
            "--wait",
            "--wait-timeout",
            str(self.p["wait_timeout"]),
            # policy: the pull_policy each service names (compose's default without --pull).
            *(["--pull", self.p["pull"]] if self.p["pull"] != "policy" else []),
            *(["--remove-orphans"] if self.p["remove_orphans"] else []),
        )
        try:
            after = self.docker.containers(self.dir)
        except ComposeStateError:
            after = []
        if rc != 0:
            r["containers"] = after
            r["changed"] = True
            _rc, logs, _err = self.compose("-f", self.compose_file, "logs", "--no-color", "--tail", "40")
            self.fail(f"docker compose up failed: {err or out}\nRecent logs:\n{logs.strip()}")
        r["containers"] = after
        r["container_changes"] = container_changes(before, after)
        if r["container_changes"]:
            r["changed"] = True
        _exists, _entries, files = read_files(self.dir, FILES, SECRET)
        try:
            record = make_record(files, after)
        except ComposeStateError as exc:
            # Only a speed-up is lost: without a record the next run runs compose up again.
            self.module.warn(f"{self.dir}: not recorded, the next run will run compose up again: {exc}")
            return
        write_record(self.record_path, record)

    # --- state absent ------------------------------------------------------------

    def absent(self):
        r = self.result
        exists = os.path.lexists(self.dir)
        r["project_exists"] = exists
        if not exists:
            return r
        r["changed"] = True
        has_file = os.path.isfile(self.compose_file)
        if has_file:
            r["changes"].append("down: compose.yml exists")
        r["changes"].append("directory: removed")
        if self.module.check_mode:
            return r
        if has_file:
            rc, out, err = self.compose("-f", self.compose_file, "down", "--remove-orphans")
            if rc != 0:
                self.fail(f"docker compose down failed: {err or out}")
        if os.path.isdir(self.dir) and not os.path.islink(self.dir):
            shutil.rmtree(self.dir)
        else:
            os.unlink(self.dir)
        r["project_exists"] = False
        return r


def run_module(module):
    p = module.params
    if not os.path.isabs(p["project_src"]) or os.path.normpath(p["project_src"]) == "/":
        module.fail_json(msg=f"project_src must be an absolute path below /, got {p['project_src']!r}")
    record = p["record_file"]
    if not record or "/" in record or record in (".", "..") or record in FILES:
        module.fail_json(msg=f"record_file must be a plain file name other than {' and '.join(FILES)}, got {record!r}")
    project = Project(module)
    if p["state"] == "absent":
        return project.absent()
    if p["compose"] is None:
        module.fail_json(msg="compose is required with state present")
    dirs = None
    if p["directories"]:
        dirs = ensure(module, p["directories"]["root"], p["directories"]["paths"], label="directories.paths")
    result = project.present()
    if dirs is not None:
        dirs_diff = dirs.pop("diff", None)
        result["directories"] = dirs
        result["changed"] = result["changed"] or dirs["changed"]
        if dirs_diff:
            result["diff"] = [dirs_diff, result["diff"]] if result.get("diff") else dirs_diff
    return result


def main():
    module = AnsibleModule(
        argument_spec={
            "project_src": {"type": "path", "required": True},
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
            "compose": {"type": "str"},
            "env": {"type": "dict", "no_log": True},
            "secrets": {"type": "str", "no_log": True},
            "network": {"type": "str"},
            "network_subnet": {"type": "str"},
            "network_driver": {"type": "str", "default": "bridge"},
            "pull": {"type": "str", "choices": ["always", "missing", "never", "policy"], "default": "missing"},
            "remove_orphans": {"type": "bool", "default": True},
            "wait_timeout": {"type": "int", "default": 300},
            "record_file": {"type": "str", "default": ".deployed.json"},
            "directories": {
                "type": "dict",
                "options": {
                    "root": {"type": "path", "required": True},
                    "paths": PATHS_SPEC,
                },
            },
        },
        mutually_exclusive=[("env", "secrets")],
        supports_check_mode=True,
    )
    module.exit_json(**run_module(module))


if __name__ == "__main__":
    main()
