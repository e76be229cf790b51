"""Pull progress: speed, time left, the line a person reads, the summary over a loop."""

from __future__ import annotations

import json

from ansible_collections.homelab.ai_stack.plugins.module_utils._ollama import pull_summary
from ansible_collections.homelab.ai_stack.plugins.module_utils._progress import (
    Progress as PullProgress,
)
from ansible_collections.homelab.ai_stack.plugins.module_utils._progress import (
    ProgressFile,
    human_bytes,
    human_duration,
    progress_line,
)


class Clock:
    def __init__(self):
        self.t = 100.0

    def __call__(self):
        return self.t


def test_progress_over_layers_speed_and_time_left():
    clock = Clock()
    p = PullProgress("llama3.1:8b", clock=clock)
    p.update({"status": "pulling manifest"})
    clock.t += 10
    p.update({"status": "pulling 667b0c1932bc", "digest": "sha256:a", "total": 4_000_000_000, "completed": 400_000_000})
    p.update({"status": "pulling 948af2743fc7", "digest": "sha256:b", "total": 1_000_000_000, "completed": 100_000_000})
    snap = p.snapshot()
    assert snap["completed"] == 500_000_000 and snap["total"] == 5_000_000_000
    assert snap["percent"] == 10.0
    assert snap["speed"] == 50_000_000.0  # 500 MB in 10 s
    assert snap["eta"] == 90.0
    line = progress_line(snap)
    assert line == "llama3.1:8b: 10% 500.0 MB of 5.0 GB, 50.0 MB/s, 1m30s left (elapsed 10s)"


def test_speed_uses_the_recent_window_so_a_stall_shows():
    clock = Clock()
    p = PullProgress("m", clock=clock, window=20)
    for _step in range(10):
        clock.t += 5
        p.update({"digest": "d", "total": 10**9, "completed": p.completed + 10**7})
    clock.t += 60  # nothing arrives for a minute
    p.update({"status": "pulling d", "digest": "d", "total": 10**9, "completed": p.completed})
    assert p.snapshot()["speed"] < 10**7 / 5 / 2


def test_before_sizes_are_known_and_retries_show():
    p = PullProgress("m", clock=Clock())
    p.attempt = 2
    assert progress_line(p.snapshot()) == "m: starting (elapsed 0s, attempt 2)"


def test_progress_file_is_replaced_atomically_and_removed(tmp_path):
    clock = Clock()
    path = tmp_path / "async" / "x.progress"
    f = ProgressFile(str(path), PullProgress("m", clock=clock), every=1, clock=clock)
    f.write()
    f.update({"digest": "d", "total": 100, "completed": 10})
    clock.t += 0.5
    f.update({"digest": "d", "total": 100, "completed": 20})  # within `every`: not written
    assert json.loads(path.read_text())["completed"] == 0 or json.loads(path.read_text())["completed"] == 10
    clock.t += 1
    f.update({"digest": "d", "total": 100, "completed": 30})
    assert json.loads(path.read_text())["completed"] == 30
    f.attempt = 3
    assert f.progress.attempt == 3
    f.remove()
    f.remove()
    assert not path.exists()
    assert [p.name for p in path.parent.iterdir()] == []


def test_human_units():
    assert human_bytes(0) == "0 B"
    assert human_bytes(397821319) == "397.8 MB"
    assert human_bytes(4920753328) == "4.9 GB"
    assert human_duration(59.4) == "59s"
    assert human_duration(75) == "1m15s"
    assert human_duration(3725) == "1h02m"


def test_summary_counts_pulled_skipped_failed_and_bytes():
    results = [
        {"action": "pulled", "changed": True, "pull": {"bytes": 397821319, "seconds": 12.5}},
        {"action": "none", "changed": False},
        {"action": "pulled", "failed": True, "pull": {"bytes": 1000, "seconds": 3.0}},
        {"action": "deleted", "changed": True},
        {"skipped": True, "action": None},
    ]
    s = pull_summary(results)
    assert (s["pulled"], s["skipped"], s["failed"], s["deleted"]) == (1, 2, 1, 1)
    assert s["bytes"] == 397822319
    assert s["line"] == "pulled 1, skipped 2, failed 1, deleted 1; 397.8 MB in 16s"
