# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The directories module on a real file system (tmp_path)."""

from __future__ import annotations

import hashlib
import json
import os
import stat

import pytest

from ansible_collections.homelab.ai_stack.plugins.module_utils import _nginx
from ansible_collections.homelab.ai_stack.plugins.modules import directories, files

NOBODY = 65534


def run(run_module, check_mode=False, diff=False, **args):
    return run_module(directories.main, args, check_mode=check_mode, diff=diff)


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_creates_the_tree_with_attributes_then_changes_nothing(tmp_path, run_module):
    root = tmp_path / "data"
    paths = [{"path": "."}, {"path": "models/checkpoints"}, {"path": "output", "owner": str(NOBODY), "mode": "0700"}]
    result = run(run_module, root=str(root), paths=paths)
    assert result["rc"] == 0
    assert result["changed"] is True
    # Parents first: by depth, unlisted parents just before their children.
    assert result["created"] == [
        str(root),
        str(root / "output"),
        str(root / "models"),
        str(root / "models/checkpoints"),
    ]
    assert result["updated"] == []
    assert result["root"] == str(root)
    assert os.stat(root / "output").st_uid == NOBODY
    assert mode_of(root / "output") == 0o700
    assert mode_of(root / "models/checkpoints") == 0o755

    again = run(run_module, root=str(root), paths=paths)
    assert again["changed"] is False
    assert again["created"] == [] and again["updated"] == []


def test_corrects_attributes_and_keeps_content(tmp_path, run_module):
    (tmp_path / "output").mkdir(mode=0o777)
    os.chmod(tmp_path / "output", 0o777)
    (tmp_path / "output" / "chat.db").write_text("user data")
    result = run(run_module, diff=True, root=str(tmp_path), paths=[{"path": "output", "mode": "0750"}])
    assert result["changed"] is True
    assert result["updated"] == [str(tmp_path / "output")]
    assert mode_of(tmp_path / "output") == 0o750
    assert (tmp_path / "output" / "chat.db").read_text() == "user data"
    assert "0777" in result["diff"]["before"] and "0750" in result["diff"]["after"]


def test_check_mode_reports_and_creates_nothing(tmp_path, run_module):
    (tmp_path / "old").mkdir()
    os.chmod(tmp_path / "old", 0o700)
    result = run(run_module, check_mode=True, root=str(tmp_path), paths=[{"path": "new/sub"}, {"path": "old"}])
    assert result["changed"] is True
    assert result["created"] == [str(tmp_path / "new"), str(tmp_path / "new/sub")]
    assert result["updated"] == [str(tmp_path / "old")]
    assert not (tmp_path / "new").exists()
    assert mode_of(tmp_path / "old") == 0o700


def test_a_symlink_out_of_the_root_is_refused_before_any_change(tmp_path, run_module):
    root = tmp_path / "root"
    root.mkdir()
    (tmp_path / "elsewhere").mkdir()
    (root / "models").symlink_to(tmp_path / "elsewhere")
    result = run(run_module, root=str(root), paths=[{"path": "first"}, {"path": "models/checkpoints"}])
    assert result["rc"] == 1
    assert "['models/checkpoints'] resolve outside" in result["msg"]
    assert not (root / "first").exists()
    assert not (tmp_path / "elsewhere" / "checkpoints").exists()


def test_a_file_in_the_way_and_a_bad_path_fail_clearly(tmp_path, run_module):
    (tmp_path / "taken").write_text("")
    result = run(run_module, root=str(tmp_path), paths=[{"path": "taken"}])
    assert result["rc"] == 1
    assert "exist and are not directories" in result["msg"]
    result = run(run_module, root=str(tmp_path), paths=[{"path": "../up"}])
    assert result["rc"] == 1
    assert result["msg"].startswith("paths: paths[0] ('../up'): segment '..'")


def test_root_is_returned_normalized(tmp_path, run_module):
    result = run(run_module, check_mode=True, root=f"{tmp_path}//data/", paths=[{"path": "."}, {"path": "a"}])
    assert result["root"] == str(tmp_path / "data")
    assert result["created"] == [str(tmp_path / "data"), str(tmp_path / "data" / "a")]


def test_a_symlinked_root_gets_its_attributes_on_the_directory(tmp_path, run_module):
    (tmp_path / "pool").mkdir()
    os.chmod(tmp_path / "pool", 0o700)
    (tmp_path / "storage").symlink_to(tmp_path / "pool")
    paths = [{"path": ".", "owner": str(NOBODY)}, {"path": "ai"}]
    result = run(run_module, root=str(tmp_path / "storage"), paths=paths)
    assert result["changed"] is True
    assert result["updated"] == [str(tmp_path / "storage")]
    assert result["created"] == [str(tmp_path / "storage" / "ai")]
    assert (tmp_path / "storage").is_symlink()
    assert mode_of(tmp_path / "pool") == 0o755
    assert os.stat(tmp_path / "pool").st_uid == NOBODY
    assert (tmp_path / "pool" / "ai").is_dir()


def test_checksums_report_what_find_reports_and_read_gives_the_texts(tmp_path, run_module):
    root = tmp_path / "nginx"
    (root / "certs").mkdir(parents=True)
    (root / "auth" / "deeper").mkdir(parents=True)
    (root / "certs" / "server.crt").write_text("CERT\n")
    (root / "certs" / "server.key").write_text("KEY\n")
    os.chmod(root / "certs" / "server.key", 0o640)
    (root / "certs" / "server-certificate.json").write_text('{"names": ["chat.ai.test"]}\n')
    (root / "api-token").write_text("token")
    (root / "auth" / "deeper" / "htpasswd").write_text("too deep")
    (root / "auth" / "htpasswd").symlink_to(root / "api-token")
    (root / "certs" / "other.txt").write_text("not asked for")
    names = ["server.crt", "server.key", "server-certificate.json", "api-token", "htpasswd", "absent"]
    result = run(
        run_module,
        root=str(root),
        paths=[{"path": "certs"}],
        checksums=names,
        read=["certs/server-certificate.json", "certs/absent.json", "../outside"],
    )
    assert [f["path"] for f in result["files"]] == [
        str(root / "api-token"),
        str(root / "auth" / "htpasswd"),
        str(root / "certs" / "server-certificate.json"),
        str(root / "certs" / "server.crt"),
        str(root / "certs" / "server.key"),
    ]
    assert result["files"][4]["mode"] == "0640"
    assert "checksum" not in result["files"][1]  # a symlink: not read
    assert result["contents"] == {"certs/server-certificate.json": '{"names": ["chat.ai.test"]}\n'}
    assert result["files"][3]["checksum"] == hashlib.sha1(b"CERT\n").hexdigest()
    # The same as ansible.builtin.find with the same arguments (ansible-test units cannot import it).
    try:
        from ansible.modules import find
    except ImportError:
        return
    found = run_module(
        find.main,
        {
            "paths": [str(root)],
            "patterns": names,
            "file_type": "any",
            "recurse": True,
            "depth": 2,
            "get_checksum": True,
        },
    )
    keys = ("path", "islnk", "mode", "uid", "gid", "checksum")
    want = sorted(({k: f.get(k) for k in keys} for f in found["files"]), key=lambda f: f["path"])
    assert [{k: f.get(k) for k in keys} for f in result["files"]] == want


def test_checksums_of_a_root_that_check_mode_would_create_are_empty(tmp_path, run_module):
    result = run(run_module, check_mode=True, root=str(tmp_path / "new"), paths=[{"path": "."}], checksums=["x"])
    assert result["changed"] is True
    assert result["files"] == []


def _secret_args(entries):
    return [
        {("secret_content" if k == "content" and e.get("secret") else k): v for k, v in e.items() if k != "secret"}
        for e in entries
    ]


def _fake_hash(password, salt):
    return f"$6${salt}${password[::-1]}"


VHOSTS = [
    {"fqdn": "chat.ai.test", "basic_auth": True, "token_auth": False},
    {"fqdn": "ollama.ai.test", "basic_auth": False, "token_auth": True},
]


def _nginx_read(run_module, root, wanted, check_mode=False):
    """The nginx role's read (tasks/configure.yml) of a data directory, with the files the role writes judged."""
    args = {
        "root": str(root),
        "paths": [{"path": "."}, {"path": "conf"}, {"path": "auth", "group": str(NOBODY), "mode": "0750"}],
        "checksums": [
            "htpasswd",
            "basic-auth.password",
            "basic-auth.json",
            "api-token",
            "api-token.map",
            "api-token.json",
        ],
        "read": ["basic-auth.password", "api-token"],
        "wanted_files": json.dumps({"owner": "root", "group": "root", "mode": "0644", "files": wanted}),
    }
    return run(run_module, check_mode=check_mode, **args)


def _nginx_settings(root, **given):
    settings = {"data_path": str(root), "worker_gid": NOBODY, "host": "box", "auth_user": "admin", "auth_password": ""}
    settings.update(token="", token_user="api", renew_before_days=30, tls_source="provided", check_mode=False)
    return {**settings, **given}


@pytest.mark.parametrize("given", [{}, {"auth_password": "given-password", "token": "given-token-given-token-1"}])
def test_the_nginx_read_judges_what_the_files_run_would_write(tmp_path, run_module, given):
    """A files run skipped on the plan of nginx's read is one that would have written nothing, and drift shows."""
    root = tmp_path / "nginx-proxy"
    settings = _nginx_settings(root, **given)
    conf = [{"dest": f"{root}/conf/nginx.conf", "content": "events {}\n"}]
    # The entries of a password or token given are known before the read (vars/main.yml, _nginx_wanted_files).
    wanted = conf + _nginx.secret_files(VHOSTS, {}, {"htpasswd": True, "token": True}, settings, _fake_hash)
    first = _nginx.plan(_nginx_read(run_module, root, wanted), VHOSTS, settings, _fake_hash)
    assert first["files_due"] and first["apply"]
    wrote = run_module(
        files.main,
        {"owner": "root", "group": "root", "mode": "0644", "files": _secret_args(conf + first["secret_files"])},
    )
    assert wrote["changed"] is True, wrote

    read = _nginx_read(run_module, root, wanted)
    assert read["files_in_place"] is True
    assert "given-password" not in json.dumps(read)
    again = _nginx.plan(read, VHOSTS, settings, _fake_hash)
    assert (again["files_due"], again["apply"], again["reasons"]) == (False, False, [])
    # What the skipped run would have written: nothing.
    rerun = run_module(
        files.main,
        {"owner": "root", "group": "root", "mode": "0644", "files": _secret_args(conf + again["secret_files"])},
    )
    assert rerun["changed"] is False

    os.chmod(root / "auth" / "htpasswd", 0o644)  # loosened by hand
    assert _nginx.plan(_nginx_read(run_module, root, wanted), VHOSTS, settings, _fake_hash)["files_due"] is True
    os.chmod(root / "auth" / "htpasswd", 0o640)
    (root / "conf" / "nginx.conf").write_text("events { }\n")  # edited by hand
    assert _nginx.plan(_nginx_read(run_module, root, wanted), VHOSTS, settings, _fake_hash)["files_due"] is True
