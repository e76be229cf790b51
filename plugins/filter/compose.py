# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether a compose_project run would change nothing; the logic lives in module_utils/_compose.py."""

from __future__ import annotations

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.homelab.ai_stack.plugins.module_utils import _compose
from ansible_collections.homelab.ai_stack.plugins.module_utils._inputs import bool_word, plain


def compose_in_sync(read, compose, env=None, secrets_equal=None, pull="missing", directories=None):
    """See compose_in_sync.yml."""
    if read is not None and not isinstance(read, Mapping):
        raise AnsibleFilterError(f"compose_in_sync: _input must be the compose result of a read, got {read!r}")
    if env is not None and not isinstance(env, Mapping):
        raise AnsibleFilterError("compose_in_sync: env must be a mapping of names to values")
    if secrets_equal is not None and not isinstance(secrets_equal, bool):
        secrets_equal = bool_word(str(secrets_equal))
    if directories is not None and not isinstance(directories, Mapping):
        raise AnsibleFilterError("compose_in_sync: directories must be compose_project's directories (root, paths)")
    directories = plain(dict(directories)) if directories is not None else None
    read = plain(dict(read)) if read is not None else None
    env = plain(dict(env)) if env is not None else None
    return not _compose.sync_reasons(read, str(compose), secrets_equal, env, pull, directories)


class FilterModule:
    def filters(self):
        return {"compose_in_sync": compose_in_sync}
