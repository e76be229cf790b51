# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every plugin does to its inputs before its own logic: one copy of each.

- plain(): a plain copy of a templated value (filters call it on what Jinja hands them);
- bool_word(): the boolean a word given on the command line stands for (``-e x=false``
  arrives as the string ``false``), or None for any other text;
- list_input(): a list input, also when it came as a ``-e name=value`` string: a JSON
  list (``-e 'x=[{"name": "a"}]'``, the way to give a list of dicts) or comma-separated
  words (``-e x=a,b``);
- is_ip(): whether a string is an IP address (no prefix), optionally of one version;
- is_network(): whether a value, as text, is an IP address or network (CIDR, host bits allowed).
Each caller keeps its own rules for other types and its own error message.

Plain functions (stdlib only), used on the controller and the target.
"""

from __future__ import annotations

import copy
import ipaddress
import json
from collections.abc import Mapping

# The words Ansible reads as booleans; an empty string (``-e x=``) is false.
TRUE_WORDS = frozenset(("true", "yes", "on", "1", "y", "t"))
FALSE_WORDS = frozenset(("false", "no", "off", "0", "n", "f", ""))


def bool_word(text):
    """True or False for a boolean word (any case, surrounding blanks ignored), else None."""
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None


def list_input(value):
    """The list a list input stands for: the one rule every plugin reads lists by.

    None and an empty or blank string are an empty list; a list or tuple is a
    list; a string starting with ``[`` or ``{`` is read as JSON and must be a list; any
    other string is split on commas, blank items dropped. Raises ValueError
    (with the reason, for the caller to name its variable) for invalid JSON,
    JSON that is not a list, or a value of another type.
    """
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    if not isinstance(value, str):
        raise ValueError(f"expected a list, got {type(value).__name__} {value!r}")
    text = value.strip()
    if text.startswith(("[", "{")):
        try:
            parsed = json.loads(text)
        except ValueError as exc:
            raise ValueError(f"{text!r} starts like JSON but is not valid JSON ({exc})") from None
        if not isinstance(parsed, list):
            raise ValueError(f"{text!r} is not a list")
        return parsed
    return [item.strip() for item in text.split(",") if item.strip()]


def plain(value):
    """A plain copy of a templated value, so the core never touches the caller's variables.

    Not copy.deepcopy: on ansible-core 2.19 a templated list or dict is a lazy
    container that holds the templar, and deep-copying it copies that too
    (about half a second per call). Walking it resolves each item once.
    """
    if isinstance(value, Mapping):
        return {str(k) if isinstance(k, str) else k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return copy.deepcopy(value)


def is_ip(value, version=None):
    """True for a string that is an IP address (no prefix, no blanks); ``version`` 4 or 6 narrows it."""
    if not isinstance(value, str):
        return False
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return False
    return version is None or address.version == version


def is_network(value):
    """True when ``str(value)`` is an IPv4/IPv6 address or network (CIDR; host bits may be set)."""
    try:
        ipaddress.ip_network(str(value), strict=False)
    except ValueError:
        return False
    return True
