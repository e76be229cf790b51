# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Progress of long work (a model pull, a file download), for a person watching.

Stdlib only: it runs on the target, inside the modules that do the work. A module
keeps a ``Progress``, writes its snapshots to a file with ``ProgressFile``; the
collection's action plugins (``plugins/plugin_utils/_progress.py``) read that file
while the module runs as an async job and print ``progress_line`` of it. Used by
``homelab.ai_stack.ollama_model`` and ``homelab.ai_stack.comfyui_models``.

A snapshot (the file's JSON) is ``{model, status, attempt, completed, total, percent,
speed, eta, elapsed}``: ``model`` names what is moved (a model, a file).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time


class Progress:
    """Bytes, speed and time left of one transfer made of parts.

    ``update`` takes the objects Ollama streams, ``{"status", "digest", "total",
    "completed"}`` per layer; ``part`` does the same for any other transfer. The
    size is the sum over the parts. Speed is measured over the last ``window``
    seconds, so a stall shows as a falling speed.
    """

    def __init__(self, name, clock=time.monotonic, window=20.0):
        self.name = name
        self.clock = clock
        self.window = window
        self.started = clock()
        self.status = "starting"
        self.attempt = 1
        self.layers = {}
        self._samples = [(self.started, 0)]

    @property
    def completed(self):
        return sum(done for done, _total in self.layers.values())

    @property
    def total(self):
        return sum(total for _done, total in self.layers.values())

    def update(self, event):
        status = event.get("status")
        if status:
            self.status = str(status)
        digest, total = event.get("digest"), event.get("total")
        if digest and isinstance(total, int) and total > 0:
            done = event.get("completed") or 0
            self.layers[digest] = (max(0, min(int(done), total)), total)
        now = self.clock()
        self._samples.append((now, self.completed))
        while len(self._samples) > 2 and now - self._samples[1][0] >= self.window:
            self._samples.pop(0)

    def part(self, key, done, total, status="downloading"):
        """One part moved ``done`` of ``total`` bytes (``total`` unknown: 0 or None)."""
        if key not in self.layers and done:
            # Bytes held from before (a resumed download) are not speed.
            self._samples = [(t, c + int(done)) for t, c in self._samples]
        self.update({"status": status, "digest": key, "total": int(total or 0), "completed": int(done)})

    def snapshot(self):
        now = self.clock()
        completed, total = self.completed, self.total
        t0, c0 = self._samples[0]
        speed = (completed - c0) / (now - t0) if now > t0 and completed >= c0 else 0.0
        eta = (total - completed) / speed if speed > 0 and total else None
        return {
            "model": self.name,
            "status": self.status,
            "attempt": self.attempt,
            "completed": completed,
            "total": total,
            "percent": round(100.0 * completed / total, 1) if total else None,
            "speed": round(speed, 1),
            "eta": round(eta, 1) if eta is not None else None,
            "elapsed": round(now - self.started, 1),
        }


class ProgressFile:
    """Writes Progress snapshots to a file, atomically, at most every ``every`` seconds."""

    def __init__(self, path, progress, every=0.5, clock=time.monotonic):
        self.path = os.path.expanduser(path)
        self.progress = progress
        self.every = every
        self.clock = clock
        self._last = None

    @property
    def attempt(self):
        return self.progress.attempt

    @attempt.setter
    def attempt(self, value):
        self.progress.attempt = value

    def update(self, event):
        self.progress.update(event)
        self.tick(final=event.get("status") == "success")

    def part(self, key, done, total, status="downloading"):
        self.progress.part(key, done, total, status)
        self.tick(final=bool(total) and done >= total)

    def tick(self, final=False):
        now = self.clock()
        if self._last is None or now - self._last >= self.every or final:
            self.write()
            self._last = now

    def write(self):
        directory = os.path.dirname(self.path) or "."
        os.makedirs(directory, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".progress-")
        with os.fdopen(fd, "w") as f:
            json.dump(self.progress.snapshot(), f)
        os.replace(tmp, self.path)

    def remove(self):
        with contextlib.suppress(OSError):
            os.remove(self.path)


def human_bytes(n):
    """``397812345`` -> ``397.8 MB`` (decimal units, as Ollama prints sizes)."""
    n = float(n or 0)
    for unit in ("B", "kB", "MB", "GB"):
        if abs(n) < 1000:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} TB"


def human_duration(seconds):
    """``75.2`` -> ``1m15s``; ``3725`` -> ``1h02m``."""
    seconds = max(0, round(seconds or 0))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def progress_line(snap):
    """One line a person reads: what is moved, percent, bytes, speed, time left."""
    head = f"{snap.get('model')}: "
    if snap.get("total"):
        head += f"{snap['percent']:.0f}% {human_bytes(snap['completed'])} of {human_bytes(snap['total'])}"
        head += f", {human_bytes(snap.get('speed'))}/s"
        eta = snap.get("eta")
        head += f", {human_duration(eta)} left" if eta is not None else ", time left unknown"
    elif snap.get("completed"):
        head += f"{human_bytes(snap['completed'])} of an unknown size, {human_bytes(snap.get('speed'))}/s"
    else:
        head += snap.get("status") or "starting"
    head += f" (elapsed {human_duration(snap.get('elapsed'))}"
    if (snap.get("attempt") or 1) > 1:
        head += f", attempt {snap['attempt']}"
    return head + ")"


def summary_line(counts, total_bytes, seconds):
    """``downloaded 1, skipped 2, failed 0; 2.6 MB in 26s`` from ``[(word, n), ...]``
    (a count of 0 is left out unless it is one of the first three)."""
    parts = [f"{word} {n}" for pos, (word, n) in enumerate(counts) if n or pos < 3]
    return ", ".join(parts) + f"; {human_bytes(total_bytes)} in {human_duration(seconds)}"
