# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""files_in_place on the networking role's read of the converged demo host (tests/demo.sh, Debian 13)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ansible_collections.homelab.ai_stack.plugins.module_utils._file_state import in_place, parse

HOST = Path(__file__).parent / "fixtures" / "host"
READ = (HOST / "file_state_demo_deb13.txt").read_text(encoding="utf-8").splitlines()
UNIT = (HOST / "files_demo_deb13" / "ai-stack-front-door.service").read_text(encoding="utf-8")
# Recorded without its first line, as roles/networking/files keeps it (the role writes the shebang:
# ansible-test refuses a non-module shebang in the tree).
SCRIPT = "#!/bin/bash\n" + (HOST / "files_demo_deb13" / "ai-stack-start-published").read_text(encoding="utf-8")
ENTRIES = [
    {"dest": "/etc/ai-stack", "state": "directory", "mode": "0755"},
    {"dest": "/etc/systemd/system/ai-stack-front-door.service", "content": UNIT},
    {"dest": "/usr/local/libexec/ai-stack", "state": "directory", "mode": "0755"},
    {"dest": "/usr/local/libexec/ai-stack/ai-stack-start-published", "content": SCRIPT, "mode": "0755"},
    {"dest": "/etc/ai-stack/old.conf", "state": "absent"},
]


def test_the_files_of_the_converged_host_are_in_place():
    have = parse(READ)
    assert have["/etc/ai-stack"] == ["d", "755", "root", "root"]
    assert in_place(ENTRIES, have)


@pytest.mark.parametrize(
    "entry",
    [
        {"dest": "/etc/systemd/system/ai-stack-front-door.service", "content": UNIT + "# edited\n"},
        {"dest": "/etc/systemd/system/ai-stack-front-door.service", "content": UNIT, "mode": "0600"},
        {"dest": "/etc/systemd/system/ai-stack-front-door.service", "content": UNIT, "owner": "0"},  # cannot judge
        {"dest": "/etc/systemd/system/ai-stack-front-door.service", "src": "unit.j2"},  # cannot judge
        {"dest": "/etc/ai-stack", "state": "file", "content": ""},  # a directory where a file is wanted
        {"dest": "/etc/ai-stack/missing.conf", "content": "x"},
        {"dest": "/etc/ai-stack/front-door.nft", "state": "absent"},
        {"dest": "/etc/ai-stack", "state": "link"},
    ],
)
def test_anything_out_of_place_or_unknown_lets_the_files_run_decide(entry):
    assert not in_place([*ENTRIES, entry], parse(READ))


def test_a_link_or_another_kind_is_out_of_place():
    have = parse(["/etc/ai-stack/front-door.nft link", "/etc/ai-stack other"])
    assert not in_place([{"dest": "/etc/ai-stack/front-door.nft", "content": ""}], have)
    assert not in_place([{"dest": "/etc/ai-stack", "state": "directory"}], have)
    assert in_place([], have)


def test_force_false_keeps_the_content_and_no_mode_is_not_compared():
    have = parse(READ)
    kept = {"dest": "/etc/systemd/system/ai-stack-front-door.service", "content": "another\n", "force": False}
    assert in_place([kept], have)
    assert not in_place([{**kept, "mode": "0600"}], have)  # its mode, owner and group still count
    assert not in_place([{**kept, "force": True}], have)
    # As the files module: a directory without a mode (entry or default) keeps whatever mode it has.
    odd = parse(["/srv/data d 700 root root"])
    assert in_place([{"dest": "/srv/data", "state": "directory"}], odd, directory_mode=None)
    assert not in_place([{"dest": "/srv/data", "state": "directory"}], odd)
