#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: zfs_pool_status
short_description: Health and last scrub of ZFS pools
version_added: 0.1.0
description:
  - Reads C(zpool list) and C(zpool status) and returns each pool's health and the state, end time and error
    count of its last scan (scrub or resilver).
  - Works with OpenZFS and with zfs-fuse, whose C(zpool get) lacks the parsable output
    M(community.general.zpool_facts) needs.
options:
  pools:
    description: Pools to report; empty means every imported pool.
    type: list
    elements: str
    default: []
extends_documentation_fragment:
  - homelab.ai_stack.attributes
attributes:
  check_mode:
    support: full
    details: Only reads.
  diff_mode:
    support: none
  platform:
    platforms: posix
author:
  - homelab.ai_stack contributors (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Read pool health and scrubs
  homelab.ai_stack.zfs_pool_status:
    pools: [tank]
  register: pool_status

- name: Fail on a degraded pool
  ansible.builtin.assert:
    that: pool_status.pools | rejectattr('health', 'eq', 'ONLINE') | list | length == 0
"""

RETURN = r"""
pools:
  description: One entry per pool, in the order asked (or as C(zpool list) prints them).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Pool name.
      type: str
    health:
      description: C(ONLINE), C(DEGRADED), C(FAULTED), ..., or C(MISSING) for an asked pool that is not imported.
      type: str
    scan:
      description: The last scan as C(zpool status) reports it.
      type: dict
      contains:
        function:
          description: C(scrub), C(resilver) or null when none ran.
          type: str
        state:
          description: C(none), C(in_progress), C(finished) or C(canceled).
          type: str
        errors:
          description: Errors the finished scan found; null when unknown.
          type: int
        end_time:
          description: UNIX time the scan ended (host local time parsed); null when not finished.
          type: int
        age_seconds:
          description: Seconds since the scan ended; null when not finished.
          type: int
        text:
          description: The scan line as printed.
          type: str
    errors_text:
      description: The C(errors:) line of C(zpool status).
      type: str
"""

import re  # noqa: E402 (documentation first, as ansible-doc expects)
import time  # noqa: E402

from ansible.module_utils.basic import AnsibleModule  # noqa: E402

_SCAN_RE = re.compile(r"^\s*(?:scan|scrub):\s*(?P<text>.*)$")
_ERRORS_RE = re.compile(r"with (\d+) errors?")
_WHEN_RE = re.compile(r" on (\w{3} \w{3}\s+\d{1,2} \d{2}:\d{2}:\d{2} \d{4})\s*$")


def parse_scan(text, now=None):
    """Turn a zpool status scan line (OpenZFS 'scan:' or zfs-fuse 'scrub:') into a dict."""
    now = time.time() if now is None else now
    text = " ".join(text.split())
    lowered = text.lower()
    scan = {"function": None, "state": "none", "errors": None, "end_time": None, "age_seconds": None, "text": text}
    if not text or "none requested" in lowered:
        return scan
    scan["function"] = "resilver" if lowered.startswith("resilver") else "scrub"
    if "in progress" in lowered:
        scan["state"] = "in_progress"
        return scan
    if "cancel" in lowered or "stopped" in lowered:
        scan["state"] = "canceled"
    elif "repaired" in lowered or "completed" in lowered or "resilvered" in lowered:
        scan["state"] = "finished"
    else:
        scan["state"] = "unknown"
    match = _ERRORS_RE.search(text)
    if match:
        scan["errors"] = int(match.group(1))
    match = _WHEN_RE.search(text)
    if match:
        try:
            scan["end_time"] = int(time.mktime(time.strptime(match.group(1), "%a %b %d %H:%M:%S %Y")))
        except ValueError:
            pass
        else:
            scan["age_seconds"] = max(0, int(now - scan["end_time"]))
    return scan


def parse_status(output, now=None):
    """Parse one pool's `zpool status` output into health, scan and errors_text."""
    result = {"health": "UNKNOWN", "scan": parse_scan("", now), "errors_text": ""}
    lines = output.splitlines()
    for index, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("state:"):
            result["health"] = stripped.split(":", 1)[1].strip()
        elif _SCAN_RE.match(line) and result["scan"]["text"] == "":
            text = _SCAN_RE.match(line).group("text")
            # OpenZFS wraps an in-progress scan over indented continuation lines.
            for more in lines[index + 1 :]:
                if more.startswith("\t") and more.strip():
                    text += " " + more.strip()
                else:
                    break
            result["scan"] = parse_scan(text, now)
        elif stripped.startswith("errors:"):
            result["errors_text"] = stripped.split(":", 1)[1].strip()
    return result


def main():
    module = AnsibleModule(
        argument_spec={"pools": {"type": "list", "elements": "str", "default": []}},
        supports_check_mode=True,
    )
    zpool = module.get_bin_path("zpool", required=True)
    rc, out, err = module.run_command([zpool, "list", "-H", "-o", "name,health"])
    if rc != 0:
        module.fail_json(msg=f"zpool list failed: {err.strip() or out.strip()}", rc=rc)
    listed = {}
    for line in out.splitlines():
        fields = line.split("\t")
        if len(fields) >= 2:
            listed[fields[0]] = fields[1]
    wanted = module.params["pools"] or list(listed)
    now = time.time()
    pools = []
    for name in wanted:
        if name not in listed:
            pools.append({"name": name, "health": "MISSING", "scan": parse_scan("", now), "errors_text": ""})
            continue
        rc, out, err = module.run_command([zpool, "status", name])
        if rc != 0:
            module.fail_json(msg=f"zpool status {name} failed: {err.strip() or out.strip()}", rc=rc)
        status = parse_status(out, now)
        status["health"] = listed[name]
        pools.append({"name": name, **status})
    module.exit_json(changed=False, pools=pools)


if __name__ == "__main__":
    main()
