# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Take this period's snapshot of each configured dataset and apply its retention.

Installed by the homelab.ai_stack.zfs_snapshots role with _retention.py beside
it and run by ai-stack-zfs-rotate.service (timer). The clock can be set with
--now or AI_STACK_ZFS_NOW (UNIX time or ISO 8601, UTC) so tests can simulate
days; the snapshot names carry that time, and retention reads the time back
from the name, so a simulated run is planned exactly like a real one.
"""

import argparse
import datetime
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _retention  # installed next to this file

DEFAULT_CONFIG = "/etc/ai-stack/zfs-snapshots.json"


def parse_now(value):
    if value in (None, ""):
        return int(time.time())
    if value.lstrip("-").isdigit():
        return int(value)
    moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return int(moment.timestamp())


def zfs(*args):
    proc = subprocess.run(["zfs", *args], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"zfs {' '.join(args)}: {proc.stderr.strip() or proc.stdout.strip()}")
    return proc.stdout


def list_snapshots(dataset):
    """(name after '@', time) for the dataset's own snapshots (not its children's)."""
    # No `zfs list -p` / multi-type `get` here: zfs-fuse lacks them, OpenZFS has both.
    names = [
        line.strip()
        for line in zfs("list", "-H", "-t", "snapshot", "-o", "name", "-r", "-d", "1", dataset).splitlines()
        if line.strip().startswith(dataset + "@")
    ]
    result = []
    undated = []
    for name in names:
        short = name.split("@", 1)[1]
        when = _retention.time_from_name(short)
        if when is None:
            undated.append(name)
        else:
            result.append((short, when))
    if undated:
        for line in zfs("get", "-H", "-p", "-o", "name,value", "creation", *undated).splitlines():
            name, value = line.split("\t")[:2]
            result.append((name.split("@", 1)[1], int(value)))
    return result


def run(config, now, dry_run, take_snapshot, log):
    failures = 0
    report = []
    for entry in config["datasets"]:
        dataset = entry["name"]
        recursive = entry.get("recursive", True)
        policies = entry["policies"]
        try:
            if take_snapshot:
                name = _retention.snapshot_name(entry["snapshot_prefix"], now)
                existing = {short for short, _when in list_snapshots(dataset)}
                if name in existing:
                    log(f"{dataset}@{name} exists already")
                elif dry_run:
                    log(f"would snapshot {dataset}@{name}")
                else:
                    zfs("snapshot", *(["-r"] if recursive else []), f"{dataset}@{name}")
                    log(f"snapshot {dataset}@{name}")
            plan = _retention.plan_many(list_snapshots(dataset), policies, now)
            for short in plan["destroy"]:
                if dry_run:
                    log(f"would destroy {dataset}@{short}")
                else:
                    zfs("destroy", *(["-r"] if recursive else []), f"{dataset}@{short}")
                    log(f"destroyed {dataset}@{short}")
            report.append({"dataset": dataset, **plan})
        except (RuntimeError, _retention.RetentionError) as exc:
            failures += 1
            log(f"ERROR {dataset}: {exc}")
    return failures, report


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=os.environ.get("AI_STACK_ZFS_CONFIG", DEFAULT_CONFIG))
    parser.add_argument("--now", default=os.environ.get("AI_STACK_ZFS_NOW"), help="UNIX time or ISO 8601 (UTC)")
    parser.add_argument("--dry-run", action="store_true", help="print what would change, change nothing")
    parser.add_argument("--no-snapshot", action="store_true", help="only apply retention")
    parser.add_argument("--json", action="store_true", help="print the plan as JSON on stdout")
    args = parser.parse_args(argv)

    with open(args.config, encoding="utf-8") as handle:
        config = json.load(handle)
    now = parse_now(args.now)
    out = sys.stderr if args.json else sys.stdout
    failures, report = run(
        config, now, args.dry_run, not args.no_snapshot, lambda msg: print(msg, file=out, flush=True)
    )
    if args.json:
        json.dump({"now": now, "datasets": report}, sys.stdout, indent=2, sort_keys=True)
        print()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
