# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run every module test as the target side of Ansible would."""

from __future__ import annotations

import pytest
from ansible.module_utils.common import warnings

try:  # ansible-core >= 2.19
    from ansible.module_utils import _internal
except ImportError:  # pragma: no cover - older cores have no such switch
    _internal = None


@pytest.fixture(autouse=True)
def _module_side(monkeypatch):
    # Importing controller code (the filter tests do) flips this flag for the
    # whole process, after which AnsibleModule.warn() goes to the controller's
    # display instead of the module result. A module never runs that way.
    if _internal is not None and hasattr(_internal, "is_controller"):
        monkeypatch.setattr(_internal, "is_controller", False)
    # Warnings are collected process-wide; each test starts with none.
    monkeypatch.setattr(warnings, "_global_warnings", type(warnings._global_warnings)())
