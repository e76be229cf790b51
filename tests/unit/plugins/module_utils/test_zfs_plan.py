# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import time

import pytest

from ansible_collections.homelab.ai_stack.plugins.module_utils import _zfs_plan as z
from ansible_collections.homelab.ai_stack.plugins.modules import zfs_pool_status as pool_status

RETENTION = {"hourly": 0, "daily": 7, "weekly": 4, "monthly": 3, "yearly": 0}
END = "Mon Nov 23 13:01:12 2026"
END_TS = int(time.mktime(time.strptime(END, "%a %b %d %H:%M:%S %Y")))
# zfs-fuse 0.7 `zpool status` recorded in the debian12 test container.
ZFS_FUSE_STATUS = f"""  pool: tank
 state: ONLINE
 scrub: scrub completed after 0h0m with 0 errors on {END}
config:

\tNAME              STATE     READ WRITE CKSUM
\ttank              ONLINE       0     0     0
\t  /var/tmp/vdev0  ONLINE       0     0     0

errors: No known data errors
"""
# `zfs list -H -o name` in the zfs_snapshots scenario after prepare.
ZFS_LIST = ["tank", "tank/ai", "tank/ai/models", "tank/scratch"]


def _plan(datasets, **kwargs):
    kwargs.setdefault("retention", RETENTION)
    return z.plan(datasets, **kwargs)


def test_plan_of_the_scenario():
    datasets = [
        {"name": "tank/ai"},
        {
            "name": "tank/scratch",
            "recursive": False,
            "daily": 2,
            "weekly": 0,
            "monthly": 0,
            "create": True,
            "properties": {"compression": "lzjb"},
        },
    ]
    plan = _plan(datasets, pre_deploy_datasets=["tank/ai"])
    assert plan["names"] == ["tank/ai", "tank/scratch"]
    assert plan["create"] == [{"name": "tank/scratch", "properties": {"compression": "lzjb"}}]
    assert plan["pools"] == ["tank"]
    assert plan["on_calendar"] == "daily"
    assert plan["pre_deploy_datasets"] == ["tank/ai"]
    first, second = plan["tool_config"]["datasets"]
    assert first == {
        "name": "tank/ai",
        "recursive": True,
        "snapshot_prefix": "ai-stack",
        "policies": [
            {"prefix": "ai-stack", "hourly": 0, "daily": 7, "weekly": 4, "monthly": 3, "yearly": 0},
            {"prefix": "ai-stack-predeploy", "keep_within": 14 * 86400, "keep_last": 1},
        ],
    }
    assert second["recursive"] is False
    assert second["policies"][0]["daily"] == 2 and second["policies"][0]["weekly"] == 0


@pytest.mark.parametrize(
    ("kwargs", "datasets", "want"),
    [
        # -e on the command line: strings.
        ({"pre_deploy_keep_days": "7", "pre_deploy_keep_last": "0"}, [{"name": "tank/ai", "recursive": "false"}], None),
        ({"retention": {"daily": "3"}}, [{"name": "tank/ai", "create": "yes"}], None),
        ({"scrub_pools": "tank,backup"}, [{"name": "tank/ai"}], None),
        ({}, [{"name": "tank/ai", "hourly": 24}], None),
    ],
)
def test_strings_and_defaults_are_converted(kwargs, datasets, want):
    plan = _plan(datasets, **kwargs)
    ds = plan["tool_config"]["datasets"][0]
    if "pre_deploy_keep_days" in kwargs:
        assert ds["recursive"] is False
        assert ds["policies"][1] == {"prefix": "ai-stack-predeploy", "keep_within": 7 * 86400, "keep_last": 0}
    if "retention" in kwargs:
        assert ds["policies"][0]["daily"] == 3
        assert plan["create"] == [{"name": "tank/ai", "properties": {}}]
    if "scrub_pools" in kwargs:
        assert plan["pools"] == ["tank", "backup"]
        assert plan["scrub_timers"] == ["ai-stack-zfs-scrub@tank.timer", "ai-stack-zfs-scrub@backup.timer"]
    if datasets[0].get("hourly"):
        assert plan["on_calendar"] == "hourly"


@pytest.mark.parametrize(
    ("datasets", "kwargs", "message"),
    [
        ([], {}, "zfs_snapshots_datasets must list at least one dataset"),
        ("tank/ai", {}, "zfs_snapshots_datasets must list"),
        ([{"name": "tank/ai@oops"}], {}, "zfs_snapshots_datasets: 'tank/ai@oops'"),
        ([{"path": "tank/ai"}], {}, "zfs_snapshots_datasets[0] must be a mapping with a `name`"),
        ([{"name": "tank/ai"}, {"name": "tank/ai"}], {}, "names tank/ai more than once"),
        ([{"name": "tank/ai", "daily": -1}], {}, "zfs_snapshots_datasets[tank/ai].daily must be >= 0"),
        ([{"name": "tank/ai", "daily": "seven"}], {}, "zfs_snapshots_datasets[tank/ai].daily must be an integer"),
        ([{"name": "tank/ai"}], {"retention": {"daily": 0}}, "must keep something"),
        ([{"name": "tank/ai"}], {"retention": [7]}, "zfs_snapshots_retention must be a mapping"),
        ([{"name": "tank/ai"}], {"prefix": "ai_stack"}, "zfs_snapshots_prefix (ai_stack) must be letters"),
        ([{"name": "tank/ai"}], {"prefix": "x", "pre_deploy_prefix": "x"}, "must differ"),
        ([{"name": "tank/ai"}], {"pre_deploy_keep_days": 0}, "zfs_snapshots_pre_deploy_keep_days must be >= 1"),
        ([{"name": "tank/ai"}], {"pre_deploy_datasets": ["tank/other"]}, "not rotated: tank/other"),
        (
            [{"name": "tank/ai", "recursive": "maybe"}],
            {},
            "zfs_snapshots_datasets[tank/ai].recursive must be a boolean",
        ),
    ],
)
def test_bad_input_names_the_variable(datasets, kwargs, message):
    with pytest.raises(z.PlanError) as err:
        _plan(datasets, **kwargs)
    assert message in str(err.value)


def test_every_problem_is_reported_at_once():
    with pytest.raises(z.PlanError) as err:
        _plan([{"name": "a@b"}], prefix="x_y", pre_deploy_keep_days="0")
    text = str(err.value)
    assert "'a@b'" in text and "zfs_snapshots_prefix" in text and "keep_days" in text


@pytest.mark.parametrize(
    ("wanted", "existing", "roots"),
    [
        (["tank/ai"], ZFS_LIST, ["tank/ai"]),
        (["tank/ai", "tank/ai/models", "tank/scratch"], ZFS_LIST, ["tank/ai", "tank/scratch"]),
        (["tank/ai/models", "tank/ai"], ZFS_LIST, ["tank/ai"]),
        # "tank/aix" is not inside "tank/ai".
        (["tank/ai", "tank/aix"], [*ZFS_LIST, "tank/aix"], ["tank/ai", "tank/aix"]),
        (["tank/ai"], [], []),
        (["tank/new"], ZFS_LIST, []),
    ],
)
def test_snapshot_roots(wanted, existing, roots):
    assert z.snapshot_roots(wanted, existing) == roots


def test_pre_deploy_snapshot():
    snap = z.pre_deploy_snapshot(["tank/ai", "tank/scratch"], "ai-stack-predeploy_2026-12-06T090000Z")
    assert snap["snapshots"] == [
        "tank/ai@ai-stack-predeploy_2026-12-06T090000Z",
        "tank/scratch@ai-stack-predeploy_2026-12-06T090000Z",
    ]
    assert snap["rollback_command"] == (
        "zfs list -H -o name -t filesystem,volume -r tank/ai tank/scratch"
        " | xargs -I{} zfs rollback -r {}@ai-stack-predeploy_2026-12-06T090000Z"
    )


def _pool(text, now):
    return dict(pool_status.parse_status(text, now=now), name="tank")


@pytest.mark.parametrize(
    ("status", "timer", "rows"),
    [
        (
            {"pools": [_pool(ZFS_FUSE_STATUS, END_TS + 86400)]},
            {"ActiveState": "active"},
            [
                ("zpool tank health", "pass", "ONLINE; No known data errors"),
                ("zpool tank last scrub", "pass", "scrub with 0 errors, 1 days ago"),
                ("zfs snapshot rotation timer", "pass", "active"),
            ],
        ),
        (
            {"pools": [_pool(ZFS_FUSE_STATUS, END_TS + 40 * 86400)]},
            {},
            [
                ("zpool tank health", "pass", "ONLINE; No known data errors"),
                ("zpool tank last scrub", "fail", "last scrub 40 days ago (max 35)"),
                ("zfs snapshot rotation timer", "fail", "not installed"),
            ],
        ),
        (
            {"pools": [_pool(ZFS_FUSE_STATUS.replace("with 0 errors", "with 3 errors"), END_TS)]},
            {"ActiveState": "active"},
            [
                ("zpool tank health", "pass", "ONLINE; No known data errors"),
                (
                    "zpool tank last scrub",
                    "fail",
                    f"last scrub found 3 errors: scrub completed after 0h0m with 3 errors on {END}",
                ),
                ("zfs snapshot rotation timer", "pass", "active"),
            ],
        ),
        (
            {
                "pools": [
                    _pool(
                        ZFS_FUSE_STATUS.replace(f"scrub completed after 0h0m with 0 errors on {END}", "none requested"),
                        END_TS,
                    )
                ]
            },
            {"ActiveState": "active"},
            [
                ("zpool tank health", "pass", "ONLINE; No known data errors"),
                ("zpool tank last scrub", "fail", "never scrubbed; run: zpool scrub tank"),
                ("zfs snapshot rotation timer", "pass", "active"),
            ],
        ),
        (
            {"msg": "zpool: command not found", "failed": True},
            {"ActiveState": "inactive"},
            [
                ("zpool status", "fail", "zpool: command not found"),
                ("zfs snapshot rotation timer", "fail", "inactive"),
            ],
        ),
    ],
)
def test_checks(status, timer, rows):
    got = z.checks(status, timer, "35")
    assert [(r["check"], r["result"], r["detail"]) for r in got] == rows
