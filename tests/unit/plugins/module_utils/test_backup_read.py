# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The backup role's no-op read: the script on a temporary tree, the filter on the converged demo host's read."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from ansible_collections.homelab.ai_stack.plugins.module_utils import _backup
from ansible_collections.homelab.ai_stack.plugins.module_utils._backup_read import read_state

ROOT = Path(__file__).parents[4]
SCRIPT = ROOT / "roles" / "backup" / "files" / "backup-read.sh"
FIX = Path(__file__).parent / "fixtures" / "backup"
# roles/backup/files/backup-read.sh on the converged demo host (tests/demo.sh, Debian 13), and the
# files it read there (the password is the demo inventory's).
READ = (FIX / "read_demo_deb13.txt").read_text(encoding="utf-8").splitlines()
DEMO = FIX / "read_demo_deb13"
PACKAGES = ["restic", "util-linux"]
TIMERS = ["ai-stack-backup.timer", "ai-stack-backup-check.timer"]
ZABBIX = "/etc/zabbix/zabbix_agent2.d"
UNITS = "/etc/systemd/system/"
FILES = [
    {"dest": "/usr/local/libexec/ai-stack", "state": "directory"},
    {"dest": "/etc/ai-stack/backup", "state": "directory"},
    {"dest": "/var/lib/ai-stack/backup", "state": "directory"},
    {"dest": "/usr/local/libexec/ai-stack/_backup.py", "content": (DEMO / "_backup.py.txt").read_text()},
    {
        "dest": "/usr/local/libexec/ai-stack/ai_stack_backup.py",
        "content": (DEMO / "ai_stack_backup.py.txt").read_text(),
    },
    {"dest": "/etc/ai-stack/backup/password", "content": "demo-backup-password-change-me", "mode": "0600"},
    {"dest": "/etc/ai-stack/backup/restic.env", "content": (DEMO / "restic.env").read_text(), "mode": "0600"},
    {"dest": "/etc/ai-stack/backup/config.json", "content": (DEMO / "config.json").read_text()},
] + [
    {"dest": UNITS + name, "content": (DEMO / name).read_text()}
    for name in ["ai-stack-backup.service", *TIMERS, "ai-stack-backup-check.service"]
]
OPTIONAL = [{"dest": ZABBIX + "/ai-stack-backup.conf", "content": (DEMO / "ai-stack-backup.conf").read_text()}]


def _state(lines=None, files=None, optional=None):
    lines, files = READ if lines is None else lines, FILES if files is None else files
    return read_state(lines, PACKAGES, TIMERS, [ZABBIX], files, OPTIONAL if optional is None else optional)


def test_the_converged_demo_host():
    assert _state() == {
        "packages": {"restic": True, "util-linux": True},
        "timers": {name: {"exists": True, "enabled": True, "active": True} for name in TIMERS},
        "timers_down": [],
        "repository_initialised": True,
        "paths": {ZABBIX: True},
        "files_in_place": True,
        "in_place": True,
    }


@pytest.mark.parametrize(
    ("index", "change"),
    [(5, {"content": "another password"}), (5, {"mode": "0644"}), (8, {"content": "{}\n"}), (0, {"mode": "0700"})],
)
def test_a_file_out_of_place(index, change):
    files = [dict(entry) for entry in FILES]
    files[index].update(change)
    assert _state(files=files)["files_in_place"] is False
    assert _state(files=files)["in_place"] is False


def test_the_zabbix_item_counts_only_where_the_agent_s_directory_is():
    edited = [{**OPTIONAL[0], "content": "edited\n"}]
    assert _state(optional=edited)["files_in_place"] is False
    no_agent = [line for line in READ if not line.startswith(("dir=", "have=" + ZABBIX, "sha=" + ZABBIX))]
    assert _state(lines=no_agent, optional=edited)["files_in_place"] is True
    assert _state(lines=no_agent)["paths"] == {ZABBIX: False}


def test_a_timer_down_a_package_missing_no_record():
    lines = "\n".join(READ).replace("ActiveState=active", "ActiveState=inactive", 1).splitlines()
    assert _state(lines=lines)["timers_down"] == ["ai-stack-backup.timer"]
    lines = [line.replace("UnitFileState=enabled", "UnitFileState=disabled") for line in READ]
    assert _state(lines=lines)["timers_down"] == TIMERS
    assert _state(lines=lines)["in_place"] is False
    lines = [line for line in READ if not line.startswith(("pkg=restic", "repository="))]
    got = _state(lines=lines)
    assert (got["packages"]["restic"], got["repository_initialised"], got["in_place"]) == (False, False, False)
    assert _state(lines=[line for line in READ if not line.startswith("repository=")])["in_place"] is False
    assert _state(lines=[])["timers"]["ai-stack-backup.timer"] == {"exists": False, "enabled": False, "active": False}


def _run(tmp_path, **env):
    base = {"PATH": "/usr/bin:/bin", "PACKAGES": "", "TIMERS": "", "DIRS": "", "FILES": ""}
    out = subprocess.run(["bash", str(SCRIPT)], env={**base, **env}, capture_output=True, text=True, check=True)
    return out.stdout.splitlines()


def test_the_script_checks_the_repository_record_as_the_tool_writes_it(tmp_path):
    env, password, record = tmp_path / "restic.env", tmp_path / "password", tmp_path / "repository.sha256"
    env.write_text(
        "RESTIC_REPOSITORY=sftp:backup@nas:/srv/restic\nAWS_SECRET_ACCESS_KEY=s3cr\u00e9t\n", encoding="utf-8"
    )
    password.write_text("correct horse battery staple", encoding="utf-8")
    record.write_text(_backup.repository_key(env.read_text("utf-8"), password.read_text("utf-8")) + "\n")
    files = {"ENV_FILE": str(env), "PASSWORD_FILE": str(password), "RECORD": str(record)}
    assert "repository=initialised" in _run(tmp_path, **files)
    password.write_text("another password", encoding="utf-8")
    assert "repository=initialised" not in _run(tmp_path, **files)
    password.unlink()
    assert "repository=initialised" not in _run(tmp_path, **files)


def test_the_script_reads_the_files_as_the_filter_judges_them(tmp_path):
    (tmp_path / "d").mkdir(mode=0o755)
    (tmp_path / "d" / "f.conf").write_text("x\n")
    (tmp_path / "d" / "f.conf").chmod(0o644)
    (tmp_path / "link").symlink_to(tmp_path / "d" / "f.conf")
    paths = [tmp_path / "d", tmp_path / "d" / "f.conf", tmp_path / "link", tmp_path / "missing"]
    lines = _run(tmp_path, DIRS=str(tmp_path / "d"), FILES=" ".join(str(p) for p in paths))
    owner, group = lines[-1].split()[-3:-1] if lines[-1].startswith("have=") else ("root", "root")
    assert f"dir={tmp_path / 'd'}" in lines
    entries = [
        {"dest": str(tmp_path / "d"), "state": "directory", "owner": owner, "group": group},
        {"dest": str(tmp_path / "d" / "f.conf"), "content": "x\n", "owner": owner, "group": group},
    ]
    assert read_state(lines, [], [], [], entries)["files_in_place"] is True
    assert read_state(lines, [], [], [], [{**entries[1], "content": "y\n"}])["files_in_place"] is False
    assert read_state(lines, [], [], [], [{**entries[1], "dest": str(tmp_path / "link")}])["files_in_place"] is False
    assert read_state(lines, [], [], [], [{**entries[1], "dest": str(tmp_path / "missing")}])["files_in_place"] is False
