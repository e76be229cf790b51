# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The light runs of plugin_utils/_lite_read.py against the modules themselves.

Controller-side tests (ansible-test runs tests under plugins/modules with module_utils only): they
borrow the module tests' fixtures (run_module, tools) from plugins/modules/conftest.py.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import pathlib
import subprocess
import sys

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.homelab.ai_stack.plugins.plugin_utils import _lite_read

_spec = importlib.util.spec_from_file_location(
    "_module_test_fixtures", pathlib.Path(__file__).resolve().parents[1] / "modules" / "conftest.py"
)
_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_fixtures)
run_module, tools, _module_side = _fixtures.run_module, _fixtures.tools, _fixtures._module_side


@pytest.fixture
def run_light():
    """Run a module the light way, as its action plugin pipes it to the host (plugin_utils/_lite_read.py).

    The program runs in a fresh, isolated interpreter (``-I``: no site-packages, so no ansible), with the
    arguments validated against the action plugin's spec; returns the JSON result it prints.
    """

    def run(name, args, diff=False):
        action = importlib.import_module(f"ansible_collections.homelab.ai_stack.plugins.action.{name}").ActionModule
        params = ArgumentSpecValidator(action.SPEC, **action.VALIDATION).validate(args).validated_parameters
        proc = subprocess.run(
            [sys.executable, "-I", "-"],
            input=_lite_read.program(name, params, diff=diff),
            capture_output=True,
            text=True,
            env=dict(os.environ),
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout.strip().splitlines()[-1])

    return run


@pytest.fixture
def run_full(run_module):
    """Run the module itself (its main(), as the target side would), for run_light to be compared with.

    Without ``rc`` and ``invocation``, which the light run's printed result does not carry.
    """

    def run(name, args):
        main = importlib.import_module(f"ansible_collections.homelab.ai_stack.plugins.modules.{name}").main
        result = run_module(main, args)
        result.pop("rc")
        result.pop("invocation", None)
        return result

    return run
