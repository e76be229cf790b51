# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""module_utils/_files_judge.py: whether a files run would change nothing, on a real file system."""

from __future__ import annotations

import json
import os
import pwd

import pytest

from ansible_collections.homelab.ai_stack.plugins.module_utils import _files_judge

ME = pwd.getpwuid(os.getuid()).pw_name


@pytest.fixture
def tree(tmp_path):
    """A converged set: a directory (0755), a file (0644) and a secret (0600), owned by the test's user."""
    (tmp_path / "d").mkdir()
    os.chmod(tmp_path / "d", 0o755)
    (tmp_path / "d" / "a.conf").write_text("a\n")
    os.chmod(tmp_path / "d" / "a.conf", 0o644)
    (tmp_path / "d" / "password").write_text("s3cret\n")
    os.chmod(tmp_path / "d" / "password", 0o600)
    return tmp_path


def entries(root):
    return [
        {"dest": f"{root}/d", "state": "directory"},
        {"dest": f"{root}/d/a.conf", "content": "a\n"},
        {"dest": f"{root}/d/password", "content": "s3cret\n", "mode": "0600", "secret": True},
        {"dest": f"{root}/d/old.conf", "state": "absent"},
    ]


def judge(root, files, **kwargs):
    defaults = {"owner": ME, "group": None, "mode": "0644", "directory_mode": "0755", "pending_dir": f"{root}/pending"}
    return _files_judge.in_place(files, **{**defaults, **kwargs})


def test_a_converged_set_is_in_place(tree):
    assert judge(tree, entries(tree)) is True


@pytest.mark.parametrize(
    "drift",
    [
        lambda root: (root / "d" / "a.conf").write_text("edited\n"),
        lambda root: (root / "d" / "password").write_text("other\n"),
        lambda root: os.chmod(root / "d" / "a.conf", 0o666),
        lambda root: os.chmod(root / "d", 0o700),
        lambda root: os.unlink(root / "d" / "a.conf"),
        lambda root: (root / "d" / "old.conf").write_text("left\n"),
    ],
    ids=["content", "secret content", "file mode", "directory mode", "deleted", "a file to remove is there"],
)
def test_drift_is_out_of_place(tree, drift):
    drift(tree)
    assert judge(tree, entries(tree)) is False


def test_a_wanted_owner_that_differs_is_out_of_place(tree):
    assert judge(tree, entries(tree), owner="root" if ME != "root" else "nobody") is False


def test_an_owner_the_host_does_not_know_is_out_of_place(tree):
    assert judge(tree, entries(tree), owner="no-such-user-here") is False


def test_a_kept_file_force_false_is_judged_by_its_attributes_only(tree):
    kept = {"dest": f"{tree}/d/password", "content": "generated elsewhere\n", "mode": "0600", "force": False}
    assert judge(tree, [kept]) is True
    os.chmod(tree / "d" / "password", 0o644)
    assert judge(tree, [kept]) is False


def test_optional_entries_count_only_where_their_directory_exists(tree):
    item = [{"dest": f"{tree}/zabbix.d/backup.conf", "content": "UserParameter=x,y\n"}]
    assert judge(tree, entries(tree), optional=item) is True
    (tree / "zabbix.d").mkdir()
    assert judge(tree, entries(tree), optional=item) is False
    (tree / "zabbix.d" / "backup.conf").write_text("UserParameter=x,y\n")
    os.chmod(tree / "zabbix.d" / "backup.conf", 0o644)
    assert judge(tree, entries(tree), optional=item) is True


def test_a_restart_marker_left_by_a_killed_run_is_out_of_place(tree):
    assert judge(tree, entries(tree), pending="zabbix-agent2-restart") is True
    (tree / "pending").mkdir()
    (tree / "pending" / "zabbix-agent2-restart").write_text("left\n")
    assert judge(tree, entries(tree), pending="zabbix-agent2-restart") is False


@pytest.mark.parametrize(
    "bad",
    [{"dest": "relative/path", "content": "x"}, {"dest": "/x", "state": "link"}, {"dest": "/x"}],
    ids=["relative dest", "unknown state", "file without content"],
)
def test_an_entry_the_files_module_refuses_is_out_of_place(tree, bad):
    assert judge(tree, [*entries(tree), bad]) is False


def test_a_directory_where_a_file_is_wanted_is_out_of_place(tree):
    (tree / "d" / "sub").mkdir()
    assert judge(tree, [{"dest": f"{tree}/d/sub", "content": "x"}]) is False


def test_judge_takes_the_files_task_arguments(tree):
    wanted = {"files": entries(tree), "owner": ME, "mode": "0644", "directory_mode": "0755", "pending_dir": f"{tree}/p"}
    assert _files_judge.judge(wanted) is True
    assert _files_judge.judge(json.dumps(wanted)) is True  # as the modules take it
    assert _files_judge.judge({**wanted, "mode": "0600"}) is False
    assert _files_judge.judge({**wanted, "optional": [{"dest": f"{tree}/d/new.conf", "content": "x"}]}) is False
    (tree / "p").mkdir()
    (tree / "p" / "marker").write_text("")
    assert _files_judge.judge({**wanted, "pending": "marker"}) is False


@pytest.mark.parametrize(
    "bad", [None, [], "{not json", "[]", {"files": "x"}, {"files": ["x"]}, {"files": [], "optional": "x"}]
)
def test_judge_of_a_malformed_option_is_out_of_place(bad):
    assert _files_judge.judge(bad) is False
