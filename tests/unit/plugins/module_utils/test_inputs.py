# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import pytest

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
