#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: files
short_description: Write a set of files in one module run, validated, with a durable restart marker
version_added: 0.1.0
description:
  - Writes every file of one concern (a service's configuration, its drop-ins, a key) in one module run on the
    host. Each path is read once; only what differs is written, atomically (a temporary file in the same
    directory, owner, group and mode set on it, then renamed over the old one).
  - Templates (O(files[].src)) are rendered on the controller by the action plugin, from the C(templates/)
    directory of the calling role (or the playbook), with the task's variables, as M(ansible.builtin.template)
    does. O(files[].content) is written as given.
  - The set is written in the order listed. A O(files[].validate) command checks a new file before it replaces
    the old one; O(check_command) checks the whole set after it is written. When either fails, every path
    this run changed is put back as it was (content, owner, group, mode) and the task fails.
  - O(pending) makes a restart durable, for a handler that would be lost when the run is killed before it
    runs; see O(pending).
  - Bad input (a relative path, a mode that is not octal, an unknown owner, a file without content)
    fails the task before anything is written.
options:
  files:
    description:
      - The paths to manage, written in this order.
    type: list
    elements: dict
    default: []
    suboptions:
      dest:
        description:
          - Absolute path. A symlink is followed (the file it points at is written).
          - The directory holding a file must exist, or be created by an earlier entry with V(state=directory).
        type: path
        required: true
      state:
        description:
          - V(file) writes O(files[].content) (or the rendered O(files[].src)).
          - V(directory) makes the directory, with missing parents (created V(0755), owned by the caller).
          - V(absent) removes a file or an empty directory (a directory with content is refused).
        type: str
        choices: [file, directory, absent]
        default: file
      src:
        description:
          - A template of the calling role (its C(templates/) directory, or a path), rendered on the
            controller with the task's variables. Handled by the action plugin, which turns it into
            O(files[].content).
          - Mutually exclusive with O(files[].content).
        type: path
      content:
        description:
          - The content of the file, written as UTF-8 text.
          - Mutually exclusive with O(files[].src).
        type: str
      secret_content:
        description:
          - Content that never appears in the output, a diff or a log. The action plugin puts O(files[].content)
            here when O(files[].secret=true); there is no need to use it directly.
        type: str
      secret:
        description:
          - The content is a secret. It is compared on the host and never shown in a diff, the result or a log
            (the module's argument is C(no_log)).
        type: bool
        default: false
      owner:
        description: Owner (a name or a numeric uid); default O(owner). Unset keeps the owner of an existing file.
        type: str
      group:
        description: Group (a name or a numeric gid); default O(group). Unset keeps the group of an existing file.
        type: str
      mode:
        description:
          - Octal mode as a string (V('0644')); default O(mode) for files, O(directory_mode) for directories.
          - Unset keeps the mode of an existing file; a new file then gets V(0644).
        type: str
      validate:
        description:
          - A command that checks the new file before it replaces the old one, as M(ansible.builtin.copy)'s
            C(validate). V(%s) is replaced by the path of the new file (a temporary file next to O(files[].dest),
            with the wanted owner, group and mode). Run without a shell.
        type: str
      backup:
        description: Keep a timestamped copy of the old file next to it before it is replaced or removed.
        type: bool
        default: false
      force:
        description:
          - V(false) writes the content only when the file does not exist (a generated key that must never change);
            owner, group and mode are still corrected.
        type: bool
        default: true
  owner:
    description: Default owner of every entry.
    type: str
  group:
    description: Default group of every entry.
    type: str
  mode:
    description: Default mode of every file entry (octal string).
    type: str
  directory_mode:
    description: Default mode of every directory entry (octal string).
    type: str
  check_command:
    description:
      - A command (a list of arguments, or a string split like a shell would, without a shell) run once after
        the files are written, when at least one changed, for example V([nginx, -t]).
      - When it fails, every path this run changed is put back and the task fails with its output.
      - Not run in check mode.
    type: raw
  pending:
    description:
      - The name of a durable restart marker, V(/var/lib/ai-stack/pending/<pending>) (see O(pending_dir)).
      - When a file changed (or O(record=true)), the marker is written in the same run, before the first file is
        replaced. When the marker is already there (a run was killed before its handler ran), the task reports
        C(changed) so that its C(notify) asks for the restart again.
      - The handler removes the marker after the restart, with a handler that C(listen)s to the same topic and
        runs this module with O(forget).
    type: str
  record:
    description:
      - With O(pending), write the marker (and report C(changed)) even when no file changed, for a restart caused
        by something else (a package upgrade, a reload); use O(files=[]) and V(record) from that task's
        result, such as V("{{ upgraded is changed }}").
    type: bool
    default: false
  forget:
    description:
      - The name of a marker to remove, in the handler that ran the restart. Mutually exclusive with O(pending).
    type: str
  pending_dir:
    description: The directory of the restart markers (made V(0700) when missing).
    type: path
    default: /var/lib/ai-stack/pending
  run_id:
    description:
      - Names the playbook run, written into the marker. Set by the action plugin (the controller's
        C(ansible-playbook) process); a marker written earlier in the same run (another task with the same
        O(pending)) is then not taken for one a killed run left.
    type: str
extends_documentation_fragment:
  - homelab.ai_stack.attributes
attributes:
  action:
    description: Has an action plugin (it renders the templates on the controller).
    support: full
  check_mode:
    support: full
    details: Reads everything and reports what would change; writes nothing and runs no command.
  diff_mode:
    support: full
    details: One diff per changed path; the content of a secret is never shown.
  platform:
    platforms: posix
notes:
  - Owner and group changes need the privileges to make them (C(become)).
seealso:
  - module: ansible.builtin.copy
  - module: ansible.builtin.template
author:
  - homelab.ai_stack contributors (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Write the agent configuration
  homelab.ai_stack.files:
    owner: root
    group: root
    mode: "0644"
    files:
      - dest: /etc/zabbix/zabbix_agent2.d
        state: directory
        mode: "0755"
      - dest: /etc/zabbix/zabbix_agent2.d/ai_stack.conf
        src: userparameters.conf.j2
      - dest: /etc/zabbix/zabbix_agent2.conf
        src: zabbix_agent2.conf.j2
        validate: zabbix_agent2 -c %s -t agent.ping
      - dest: /etc/zabbix/zabbix_agent2.psk
        content: "{{ zabbix_agent_tls_psk }}\n"
        owner: zabbix
        group: zabbix
        mode: "0400"
        secret: true
      - dest: /etc/zabbix/old.conf
        state: absent
    pending: zabbix-agent2-restart
  notify: Restart zabbix-agent2

- name: Write the sites and check them together
  homelab.ai_stack.files:
    mode: "0644"
    files:
      - dest: /etc/nginx/conf.d/ai-stack.conf
        src: ai-stack.conf.j2
    check_command: [nginx, -t]
    pending: nginx-reload
  notify: Reload nginx

# A restart that no file caused: the package was upgraded.
- name: Keep the Docker restart pending until it has run
  homelab.ai_stack.files:
    files: []
    pending: docker-restart
    record: "{{ docker_packages is changed }}"
  notify: Restart docker

# In the role's handlers: the restart, then forget the marker (same topic, defined after it).
- name: Restart docker
  ansible.builtin.systemd_service:
    name: docker.service
    state: restarted

- name: Forget the pending Docker restart
  homelab.ai_stack.files:
    forget: docker-restart
  listen: Restart docker
"""

RETURN = r"""
files:
  description: Every entry by its O(files[].dest), with whether it changed and why.
  returned: always
  type: dict
  sample:
    /etc/zabbix/zabbix_agent2.conf:
      changed: true
      state: file
      reasons: [content, mode 0600]
    /etc/zabbix/zabbix_agent2.psk:
      changed: false
      state: file
      reasons: []
changed_files:
  description: The paths that changed (in check mode, would change), in the order written.
  returned: always
  type: list
  elements: str
  sample: [/etc/zabbix/zabbix_agent2.conf]
backup_files:
  description: Backup copies made, by path.
  returned: always
  type: dict
  sample: {/etc/zabbix/zabbix_agent2.conf: /etc/zabbix/zabbix_agent2.conf.12345.2026-12-06@09:10:00~}
pending:
  description:
    - The restart marker, with O(pending) or O(forget).
    - C(state) is V(written) (this task wrote it, or would in check mode), V(noted) (an earlier task of this
      run wrote it), V(left) (a killed run left it; the task is C(changed) so its handler runs again),
      V(forgotten) (removed by O(forget)), or V(none).
  returned: when O(pending) or O(forget) is set
  type: dict
  sample: {name: zabbix-agent2-restart, path: /var/lib/ai-stack/pending/zabbix-agent2-restart, state: written}
check_command:
  description: Output of O(check_command) when it ran.
  returned: when O(check_command) ran
  type: dict
  sample: {rc: 0, stdout: "", stderr: "nginx: configuration file /etc/nginx/nginx.conf test is successful"}
"""

import datetime  # noqa: E402
import os  # noqa: E402
import shlex  # noqa: E402

from ansible.module_utils.basic import AnsibleModule  # noqa: E402 (documentation first, as ansible-doc expects)

from ansible_collections.homelab.ai_stack.plugins.module_utils._files import (  # noqa: E402
    FilesError,
    check_slug,
    describe,
    marker_run,
    marker_text,
    normalize,
    observe,
    reasons,
    refusal,
    restore,
    set_attributes,
    stage_file,
    write_file,
)


class _Failed(Exception):
    def __init__(self, msg, **extra):
        super().__init__(msg)
        self.msg = msg
        self.extra = extra


def _now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _run(module, command):
    if isinstance(command, (list, tuple)):
        command = [str(arg) for arg in command]
    rc, out, err = module.run_command(command)
    return {"rc": rc, "stdout": out, "stderr": err}


def _parents_to_make(path, planned_dirs):
    """Missing parents of ``path`` that no earlier entry creates."""
    missing = []
    parent = os.path.dirname(path)
    while parent and parent != "/" and not os.path.isdir(parent) and parent not in planned_dirs:
        missing.append(parent)
        parent = os.path.dirname(parent)
    return missing


class _Writer:
    """Applies the changes in order; remembers what was there to put it back."""

    def __init__(self, module):
        self.module = module
        self.undo = []  # observe() results, in the order changed
        self.backups = {}

    def file(self, item, seen, why):
        path = seen["path"]
        old = seen if seen["kind"] == "file" else None
        if "content" in why or seen["kind"] == "absent":
            tmp = stage_file(path, item["content"], item["mode"], item["uid"], item["gid"], old)
            try:
                if item["validate"]:
                    checked = _run(self.module, item["validate"].replace("%s", shlex.quote(tmp)))
                    if checked["rc"] != 0:
                        raise _Failed(
                            f"{item['name']}: validate failed (rc {checked['rc']}), nothing of this set was kept: "
                            f"{(checked['stderr'] or checked['stdout']).strip()}",
                            validate=checked,
                        )
                self._backup(item, seen)
                self.undo.append(seen)
                os.rename(tmp, path)
            finally:
                if os.path.lexists(tmp):
                    os.unlink(tmp)
        else:
            self.undo.append(seen)
            set_attributes(path, item["mode"], item["uid"], item["gid"])

    def directory(self, item, seen):
        path = seen["path"]
        if seen["kind"] == "absent":
            made = []
            parent = path
            while not os.path.isdir(parent):
                made.append(parent)
                parent = os.path.dirname(parent)
            for one in reversed(made):
                self.undo.append({"path": one, "kind": "absent"})
                os.mkdir(one, 0o755)
                os.chmod(one, 0o755)
        else:
            self.undo.append(seen)
        set_attributes(path, item["mode"], item["uid"], item["gid"])

    def absent(self, item, seen):
        path = seen["path"]
        if seen["kind"] == "directory":
            self.undo.append(seen)
            os.rmdir(path)
        else:
            self._backup(item, seen)
            self.undo.append(seen)
            os.unlink(path)

    def _backup(self, item, seen):
        if item["backup"] and seen["kind"] == "file":
            self.backups[item["dest"]] = self.module.backup_local(seen["path"])

    def rollback(self):
        errors = []
        for seen in reversed(self.undo):
            try:
                restore(seen)
            except OSError as exc:
                errors.append(f"{seen['path']}: {exc}")
        self.undo = []
        return errors


def run_module(module):
    params = module.params
    check_mode = module.check_mode
    try:
        plan = normalize(
            params["files"],
            owner=params["owner"],
            group=params["group"],
            mode=params["mode"],
            directory_mode=params["directory_mode"],
            lenient_ids=check_mode,
        )
        pending = check_slug(params["pending"], "pending") if params["pending"] is not None else None
        forget = check_slug(params["forget"], "forget") if params["forget"] is not None else None
    except FilesError as exc:
        module.fail_json(msg=str(exc))
    if params["record"] and not pending:
        module.fail_json(msg="record needs pending (the name of the marker to write)")
    check_command = params["check_command"]
    if check_command is not None and not isinstance(check_command, (str, list)):
        module.fail_json(msg=f"check_command must be a list of arguments or a string, got {check_command!r}")
    if check_command in ("", []):
        check_command = None

    # Read every path once, refuse what cannot be done before anything changes.
    steps = []  # (item, what is there, why it differs)
    planned_dirs = set()
    for item in plan:
        try:
            seen = observe(item["dest"], read_content=item["state"] != "directory")
        except OSError as exc:
            module.fail_json(msg=f"{item['name']}: cannot read it: {exc}")
        problem = refusal(item, seen)
        if problem:
            module.fail_json(msg=problem)
        if item["state"] == "file" and seen["kind"] == "absent" and not check_mode:
            missing = _parents_to_make(seen["path"], planned_dirs)
            if missing:
                module.fail_json(
                    msg=f"{item['name']}: the directory {missing[-1]} does not exist; "
                    "add an entry with state directory before this one"
                )
        if item["state"] == "directory":
            planned_dirs.add(seen["path"])
        steps.append((item, seen, reasons(item, seen)))

    report = {}
    changed_files, diffs = [], []
    for item, seen, why in steps:
        report[item["dest"]] = {"changed": bool(why), "state": item["state"], "reasons": why}
        if why:
            changed_files.append(item["dest"])
            if module._diff:
                diffs.append(describe(item, seen, why))

    pending_dir = params["pending_dir"]
    marker = os.path.join(pending_dir, pending or forget) if (pending or forget) else None
    marker_there = bool(marker) and os.path.lexists(marker)
    run_id = params["run_id"]
    marker_ours = False  # written earlier in this run (another task of the same concern)
    marker_old = ""
    if pending and marker_there:
        try:
            with open(marker, encoding="utf-8", errors="replace") as handle:
                marker_old = handle.read()
        except OSError:
            marker_old = ""
        marker_ours = bool(run_id) and marker_run(marker_old) == run_id
    result = {"changed": bool(changed_files), "files": report, "changed_files": changed_files, "backup_files": {}}
    if marker:
        result["pending"] = {"name": pending or forget, "path": marker, "state": "none"}
    want_marker = bool(pending) and (bool(changed_files) or params["record"])
    if pending and marker_there and marker_ours:
        result["pending"]["state"] = "noted"
        result["changed"] = result["changed"] or params["record"]
    elif pending and marker_there:
        result["pending"]["state"] = "left"
        result["changed"] = True
        module.warn(f"{marker} is left from an unfinished run: the handler runs again")
    elif want_marker:
        result["pending"]["state"] = "written"
        result["changed"] = True
    if forget and marker_there:
        result["pending"]["state"] = "forgotten"
        result["changed"] = True
    if diffs:
        result["diff"] = diffs
    if check_mode:
        return result

    if forget and marker_there:
        os.unlink(marker)
        return result

    writer = _Writer(module)
    marker_written = False
    try:
        if pending and marker_there and not marker_ours and run_id:
            # Taken over by this run: the next task with the same marker does not report it again.
            first = marker_old.splitlines()[0] if marker_old.strip() else "(empty)"
            if "left from an unfinished run (" in first:
                first = first.split("left from an unfinished run (", 1)[1].rstrip(")")
            write_file(
                marker,
                marker_text(_now(), pending, [], run_id, f"left from an unfinished run ({first})").encode(),
                0o600,
                None,
                None,
            )
        if want_marker and not marker_there:
            if not os.path.isdir(pending_dir):
                os.makedirs(pending_dir, 0o700)
                os.chmod(pending_dir, 0o700)
            write_file(
                marker,
                marker_text(_now(), pending, changed_files, run_id, "recorded by the task").encode(),
                0o600,
                None,
                None,
            )
            marker_written = True
        for item, seen, why in steps:
            if not why:
                continue
            if item["state"] == "file":
                writer.file(item, seen, why)
            elif item["state"] == "directory":
                writer.directory(item, seen)
            else:
                writer.absent(item, seen)
        if check_command is not None and changed_files:
            checked = _run(module, check_command)
            result["check_command"] = checked
            if checked["rc"] != 0:
                raise _Failed(
                    f"check_command failed (rc {checked['rc']}), every file of this set was put back: "
                    f"{(checked['stderr'] or checked['stdout']).strip()}",
                    check_command=checked,
                )
    except (_Failed, OSError) as exc:
        errors = writer.rollback()
        if marker_written:
            os.unlink(marker)
        msg = exc.msg if isinstance(exc, _Failed) else f"writing the files failed, what was written is put back: {exc}"
        extra = exc.extra if isinstance(exc, _Failed) else {}
        if errors:
            msg += f"; putting back failed for: {'; '.join(errors)}"
        module.fail_json(msg=msg, files=report, **extra)
    result["backup_files"] = writer.backups
    return result


def main():
    module = AnsibleModule(
        argument_spec={
            "files": {
                "type": "list",
                "elements": "dict",
                "default": [],
                "options": {
                    "dest": {"type": "path", "required": True},
                    "state": {"type": "str", "default": "file", "choices": ["file", "directory", "absent"]},
                    "src": {"type": "path"},
                    "content": {"type": "str"},
                    "secret_content": {"type": "str", "no_log": True},
                    "secret": {"type": "bool", "default": False, "no_log": False},
                    "owner": {"type": "str"},
                    "group": {"type": "str"},
                    "mode": {"type": "str"},
                    "validate": {"type": "str"},
                    "backup": {"type": "bool", "default": False},
                    "force": {"type": "bool", "default": True},
                },
                "mutually_exclusive": [["content", "secret_content", "src"]],
            },
            "owner": {"type": "str"},
            "group": {"type": "str"},
            "mode": {"type": "str"},
            "directory_mode": {"type": "str"},
            "check_command": {"type": "raw"},
            "pending": {"type": "str"},
            "record": {"type": "bool", "default": False},
            "forget": {"type": "str"},
            "pending_dir": {"type": "path", "default": "/var/lib/ai-stack/pending"},
            "run_id": {"type": "str"},
        },
        mutually_exclusive=[["pending", "forget"]],
        supports_check_mode=True,
    )
    if any(entry.get("src") for entry in module.params["files"]):
        module.fail_json(msg="files[].src is rendered by the action plugin: run the module as homelab.ai_stack.files")
    module.exit_json(**run_module(module))


if __name__ == "__main__":
    main()
