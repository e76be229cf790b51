# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of homelab.ai_stack.comfyui_models: shows the downloads' progress while they run.

The mechanism of ollama_model, shared in ``plugin_utils/_progress.py``:

1. The module runs once with ``defer_download``: it checks the files in place and, when
   none must be downloaded (or in check mode), returns as it always does. A run that
   downloads nothing costs this one module run.
2. When a download is needed, the module runs again as an async job writing its
   progress to a file on the target; a line is printed every ``progress_interval``
   seconds (file, percent, bytes, speed, time left), and the summary when it ends.

Check mode, ``--diff``, an ``async`` task and ``progress_interval: 0`` run the module once.
"""

from __future__ import annotations

from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.homelab.ai_stack.plugins.plugin_utils._progress import (
    interval_of,
    run_with_progress,
    wants_progress,
)

display = Display()

_MODULE = "homelab.ai_stack.comfyui_models"


class ActionModule(ActionBase):
    _supports_check_mode = True
    _supports_async = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        args = dict(self._task.args)
        interval = interval_of(args)
        if not wants_progress(self, args, interval, ("defer_download", "progress_file")):
            result.update(
                self._execute_module(
                    module_name=_MODULE, module_args=args, task_vars=task_vars, wrap_async=bool(self._task.async_val)
                )
            )
            if not self._task.async_val:
                self._remove_tmp_path(self._connection._shell.tmpdir)
            return result

        first = self._execute_module(
            module_name=_MODULE, module_args=dict(args, defer_download=True), task_vars=task_vars
        )
        if first.get("failed") or not first.get("download_needed"):
            self._remove_tmp_path(self._connection._shell.tmpdir)
            result.update(first)
            return result

        host = task_vars.get("inventory_hostname", "?")
        wanted = [f["path"] for f in first.get("files", []) if f.get("action") == "would download"]
        display.display(
            f"[{host}] comfyui models: {len(wanted)} to download, {len(first.get('files', [])) - len(wanted)} in place "
            f"(a line every {interval}s)"
        )
        # A job's time limit: a day at least; every attempt of every file may wait its
        # whole timeout between two blocks of a slow download.
        tries = int(args.get("retries", 3)) + 1
        per_try = int(args.get("timeout", 60)) + float(args.get("retry_delay", 5))
        budget = max(86400, len(wanted) * tries * per_try)
        final, _waited = run_with_progress(self, task_vars, _MODULE, args, interval, budget, "comfyui download")
        line = (final.get("summary") or {}).get("line")
        if line:
            display.display(f"[{host}] comfyui models: {'FAILED: ' if final.get('failed') else ''}{line}")
        result.update(final)
        return result
