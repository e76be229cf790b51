#!/usr/bin/env python
"""Kill an ansible-playbook run half way, at a chosen task, as a crash would.

Runs ``ansible-playbook ARGS...`` (the arguments after ``--`` are passed through
unchanged) in a new session, reads its output line by line and echoes it.
Once a line contains ``--marker`` (a task banner such as
``TASK [homelab.ai_stack.ollama : Deploy the compose project of ollama]``) it
waits ``--delay`` seconds, so that task's module is in flight on the host, and
then sends SIGKILL to the whole process group: ansible-playbook, its forks and
their connection processes die at once, with no chance to clean up.

Exit status:
  0  the run was killed at the marker, while the marked task was still running;
  1  the playbook ended (or hit --timeout) before the marker appeared, e.g. the
     task was renamed: the fault was never injected, so the test must fail;
  2  the marker appeared but the marked task reported its result within the
     delay: the kill came after the task, not during it (lower --delay).
On failure the tail of the output is printed again.

Used by molecule/stack/prepare.yml:
  killed_converge.py --marker 'TASK [...]' --delay 1.0 -- -i INVENTORY converge.yml
"""

from __future__ import annotations

import argparse
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections import deque

# The per-host result lines of a task: "ok: [host]", "changed: [host]",
# "fatal: [host]: ...", "skipping: [host]", "failed: [host] (item=...)".
_RESULT = re.compile(r"^(ok|changed|fatal|failed|skipping): \[")
_TAIL = 40


def _parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--marker", required=True, help="text of the output line to kill at (a TASK banner)")
    parser.add_argument("--delay", type=float, default=1.0, help="seconds between the marker and the kill")
    parser.add_argument("--timeout", type=float, default=1800.0, help="give up (and kill) after this many seconds")
    parser.add_argument("--ansible-playbook", default="ansible-playbook", help="the ansible-playbook to run")
    parser.add_argument("args", nargs=argparse.REMAINDER, help="-- then the arguments of ansible-playbook")
    ns = parser.parse_args(argv)
    if ns.args and ns.args[0] == "--":
        ns.args = ns.args[1:]
    if not ns.args:
        parser.error("no ansible-playbook arguments given (put them after --)")
    return ns


def _reader(stream, lines: queue.Queue[str | None]) -> None:
    """Move the child's output lines into a queue; None marks the end."""
    for line in stream:
        lines.put(line.rstrip("\n"))
    lines.put(None)


def main(argv: list[str]) -> int:
    ns = _parse_args(argv)
    cmd = [ns.ansible_playbook, *ns.args]
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    print(f"killed_converge: running {' '.join(cmd)}", flush=True)
    print(f"killed_converge: will SIGKILL {ns.delay:.1f} s after a line containing {ns.marker!r}", flush=True)

    start = time.monotonic()
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        errors="replace",
        bufsize=1,
        env=env,
        start_new_session=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_reader, args=(proc.stdout, lines), daemon=True).start()
    tail: deque[str] = deque(maxlen=_TAIL)

    marker_at: float | None = None
    finished_in_delay: str | None = None
    killed = False
    ended = False
    while True:
        now = time.monotonic()
        deadline = start + ns.timeout if marker_at is None else marker_at + ns.delay
        if now >= deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            killed = True
            break
        try:
            line = lines.get(timeout=deadline - now)
        except queue.Empty:
            continue
        if line is None:
            ended = True
            break
        print(line, flush=True)
        tail.append(line)
        if marker_at is None:
            if ns.marker in line:
                marker_at = time.monotonic()
                print(f"killed_converge: marker seen at {marker_at - start:.1f} s", flush=True)
        elif finished_in_delay is None and (_RESULT.match(line) or line.startswith(("TASK [", "RUNNING HANDLER ["))):
            finished_in_delay = line

    rc = proc.wait()
    elapsed = time.monotonic() - start

    if ended or not killed:
        print(f"killed_converge: FAIL: ansible-playbook ended (rc={rc}) after {elapsed:.1f} s", file=sys.stderr)
        print(f"killed_converge: the marker {ns.marker!r} never appeared; last lines:", file=sys.stderr)
        for line in tail:
            print(f"  | {line}", file=sys.stderr)
        return 1
    if marker_at is None:
        print(f"killed_converge: FAIL: no marker within --timeout {ns.timeout:.0f} s; killed the run", file=sys.stderr)
        for line in tail:
            print(f"  | {line}", file=sys.stderr)
        return 1
    if finished_in_delay is not None:
        print(
            f"killed_converge: FAIL: the marked task ended within the {ns.delay:.1f} s delay "
            f"({finished_in_delay!r}): the kill did not hit it in flight; last lines:",
            file=sys.stderr,
        )
        for line in tail:
            print(f"  | {line}", file=sys.stderr)
        return 2
    print(
        f"killed_converge: KILLED the process group of ansible-playbook (pid {proc.pid}, rc={rc}) "
        f"at {elapsed:.1f} s, {ns.delay:.1f} s after the marker {ns.marker!r} appeared "
        f"at {marker_at - start:.1f} s",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
