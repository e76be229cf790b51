# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""pihole_lists' light run (its action plugin), with the project and the FTL fake of test_pihole_lists_compose.py."""

from __future__ import annotations

import importlib.util
import json
import pathlib

from ansible_collections.homelab.ai_stack.plugins.modules import compose_project

_spec = importlib.util.spec_from_file_location(
    "_pihole_lists_compose_tests",
    pathlib.Path(__file__).resolve().parents[1] / "modules" / "test_pihole_lists_compose.py",
)
_tplc = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_tplc)
host, ftl, lists_args, SECRET = _tplc.host, _tplc.ftl, _tplc.lists_args, _tplc.SECRET


def test_light_run_reads_the_lists_and_hands_any_call_to_the_module(host, run_module, run_light, run_full, ftl):
    """The action plugin's light run is a check-mode run: it reads FTL and writes nothing."""
    base, log = ftl
    run_module(compose_project.main, host.args())
    # A group to add: the light run hands over, and no call but the session's was made.
    assert "would change" in run_light("pihole_lists", lists_args(host, base))["lite_needs_module"]
    assert not [call for call in log if call[1] not in ("/api/auth",) and call[0] != "GET"]
    # Nothing to add: the light run's answer is the module's.
    nothing = lists_args(host, base, groups=[])
    light = run_light("pihole_lists", nothing)
    assert light == run_full("pihole_lists", nothing) and light["applied"] is True and light["changed"] is False
    assert SECRET not in json.dumps(light)
