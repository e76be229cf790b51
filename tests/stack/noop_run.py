#!/usr/bin/env python
"""Run site.yml once more on a converged host and count what it did: the performance gate of molecule/stack.

Runs ansible-playbook with the ansible.posix.json callback and prints one JSON
summary: rc, ok, changed, failed, the tasks that changed, and the MODULE RUNS:
every task result (every loop item) that was not skipped and whose action
runs on the host, i.e. not one of the controller-only actions below (set_fact,
debug, assert, fail, include_*, meta...). A module run costs about 0.3 s on a
no-op run even when it only reads, so their number is what a re-run costs.

It also counts the TASKS WALKED (every task result, skipped ones included):
each costs 0.02-0.05 s on the controller even when skipped, so a no-op's time
follows them too.

Exits 1 when anything changed or failed, or when there are more module runs
than --budget or more tasks walked than --task-budget (the documented budgets
live in molecule/stack/verify.yml).

Usage: tests/stack/noop_run.py -i INVENTORY PLAYBOOK [--budget N] [--bool-strings SCENARIO] [-- EXTRA ARGS]
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bool_args import bool_args

# Actions that run on the controller only (no module sent to the host).
CONTROLLER_ACTIONS = frozenset(
    name
    for short in (
        "set_fact",
        "debug",
        "assert",
        "fail",
        "meta",
        "include_tasks",
        "import_tasks",
        "include_role",
        "import_role",
        "include_vars",
        "validate_argument_spec",
        "add_host",
        "group_by",
        "set_stats",
        "pause",
    )
    for name in (short, f"ansible.builtin.{short}", f"ansible.legacy.{short}")
)


def _items(result: dict) -> list[dict]:
    return result["results"] if isinstance(result.get("results"), list) else [result]


def count(data: dict) -> dict:
    """The summary of one ansible.posix.json output."""
    runs = 0
    by_action: collections.Counter = collections.Counter()
    by_task: collections.Counter = collections.Counter()
    changed_tasks = []
    for play in data.get("plays", []):
        for task in play.get("tasks", []):
            name = task["task"]["name"]
            for result in task.get("hosts", {}).values():
                action = result.get("action", "")
                if result.get("changed"):
                    changed_tasks.append(name)
                if action in CONTROLLER_ACTIONS:
                    continue
                done = [item for item in _items(result) if not item.get("skipped")]
                runs += len(done)
                if done:
                    by_action[action] += len(done)
                    by_task[name] += len(done)
    stats = data.get("stats", {})
    return {
        "ok": sum(s.get("ok", 0) for s in stats.values()),
        # What a no-op's time follows (issue 19): every task executed or skipped.
        "skipped": sum(s.get("skipped", 0) for s in stats.values()),
        "changed": sum(s.get("changed", 0) for s in stats.values()),
        "failed": sum(s.get("failures", 0) + s.get("unreachable", 0) for s in stats.values()),
        "module_runs": runs,
        "module_runs_by_action": dict(by_action.most_common()),
        "module_runs_by_task": dict(by_task.most_common()),
        "changed_tasks": changed_tasks,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-i", "--inventory", required=True)
    parser.add_argument("playbook")
    parser.add_argument("--budget", type=int, default=0, help="most module runs allowed (0: no limit)")
    parser.add_argument("--task-budget", type=int, default=0, help="most tasks walked allowed (0: no limit)")
    parser.add_argument("--bool-strings", metavar="SCENARIO", help="give every boolean input as an -e string")
    argv = list(sys.argv[1:] if argv is None else argv)
    extra = argv[argv.index("--") + 1 :] if "--" in argv else []
    args = parser.parse_args(argv[: argv.index("--")] if "--" in argv else argv)

    cmd = ["ansible-playbook", "-i", args.inventory, args.playbook, *extra]
    strings = {}
    if args.bool_strings:
        strings = bool_args(Path(args.bool_strings).resolve())[0]
        for name, value in strings.items():
            cmd += ["-e", f"{name}={'true' if value else 'false'}"]
    env = dict(os.environ, ANSIBLE_STDOUT_CALLBACK="ansible.posix.json", ANSIBLE_CALLBACKS_ENABLED="ansible.posix.json")
    start = time.monotonic()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    wall = round(time.monotonic() - start, 1)
    try:
        data = json.loads(proc.stdout)
    except json.JSONDecodeError:
        print(json.dumps({"rc": proc.returncode, "error": "no JSON", "tail": (proc.stdout + proc.stderr)[-4000:]}))
        return 1
    summary = {"rc": proc.returncode, "wall_s": wall, "budget": args.budget, "task_budget": args.task_budget}
    summary["bool_strings"] = len(strings)
    summary.update(count(data))
    summary["tasks_walked"] = summary["ok"] + summary["skipped"]
    over = bool(args.budget) and summary["module_runs"] > args.budget
    over = over or (bool(args.task_budget) and summary["tasks_walked"] > args.task_budget)
    summary["over_budget"] = over
    print(json.dumps(summary, indent=1))
    return 1 if proc.returncode or summary["changed"] or summary["failed"] or over else 0


if __name__ == "__main__":
    raise SystemExit(main())
