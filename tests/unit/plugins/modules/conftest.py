# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run every module test as the target side of Ansible would."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import pathlib
import sys
import types

import pytest
from ansible.module_utils import basic
from ansible.module_utils.common import warnings

# ansible-core >= 2.19 ships the helper the module tests use; 2.17 and 2.18
# get the same helper over basic._ANSIBLE_ARGS.
if importlib.util.find_spec("ansible.module_utils.testing") is None:

    @contextlib.contextmanager
    def _patch_module_args(args=None):
        saved = basic._ANSIBLE_ARGS
        basic._ANSIBLE_ARGS = json.dumps({"ANSIBLE_MODULE_ARGS": args or {}}).encode()
        try:
            yield
        finally:
            basic._ANSIBLE_ARGS = saved

    _testing = types.ModuleType("ansible.module_utils.testing")
    _testing.patch_module_args = _patch_module_args
    sys.modules["ansible.module_utils.testing"] = _testing

# Imported after the fallback above, which provides it on older cores.
from ansible.module_utils.testing import patch_module_args

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


@pytest.fixture
def run_module(capsys):
    """Run a module's main() with these arguments as the target side would; returns its JSON result plus rc."""

    def run(main, args, check_mode=False, diff=False):
        args = dict(args)
        if check_mode:
            args["_ansible_check_mode"] = True
        if diff:
            args["_ansible_diff"] = True
        with patch_module_args(args), pytest.raises(SystemExit) as exit_info:
            main()
        result = json.loads(capsys.readouterr().out)
        result["rc"] = exit_info.value.code
        return result

    return run


FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "module_utils" / "fixtures" / "host"


@pytest.fixture
def tools(tmp_path, monkeypatch):
    """ip, ss, systemctl and getent answering what the Debian 13 test container answered."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    scripts = {
        "ip": f"""case "$*" in
  *addr*) cat {FIXTURES}/ip_addr_deb13_testcontainer.json ;;
  *route*) cat {FIXTURES}/ip_route_deb13_testcontainer.json ;;
esac""",
        "ss": f"cat {FIXTURES}/ss_deb13_testcontainer.txt",
        "systemctl": f"cat {FIXTURES}/systemctl_show_deb13_testcontainer.txt",
        "getent": f"cat {FIXTURES}/getent_docker_deb13_testcontainer.txt",
    }
    for name, body in scripts.items():
        (bindir / name).write_text("#!/bin/sh\n" + body + "\n")
        (bindir / name).chmod(0o755)
    monkeypatch.setenv("PATH", f"{bindir}:/usr/bin:/bin")
    return bindir
