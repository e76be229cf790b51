# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether a files run would change nothing; the logic lives in module_utils/_file_state.py."""

from __future__ import annotations

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.homelab.ai_stack.plugins.module_utils import _file_state
from ansible_collections.homelab.ai_stack.plugins.module_utils._inputs import plain as _plain


def files_in_place(entries, have, owner="root", group="root", mode="0644"):
    """See files_in_place.yml."""
    if entries is not None and not isinstance(entries, (list, tuple)):
        raise AnsibleFilterError(f"files_in_place: _input must be the files task's list, got {entries!r}")
    if isinstance(have, (list, tuple)):
        have = _file_state.parse(have)
    if not isinstance(have, Mapping):
        raise AnsibleFilterError(f"files_in_place: have must be the read's lines or a dict, got {have!r}")
    return _file_state.in_place(_plain(list(entries or [])), _plain(dict(have)), owner, group, mode)


class FilterModule:
    def filters(self):
        return {"files_in_place": files_in_place}
