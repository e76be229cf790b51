# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pi-hole's blocklists as data, checked on the controller before anything changes (module_utils/_pihole_lists.py)."""

from __future__ import annotations

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.homelab.ai_stack.plugins.module_utils._pihole_checks import preflight
from ansible_collections.homelab.ai_stack.plugins.module_utils._pihole_lists import (
    PiholeListsError,
    wanted_state,
)

_KEYS = ("groups", "adlists", "domains", "clients", "allow", "deny")


def pihole_lists_check(data):
    """The number of wanted entries of each kind; an error naming the variable for bad input."""
    if not isinstance(data, Mapping) or set(data) - set(_KEYS):
        raise AnsibleFilterError(f"pihole_lists_check: expects a mapping with the keys {list(_KEYS)}")
    try:
        wanted = wanted_state(**{k: data.get(k) for k in _KEYS})
    except PiholeListsError as exc:
        raise AnsibleFilterError(str(exc)) from None
    return {kind: len(entries) for kind, entries in wanted.items()}


def pihole_preflight(data):
    """Every problem with the pihole role's inputs and its local DNS records (see pihole_preflight.yml)."""
    if not isinstance(data, Mapping):
        raise AnsibleFilterError("pihole_preflight: expects a mapping of the role's inputs")
    return preflight(dict(data))


class FilterModule:
    def filters(self):
        return {"pihole_lists_check": pihole_lists_check, "pihole_preflight": pihole_preflight}
