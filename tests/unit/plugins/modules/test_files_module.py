# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The files module on a real file system (tmp_path): what is on disk after each run."""

from __future__ import annotations

import json
import os
import stat

from ansible_collections.homelab.ai_stack.plugins.modules import files

NOBODY = 65534


def run(run_module, check_mode=False, diff=False, **args):
    return run_module(files.main, args, check_mode=check_mode, diff=diff)


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def conf_set(tmp_path, text="listen 80;\n"):
    return [
        {"dest": str(tmp_path / "conf.d"), "state": "directory"},
        {"dest": str(tmp_path / "conf.d" / "site.conf"), "content": text},
        {"dest": str(tmp_path / "key.psk"), "secret_content": "0123abcd-s3cret\n", "mode": "0400"},
    ]


def test_writes_the_set_then_changes_nothing(tmp_path, run_module):
    entries = conf_set(tmp_path)
    first = run(run_module, files=entries, mode="0644", directory_mode="0750", owner="root", group="root")
    assert first["rc"] == 0, first
    assert first["changed"] is True
    assert first["changed_files"] == [e["dest"] for e in entries]
    assert (tmp_path / "conf.d" / "site.conf").read_text() == "listen 80;\n"
    assert mode_of(tmp_path / "conf.d") == 0o750
    assert mode_of(tmp_path / "conf.d" / "site.conf") == 0o644
    assert mode_of(tmp_path / "key.psk") == 0o400
    assert (tmp_path / "key.psk").read_text() == "0123abcd-s3cret\n"
    # The secret is in no part of the result, not even the invocation.
    assert "s3cret" not in json.dumps(first)

    again = run(run_module, files=entries, mode="0644", directory_mode="0750", owner="root", group="root")
    assert again["changed"] is False
    assert again["changed_files"] == []
    assert all(not entry["changed"] for entry in again["files"].values())


def test_drift_is_repaired_and_reported_with_its_reasons(tmp_path, run_module):
    entries = conf_set(tmp_path)
    run(run_module, files=entries, mode="0644")
    site = tmp_path / "conf.d" / "site.conf"
    site.write_text("edited by hand\n")
    os.chmod(tmp_path / "key.psk", 0o644)
    os.chown(site, NOBODY, NOBODY)
    result = run(run_module, diff=True, files=entries, mode="0644", owner="root", group="root")
    assert result["changed"] is True
    assert result["files"][str(site)]["reasons"] == ["content", "owner nobody", "group nogroup"]
    assert result["files"][str(tmp_path / "key.psk")]["reasons"] == ["mode 0644"]
    assert site.read_text() == "listen 80;\n"
    assert os.stat(site).st_uid == 0
    assert mode_of(tmp_path / "key.psk") == 0o400
    site_diff = next(d for d in result["diff"] if d["before_header"] == str(site))
    assert "edited by hand" in site_diff["before"] and "listen 80;" in site_diff["after"]


def test_check_mode_reports_and_writes_nothing(tmp_path, run_module):
    result = run(run_module, check_mode=True, diff=True, files=conf_set(tmp_path), pending="x-restart",
                 pending_dir=str(tmp_path / "pending"))  # fmt: skip
    assert result["changed"] is True
    assert len(result["changed_files"]) == 3
    assert result["pending"]["state"] == "written"
    assert os.listdir(tmp_path) == []
    assert "s3cret" not in json.dumps(result)


def test_check_mode_with_an_owner_the_host_does_not_have_yet(tmp_path, run_module):
    result = run(run_module, check_mode=True, files=[{"dest": str(tmp_path / "a"), "content": "x", "owner": "zbx-new"}])
    assert result["rc"] == 0 and result["changed"] is True
    outside = run(run_module, files=[{"dest": str(tmp_path / "a"), "content": "x", "owner": "zbx-new"}])
    assert outside["rc"] == 1
    assert "files[0] (" in outside["msg"] and "owner 'zbx-new' is not a user" in outside["msg"]
    assert not (tmp_path / "a").exists()


def test_bad_input_fails_before_anything_is_written(tmp_path, run_module):
    result = run(
        run_module,
        files=[{"dest": str(tmp_path / "first"), "content": "x"}, {"dest": str(tmp_path / "second"), "content": "y",
               "mode": "rw"}],
    )  # fmt: skip
    assert result["rc"] == 1
    assert "files[1]" in result["msg"] and "mode must be an octal string" in result["msg"]
    assert os.listdir(tmp_path) == []


def test_a_file_in_a_missing_directory_is_refused_unless_an_earlier_entry_makes_it(tmp_path, run_module):
    lonely = run(run_module, files=[{"dest": str(tmp_path / "a" / "b.conf"), "content": "x"}])
    assert lonely["rc"] == 1
    assert "the directory" in lonely["msg"] and "does not exist" in lonely["msg"]
    made = run(
        run_module,
        files=[
            {"dest": str(tmp_path / "a" / "b"), "state": "directory"},
            {"dest": str(tmp_path / "a/b/c"), "content": "x"},
        ],
    )
    assert made["rc"] == 0
    assert (tmp_path / "a" / "b" / "c").read_text() == "x"


def test_validate_failure_keeps_the_old_files_of_the_whole_set(tmp_path, run_module):
    first = tmp_path / "first.conf"
    second = tmp_path / "second.conf"
    first.write_text("old first\n")
    second.write_text("old second\n")
    result = run(
        run_module,
        files=[
            {"dest": str(first), "content": "new first\n"},
            {"dest": str(second), "content": "broken\n", "validate": "grep -q ^ok %s"},
        ],
    )
    assert result["rc"] == 1
    assert "files[1]" in result["msg"] and "validate failed" in result["msg"]
    assert first.read_text() == "old first\n"
    assert second.read_text() == "old second\n"
    assert sorted(os.listdir(tmp_path)) == ["first.conf", "second.conf"]  # no temp file left


def test_validate_sees_the_new_file_with_its_attributes_and_the_earlier_entries_in_place(tmp_path, run_module):
    include = tmp_path / "include.conf"
    main = tmp_path / "main.conf"
    check = f"sh -c 'grep -q included {include} && test $(stat -c %a \"$0\") = 600' %s"
    result = run(
        run_module,
        files=[
            {"dest": str(include), "content": "included\n"},
            {"dest": str(main), "content": "main\n", "mode": "0600", "validate": check},
        ],
    )
    assert result["rc"] == 0, result
    assert main.read_text() == "main\n"


def test_check_command_failure_puts_every_file_back(tmp_path, run_module):
    kept = tmp_path / "kept.conf"
    kept.write_text("old\n")
    os.chmod(kept, 0o640)
    gone = tmp_path / "gone.conf"
    gone.write_text("still here\n")
    entries = [
        {"dest": str(kept), "content": "new\n", "mode": "0644"},
        {"dest": str(tmp_path / "made"), "state": "directory"},
        {"dest": str(tmp_path / "made" / "new.conf"), "content": "n\n"},
        {"dest": str(gone), "state": "absent"},
    ]
    result = run(
        run_module,
        files=entries,
        check_command=["sh", "-c", "echo refused >&2; exit 3"],
        pending="svc-restart",
        pending_dir=str(tmp_path / "pending"),
    )
    assert result["rc"] == 1
    assert "check_command failed (rc 3)" in result["msg"] and "refused" in result["msg"]
    assert result["check_command"]["rc"] == 3
    assert kept.read_text() == "old\n" and mode_of(kept) == 0o640
    assert gone.read_text() == "still here\n"
    assert not (tmp_path / "made").exists()
    assert not (tmp_path / "pending" / "svc-restart").exists()

    passing = run(run_module, files=entries, check_command="true", pending="svc-restart",
                  pending_dir=str(tmp_path / "pending"))  # fmt: skip
    assert passing["rc"] == 0 and passing["check_command"]["rc"] == 0
    assert kept.read_text() == "new\n" and not gone.exists()


def test_check_command_does_not_run_when_nothing_changed(tmp_path, run_module):
    (tmp_path / "a").write_text("x")
    result = run(run_module, files=[{"dest": str(tmp_path / "a"), "content": "x"}], check_command=["false"])
    assert result["rc"] == 0 and result["changed"] is False and "check_command" not in result


def test_backup_keeps_the_old_file(tmp_path, run_module):
    path = tmp_path / "a.conf"
    path.write_text("old\n")
    result = run(run_module, files=[{"dest": str(path), "content": "new\n", "backup": True}])
    backup = result["backup_files"][str(path)]
    with open(backup) as handle:
        assert handle.read() == "old\n"
    assert path.read_text() == "new\n"


def test_force_false_writes_a_generated_key_once(tmp_path, run_module):
    key = tmp_path / "generated.psk"
    first = run(run_module, files=[{"dest": str(key), "secret_content": "one\n", "force": False, "mode": "0400"}])
    assert first["changed"] is True and key.read_text() == "one\n"
    again = run(run_module, files=[{"dest": str(key), "secret_content": "two\n", "force": False, "mode": "0400"}])
    assert again["changed"] is False and key.read_text() == "one\n"


def test_absent_removes_files_and_empty_directories_but_refuses_one_with_content(tmp_path, run_module):
    (tmp_path / "old.conf").write_text("x")
    (tmp_path / "empty").mkdir()
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "chat.db").write_text("user data")
    removed = run(run_module, files=[{"dest": str(tmp_path / "old.conf"), "state": "absent"},
                                     {"dest": str(tmp_path / "empty"), "state": "absent"}])  # fmt: skip
    assert removed["changed"] is True
    assert sorted(os.listdir(tmp_path)) == ["data"]
    refused = run(run_module, files=[{"dest": str(tmp_path / "data"), "state": "absent"}])
    assert refused["rc"] == 1 and "not empty" in refused["msg"]
    assert (tmp_path / "data" / "chat.db").read_text() == "user data"


def test_pending_marker_written_noted_left_and_forgotten(tmp_path, run_module):
    pending_dir = tmp_path / "pending"
    marker = pending_dir / "svc-restart"
    entries = [{"dest": str(tmp_path / "a.conf"), "content": "a\n"}]
    common = {"pending": "svc-restart", "pending_dir": str(pending_dir), "run_id": "run-1"}

    written = run(run_module, files=entries, **common)
    assert written["pending"]["state"] == "written" and written["changed"] is True
    assert marker.read_text().endswith(f"svc-restart: {tmp_path / 'a.conf'}\nrun: run-1\n")
    assert mode_of(pending_dir) == 0o700 and mode_of(marker) == 0o600

    # Another task of the same run, nothing of its own changed: not reported again.
    noted = run(run_module, files=[{"dest": str(tmp_path / "a.conf"), "content": "a\n"}], **common)
    assert noted["pending"]["state"] == "noted" and noted["changed"] is False

    # The next run finds it (the handler never ran): changed, so the task notifies again.
    left = run(run_module, files=entries, **{**common, "run_id": "run-2"})
    assert left["pending"]["state"] == "left" and left["changed"] is True
    assert "left from an unfinished run" in json.dumps(left.get("warnings", []))
    assert "run: run-2" in marker.read_text()

    forgotten = run(run_module, forget="svc-restart", pending_dir=str(pending_dir))
    assert forgotten["pending"]["state"] == "forgotten" and forgotten["changed"] is True
    assert not marker.exists()
    nothing = run(run_module, forget="svc-restart", pending_dir=str(pending_dir))
    assert nothing["changed"] is False and nothing["pending"]["state"] == "none"

    quiet = run(run_module, files=entries, **{**common, "run_id": "run-3"})
    assert quiet["changed"] is False and quiet["pending"]["state"] == "none" and not marker.exists()


def test_record_writes_the_marker_without_a_file(tmp_path, run_module):
    pending_dir = tmp_path / "pending"
    skipped = run(run_module, files=[], pending="docker-restart", record="false", pending_dir=str(pending_dir))
    assert skipped["changed"] is False and not pending_dir.exists()
    recorded = run(run_module, files=[], pending="docker-restart", record="True", pending_dir=str(pending_dir))
    assert recorded["changed"] is True
    assert "docker-restart: recorded by the task" in (pending_dir / "docker-restart").read_text()
    check = run(run_module, check_mode=True, files=[], pending="docker-restart", pending_dir=str(pending_dir))
    assert check["changed"] is True and check["pending"]["state"] == "left"
    assert (pending_dir / "docker-restart").exists()


def test_record_without_pending_and_bad_marker_names_are_refused(tmp_path, run_module):
    assert "record needs pending" in run(run_module, files=[], record=True)["msg"]
    assert "pending must be a name" in run(run_module, files=[], pending="../etc/passwd")["msg"]
    assert "mutually exclusive" in run(run_module, pending="a", forget="a")["msg"]


def test_absent_removes_a_symlink_not_its_target_and_puts_it_back_on_failure(tmp_path, run_module):
    target = tmp_path / "real.conf"
    target.write_text("kept\n")
    link = tmp_path / "link.conf"
    link.symlink_to(target)
    refused = run(run_module, files=[{"dest": str(link), "state": "absent"}], check_command=["false"])
    assert refused["rc"] == 1
    assert link.is_symlink() and os.readlink(link) == str(target)
    removed = run(run_module, diff=True, files=[{"dest": str(link), "state": "absent"}])
    assert removed["changed"] is True
    assert not os.path.lexists(link)
    assert target.read_text() == "kept\n"
    assert f"symlink to {target}" in removed["diff"][0]["before"]
