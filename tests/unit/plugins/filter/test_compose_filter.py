# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The compose_in_sync filter's own argument handling; its judgement is _compose.sync_reasons, tested with the
modules in tests/unit/plugins/modules/test_compose_project.py against compose_project --check."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.homelab.ai_stack.plugins.filter.compose import compose_in_sync
from ansible_collections.homelab.ai_stack.plugins.module_utils import _compose


def test_a_missing_read_is_never_in_sync():
    assert compose_in_sync(None, "services: {}\n") is False
    assert compose_in_sync({}, "services: {}\n") is False


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"read": "text"}, "_input must be the compose result of a read"),
        ({"env": ["A=1"]}, "env must be a mapping"),
        ({"directories": "/srv"}, "directories must be compose_project's directories"),
    ],
)
def test_bad_arguments_are_named(kwargs, message):
    args = {"read": {}, "compose": "services: {}\n", **kwargs}
    read = args.pop("read")
    with pytest.raises(AnsibleFilterError, match=message):
        compose_in_sync(read, **args)


def test_the_filter_returns_what_sync_reasons_judges(monkeypatch):
    seen = {}

    def judge(read, compose, secrets_equal, env, pull, directories):
        seen.update(read=read, compose=compose, secrets_equal=secrets_equal, env=env, pull=pull, dirs=directories)
        return [] if compose == "same\n" else ["compose.yml differs"]

    monkeypatch.setattr(_compose, "sync_reasons", judge)
    assert compose_in_sync({"exists": True}, "same\n", env={"A": "1"}, secrets_equal="yes", pull="always") is True
    assert seen == {
        "read": {"exists": True},
        "compose": "same\n",
        "secrets_equal": True,
        "env": {"A": "1"},
        "pull": "always",
        "dirs": None,
    }
    assert compose_in_sync({"exists": True}, "other\n") is False
