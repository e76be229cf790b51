# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The files_in_place filter takes the read's lines as the role registers them.

module_utils/_file_state.py is tested in tests/unit/plugins/module_utils/test_file_state.py.
"""

from __future__ import annotations

from pathlib import Path

from ansible_collections.homelab.ai_stack.plugins.filter.file_state import files_in_place

HOST = Path(__file__).resolve().parents[1] / "module_utils" / "fixtures" / "host"
READ = (HOST / "file_state_demo_deb13.txt").read_text(encoding="utf-8").splitlines()
UNIT = (HOST / "files_demo_deb13" / "ai-stack-front-door.service").read_text(encoding="utf-8")


def test_the_filter_reads_the_lines_of_the_converged_host():
    entries = [
        {"dest": "/etc/ai-stack", "state": "directory", "mode": "0755"},
        {"dest": "/etc/systemd/system/ai-stack-front-door.service", "content": UNIT},
    ]
    assert files_in_place(entries, READ)
    edited = {"dest": "/etc/systemd/system/ai-stack-front-door.service", "content": UNIT + "#\n"}
    assert not files_in_place([edited], READ)
