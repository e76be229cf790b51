# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The zfs_snapshots role's input, pre-deploy snapshot and checks, as plain functions.

Stdlib only. The filters in plugins/filter/zfs_snapshots.py call these; every
error names the variable to edit. Values given on the command line
(``-e zfs_snapshots_pre_deploy_keep_days=7``) arrive as strings and are
converted here.
"""

from __future__ import annotations

import re

from ansible_collections.homelab.ai_stack.plugins.module_utils._inputs import bool_word, list_input

PERIODS = ("hourly", "daily", "weekly", "monthly", "yearly")
PREFIX_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]*$")
DATASET_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/-]*$")


class PlanError(ValueError):
    """An input that cannot be planned; the message names the variable."""


def to_bool(value, name):
    """A boolean from a bool or the strings Ansible accepts (``-e x=false``)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    word = bool_word(value) if isinstance(value, str) else None
    if word is not None:
        return word
    raise PlanError(f"{name} must be a boolean; got {value!r}")


def to_int(value, name, minimum=None):
    """An integer from an int or a string of digits; ``minimum`` is checked."""
    if isinstance(value, bool):
        raise PlanError(f"{name} must be an integer; got {value!r}")
    try:
        number = int(str(value).strip()) if isinstance(value, str) else int(value)
    except (TypeError, ValueError):
        raise PlanError(f"{name} must be an integer; got {value!r}") from None
    if minimum is not None and number < minimum:
        raise PlanError(f"{name} must be >= {minimum}; got {number}")
    return number


def _as_list(value, name):
    """A list, a JSON list (``-e 'x=[{"name": "tank/ai"}]'``) or comma-separated words."""
    try:
        return list_input(value)
    except ValueError as exc:
        raise PlanError(f"{name} must be a list; {exc}") from None


def _dataset(item, index, retention, errors):
    if not isinstance(item, dict) or not isinstance(item.get("name"), str):
        errors.append(f"zfs_snapshots_datasets[{index}] must be a mapping with a `name`; got {item!r}")
        return None
    name = item["name"]
    if "@" in name or not DATASET_RE.match(name):
        errors.append(f"zfs_snapshots_datasets: {name!r} is not a dataset name like tank/ai (no '@')")
    counts, bad = {}, False
    for period in PERIODS:
        source = item if period in item else retention
        label = f"zfs_snapshots_datasets[{name}].{period}" if period in item else f"zfs_snapshots_retention.{period}"
        try:
            counts[period] = to_int(source.get(period, 0), label, minimum=0)
        except PlanError as exc:
            errors.append(str(exc))
            counts[period], bad = 0, True
    if not any(counts.values()) and not bad:
        errors.append(
            f"Dataset {name}: hourly/daily/weekly/monthly/yearly (from the item or zfs_snapshots_retention) "
            f"must keep something; got {counts}"
        )
    try:
        recursive = to_bool(item.get("recursive", True), f"zfs_snapshots_datasets[{name}].recursive")
        create = to_bool(item.get("create", False), f"zfs_snapshots_datasets[{name}].create")
    except PlanError as exc:
        errors.append(str(exc))
        recursive, create = True, False
    properties = item.get("properties") or {}
    if not isinstance(properties, dict):
        errors.append(f"zfs_snapshots_datasets[{name}].properties must be a mapping; got {properties!r}")
        properties = {}
    return {"name": name, "counts": counts, "recursive": recursive, "create": create, "properties": properties}


def plan(
    datasets,
    retention=None,
    prefix="ai-stack",
    pre_deploy_prefix="ai-stack-predeploy",
    pre_deploy_datasets=None,
    pre_deploy_keep_days=14,
    pre_deploy_keep_last=1,
    scrub_pools=None,
    on_calendar="",
):
    """Validate the role's input and return what the tasks use.

    Returns ``{names, create, pools, scrub_timers, pre_deploy_datasets, on_calendar, tool_config}``;
    raises PlanError listing every problem found.
    """
    errors = []
    if retention is not None and not isinstance(retention, dict):
        errors.append(f"zfs_snapshots_retention must be a mapping; got {retention!r}")
    retention = retention if isinstance(retention, dict) else {}
    if not isinstance(datasets, (list, tuple)) or not datasets:
        raise PlanError(
            f"zfs_snapshots_datasets must list at least one dataset, each a mapping with a unique `name` like "
            f"tank/ai; got {datasets!r}"
        )
    items = [_dataset(item, index, retention, errors) for index, item in enumerate(datasets)]
    items = [item for item in items if item]
    names = [item["name"] for item in items]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        errors.append(f"zfs_snapshots_datasets names {', '.join(duplicates)} more than once")
    for var, value in (("zfs_snapshots_prefix", prefix), ("zfs_snapshots_pre_deploy_prefix", pre_deploy_prefix)):
        if not isinstance(value, str) or not PREFIX_RE.match(value):
            errors.append(f"{var} ({value}) must be letters, digits, '.' or '-' only ('_' separates the timestamp)")
    if prefix == pre_deploy_prefix:
        errors.append("zfs_snapshots_prefix and zfs_snapshots_pre_deploy_prefix must differ")
    keep_days = keep_last = 0
    try:
        keep_days = to_int(pre_deploy_keep_days, "zfs_snapshots_pre_deploy_keep_days", minimum=1)
        keep_last = to_int(pre_deploy_keep_last, "zfs_snapshots_pre_deploy_keep_last", minimum=0)
    except PlanError as exc:
        errors.append(str(exc))
    pre_deploy = _as_list(pre_deploy_datasets, "zfs_snapshots_pre_deploy_datasets") or names
    not_rotated = [name for name in pre_deploy if name not in names]
    if not_rotated:
        errors.append(
            "zfs_snapshots_pre_deploy_datasets must be a subset of zfs_snapshots_datasets (the rotation expires "
            f"pre-deploy snapshots only there); not rotated: {', '.join(not_rotated)}"
        )
    if errors:
        raise PlanError("; ".join(errors))
    pools = _as_list(scrub_pools, "zfs_snapshots_scrub_pools") or list(dict.fromkeys(n.split("/")[0] for n in names))
    hourly = any(item["counts"]["hourly"] > 0 for item in items)
    predeploy_policy = {"prefix": pre_deploy_prefix, "keep_within": keep_days * 86400, "keep_last": keep_last}
    return {
        "names": names,
        "create": [{"name": i["name"], "properties": i["properties"]} for i in items if i["create"]],
        "pools": pools,
        "scrub_timers": [f"ai-stack-zfs-scrub@{pool}.timer" for pool in pools],
        "pre_deploy_datasets": pre_deploy,
        "on_calendar": on_calendar or ("hourly" if hourly else "daily"),
        "tool_config": {
            "datasets": [
                {
                    "name": i["name"],
                    "recursive": i["recursive"],
                    "snapshot_prefix": prefix,
                    "policies": [dict(prefix=prefix, **i["counts"]), dict(predeploy_policy)],
                }
                for i in items
            ]
        },
    }


def snapshot_roots(wanted, existing):
    """The datasets of ``wanted`` that exist, without those inside another one listed.

    A child is already in its parent's recursive snapshot; ``zfs snapshot -r``
    refuses a name twice.
    """
    present = [name for name in wanted if name in set(existing)]
    return [name for name in present if not any(other != name and name.startswith(other + "/") for other in present)]


def pre_deploy_snapshot(roots, name):
    """What the pre-deploy entry point publishes: the snapshots and how to roll them back."""
    return {
        "name": name,
        "datasets": list(roots),
        "snapshots": [f"{root}@{name}" for root in roots],
        "rollback_command": (
            f"zfs list -H -o name -t filesystem,volume -r {' '.join(roots)} | xargs -I{{}} zfs rollback -r {{}}@{name}"
        ),
    }


def _scrub_row(pool, max_age):
    scan = pool.get("scan") or {}
    function, state, text = scan.get("function", "scrub"), scan.get("state"), scan.get("text", "")
    age = scan.get("age_seconds")
    if state == "in_progress":
        return "pass", f"{function} in progress"
    if state == "none":
        return "fail", f"never scrubbed; run: zpool scrub {pool['name']}"
    if state != "finished":
        return "fail", f"last {function} {state}: {text}"
    if scan.get("errors") is None or scan["errors"] > 0:
        found = scan["errors"] if scan.get("errors") is not None else "unknown"
        return "fail", f"last {function} found {found} errors: {text}"
    if age is not None and age > max_age * 86400:
        return "fail", f"last {function} {age // 86400} days ago (max {max_age})"
    return "pass", f"{function} with 0 errors" + (f", {age // 86400} days ago" if age is not None else "")


def checks(pool_status, timer_status, max_age_days):
    """Rows {check, result: pass|fail, detail} from zfs_pool_status and the rotation timer's status."""
    max_age = to_int(max_age_days, "zfs_snapshots_scrub_max_age_days", minimum=1)
    pool_status = pool_status or {}
    rows = []
    if "pools" not in pool_status:
        rows.append({"check": "zpool status", "result": "fail", "detail": pool_status.get("msg") or "zpool not usable"})
    for pool in pool_status.get("pools") or []:
        errors_text = pool.get("errors_text") or ""
        rows.append(
            {
                "check": f"zpool {pool['name']} health",
                "result": "pass" if pool.get("health") == "ONLINE" else "fail",
                "detail": f"{pool.get('health')}" + (f"; {errors_text}" if errors_text else ""),
            }
        )
        result, detail = _scrub_row(pool, max_age)
        rows.append({"check": f"zpool {pool['name']} last scrub", "result": result, "detail": detail})
    state = (timer_status or {}).get("ActiveState") or ""
    rows.append(
        {
            "check": "zfs snapshot rotation timer",
            "result": "pass" if state == "active" else "fail",
            "detail": state or "not installed",
        }
    )
    return rows
