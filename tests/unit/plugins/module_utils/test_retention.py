# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.homelab.ai_stack.plugins.module_utils import _retention as r

DAY = 86400
HOUR = 3600
SEED_POLICY = {"prefix": "ai-stack", "daily": 7, "weekly": 4, "monthly": 3}


def ts(text):
    return int(datetime.datetime.fromisoformat(text).replace(tzinfo=datetime.timezone.utc).timestamp())


def daily_series(start, days, prefix="ai-stack", hour=3):
    base = ts(start) + hour * HOUR
    return [(r.snapshot_name(prefix, base + i * DAY), base + i * DAY) for i in range(days)]


# --- names -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "name", "expected"),
    [
        ("ai-stack", "tank/ai@ai-stack_2026-01-01T000000Z", True),
        ("ai-stack", "ai-stack_2026-01-01T000000Z", True),
        ("ai-stack", "tank/ai@ai-stack-predeploy_2026-01-01T000000Z", False),
        ("ai-stack", "tank/ai@ai-stackX_2026", False),
        ("ai-stack", "tank/ai@manual", False),
        ("ai-stack", "tank/ai-stack_x@other", False),
        ("ai-stack-predeploy", "tank/ai@ai-stack-predeploy_2026-01-01T000000Z", True),
    ],
)
def test_owns(prefix, name, expected):
    assert r.owns(prefix, name) is expected


def test_snapshot_name_round_trip():
    when = ts("2026-11-23T12:34:56")
    name = r.snapshot_name("ai-stack", when)
    assert name == "ai-stack_2026-11-23T123456Z"
    assert r.time_from_name("tank/ai@" + name) == when
    assert r.time_from_name("tank/ai@manual-2026") is None


# --- policy validation -----------------------------------------------------


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        ({"prefix": "bad_prefix", "daily": 1}, "no '_'"),
        ({"prefix": "", "daily": 1}, "prefix"),
        ({"prefix": "ok", "daily": -1}, "daily must be an integer >= 0"),
        ({"prefix": "ok", "daily": True}, "daily must be an integer >= 0"),
        ({"prefix": "ok", "weekly": "4"}, "weekly must be an integer >= 0"),
        ({"prefix": "ok"}, "keeps nothing"),
        ({"prefix": "ok", "daily": 1, "dayly": 2}, "unknown keys: dayly"),
        ({"prefix": "ok", "daily": 1, "future_tolerance": -5}, "future_tolerance"),
        ("daily=7", "must be a mapping"),
    ],
)
def test_bad_policy(policy, message):
    with pytest.raises(r.RetentionError, match=message):
        r.validate_policy(policy)


def test_duplicate_snapshot_rejected():
    snap = ("ai-stack_2026-01-01T000000Z", ts("2026-01-01T00:00:00"))
    with pytest.raises(r.RetentionError, match="listed twice"):
        r.plan([snap, snap], SEED_POLICY, ts("2026-01-02T00:00:00"))


def test_shared_prefix_rejected():
    with pytest.raises(r.RetentionError, match="share a prefix"):
        r.plan_many([], [SEED_POLICY, dict(SEED_POLICY)], 0)


# --- the seed's 7 daily / 4 weekly / 3 monthly --------------------------------


def test_seed_policy_after_100_days():
    snaps = daily_series("2026-01-01", 100)  # 2026-01-01 .. 2026-04-10, one at 03:00 each day
    now = snaps[-1][1] + HOUR
    result = r.plan(snaps, SEED_POLICY, now)
    kept_days = sorted(name.split("_")[1][:10] for name in result["keep"])
    assert kept_days == [
        # monthly: newest of Feb, Mar, Apr
        "2026-02-28",
        # weekly: newest of ISO weeks 12, 13 (Sundays) ... 14 is covered by a daily
        "2026-03-22",
        "2026-03-29",
        "2026-03-31",
        # daily 04-04 .. 04-10; 04-05 is also the Sunday of week 14
        "2026-04-04",
        "2026-04-05",
        "2026-04-06",
        "2026-04-07",
        "2026-04-08",
        "2026-04-09",
        "2026-04-10",
    ]
    assert len(result["destroy"]) == 100 - 11
    assert set(result["keep"]).isdisjoint(result["destroy"])
    assert result["reasons"]["ai-stack_2026-04-10T030000Z"] == ["daily", "weekly", "monthly"]
    assert result["reasons"]["ai-stack_2026-02-28T030000Z"] == ["monthly"]
    assert result["reasons"]["ai-stack_2026-03-31T030000Z"] == ["monthly"]


def test_keep_newest_within_a_day():
    base = ts("2026-05-01T00:00:00")
    snaps = [(r.snapshot_name("ai-stack", base + h * HOUR), base + h * HOUR) for h in range(24)]
    result = r.plan(snaps, {"prefix": "ai-stack", "daily": 1}, base + 24 * HOUR)
    assert result["keep"] == ["ai-stack_2026-05-01T230000Z"]
    assert len(result["destroy"]) == 23


def test_hourly_and_yearly():
    snaps = [
        ("ai-stack_a", ts("2024-06-01T00:00:00")),
        ("ai-stack_b", ts("2025-06-01T00:00:00")),
        ("ai-stack_c", ts("2025-12-31T23:00:00")),
        ("ai-stack_d", ts("2026-01-01T00:10:00")),
        ("ai-stack_e", ts("2026-01-01T00:50:00")),
    ]
    result = r.plan(snaps, {"prefix": "ai-stack", "hourly": 2, "yearly": 2}, ts("2026-01-01T01:00:00"))
    assert result["keep"] == ["ai-stack_e", "ai-stack_c"]
    assert result["reasons"] == {"ai-stack_e": ["hourly", "yearly"], "ai-stack_c": ["hourly", "yearly"]}
    assert result["destroy"] == ["ai-stack_d", "ai-stack_b", "ai-stack_a"]


def test_gap_keeps_last_dailies_that_exist():
    # Host off for 20 days: the 7 dailies before the gap survive the first run after it.
    before = daily_series("2026-03-01", 10)
    after_gap = daily_series("2026-03-31", 1)
    snaps = before + after_gap
    result = r.plan(snaps, {"prefix": "ai-stack", "daily": 7}, after_gap[0][1] + 60)
    assert [n.split("_")[1][:10] for n in result["keep"]] == [
        "2026-03-31",
        "2026-03-10",
        "2026-03-09",
        "2026-03-08",
        "2026-03-07",
        "2026-03-06",
        "2026-03-05",
    ]


def test_future_snapshot_kept_and_not_counted():
    now = ts("2026-06-10T12:00:00")
    snaps = daily_series("2026-06-01", 10)
    skewed = ("ai-stack_2027-01-01T000000Z", ts("2027-01-01T00:00:00"))
    result = r.plan([*snaps, skewed], {"prefix": "ai-stack", "daily": 2}, now)
    assert result["keep"] == [skewed[0], "ai-stack_2026-06-10T030000Z", "ai-stack_2026-06-09T030000Z"]
    assert result["reasons"][skewed[0]] == ["future"]


def test_future_tolerance_counts_slightly_ahead_as_now():
    now = ts("2026-06-10T12:00:00")
    snaps = [("ai-stack_x", now + 60), ("ai-stack_y", now - DAY)]
    result = r.plan(snaps, {"prefix": "ai-stack", "daily": 1}, now)
    # x is a minute ahead (within the tolerance): it is today's daily, so yesterday's goes.
    assert result["reasons"] == {"ai-stack_x": ["daily"]}
    assert result["destroy"] == ["ai-stack_y"]


def test_keep_within_and_keep_last_for_predeploy():
    now = ts("2026-06-30T00:00:00")
    snaps = [
        ("ai-stack-predeploy_old", now - 40 * DAY),
        ("ai-stack-predeploy_mid", now - 20 * DAY),
        ("ai-stack-predeploy_new", now - 2 * DAY),
        ("ai-stack_2026-06-29T030000Z", now - DAY),
        ("manual-before-upgrade", now - 400 * DAY),
    ]
    predeploy = {"prefix": "ai-stack-predeploy", "keep_within": 14 * DAY, "keep_last": 1}
    result = r.plan_many(snaps, [SEED_POLICY, predeploy], now)
    assert sorted(result["keep"]) == ["ai-stack-predeploy_new", "ai-stack_2026-06-29T030000Z"]
    assert sorted(result["destroy"]) == ["ai-stack-predeploy_mid", "ai-stack-predeploy_old"]
    assert result["ignored"] == ["manual-before-upgrade"]
    # keep_last keeps the newest pre-deploy snapshot even when it is older than keep_within.
    result = r.plan(snaps[:2], predeploy, now)
    assert result["keep"] == ["ai-stack-predeploy_mid"]


# --- properties ---------------------------------------------------------------

EPOCH_2026 = ts("2026-01-01T00:00:00")
times = st.integers(min_value=EPOCH_2026 - 3 * 365 * DAY, max_value=EPOCH_2026 + 3 * 365 * DAY)
prefixes = st.sampled_from(["ai-stack", "ai-stack-predeploy", "other", "zfs-auto-snap"])
suffix = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789:-", min_size=1, max_size=12)
snapshot_lists = st.lists(
    st.tuples(
        st.one_of(
            st.builds(lambda p, s: f"{p}_{s}", prefixes, suffix),
            suffix,  # no separator at all: a manual snapshot
        ),
        times,
    ),
    max_size=60,
    unique_by=lambda item: item[0],
)
counts = st.integers(min_value=0, max_value=8)
policies = st.builds(
    lambda h, d, w, m, y, kl: {
        "prefix": "ai-stack",
        "hourly": h,
        "daily": d,
        "weekly": w,
        "monthly": m,
        "yearly": y + (0 if (h or d or w or m or kl) else 1),
        "keep_last": kl,
    },
    counts,
    counts,
    counts,
    counts,
    counts,
    st.integers(min_value=0, max_value=3),
)


@settings(max_examples=300, deadline=None)
@given(snapshot_lists, policies, times)
def test_never_destroys_without_prefix(snaps, policy, now):
    result = r.plan(snaps, policy, now)
    for name in result["destroy"]:
        assert name.startswith("ai-stack_")
    foreign = {name for name, _created in snaps if not name.startswith("ai-stack_")}
    assert set(result["ignored"]) == foreign
    assert set(result["keep"]) | set(result["destroy"]) | foreign == {name for name, _created in snaps}
    assert not set(result["keep"]) & set(result["destroy"])


@settings(max_examples=300, deadline=None)
@given(snapshot_lists, policies, times)
def test_stable_when_run_twice(snaps, policy, now):
    first = r.plan(snaps, policy, now)
    survivors = [item for item in snaps if item[0] not in set(first["destroy"])]
    second = r.plan(survivors, policy, now)
    assert second["destroy"] == []
    assert second["keep"] == first["keep"]


@settings(max_examples=300, deadline=None)
@given(snapshot_lists, policies, times)
def test_keeps_newest_of_each_recent_period(snaps, policy, now):
    result = r.plan(snaps, policy, now)
    kept = set(result["keep"])
    ours = [(n, t) for n, t in snaps if n.startswith("ai-stack_") and t <= now + r.DEFAULT_FUTURE_TOLERANCE]
    for period in r.PERIODS:
        newest = {}
        for name, created in ours:
            key = r._period_key(period, created)
            if key not in newest or (created, name) > newest[key]:
                newest[key] = (created, name)
        recent = sorted(newest, reverse=True)[: policy[period]]
        for key in recent:
            assert newest[key][1] in kept, (period, key)
    # keep_last: the newest N (not in the future) survive.
    for _created, name in sorted(((t, n) for n, t in ours), reverse=True)[: policy["keep_last"]]:
        assert name in kept


@settings(max_examples=200, deadline=None)
@given(snapshot_lists, policies, times, st.integers(min_value=r.DEFAULT_FUTURE_TOLERANCE + 1, max_value=10 * 365 * DAY))
def test_clock_skew_future_snapshots_never_destroyed(snaps, policy, now, ahead):
    skewed = ("ai-stack_skewed", now + ahead)
    snaps = [item for item in snaps if item[0] != skewed[0]] + [skewed]
    result = r.plan(snaps, policy, now)
    assert skewed[0] in result["keep"]
    without = r.plan([item for item in snaps if item != skewed], policy, now)
    # The skewed one changes nothing else.
    assert [n for n in result["keep"] if n != skewed[0]] == without["keep"]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=400), min_size=1, max_size=60, unique=True), times)
def test_rotation_over_simulated_days_is_bounded(day_offsets, start):
    # Run the rotation once a day on any set of days (gaps included): the kept set stays within
    # the policy's budget and always includes the newest snapshot.
    survivors = []
    for offset in sorted(day_offsets):
        now = start + offset * DAY
        survivors.append((r.snapshot_name("ai-stack", now), now))
        result = r.plan(survivors, SEED_POLICY, now)
        survivors = [item for item in survivors if item[0] in set(result["keep"])]
        assert len(survivors) <= 7 + 4 + 3
        assert r.snapshot_name("ai-stack", now) in {name for name, _created in survivors}
