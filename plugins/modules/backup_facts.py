#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: backup_facts
short_description: Read what the backup role needs to know about a host, in one module run
version_added: 0.2.0
description:
  - Sets C(ansible_facts.ai_stack_backup) from C(dpkg-query), C(systemctl show), the backup tool's state file and
    the record of the initialised repository. Never changes the host.
  - The record of the repository holds a digest of the repository's credentials file and password file, written
    root-only by the backup tool after C(restic cat config) or C(restic init) succeeded. The fact
    RV(ansible_facts.ai_stack_backup.repository_initialised) says whether it matches the files on the host now; the
    module never returns the files or the digest.
author:
  - homelab.ai_stack contributors (!UNKNOWN)
options:
  packages:
    description: Debian packages whose installation to report.
    type: list
    elements: str
    default: [restic, util-linux]
  timers:
    description: systemd units (with their suffix) to report.
    type: list
    elements: str
    default: [ai-stack-backup.timer, ai-stack-backup-check.timer]
  env_file:
    description: The restic environment file (repository and backend credentials).
    type: path
    default: /etc/ai-stack/backup/restic.env
  password_file:
    description: The repository password file.
    type: path
    default: /etc/ai-stack/backup/password
  repository_record:
    description: The record the backup tool writes once the repository of O(env_file) and O(password_file) exists.
    type: path
    default: /etc/ai-stack/backup/repository.sha256
  state_dir:
    description: The backup tool's state directory (its C(state.json) is reported).
    type: path
    default: /var/lib/ai-stack/backup
  paths:
    description: Paths to report as directories (V(true)) or not (V(false)).
    type: list
    elements: path
    default: []
  wanted_files:
    description:
      - The arguments of the role's M(homelab.ai_stack.files) task (C(files) with their content rendered,
        C(optional) entries written only where their directory exists, C(owner), C(group), C(mode),
        C(directory_mode), C(pending)); RV(ansible_facts.ai_stack_backup.files_in_place) says whether that task
        would change nothing, judged as the files module judges. C(no_log), the entries may hold secrets; only the
        boolean comes back.
      - A JSON document (C(to_json)), one string that C(no_log) hides whole; a dictionary would have each of its
        values (V(root), V(0644), a path) masked wherever it appears in the result.
    type: str
extends_documentation_fragment:
  - homelab.ai_stack.attributes.facts
notes:
  - Parsing lives in C(plugins/module_utils/_backup.py) and is tested against recorded outputs.
"""

EXAMPLES = r"""
- name: Read what is installed and running of the backup
  homelab.ai_stack.backup_facts:
    paths: [/etc/zabbix/zabbix_agent2.d]
    wanted_files: "{{ {'owner': 'root', 'group': 'root', 'files': [password_entry]} | to_json }}"

- name: Initialise the repository unless it is known to exist
  ansible.builtin.command:
    cmd: /usr/bin/python3 /usr/local/libexec/ai-stack/ai_stack_backup.py --config /etc/ai-stack/backup/config.json init
  when: not ansible_facts['ai_stack_backup']['repository_initialised']
"""

RETURN = r"""
ansible_facts:
  description: Facts added to the host.
  returned: always
  type: complex
  contains:
    ai_stack_backup:
      description: What the host looks like when the module ran.
      returned: always
      type: dict
      contains:
        packages:
          description: Whether each of O(packages) is installed.
          type: dict
          returned: always
          sample: {restic: true, util-linux: true}
        timers:
          description: Per unit of O(timers), whether it exists, is enabled and is active.
          type: dict
          returned: always
          sample: {ai-stack-backup.timer: {exists: true, enabled: true, active: true}}
        timers_down:
          description: The units of O(timers) not enabled, then those not active (to start and enable).
          type: list
          elements: str
          returned: always
          sample: [ai-stack-backup-check.timer]
        timer_status:
          description:
            - The C(systemctl show) properties of each unit of O(timers) (Id, LoadState, ActiveState, UnitFileState).
          type: dict
          returned: always
        repository_initialised:
          description: The backup tool recorded that the repository of the current credentials and password exists.
          type: bool
          returned: always
        state:
          description: The backup tool's C(state.json) (last success, last error, last check); empty when missing.
          type: dict
          returned: always
        age:
          description: Seconds since the last successful backup, V(-1) when there is none.
          type: int
          returned: always
        paths:
          description: Per path of O(paths), whether it is a directory.
          type: dict
          returned: always
          sample: {/etc/zabbix/zabbix_agent2.d: true}
        files_in_place:
          description: Every entry of O(wanted_files) is as wanted (the files task can be skipped).
          type: bool
          returned: when O(wanted_files) is given
"""

import json  # noqa: E402
import os  # noqa: E402
import time  # noqa: E402

from ansible.module_utils.basic import AnsibleModule  # noqa: E402

from ansible_collections.homelab.ai_stack.plugins.module_utils import _backup, _files_judge  # noqa: E402


def _read(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError):
        return None


def _run(module, tool, args):
    path = module.get_bin_path(tool)
    if path is None:
        return ""
    # dpkg-query exits 1 when a package is unknown and still prints the others.
    _dummy, out, _dummy = module.run_command([path, *args], environ_update={"LC_ALL": "C"})
    return out


def main():
    module = AnsibleModule(
        argument_spec={
            "packages": {"type": "list", "elements": "str", "default": ["restic", "util-linux"]},
            "timers": {
                "type": "list",
                "elements": "str",
                "default": ["ai-stack-backup.timer", "ai-stack-backup-check.timer"],
            },
            "env_file": {"type": "path", "default": "/etc/ai-stack/backup/restic.env"},
            "password_file": {"type": "path", "default": "/etc/ai-stack/backup/password"},
            "repository_record": {"type": "path", "default": "/etc/ai-stack/backup/repository.sha256"},
            "state_dir": {"type": "path", "default": "/var/lib/ai-stack/backup"},
            "paths": {"type": "list", "elements": "path", "default": []},
            "wanted_files": {"type": "str", "no_log": True},
        },
        supports_check_mode=True,
    )
    p = module.params
    packages = {}
    if p["packages"]:
        query = ["-W", "-f=${Package}\t${Status}\n", *p["packages"]]
        packages = _backup.parse_dpkg_installed(_run(module, "dpkg-query", query))
    status = {}
    if p["timers"]:
        props = "--property=Id,LoadState,ActiveState,UnitFileState"
        status = _backup.parse_systemctl_show(_run(module, "systemctl", ["show", props, *p["timers"]]))
    env_text, password_text = _read(p["env_file"]), _read(p["password_file"])
    record = (_read(p["repository_record"]) or "").strip()
    initialised = (
        env_text is not None and password_text is not None and record == _backup.repository_key(env_text, password_text)
    )
    state_text = _read(os.path.join(p["state_dir"], "state.json")) or ""
    try:
        state = json.loads(state_text) if state_text else {}
    except ValueError:
        state = {}
    timers = {name: _backup.unit_summary(status.get(name)) for name in p["timers"]}
    down = [name for name in timers if not timers[name]["enabled"]]
    facts = {
        "packages": {name: packages.get(name, False) for name in p["packages"]},
        "timers": timers,
        "timers_down": down + [name for name in timers if name not in down and not timers[name]["active"]],
        "timer_status": {name: status.get(name, {}) for name in p["timers"]},
        "repository_initialised": initialised,
        "state": state if isinstance(state, dict) else {},
        "age": _backup.backup_age(state_text or "{}", time.time()),
        "paths": {path: os.path.isdir(path) for path in p["paths"]},
    }
    if p["wanted_files"] is not None:
        facts["files_in_place"] = _files_judge.judge(p["wanted_files"])
    module.exit_json(changed=False, ansible_facts={"ai_stack_backup": facts})


if __name__ == "__main__":
    main()
