# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Snapshot retention: which snapshots to keep and which to destroy.

Plain functions, stdlib only, Python >= 3.9: the zfs_snapshots role copies this
file next to the rotation tool on the target, and the unit tests import it
through the collection path.

Rules (grandfather-father-son, as sanoid and zfs-auto-snapshot do it):

* Only snapshots whose name starts with ``<prefix>_`` are ever considered;
  everything else is neither kept nor destroyed by the plan (it is not ours).
* For each period (hourly, daily, weekly, monthly, yearly) with a count N, the
  newest snapshot of each of the N most recent periods *that contain a
  snapshot* is kept. Counting periods that exist, not calendar periods back
  from now, means a host that was off for two weeks still has its last 7
  dailies when it comes back (the gap does not wipe them).
* ``keep_within`` seconds: every snapshot younger than that is kept (the
  pre-deploy snapshots use it: "keep for 14 days").
* ``keep_last``: the N newest are kept whatever their periods.
* Clock skew: a snapshot dated more than ``future_tolerance`` seconds after
  ``now`` is kept and left out of the period counting, so a snapshot from a
  clock that ran ahead neither gets destroyed nor pushes a real one out.

Periods are computed in UTC so the plan is the same whatever the host's
timezone or DST; weeks are ISO weeks.

The plan is stable: planning again over the kept set keeps all of it.
"""

from __future__ import annotations

import datetime
import re

PERIODS = ("hourly", "daily", "weekly", "monthly", "yearly")

# A prefix must not contain the separator, so one prefix never matches another
# one's snapshots ("ai-stack" does not match "ai-stack-predeploy_...").
PREFIX_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]*$")
SEPARATOR = "_"
# Names this tool writes: <prefix>_<UTC timestamp>; the timestamp is the
# snapshot's logical time (see snapshot_name()).
TIMESTAMP_FORMAT = "%Y-%m-%dT%H%M%SZ"
_NAME_TIME_RE = re.compile(r"_(\d{4}-\d{2}-\d{2}T\d{6}Z)$")

DEFAULT_FUTURE_TOLERANCE = 300


class RetentionError(ValueError):
    """Raised for a policy or input that cannot be planned."""


def _period_key(period, ts):
    moment = datetime.datetime.fromtimestamp(ts, tz=datetime.timezone.utc)
    if period == "hourly":
        return (moment.year, moment.month, moment.day, moment.hour)
    if period == "daily":
        return (moment.year, moment.month, moment.day)
    if period == "weekly":
        iso = moment.isocalendar()
        return (iso[0], iso[1])
    if period == "monthly":
        return (moment.year, moment.month)
    if period == "yearly":
        return (moment.year,)
    raise RetentionError(f"unknown period {period!r}; expected one of {', '.join(PERIODS)}")


def validate_policy(policy):
    """Return a normalised copy of ``policy`` or raise RetentionError naming the bad field."""
    if not isinstance(policy, dict):
        raise RetentionError("policy must be a mapping")
    known = {"prefix", "keep_within", "keep_last", "future_tolerance", *PERIODS}
    unknown = sorted(set(policy) - known)
    if unknown:
        raise RetentionError(f"policy has unknown keys: {', '.join(unknown)}")
    prefix = policy.get("prefix")
    if not isinstance(prefix, str) or not PREFIX_RE.match(prefix):
        raise RetentionError(
            f"policy prefix {prefix!r} must be letters, digits, '.' or '-' (no '_', which separates the timestamp)"
        )
    out = {"prefix": prefix}
    for key in (*PERIODS, "keep_within", "keep_last"):
        value = policy.get(key, 0)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise RetentionError(f"policy {prefix!r}: {key} must be an integer >= 0, got {value!r}")
        out[key] = value
    tolerance = policy.get("future_tolerance", DEFAULT_FUTURE_TOLERANCE)
    if isinstance(tolerance, bool) or not isinstance(tolerance, int) or tolerance < 0:
        raise RetentionError(f"policy {prefix!r}: future_tolerance must be an integer >= 0, got {tolerance!r}")
    out["future_tolerance"] = tolerance
    if not any(out[key] for key in (*PERIODS, "keep_within", "keep_last")):
        raise RetentionError(
            f"policy {prefix!r} keeps nothing: set at least one of {', '.join(PERIODS)}, keep_within, keep_last"
        )
    return out


def owns(prefix, snapshot_name):
    """True when ``snapshot_name`` (the part after '@', or a full name) was made under ``prefix``."""
    short = snapshot_name.split("@", 1)[-1]
    return short.startswith(prefix + SEPARATOR)


def snapshot_name(prefix, ts):
    """The snapshot name (after '@') for ``prefix`` at UNIX time ``ts``."""
    moment = datetime.datetime.fromtimestamp(int(ts), tz=datetime.timezone.utc)
    return f"{prefix}{SEPARATOR}{moment.strftime(TIMESTAMP_FORMAT)}"


def time_from_name(snapshot):
    """UNIX time encoded in a name written by snapshot_name(), or None."""
    match = _NAME_TIME_RE.search(snapshot.split("@", 1)[-1])
    if not match:
        return None
    moment = datetime.datetime.strptime(match.group(1), TIMESTAMP_FORMAT)
    return int(moment.replace(tzinfo=datetime.timezone.utc).timestamp())


def plan(snapshots, policy, now):
    """Decide which snapshots to keep and which to destroy.

    ``snapshots``: iterable of ``(name, created)`` with ``created`` a UNIX time.
    ``policy``: mapping, see validate_policy(). ``now``: UNIX time.

    Returns a dict: ``keep`` and ``destroy`` (lists of names, newest first),
    ``ignored`` (names without the prefix, untouched) and ``reasons``
    (name -> list of why it is kept).
    """
    policy = validate_policy(policy)
    prefix = policy["prefix"]
    ours = []
    ignored = []
    seen = set()
    for name, created in snapshots:
        if name in seen:
            raise RetentionError(f"snapshot {name!r} is listed twice")
        seen.add(name)
        if owns(prefix, name):
            ours.append((name, int(created)))
        else:
            ignored.append(name)
    # Newest first; the name breaks ties so the order never depends on input order.
    ours.sort(key=lambda item: (item[1], item[0]), reverse=True)

    reasons = {}

    def keep(name, why):
        reasons.setdefault(name, []).append(why)

    horizon = now + policy["future_tolerance"]
    dated = []
    for name, created in ours:
        if created > horizon:
            keep(name, "future")
        else:
            dated.append((name, created))

    for index, (name, created) in enumerate(dated):
        if index < policy["keep_last"]:
            keep(name, "keep_last")
        if policy["keep_within"] and now - created < policy["keep_within"]:
            keep(name, "keep_within")

    for period in PERIODS:
        count = policy[period]
        if not count:
            continue
        buckets = []
        bucket_seen = set()
        for name, created in dated:
            key = _period_key(period, created)
            if key in bucket_seen:
                continue
            bucket_seen.add(key)
            # dated is newest first, so the first of a bucket is its newest.
            buckets.append(name)
            if len(buckets) == count:
                break
        for name in buckets:
            keep(name, period)

    keep_names = [name for name, _created in ours if name in reasons]
    destroy_names = [name for name, _created in ours if name not in reasons]
    return {
        "keep": keep_names,
        "destroy": destroy_names,
        "ignored": sorted(ignored),
        "reasons": reasons,
    }


def plan_many(snapshots, policies, now):
    """Plan several policies (distinct prefixes) over one dataset's snapshots.

    A snapshot is destroyed only if the policy owning its prefix says so.
    """
    prefixes = [validate_policy(p)["prefix"] for p in policies]
    if len(set(prefixes)) != len(prefixes):
        raise RetentionError(f"two policies share a prefix: {prefixes}")
    snapshots = list(snapshots)
    keep, destroy, reasons = [], [], {}
    for policy in policies:
        result = plan(snapshots, policy, now)
        keep.extend(result["keep"])
        destroy.extend(result["destroy"])
        reasons.update(result["reasons"])
    owned = set(keep) | set(destroy)
    ignored = sorted(name for name, _created in snapshots if name not in owned)
    return {"keep": keep, "destroy": destroy, "ignored": ignored, "reasons": reasons}
