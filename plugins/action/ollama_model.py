# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of homelab.ai_stack.ollama_model: shows a pull's progress while it runs.

A module cannot print while it runs: Ansible shows its result when it has ended. So:

1. The module runs once with ``defer_pull``: it reads the server and, when the model is
   present (or must go, or in check mode), does its work and returns as it always did. A
   run that pulls nothing costs this one module run.
2. When a pull is needed, the module is started again as an async job (the async wrapper
   Ansible uses for ``async:`` tasks) with ``progress_file``: it pulls, writing a JSON
   snapshot of the pull (bytes, speed, time left) to that file on the target.
3. Here on the controller, every ``progress_interval`` seconds the plugin reads the file
   (``slurp``) and prints one line; it asks ``async_status`` whether the job ended, and
   prints one line with the outcome when it has. The job's result is the task's result.

Check mode, ``--diff`` (unchanged: the module computes the diff), ``state: absent``, a
task that is itself ``async`` and ``progress_interval: 0`` run the module once, as before.
"""

from __future__ import annotations

import base64
import json
import time
import uuid

from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.homelab.ai_stack.plugins.module_utils._ollama import (
    human_bytes,
    human_duration,
    progress_line,
)

display = Display()

# Keys the async wrapper and async_status add to a job's result.
_ASYNC_KEYS = ("ansible_job_id", "started", "finished", "results_file")


class ActionModule(ActionBase):
    _supports_check_mode = True
    _supports_async = True

    def _module(self, task_vars, args, **kwargs):
        return self._execute_module(
            module_name="homelab.ai_stack.ollama_model", module_args=args, task_vars=task_vars, **kwargs
        )

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        args = dict(self._task.args)
        try:
            interval = int(args.get("progress_interval", 10))
        except (TypeError, ValueError):
            interval = 10  # the module names the bad value
        plain = (
            self._task.check_mode
            or self._task.async_val
            or interval <= 0
            or args.get("state", "present") != "present"
            or args.get("defer_pull")
            or args.get("progress_file")
        )
        if plain:
            result.update(self._module(task_vars, args, wrap_async=bool(self._task.async_val)))
            if not self._task.async_val:
                self._remove_tmp_path(self._connection._shell.tmpdir)
            return result

        first = self._module(task_vars, dict(args, defer_pull=True))
        if first.get("failed") or not first.get("pull_needed"):
            self._remove_tmp_path(self._connection._shell.tmpdir)
            result.update(first)
            return result
        result.update(self._pull(task_vars, args, interval, first))
        return result

    def _pull(self, task_vars, args, interval, first):
        host = task_vars.get("inventory_hostname", "?")
        model = first.get("model") or args.get("name")
        async_dir = self.get_shell_option("async_dir", default="~/.ansible_async")
        progress_file = f"{async_dir}/ollama_model-{uuid.uuid4().hex}.progress"
        # A job's time limit: every attempt may use its whole pull_timeout between two lines
        # of a slow pull; a day at least, since a big model on a slow link takes hours.
        retries = int(args.get("pull_retries", 3))
        per_try = int(args.get("pull_timeout", 600)) + float(args.get("pull_retry_delay", 5))
        budget = max(86400, (retries + 1) * per_try)
        display.display(f"[{host}] ollama pull {model}: started (a line every {interval}s)")
        saved = self._task.async_val
        self._task.async_val = int(budget)
        try:
            started = self._module(task_vars, dict(args, progress_file=progress_file), wrap_async=True)
        finally:
            self._task.async_val = saved
        if started.get("failed") or "ansible_job_id" not in started:
            return started
        jid = started["ansible_job_id"]
        status_args = {"jid": jid, "mode": "status", "_async_dir": async_dir}
        t0 = time.monotonic()
        next_line = t0 + interval
        poll = min(max(interval / 2.0, 1.0), 5.0)
        while True:
            time.sleep(poll)
            status = self._execute_module(
                module_name="ansible.legacy.async_status", module_args=status_args, task_vars=task_vars
            )
            if status.get("finished") or (status.get("failed") and "finished" not in status):
                break
            if time.monotonic() >= next_line:
                snap = self._read_progress(task_vars, progress_file)
                if snap:
                    display.display(f"[{host}] ollama pull {progress_line(snap)}")
                next_line += interval
        self._execute_module(
            module_name="ansible.legacy.async_status",
            module_args=dict(status_args, mode="cleanup"),
            task_vars=task_vars,
        )
        self._remove_tmp_path(self._connection._shell.tmpdir)
        final = {k: v for k, v in status.items() if k not in _ASYNC_KEYS}
        pull = final.get("pull") or {}
        took = human_duration(pull.get("seconds", time.monotonic() - t0))
        if final.get("failed"):
            display.display(
                f"[{host}] ollama pull {model}: FAILED after {took} "
                f"({human_bytes(pull.get('bytes'))} received): {final.get('msg', 'see the task result')}"
            )
        else:
            seconds = pull.get("seconds") or 0
            speed = f", {human_bytes(pull.get('bytes', 0) / seconds)}/s" if seconds else ""
            display.display(f"[{host}] ollama pull {model}: done, {human_bytes(pull.get('bytes'))} in {took}{speed}")
        return final

    def _read_progress(self, task_vars, path):
        got = self._execute_module(module_name="ansible.legacy.slurp", module_args={"src": path}, task_vars=task_vars)
        if got.get("failed") or "content" not in got:
            return None
        try:
            return json.loads(to_text(base64.b64decode(got["content"])))
        except ValueError:
            return None
