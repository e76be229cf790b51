# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller side of the progress of long work, shared by the action plugins of
``homelab.ai_stack.ollama_model`` and ``homelab.ai_stack.comfyui_models``.

A module cannot print while it runs: Ansible shows its result when it has ended. So an
action plugin asks the module first whether there is long work (one ordinary run); only
then ``run_with_progress`` starts the module again as an async job (the async wrapper
Ansible uses for ``async:`` tasks) with ``progress_file``: the module writes a JSON
snapshot of its progress there (``module_utils/_progress.py``). Every ``interval``
seconds this reads the file (``slurp``) and prints one line; it asks ``async_status``
whether the job ended and returns the job's result, which becomes the task's result.
"""

from __future__ import annotations

import base64
import json
import time
import uuid

from ansible.module_utils.common.text.converters import to_text
from ansible.utils.display import Display

from ansible_collections.homelab.ai_stack.plugins.module_utils._progress import progress_line

display = Display()

# Keys the async wrapper and async_status add to a job's result.
_ASYNC_KEYS = ("ansible_job_id", "started", "finished", "results_file")


def wants_progress(action, args, interval, internal_keys):
    """False when the module must simply run once: check mode, an ``async`` task,
    ``interval`` 0 or less, or one of the internal parameters already given."""
    task = action._task
    return not (task.check_mode or task.async_val or interval <= 0 or any(args.get(k) for k in internal_keys))


def interval_of(args, default=10):
    try:
        return int(args.get("progress_interval", default))
    except (TypeError, ValueError):
        return default  # the module names the bad value


def run_with_progress(action, task_vars, module_name, args, interval, budget, prefix):
    """Run ``module_name`` as an async job with ``progress_file`` and print a line
    ``[host] <prefix> <progress line>`` every ``interval`` seconds while it runs.

    ``budget``: the job's time limit in seconds. Returns ``(result, seconds)``.
    """
    host = task_vars.get("inventory_hostname", "?")
    async_dir = action.get_shell_option("async_dir", default="~/.ansible_async")
    name = module_name.rsplit(".", maxsplit=1)[-1]
    progress_file = f"{async_dir}/{name}-{uuid.uuid4().hex}.progress"
    saved = action._task.async_val
    action._task.async_val = int(budget)
    try:
        started = action._execute_module(
            module_name=module_name,
            module_args=dict(args, progress_file=progress_file),
            task_vars=task_vars,
            wrap_async=True,
        )
    finally:
        action._task.async_val = saved
    t0 = time.monotonic()
    if started.get("failed") or "ansible_job_id" not in started:
        return started, 0.0
    status_args = {"jid": started["ansible_job_id"], "mode": "status", "_async_dir": async_dir}
    next_line = t0 + interval
    poll = min(max(interval / 2.0, 1.0), 5.0)
    while True:
        time.sleep(poll)
        status = action._execute_module(
            module_name="ansible.legacy.async_status", module_args=status_args, task_vars=task_vars
        )
        if status.get("finished") or (status.get("failed") and "finished" not in status):
            break
        if time.monotonic() >= next_line:
            snap = read_progress(action, task_vars, progress_file)
            if snap:
                display.display(f"[{host}] {prefix} {progress_line(snap)}")
            next_line += interval
    action._execute_module(
        module_name="ansible.legacy.async_status",
        module_args=dict(status_args, mode="cleanup"),
        task_vars=task_vars,
    )
    action._remove_tmp_path(action._connection._shell.tmpdir)
    return {k: v for k, v in status.items() if k not in _ASYNC_KEYS}, time.monotonic() - t0


def read_progress(action, task_vars, path):
    """The snapshot in ``path`` on the target, or None (not written yet, unreadable)."""
    got = action._execute_module(module_name="ansible.legacy.slurp", module_args={"src": path}, task_vars=task_vars)
    if got.get("failed") or "content" not in got:
        return None
    try:
        return json.loads(to_text(base64.b64decode(got["content"])))
    except ValueError:
        return None
