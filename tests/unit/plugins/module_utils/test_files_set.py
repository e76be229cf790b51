# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The plain functions of the files module (module_utils/_files.py) on a real file system."""

from __future__ import annotations

import os
import stat

import pytest

from ansible_collections.homelab.ai_stack.plugins.module_utils import _files

NOBODY = 65534


def plan(*entries, **defaults):
    return _files.normalize(list(entries), **defaults)


def test_normalize_fills_the_set_defaults_and_entries_override():
    items = plan(
        {"dest": "/etc/a.conf", "content": "a\n"},
        {"dest": "/etc/b.psk", "content": "k\n", "mode": "0400", "owner": "65534", "secret": True},
        {"dest": "/etc/d", "state": "directory"},
        {"dest": "/etc/old.conf", "state": "absent"},
        owner="root",
        group="root",
        mode="0644",
        directory_mode="0755",
    )
    a, b, d, old = items
    assert (a["mode"], a["uid"], a["gid"], a["content"], a["secret"]) == (0o644, 0, 0, b"a\n", False)
    assert (b["mode"], b["uid"], b["gid"], b["secret"]) == (0o400, NOBODY, 0, True)
    assert (d["state"], d["mode"], d["content"]) == ("directory", 0o755, None)
    assert (old["state"], old["mode"], old["uid"]) == ("absent", None, None)
    assert a["force"] is True and a["backup"] is False


def test_secret_content_is_a_secret_entry():
    (item,) = plan({"dest": "/etc/k", "secret_content": "s3cret\n"})
    assert item["secret"] is True
    assert item["content"] == b"s3cret\n"


@pytest.mark.parametrize(
    ("entry", "fragment"),
    [
        ({"dest": "etc/a", "content": "x"}, "files[0] (etc/a): dest must be an absolute path"),
        ({"dest": "/etc/a"}, "files[0] (/etc/a): a file needs content"),
        ({"dest": "/etc/a", "state": "directory", "content": "x"}, "content is only for state file"),
        ({"dest": "/etc/a", "state": "link", "content": "x"}, "state must be one of file, directory, absent"),
        ({"dest": "/etc/a", "content": "x", "mode": "u+rw"}, "files[0] (/etc/a): mode must be an octal string"),
        ({"dest": "/etc/a", "content": "x", "mode": "0644", "validate": "nginx -t"}, "validate must contain %s"),
        ({"dest": "/etc/a", "content": "x", "owner": "no-such-user-here"}, "owner 'no-such-user-here' is not a user"),
        (
            {"dest": "/etc/a", "content": "x", "group": "no-such-group-here"},
            "group 'no-such-group-here' is not a group",
        ),
        ({"dest": "/etc/a", "content": "x", "secret_content": "y"}, "mutually exclusive"),
        ("/etc/a", "files[0] must be a dict"),
    ],
)
def test_normalize_refuses_bad_entries_naming_them(entry, fragment):
    with pytest.raises(_files.FilesError) as info:
        plan(entry)
    assert fragment in str(info.value)


def test_normalize_refuses_a_path_listed_twice():
    with pytest.raises(_files.FilesError, match=r"files\[1\] \(/etc/a/\): dest is listed twice \(also files\[0\]"):
        plan({"dest": "/etc/a", "content": "x"}, {"dest": "/etc/a/", "content": "y"})


def test_an_unknown_owner_is_a_change_in_check_mode_not_an_error():
    (item,) = _files.normalize([{"dest": "/etc/a", "content": "x", "owner": "zabbix-not-yet"}], lenient_ids=True)
    seen = {"path": "/etc/a", "kind": "file", "mode": 0o644, "uid": 0, "gid": 0, "content": b"x"}
    assert _files.reasons(item, seen) == ["owner root"]


@pytest.mark.parametrize("slug", ["docker-restart", "nginx-reload", "zabbix-agent2-restart", "a.b_c"])
def test_check_slug_accepts_marker_names(slug):
    assert _files.check_slug(slug) == slug


@pytest.mark.parametrize("slug", ["", "../x", "a/b", ".hidden", "..", None, 3])
def test_check_slug_refuses_what_is_not_one_file_name(slug):
    with pytest.raises(_files.FilesError, match="pending must be a name"):
        _files.check_slug(slug)


def test_observe_and_reasons_on_the_host(tmp_path):
    path = tmp_path / "a.conf"
    (item,) = plan({"dest": str(path), "content": "new\n", "mode": "0640", "owner": str(NOBODY), "group": "0"})
    assert _files.reasons(item, _files.observe(str(path))) == ["missing"]
    path.write_text("old\n")
    os.chmod(path, 0o644)
    assert _files.reasons(item, _files.observe(str(path))) == ["content", "mode 0644", "owner root"]
    path.write_text("new\n")
    os.chown(path, NOBODY, 0)
    os.chmod(path, 0o640)
    assert _files.reasons(item, _files.observe(str(path))) == []


def test_force_false_leaves_the_content_and_corrects_attributes(tmp_path):
    path = tmp_path / "psk"
    path.write_text("generated once\n")
    os.chmod(path, 0o644)
    (item,) = plan({"dest": str(path), "content": "another\n", "mode": "0400", "force": False})
    assert _files.reasons(item, _files.observe(str(path))) == ["mode 0644"]


def test_a_symlink_is_followed(tmp_path):
    target = tmp_path / "real.conf"
    target.write_text("x\n")
    link = tmp_path / "link.conf"
    link.symlink_to(target)
    seen = _files.observe(str(link))
    assert seen["path"] == str(target)
    assert seen["content"] == b"x\n"


def test_refusal_before_anything_changes(tmp_path):
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir" / "user-data").write_text("keep")
    (tmp_path / "file").write_text("x")
    items = plan({"dest": str(tmp_path / "dir"), "content": "x"})
    assert "is a directory on the host" in _files.refusal(items[0], _files.observe(str(tmp_path / "dir")))
    items = plan({"dest": str(tmp_path / "file"), "state": "directory"})
    assert "is a file on the host" in _files.refusal(items[0], _files.observe(str(tmp_path / "file")))
    items = plan({"dest": str(tmp_path / "dir"), "state": "absent"})
    assert "not empty" in _files.refusal(items[0], _files.observe(str(tmp_path / "dir")))


def test_describe_shows_content_but_never_a_secret(tmp_path):
    path = tmp_path / "a.conf"
    path.write_text("old line\n")
    os.chmod(path, 0o600)
    (plain,) = plan({"dest": str(path), "content": "new line\n", "mode": "0644"})
    seen = _files.observe(str(path))
    diff = _files.describe(plain, seen, _files.reasons(plain, seen))
    assert diff["before"] == "# mode 0600\nold line\n"
    assert diff["after"] == "# mode 0644\nnew line\n"
    assert diff["before_header"] == diff["after_header"] == str(path)

    (secret,) = plan({"dest": str(path), "content": "s3cret-value\n", "secret": True})
    path.write_text("old-s3cret\n")
    seen = _files.observe(str(path))
    diff = _files.describe(secret, seen, _files.reasons(secret, seen))
    assert "s3cret" not in diff["before"] + diff["after"]
    assert "(secret content, not shown)" in diff["after"]


def test_describe_a_removal_and_a_new_directory(tmp_path):
    path = tmp_path / "old.conf"
    path.write_text("gone\n")
    (gone,) = plan({"dest": str(path), "state": "absent"})
    seen = _files.observe(str(path))
    assert _files.describe(gone, seen, ["present"]) == {
        "before_header": str(path),
        "after_header": str(path),
        "before": "gone\n",
        "after": "# (absent)\n",
    }
    (new_dir,) = plan({"dest": str(tmp_path / "d"), "state": "directory", "mode": "0750"})
    diff = _files.describe(new_dir, _files.observe(str(tmp_path / "d")), ["missing"])
    assert (diff["before"], diff["after"]) == ("# (absent)\n", "# (directory)\n# mode 0750\n")


def test_write_file_is_atomic_with_attributes_and_restore_puts_everything_back(tmp_path):
    path = tmp_path / "a.conf"
    path.write_text("before\n")
    os.chmod(path, 0o640)
    os.chown(path, NOBODY, NOBODY)
    seen = _files.observe(str(path))
    _files.write_file(str(path), b"after\n", 0o600, 0, 0, seen)
    st = os.stat(path)
    assert path.read_text() == "after\n"
    assert (stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid) == (0o600, 0, 0)
    assert sorted(os.listdir(tmp_path)) == ["a.conf"]  # no temp file left

    _files.restore(seen)
    st = os.stat(path)
    assert path.read_text() == "before\n"
    assert (stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid) == (0o640, NOBODY, NOBODY)


def test_write_file_keeps_the_old_attributes_when_none_are_wanted(tmp_path):
    path = tmp_path / "a.conf"
    path.write_text("before\n")
    os.chmod(path, 0o604)
    os.chown(path, NOBODY, 0)
    _files.write_file(str(path), b"after\n", None, None, None, _files.observe(str(path)))
    st = os.stat(path)
    assert (stat.S_IMODE(st.st_mode), st.st_uid) == (0o604, NOBODY)
    _files.write_file(str(tmp_path / "new"), b"x", None, None, None)
    assert stat.S_IMODE(os.stat(tmp_path / "new").st_mode) == 0o644


def test_restore_removes_what_was_absent(tmp_path):
    (tmp_path / "new.conf").write_text("x")
    (tmp_path / "newdir").mkdir()
    _files.restore({"path": str(tmp_path / "new.conf"), "kind": "absent"})
    _files.restore({"path": str(tmp_path / "newdir"), "kind": "absent"})
    assert os.listdir(tmp_path) == []


def test_marker_text_names_the_run():
    text = _files.marker_text("2026-12-06T09:00:00Z", "docker-restart", ["/etc/docker/daemon.json"], "host:1:2")
    assert text == "2026-12-06T09:00:00Z docker-restart: /etc/docker/daemon.json\nrun: host:1:2\n"
    assert _files.marker_run(text) == "host:1:2"
    # A marker the shell tasks of earlier releases wrote has no run: it is one a killed run left.
    assert _files.marker_run("2026-12-01T10:00:00Z docker: daemon.json changed\n") is None
