# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of homelab.ai_stack.files: renders the templates on the controller.

Each entry with ``src`` is rendered here, as ``ansible.builtin.template`` renders one
(the calling role's ``templates/`` directory first, the task's variables,
``ansible_managed`` and ``template_*``), and handed to the module as ``content``. The
content of an entry with ``secret: true`` goes to the module's ``no_log`` argument
``secret_content``, so it is censored in the module's invocation and logs. Then the
module runs once on the host: all the comparing and writing is there.
"""

from __future__ import annotations

import os
import socket

from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase
from ansible.release import __version__ as core_version

# ansible-core < 2.19 converts a rendered template that looks like a Python literal
# (a JSON document, say) into data unless told not to; 2.19 deprecates the option.
_OLD_CORE = tuple(int(part) for part in core_version.split(".")[:2]) < (2, 19)


def _run_id():
    """The playbook run this task belongs to: the ansible-playbook process (a worker's parent) and its start."""
    ppid = os.getppid()
    try:
        with open(f"/proc/{ppid}/stat", encoding="ascii") as handle:
            started = handle.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        started = "0"
    return f"{socket.gethostname()}:{ppid}:{started}"


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        task_vars = task_vars or {}
        args = dict(self._task.args)
        files = args.get("files")
        if files is None:
            files = []
        if not isinstance(files, list):
            result.update(failed=True, msg=f"files must be a list of dicts, got {type(files).__name__}")
            return result
        entries = []
        try:
            for index, entry in enumerate(files):
                entries.append(self._prepare(index, entry, task_vars))
        except AnsibleError as exc:
            result.update(failed=True, msg=to_text(exc))
            return result
        args["files"] = entries
        if args.get("pending") is not None and args.get("run_id") is None:
            args["run_id"] = _run_id()
        try:
            result.update(
                self._execute_module(module_name="homelab.ai_stack.files", module_args=args, task_vars=task_vars)
            )
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result

    def _prepare(self, index, entry, task_vars):
        if not isinstance(entry, dict):
            raise AnsibleError(f"files[{index}] must be a dict with dest, got {entry!r}")
        entry = dict(entry)
        name = f"files[{index}] ({entry.get('dest')})"
        try:
            secret = boolean(entry.get("secret", False), strict=True)
        except TypeError as exc:
            raise AnsibleError(f"{name}: secret: {exc}") from None
        src = entry.pop("src", None)
        if src is not None:
            if entry.get("content") is not None:
                raise AnsibleError(f"{name}: src and content are mutually exclusive")
            entry["content"] = self._render(name, src, task_vars)
        if secret and entry.get("content") is not None:
            entry["secret_content"] = entry.pop("content")
        return entry

    def _render(self, name, src, task_vars):
        lookup = self._shared_loader_obj.lookup_loader.get(
            "ansible.builtin.template", loader=self._loader, templar=self._templar
        )
        options = {"convert_data": False} if _OLD_CORE else {}
        try:
            rendered = lookup.run([src], variables=task_vars, **options)[0]
        except AnsibleError as exc:
            raise AnsibleError(f"{name}: src {src}: {to_text(exc)}") from None
        return rendered if isinstance(rendered, str) else to_text(rendered)
