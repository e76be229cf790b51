# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import pytest

from ansible_collections.homelab.ai_stack.plugins.module_utils import _inputs
from ansible_collections.homelab.ai_stack.plugins.module_utils._inputs import bool_word, plain


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("true", True),
        (" Yes ", True),
        ("ON", True),
        ("1", True),
        ("y", True),
        ("t", True),
        ("false", False),
        ("No", False),
        ("off", False),
        ("0", False),
        ("n", False),
        ("f", False),
        ("", False),
        ("  ", False),
        ("maybe", None),
        ("2", None),
        ("none", None),
    ],
)
def test_bool_word_reads_the_words_ansible_reads(text, want):
    assert bool_word(text) is want


class _Str(str):
    pass


def test_plain_copies_containers_and_unwraps_str_subclasses():
    source = {_Str("a"): [1, 2.5, _Str("x"), None, True, (3,)], 7: {"b": False}}
    copied = plain(source)
    assert copied == {"a": [1, 2.5, "x", None, True, [3]], 7: {"b": False}}
    key = next(iter(copied))
    assert isinstance(key, str) and not isinstance(key, _Str)
    assert isinstance(copied["a"][2], str) and not isinstance(copied["a"][2], _Str)
    copied["a"].append("new")
    assert source[_Str("a")] == [1, 2.5, _Str("x"), None, True, (3,)]


@pytest.mark.parametrize(
    ("given", "want"),
    [
        (None, []),
        ("", []),
        ("  ", []),
        (["a", "b"], ["a", "b"]),
        (("a",), ["a"]),
        ("a, b,,c ", ["a", "b", "c"]),
        ('["a", "b"]', ["a", "b"]),
        # A list of dicts on the command line: -e 'zfs_snapshots_datasets=[{"name": "tank/ai"}]'
        ('[{"name": "tank/ai", "hourly": 4}]', [{"name": "tank/ai", "hourly": 4}]),
    ],
)
def test_list_input(given, want):
    assert _inputs.list_input(given) == want


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        ("[oops", "starts like JSON but is not valid JSON"),
        ('{"name": "tank/ai"}', "is not a list"),
        (3, "expected a list, got int"),
        ({"a": 1}, "expected a list, got dict"),
    ],
)
def test_list_input_refuses(given, reason):
    with pytest.raises(ValueError, match=reason):
        _inputs.list_input(given)


def test_zfs_datasets_as_a_json_string():
    # Before one rule, the ZFS plan split this JSON text on its commas.
    from ansible_collections.homelab.ai_stack.plugins.module_utils import _zfs_plan

    assert _zfs_plan._as_list('[{"name": "tank/ai"}]', "zfs_snapshots_datasets") == [{"name": "tank/ai"}]


@pytest.mark.parametrize(
    ("value", "version", "expected"),
    [
        ("100.100.1.1", None, True),
        ("100.100.1.1", 4, True),
        ("100.100.1.1", 6, False),
        ("fd7a:115c:a1e0::1", None, True),
        ("fd7a:115c:a1e0::1", 4, False),
        ("10.0.0.0/8", None, False),
        (" 10.0.0.1", None, False),
        ("host.example", None, False),
        ("", None, False),
        (None, None, False),
        (167772161, None, False),
    ],
)
def test_is_ip(value, version, expected):
    assert _inputs.is_ip(value, version) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("100.64.0.0/10", True),
        ("100.64.0.1/10", True),
        ("100.100.1.1", True),
        ("fd7a:115c:a1e0::/48", True),
        ("10.0.0.0/33", False),
        ("all", False),
        ("zabbix.example", False),
        ("", False),
    ],
)
def test_is_network(value, expected):
    assert _inputs.is_network(value) is expected
