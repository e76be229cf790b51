#!/usr/bin/env python
"""Benchmark of site.yml on a fresh demo host. Prints numbers; asserts nothing.

Runs, each with the ansible.posix.json callback (per-task timings):
  1. the full converge of site.yml on a fresh host,
  2. the no-op second run,
  3. ``--tags ollama`` alone,
and prints wall time, task count, changed count and the 10 slowest tasks of
each, plus the no-op run as a fraction of the first converge.

Usage: tests/bench/stack_bench.py [--keep] [--host NAME]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
INVENTORY = ROOT / "inventories" / "demo" / "hosts.yml"


def _seconds(start: str, end: str) -> float:
    fmt = "%Y-%m-%dT%H:%M:%S.%fZ"
    return (datetime.strptime(end, fmt) - datetime.strptime(start, fmt)).total_seconds()


def quiet_config(path: Path) -> Path:
    """ansible.cfg without the notification callbacks, which would print into the JSON."""
    text = (ROOT / "ansible.cfg").read_text(encoding="utf-8")
    lines = [line.replace("./", f"{ROOT}/") for line in text.splitlines() if not line.startswith("callbacks_enabled")]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run_playbook(label: str, env: dict, *extra: str) -> dict:
    host = ["-e", f"ansible_host={env['AI_STACK_DEMO_HOST']}"]
    cmd = ["ansible-playbook", "-i", str(INVENTORY), *host, str(ROOT / "site.yml"), *extra]
    run_env = dict(env, ANSIBLE_STDOUT_CALLBACK="ansible.posix.json")
    t0 = time.monotonic()
    proc = subprocess.run(cmd, cwd=ROOT, env=run_env, capture_output=True, text=True, check=False)
    wall = time.monotonic() - t0
    try:
        data = json.loads(proc.stdout)
    except json.JSONDecodeError:
        sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-3000:])
        raise SystemExit(f"{label}: ansible-playbook did not print JSON (rc={proc.returncode})") from None
    tasks = []
    for play in data.get("plays", []):
        for task in play.get("tasks", []):
            info = task["task"]
            for host, result in task.get("hosts", {}).items():
                if result.get("skipped"):
                    continue
                duration = info.get("duration", {})
                secs = _seconds(duration["start"], duration["end"]) if "end" in duration else 0.0
                tasks.append({"name": info["name"], "host": host, "secs": secs, "changed": bool(result.get("changed"))})
    stats = data.get("stats", {})
    return {
        "label": label,
        "rc": proc.returncode,
        "wall": wall,
        "tasks": len(tasks),
        "skipped": sum(s.get("skipped", 0) for s in stats.values()),
        "changed": sum(s.get("changed", 0) for s in stats.values()),
        "failed": sum(s.get("failures", 0) + s.get("unreachable", 0) for s in stats.values()),
        "slowest": sorted(tasks, key=lambda t: t["secs"], reverse=True)[:10],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="ai-stack-bench", help="container name of the fresh demo host")
    parser.add_argument("--keep", action="store_true", help="keep the host afterwards")
    args = parser.parse_args()

    env = dict(os.environ)
    env["PATH"] = f"{ROOT / '.venv' / 'bin'}:{env['PATH']}"
    env["AI_STACK_DEMO_HOST"] = args.host
    env["ANSIBLE_CONFIG"] = str(ROOT / "ansible.cfg")
    demo = ROOT / "tests" / "demo.sh"
    subprocess.run(["bash", str(demo), "down"], env=env, check=True, capture_output=True)
    subprocess.run(["bash", str(demo), "host"], env=env, check=True, capture_output=True)
    tmp = Path(tempfile.mkdtemp(prefix="ai-stack-bench-"))
    env["ANSIBLE_CONFIG"] = str(quiet_config(tmp / "ansible.cfg"))
    try:
        runs = [
            run_playbook("full converge (fresh host)", env),
            run_playbook("no-op re-run", env),
            run_playbook("--tags ollama", env, "--tags", "ollama"),
        ]
    finally:
        if not args.keep:
            subprocess.run(["bash", str(demo), "down"], env=env, check=False, capture_output=True)

    print(f"{'run':<28} {'rc':>3} {'wall s':>8} {'tasks':>6} {'skipped':>8} {'changed':>8} {'failed':>7}")
    for r in runs:
        counts = f"{r['tasks']:>6} {r['skipped']:>8} {r['changed']:>8} {r['failed']:>7}"
        print(f"{r['label']:<28} {r['rc']:>3} {r['wall']:>8.1f} {counts}")
    print(f"no-op re-run / first converge: {runs[1]['wall'] / runs[0]['wall']:.2%}")
    for r in runs:
        print(f"\n10 slowest tasks of {r['label']}:")
        for t in r["slowest"]:
            print(f"  {t['secs']:7.2f}s  {'changed' if t['changed'] else 'ok     '}  {t['name']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
