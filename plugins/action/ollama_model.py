# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of homelab.ai_stack.ollama_model: shows a pull's progress while it runs.

A module cannot print while it runs: Ansible shows its result when it has ended. So:

1. The module runs once with ``defer_pull``: it reads the server and, when the model is
   present (or must go, or in check mode), does its work and returns as it always did. A
   run that pulls nothing costs this one module run.
2. When a pull is needed, ``plugin_utils/_progress.py`` (shared with comfyui_models) runs
   the module again as an async job that writes its progress to a file on the target,
   prints a line every ``progress_interval`` seconds, and here one line with the outcome.

Check mode, ``--diff`` (unchanged: the module computes the diff), ``state: absent``, a
task that is itself ``async`` and ``progress_interval: 0`` run the module once, as before.
"""

from __future__ import annotations

from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.homelab.ai_stack.plugins.module_utils._progress import human_bytes, human_duration
from ansible_collections.homelab.ai_stack.plugins.plugin_utils._progress import (
    interval_of,
    run_with_progress,
    wants_progress,
)

display = Display()


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
        interval = interval_of(args)
        if not wants_progress(self, args, interval, ("defer_pull", "progress_file")) or (
            args.get("state", "present") != "present"
        ):
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
        # A job's time limit: every attempt may use its whole pull_timeout between two lines
        # of a slow pull; a day at least, since a big model on a slow link takes hours.
        retries = int(args.get("pull_retries", 3))
        per_try = int(args.get("pull_timeout", 600)) + float(args.get("pull_retry_delay", 5))
        budget = max(86400, (retries + 1) * per_try)
        display.display(f"[{host}] ollama pull {model}: started (a line every {interval}s)")
        final, waited = run_with_progress(
            self, task_vars, "homelab.ai_stack.ollama_model", args, interval, budget, "ollama pull"
        )
        pull = final.get("pull") or {}
        took = human_duration(pull.get("seconds", waited))
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
