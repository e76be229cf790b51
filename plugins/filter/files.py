# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The file_differs filter; the logic lives in module_utils/_files.py."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.homelab.ai_stack.plugins.module_utils._files import FilesError, differences


def file_differs(found, path, content=None, mode=None, owner=None, group=None, state="file"):
    """True when ``path`` on the host differs from the wanted state (see file_differs.yml)."""
    try:
        return bool(differences(found, path, content=content, mode=mode, owner=owner, group=group, state=state))
    except FilesError as exc:
        raise AnsibleFilterError(f"file_differs: {exc}") from exc


class FilterModule:
    def filters(self):
        return {"file_differs": file_differs}
