# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The webui.db backup script the openwebui role runs before an image change (files/webui_db_backup.py)."""

from __future__ import annotations

import json
import os
import pathlib
import sqlite3
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[4]
SCRIPT = ROOT / "roles" / "openwebui" / "files" / "webui_db_backup.py"


def run(*args):
    res = subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], capture_output=True, text=True, check=False)
    return res.returncode, json.loads(res.stdout)


def test_copy_is_consistent_private_named_after_the_old_tag_and_old_copies_pruned(tmp_path):
    src = tmp_path / "webui.db"
    with sqlite3.connect(src) as db:
        db.execute("CREATE TABLE chat (id TEXT)")
        db.execute("INSERT INTO chat VALUES ('kept')")
    backups = tmp_path / "backups"
    backups.mkdir()
    for age, name in enumerate(["webui-20200101T000000Z-v0.6.30.db", "webui-20200102T000000Z-v0.6.31.db"]):
        (backups / name).write_text("old")
        os.utime(backups / name, (1_000_000 + age, 1_000_000 + age))

    rc, out = run(src, backups, "ghcr.io/open-webui/open-webui:v0.6.32", 2)

    assert rc == 0
    dest = pathlib.Path(out["dest"])
    assert dest.name.startswith("webui-") and dest.name.endswith("-v0.6.32.db")
    assert oct(dest.stat().st_mode & 0o777) == "0o600"
    with sqlite3.connect(dest) as db:
        assert db.execute("SELECT id FROM chat").fetchall() == [("kept",)]
    assert out["removed"] == ["webui-20200101T000000Z-v0.6.30.db"]
    assert sorted(p.name for p in backups.iterdir()) == sorted([dest.name, "webui-20200102T000000Z-v0.6.31.db"])
    assert not list(backups.glob("*.partial"))


def test_nothing_to_copy_without_a_database(tmp_path):
    rc, out = run(tmp_path / "webui.db", tmp_path, "ghcr.io/open-webui/open-webui:v0.6.32", 2)
    assert (rc, out["dest"]) == (0, None)
    assert list(tmp_path.iterdir()) == []
