# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""backup_facts: the wanted_files judgement (the dpkg and systemctl reads are tested in module_utils/test_backup.py)."""

from __future__ import annotations

import json

from ansible_collections.homelab.ai_stack.plugins.modules import backup_facts as m


def test_the_files_of_the_role_are_judged_and_only_a_boolean_comes_back(run_module, monkeypatch, tmp_path):
    monkeypatch.setattr(m, "_run", lambda module, tool, args: "")
    password = tmp_path / "password"
    password.write_text("molecule-backup-password")
    password.chmod(0o600)
    wanted = {
        "files": [{"dest": str(password), "content": "molecule-backup-password", "mode": "0600", "secret": True}],
        "optional": [{"dest": str(tmp_path / "zabbix_agent2.d" / "ai-stack-backup.conf"), "content": "x\n"}],
        "pending_dir": str(tmp_path / "pending"),
    }
    args = {"packages": [], "timers": [], "state_dir": str(tmp_path), "wanted_files": json.dumps(wanted)}
    facts = run_module(m.main, args)["ansible_facts"]["ai_stack_backup"]
    assert facts["files_in_place"] is True
    assert "molecule-backup-password" not in str(facts)
    (tmp_path / "zabbix_agent2.d").mkdir()  # the agent came: the item is wanted now
    assert run_module(m.main, args)["ansible_facts"]["ai_stack_backup"]["files_in_place"] is False
    del args["wanted_files"]
    assert "files_in_place" not in run_module(m.main, args)["ansible_facts"]["ai_stack_backup"]


SHOW = """Id=ai-stack-backup.timer
LoadState=loaded
ActiveState=inactive
UnitFileState=enabled

Id=ai-stack-backup-check.timer
LoadState=loaded
ActiveState=inactive
UnitFileState=disabled
"""


def test_the_timers_down_are_those_not_enabled_then_those_not_active(run_module, monkeypatch, tmp_path):
    monkeypatch.setattr(m, "_run", lambda module, tool, args: SHOW if tool == "systemctl" else "")
    facts = run_module(m.main, {"packages": [], "state_dir": str(tmp_path)})["ansible_facts"]["ai_stack_backup"]
    assert facts["timers_down"] == ["ai-stack-backup-check.timer", "ai-stack-backup.timer"]
    running = SHOW.replace("inactive", "active").replace("disabled", "enabled")
    monkeypatch.setattr(m, "_run", lambda module, tool, args: running if tool == "systemctl" else "")
    facts = run_module(m.main, {"packages": [], "state_dir": str(tmp_path)})["ansible_facts"]["ai_stack_backup"]
    assert facts["timers_down"] == []
