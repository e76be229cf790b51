# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import os

import pytest

from ansible_collections.homelab.ai_stack.plugins.module_utils import _dirs


def test_normalize_sorts_parents_first_and_fills_defaults():
    plan = _dirs.normalize("/srv/x/", [{"path": "a/b"}, {"path": "."}, {"path": "a", "owner": "1000", "mode": "775"}])
    assert [item["path"] for item in plan] == ["/srv/x", "/srv/x/a", "/srv/x/a/b"]
    assert plan[1] == {"path": "/srv/x/a", "rel": "a", "owner": "1000", "group": "root", "mode": "0775"}
    assert plan[0]["rel"] == "."


def test_normalize_merges_identical_duplicates():
    plan = _dirs.normalize("/srv/x", [{"path": "a"}, {"path": "a/"}])
    assert [item["path"] for item in plan] == ["/srv/x/a"]


@pytest.mark.parametrize(
    ("root", "entries", "fragment"),
    [
        ("srv/x", [], "root must be an absolute path"),
        ("/", [], "root must not be /"),
        ("/srv/cold-storage/../etc", [], "root must not contain '..'"),
        ("/srv/x", [{"path": "/etc"}], "paths[0] ('/etc'): must be relative"),
        ("/srv/x", [{"path": "a/../../etc"}], "segment '..' is not a plain name"),
        ("/srv/x", [{"path": "ok"}, {"path": "a//b"}], "paths[1] ('a//b'): segment '' is not a plain name"),
        ("/srv/x", [{"path": "a", "mode": "u+rwx"}], "mode 'u+rwx' is not an octal mode"),
        ("/srv/x", [{"path": "a", "mode": "0755"}, {"path": "a", "mode": "0700"}], "listed twice"),
    ],
)
def test_normalize_refuses(root, entries, fragment):
    with pytest.raises(_dirs.DirsError) as info:
        _dirs.normalize(root, entries)
    assert fragment in str(info.value)


def test_within_follows_symlinks(tmp_path):
    root = tmp_path / "root"
    (root / "inside").mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    (root / "escape").symlink_to(tmp_path / "outside")
    (root / "alias").symlink_to(root / "inside")
    assert _dirs.within(str(root), str(root / "inside" / "new"))
    assert _dirs.within(str(root), str(root / "alias" / "new"))
    assert not _dirs.within(str(root), str(root / "escape" / "new"))
    # A sibling that shares the root's name as a prefix is not below it.
    assert not _dirs.within(str(root), str(tmp_path / "root-other"))


def test_missing_lists_unlisted_parents_once_in_order(tmp_path):
    (tmp_path / "a").mkdir()
    plan = _dirs.normalize(str(tmp_path), [{"path": "a/b/c"}, {"path": "a/b/d"}, {"path": "a"}, {"path": "e"}])
    assert _dirs.missing(plan) == [str(tmp_path / p) for p in ("e", "a/b", "a/b/c", "a/b/d")]


def test_out_of_place_names_what_ensure_would_change(tmp_path):
    root = tmp_path / "data"
    entries = [{"path": "."}, {"path": "a/b", "owner": "0", "group": "root", "mode": "0750"}]
    assert _dirs.out_of_place(str(root), entries) == [f"{root}: missing", f"{root}/a: missing", f"{root}/a/b: missing"]
    (root / "a" / "b").mkdir(parents=True)
    root.chmod(0o755)
    (root / "a" / "b").chmod(0o750)
    uid, gid = os.getuid(), os.getgid()
    if (uid, gid) == (0, 0):
        assert _dirs.out_of_place(str(root), entries) == []
    (root / "a" / "b").chmod(0o700)
    assert _dirs.out_of_place(str(root), entries)[-1] == f"{root}/a/b: {uid}:{gid} 0700, wanted 0:root 0750"
    assert _dirs.out_of_place(str(root), [{"path": "../x"}])[0].startswith("paths[0] ('../x'): segment '..'")
    (root / "f").write_text("")
    assert _dirs.out_of_place(str(root), [{"path": "f"}]) == [f"{root}/f: not a directory below {root}"]
    assert "unknown-user-x" in _dirs.out_of_place(str(root), [{"path": ".", "owner": "unknown-user-x"}])[0]
