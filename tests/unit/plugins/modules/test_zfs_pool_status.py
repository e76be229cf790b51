# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import time

import pytest

from ansible_collections.homelab.ai_stack.plugins.modules import zfs_pool_status as m

END = "Mon Nov 23 13:01:12 2026"
END_TS = int(time.mktime(time.strptime(END, "%a %b %d %H:%M:%S %Y")))

# zfs-fuse 0.7 output recorded in the debian12 test container; OpenZFS lines from `zpool status` man page shapes.
ZFS_FUSE_STATUS = f"""  pool: tank
 state: ONLINE
 scrub: scrub completed after 0h0m with 0 errors on {END}
config:

\tNAME              STATE     READ WRITE CKSUM
\ttank              ONLINE       0     0     0
\t  /var/tmp/vdev0  ONLINE       0     0     0

errors: No known data errors
"""

OPENZFS_PROGRESS = """  pool: tank
 state: DEGRADED
status: One or more devices could not be used because the label is missing or invalid.
  scan: scrub in progress since Sun Nov 22 00:24:01 2026
\t1.23T scanned at 1.2G/s, 500G issued at 500M/s, 2.1T total
\t0B repaired, 23.1% done, 00:50:00 to go
config:

\tNAME        STATE     READ WRITE CKSUM
\ttank        DEGRADED     0     0     0

errors: No known data errors
"""


@pytest.mark.parametrize(
    ("line", "function", "state", "errors", "end"),
    [
        ("none requested", None, "none", None, None),
        ("", None, "none", None, None),
        (f"scrub completed after 0h0m with 0 errors on {END}", "scrub", "finished", 0, END_TS),
        (f"scrub repaired 0B in 00:00:01 with 0 errors on {END}", "scrub", "finished", 0, END_TS),
        (f"scrub repaired 12K in 01:02:03 with 3 errors on {END}", "scrub", "finished", 3, END_TS),
        (f"resilvered 1.20G in 00:10:00 with 0 errors on {END}", "resilver", "finished", 0, END_TS),
        (f"scrub canceled on {END}", "scrub", "canceled", None, END_TS),
        ("scrub in progress since Sun Nov 22 00:24:01 2026", "scrub", "in_progress", None, None),
    ],
)
def test_parse_scan(line, function, state, errors, end):
    scan = m.parse_scan(line, now=END_TS + 86400)
    assert (scan["function"], scan["state"], scan["errors"], scan["end_time"]) == (function, state, errors, end)
    assert scan["age_seconds"] == (86400 if end else None)


def test_parse_status_zfs_fuse():
    status = m.parse_status(ZFS_FUSE_STATUS, now=END_TS + 10)
    assert status["health"] == "ONLINE"
    assert status["scan"]["state"] == "finished"
    assert status["scan"]["errors"] == 0
    assert status["scan"]["age_seconds"] == 10
    assert status["errors_text"] == "No known data errors"


def test_parse_status_in_progress_with_continuation():
    status = m.parse_status(OPENZFS_PROGRESS)
    assert status["health"] == "DEGRADED"
    assert status["scan"]["state"] == "in_progress"
    assert "23.1% done" in status["scan"]["text"]
    assert "NAME" not in status["scan"]["text"]
