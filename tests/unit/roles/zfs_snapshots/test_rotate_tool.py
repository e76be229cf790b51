# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rotation tool the zfs_snapshots role installs, run against a fake `zfs` on PATH.

The fake keeps datasets and snapshots in a JSON file and answers the exact commands the tool
uses (the subset zfs-fuse and OpenZFS share); molecule/zfs_snapshots runs the real thing.
"""

from __future__ import annotations

import datetime
import importlib.util
import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[4]
TOOL = ROOT / "roles" / "zfs_snapshots" / "files" / "ai_stack_zfs_rotate.py"
RETENTION = ROOT / "plugins" / "module_utils" / "_retention.py"
DAY = 86400

FAKE_ZFS = r"""
import json, os, sys
state_path = os.environ["FAKE_ZFS_STATE"]
state = json.load(open(state_path))
args = sys.argv[1:]
with open(state_path + ".log", "a") as log:
    log.write(" ".join(args) + "\n")
def save():
    json.dump(state, open(state_path, "w"))
def children(ds):
    return [d for d in state["datasets"] if d == ds or d.startswith(ds + "/")]
if args[0] == "list":
    ds = args[-1]
    for snap in sorted(state["snapshots"]):
        if snap.split("@")[0] in children(ds):
            print(snap)
elif args[0] == "snapshot":
    recursive = "-r" in args
    ds, name = args[-1].split("@")
    if ds not in state["datasets"]:
        sys.exit(f"dataset does not exist: {ds}")
    for d in (children(ds) if recursive else [ds]):
        if f"{d}@{name}" in state["snapshots"]:
            sys.exit(f"snapshot exists: {d}@{name}")
        state["snapshots"][f"{d}@{name}"] = state["clock"]
    save()
elif args[0] == "destroy":
    recursive = "-r" in args
    ds, name = args[-1].split("@")
    for d in (children(ds) if recursive else [ds]):
        state["snapshots"].pop(f"{d}@{name}", None)
    save()
elif args[0] == "get":
    for snap in args[args.index("creation") + 1:]:
        print(f"{snap}\tcreation\t{state['snapshots'][snap]}".replace("\tcreation", ""))
else:
    sys.exit("unsupported: " + " ".join(args))
"""


def load_tool(state):
    """Import the installed copy (next to its _retention.py), as systemd runs it."""
    install = state.parent / "libexec"
    spec = importlib.util.spec_from_file_location("ai_stack_zfs_rotate", install / TOOL.name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ts(text):
    return int(datetime.datetime.fromisoformat(text).replace(tzinfo=datetime.timezone.utc).timestamp())


@pytest.fixture
def rig(tmp_path):
    install = tmp_path / "libexec"
    install.mkdir()
    shutil.copy(TOOL, install / TOOL.name)
    shutil.copy(RETENTION, install / "_retention.py")  # as the role installs them
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "zfs").write_text(f"#!{sys.executable}\n{FAKE_ZFS}")
    (bindir / "zfs").chmod(0o755)
    state = tmp_path / "state.json"
    state.write_text(
        json.dumps(
            {
                "datasets": ["tank", "tank/ai", "tank/ai/models", "tank/scratch"],
                "snapshots": {"tank/ai@manual": ts("2020-01-01T00:00:00"), "tank/ai@zfs-auto-snap_daily-x": 1},
                "clock": ts("2026-11-23T12:00:00"),
            }
        )
    )
    config = tmp_path / "config.json"
    config.write_text(
        json.dumps(
            {
                "datasets": [
                    {
                        "name": "tank/ai",
                        "recursive": True,
                        "snapshot_prefix": "ai-stack",
                        "policies": [
                            {"prefix": "ai-stack", "daily": 7, "weekly": 4, "monthly": 3},
                            {"prefix": "ai-stack-predeploy", "keep_within": 14 * DAY, "keep_last": 1},
                        ],
                    },
                    {
                        "name": "tank/scratch",
                        "recursive": False,
                        "snapshot_prefix": "ai-stack",
                        "policies": [{"prefix": "ai-stack", "daily": 2}],
                    },
                ]
            }
        )
    )

    def run(*args, now=None):
        env = {**os.environ, "PATH": f"{bindir}:/usr/bin:/bin", "FAKE_ZFS_STATE": str(state)}
        env.pop("AI_STACK_ZFS_NOW", None)
        if now is not None:
            env["AI_STACK_ZFS_NOW"] = str(now)
        return subprocess.run(
            [sys.executable, str(install / TOOL.name), "--config", str(config), *args],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )

    def snapshots():
        return sorted(json.loads(state.read_text())["snapshots"])

    return run, snapshots, state


class InMemoryZfs:
    """Same behaviour as FAKE_ZFS, in process: 100 simulated days in well under a second."""

    def __init__(self, datasets, snapshots):
        self.datasets = datasets
        self.snapshots = dict(snapshots)

    def children(self, ds):
        return [d for d in self.datasets if d == ds or d.startswith(ds + "/")]

    def __call__(self, *args):
        recursive = "-r" in args
        if args[0] == "list":
            return "".join(f"{s}\n" for s in sorted(self.snapshots) if s.split("@")[0] in self.children(args[-1]))
        if args[0] == "get":
            return "".join(f"{s}\t{self.snapshots[s]}\n" for s in args[args.index("creation") + 1 :])
        ds, name = args[-1].split("@")
        for d in self.children(ds) if recursive else [ds]:
            if args[0] == "snapshot":
                self.snapshots[f"{d}@{name}"] = 0
            elif args[0] == "destroy":
                self.snapshots.pop(f"{d}@{name}", None)
            else:
                raise AssertionError(f"unexpected zfs {args}")
        return ""


def test_simulated_days(rig, monkeypatch):
    _run, _snapshots, state = rig
    tool = load_tool(state)
    data = json.loads(state.read_text())
    fake = InMemoryZfs(data["datasets"], data["snapshots"])
    monkeypatch.setattr(tool, "zfs", fake)
    config = json.loads((state.parent / "config.json").read_text())
    start = ts("2027-01-01T03:00:00")
    for day in range(100):
        failures, _report = tool.run(config, start + day * DAY, False, True, lambda _msg: None)
        assert failures == 0
    expected_days = ["2027-02-28", "2027-03-21", "2027-03-28", "2027-03-31"] + [
        f"2027-04-{d:02d}" for d in range(4, 11)
    ]
    names = [f"ai-stack_{d}T030000Z" for d in expected_days]
    assert sorted(fake.snapshots) == sorted(
        [f"tank/ai@{n}" for n in names]
        + [f"tank/ai/models@{n}" for n in names]
        + ["tank/ai@manual", "tank/ai@zfs-auto-snap_daily-x"]
        + ["tank/scratch@ai-stack_2027-04-09T030000Z", "tank/scratch@ai-stack_2027-04-10T030000Z"]
    )


def test_cli_over_a_few_days(rig):
    run, snapshots, _state = rig
    start = ts("2027-01-01T03:00:00")
    for day in range(3):
        result = run(now=start + day * DAY)
        assert result.returncode == 0, result.stdout + result.stderr
    # scratch keeps 2 dailies, tank/ai (recursive) all 3.
    assert [s for s in snapshots() if s.startswith("tank/scratch@")] == [
        "tank/scratch@ai-stack_2027-01-02T030000Z",
        "tank/scratch@ai-stack_2027-01-03T030000Z",
    ]
    assert len([s for s in snapshots() if s.startswith("tank/ai/models@ai-stack_")]) == 3


def test_second_run_same_clock_changes_nothing(rig):
    run, snapshots, state = rig
    now = ts("2027-01-01T03:00:00")
    assert run(now=now).returncode == 0
    before = snapshots()
    result = run(now=now)
    assert result.returncode == 0
    assert "exists already" in result.stdout
    assert snapshots() == before
    log = pathlib.Path(str(state) + ".log").read_text()
    assert "destroy" not in log


def test_dry_run_and_json_change_nothing(rig):
    run, snapshots, _state = rig
    before = snapshots()
    result = run("--dry-run", "--json", now="2027-01-01T03:00:00Z")
    assert result.returncode == 0, result.stderr
    assert snapshots() == before
    plan = json.loads(result.stdout)
    assert plan["now"] == ts("2027-01-01T03:00:00")
    assert [d["dataset"] for d in plan["datasets"]] == ["tank/ai", "tank/scratch"]
    assert plan["datasets"][0]["ignored"] == ["manual", "zfs-auto-snap_daily-x"]
    assert "would snapshot tank/ai@ai-stack_2027-01-01T030000Z" in result.stderr


def test_predeploy_expires_after_keep_days_but_newest_stays(rig):
    run, snapshots, state = rig
    data = json.loads(state.read_text())
    data["snapshots"]["tank/ai@ai-stack-predeploy_2027-01-01T000000Z"] = 1
    data["snapshots"]["tank/ai@ai-stack-predeploy_2027-01-10T000000Z"] = 1
    state.write_text(json.dumps(data))
    assert run(now=ts("2027-01-20T00:00:00")).returncode == 0
    pre = [s for s in snapshots() if "predeploy" in s]
    assert pre == ["tank/ai@ai-stack-predeploy_2027-01-10T000000Z"]  # within 14 days
    assert run(now=ts("2027-03-01T00:00:00")).returncode == 0
    assert [s for s in snapshots() if "predeploy" in s] == pre  # keep_last: 1


def test_failure_on_one_dataset_is_reported_and_others_still_run(rig, tmp_path):
    run, snapshots, state = rig
    data = json.loads(state.read_text())
    data["datasets"].remove("tank/scratch")
    state.write_text(json.dumps(data))
    result = run(now=ts("2027-01-01T03:00:00"))
    assert result.returncode == 1
    assert "ERROR tank/scratch" in result.stdout
    assert "tank/ai@ai-stack_2027-01-01T030000Z" in snapshots()
