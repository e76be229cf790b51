# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import json
import os

import pytest

from ansible_collections.homelab.ai_stack.plugins.module_utils import _backup as b

ROOT = "/srv/cold-storage"


def cfg(**kw):
    base = {"storage_root": ROOT, "services": {}, "include_models": False, "extra_items": []}
    base.update(kw)
    return base


def by_name(items):
    return {i["name"]: i for i in items}


def test_default_items_cover_the_issue_list():
    items = by_name(b.default_items(cfg()))
    assert items["openwebui"]["path"] == ROOT + "/ai/open-webui"
    assert "data/webui.db" in items["openwebui"]["exclude"]
    assert items["openwebui-db"] == {
        "name": "openwebui-db",
        "path": ROOT + "/ai/open-webui/data/webui.db",
        "kind": "sqlite",
        "stop_on_restore": ["open-webui"],
    }
    # Pi-hole is copied while FTL is stopped.
    assert items["pihole"]["copy"] is True and items["pihole"]["stop"] == ["pihole"]
    assert items["nginx"]["path"] == ROOT + "/services/nginx-proxy"
    assert items["comfyui"]["exclude"] == ["models", "custom_nodes"]
    assert items["comfyui-nodes"]["kind"] == "comfyui-nodes"
    assert items["ollama"]["exclude"] == ["models"]
    assert items["ollama-models"]["path"] == ROOT + "/ai/ollama/models"
    assert items["zabbix-psk"]["path"] == "/etc/zabbix/ai-stack.psk"
    assert "ollama-blobs" not in items and "comfyui-models" not in items


def test_database_copy_restores_after_its_directory():
    names = [i["name"] for i in b.default_items(cfg())]
    assert names.index("openwebui") < names.index("openwebui-db")


def test_models_on_their_own_disk_are_excluded_unless_asked():
    c = cfg(ollama_models_path="/fast/ollama", comfyui_models_path="/fast/comfyui")
    items = by_name(b.default_items(c))
    assert "ollama-blobs" not in items and "comfyui-models" not in items
    assert items["ollama-models"]["path"] == "/fast/ollama"
    c["include_models"] = True
    items = by_name(b.default_items(c))
    assert items["ollama-blobs"]["path"] == "/fast/ollama"
    assert items["comfyui-models"]["path"] == "/fast/comfyui"
    assert items["ollama"]["exclude"] == [] and items["comfyui"]["exclude"] == ["custom_nodes"]


def test_models_below_the_root_come_with_their_service_when_asked():
    items = by_name(b.default_items(cfg(include_models=True)))
    assert "ollama-blobs" not in items and items["ollama"]["exclude"] == []


def test_services_can_be_left_out():
    items = by_name(b.default_items(cfg(services={"pihole": False, "comfyui": False})))
    assert "pihole" not in items and "comfyui" not in items and "openwebui" in items


@pytest.mark.parametrize(
    "extra, message",
    [
        ({"name": "Bad Name", "path": "/x"}, "lower-case"),
        ({"name": "nginx", "path": "/x"}, "used twice"),
        ({"name": "x", "path": "relative"}, "not absolute"),
        ({"name": "x", "path": "/x", "kind": "tarball"}, "kind"),
    ],
)
def test_bad_extra_items_name_the_problem(extra, message):
    with pytest.raises(b.ConfigError, match=message):
        b.default_items(cfg(extra_items=[extra]))


def test_excluded_matches_the_path_and_everything_below():
    assert b.excluded("models", ["models"])
    assert b.excluded("models/checkpoints/a.safetensors", ["models"])
    assert b.excluded("data/webui.db-wal", ["data/webui.db-*"])
    assert not b.excluded("data/webui.db.bak/x", ["data/webui.db"])
    assert not b.excluded("output/models.png", ["models"])


def test_restic_excludes_are_absolute_inside_the_view():
    item = {"name": "openwebui", "exclude": ["data/webui.db"]}
    assert b.restic_excludes(item, "/var/lib/v") == ["--exclude", "/var/lib/v/openwebui/data/webui.db"]


def test_checksum_tree_and_compare(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "webui.db").write_bytes(b"db")
    (tmp_path / "data" / "uploads").mkdir()
    (tmp_path / "data" / "uploads" / "a.txt").write_text("hello")
    os.symlink("a.txt", tmp_path / "data" / "uploads" / "link")
    sums = b.checksum_tree(str(tmp_path), ["data/webui.db"])
    assert sums == {"data/uploads/a.txt": "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"}
    changed = dict(sums, **{"data/uploads/a.txt": "0" * 64})
    assert b.compare_sums(sums, changed) == ([], ["data/uploads/a.txt"], [])
    assert b.compare_sums(sums, {}) == (["data/uploads/a.txt"], [], [])
    assert b.compare_sums({}, sums) == ([], [], ["data/uploads/a.txt"])
    single = tmp_path / "psk"
    single.write_text("abc")
    assert list(b.checksum_tree(str(single))) == [""]


def test_ollama_models_from_a_manifests_tree(tmp_path):
    # Layout of ~/.ollama/models/manifests as `ollama pull` leaves it.
    for rel in [
        "registry.ollama.ai/library/llama3.2/3b",
        "registry.ollama.ai/library/qwen2.5-coder/7b",
        "registry.ollama.ai/someone/custom/latest",
        "hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF/Q4_K_M",
    ]:
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}")
    assert b.ollama_models(str(tmp_path)) == [
        "hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M",
        "llama3.2:3b",
        "qwen2.5-coder:7b",
        "someone/custom:latest",
    ]
    assert b.ollama_models(str(tmp_path / "missing")) == []


def test_comfyui_nodes_with_their_git_origin(tmp_path):
    node = tmp_path / "ComfyUI-Manager" / ".git"
    node.mkdir(parents=True)
    (node / "config").write_text(
        '[core]\n\tbare = false\n[remote "origin"]\n\turl = https://github.com/ltdrdata/ComfyUI-Manager.git\n'
        "\tfetch = +refs/heads/*:refs/remotes/origin/*\n"
    )
    (tmp_path / "local-node").mkdir()
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "example_node.py.example").write_text("")
    assert b.comfyui_nodes(str(tmp_path)) == [
        {"name": "ComfyUI-Manager", "url": "https://github.com/ltdrdata/ComfyUI-Manager.git"},
        {"name": "local-node", "url": ""},
    ]


def test_zfs_source_picks_the_deepest_dataset():
    mounts = b.parse_zfs_list(
        "tank\t/tank\ntank/ai\t/srv/cold-storage/ai\ntank/ai/models\t/srv/cold-storage/ai/models\ntank/vol\t-\n"
    )
    assert mounts[-1] == ("tank/vol", "-")
    assert b.zfs_source("/srv/cold-storage/ai/open-webui", mounts, "s1") == (
        "tank/ai",
        "/srv/cold-storage/ai/.zfs/snapshot/s1/open-webui",
    )
    assert b.zfs_source("/srv/cold-storage/ai", mounts, "s1") == ("tank/ai", "/srv/cold-storage/ai/.zfs/snapshot/s1")
    assert b.zfs_source("/etc/zabbix/ai-stack.psk", mounts, "s1") == (None, "/etc/zabbix/ai-stack.psk")
    # /srv/cold-storage/aix is not inside /srv/cold-storage/ai
    assert b.zfs_source("/srv/cold-storage/aix", mounts, "s1")[0] is None


def test_backup_age():
    assert b.backup_age(json.dumps({"last_success": 1000}), 4600) == 3600
    assert b.backup_age(json.dumps({"last_attempt": 1000}), 4600) == -1
    assert b.backup_age("not json", 4600) == -1
    assert b.backup_age(json.dumps({"last_success": 5000}), 4600) == 0


def test_forget_args():
    assert b.forget_args({"daily": 7, "weekly": 4, "monthly": 3}) == [
        "--keep-daily",
        "7",
        "--keep-weekly",
        "4",
        "--keep-monthly",
        "3",
    ]
    assert b.forget_args({"daily": "2", "weekly": 0}) == ["--keep-daily", "2"]
    with pytest.raises(b.ConfigError):
        b.forget_args({"daily": 0})
    with pytest.raises(b.ConfigError):
        b.forget_args({"daily": -1})


def test_clone_plan_mounts_parents_first_below_the_root():
    mounts = b.parse_zfs_list("tank/storage/ai\t/srv/cold-storage/ai\ntank/storage\t/srv/cold-storage\ntank/vol\t-\n")
    parents, clones = b.clone_plan(mounts, "s1", "/var/lib/ai-stack/backup/zfs")
    assert parents == ["tank/ai-stack-backup-clones"]
    assert clones == [
        ("tank/storage@s1", "tank/ai-stack-backup-clones/0", "/var/lib/ai-stack/backup/zfs/srv/cold-storage"),
        ("tank/storage/ai@s1", "tank/ai-stack-backup-clones/1", "/var/lib/ai-stack/backup/zfs/srv/cold-storage/ai"),
    ]
    assert b.clone_source("/srv/cold-storage/ai/open-webui", mounts, "/z") == "/z/srv/cold-storage/ai/open-webui"
    assert b.clone_source("/etc/zabbix/ai-stack.psk", mounts, "/z") == "/etc/zabbix/ai-stack.psk"


# The role's input (validate_settings) and verify rows (verify_checks).
GOOD_SETTINGS = {
    "backup_state": "present",
    "backup_repository": "sftp:restic@100.100.3.12:/srv/restic/ai-stack",
    "backup_password": "molecule-backup-password",
    "backup_repository_env": {},
    "backup_restic_options": [],
    "backup_openwebui": True,
    "backup_pihole": True,
    "backup_nginx": True,
    "backup_comfyui": True,
    "backup_ollama": True,
    "backup_zabbix_psk": True,
    "backup_include_models": False,
    "backup_run_now": False,
    "backup_extra_items": [{"name": "notes", "path": "/etc/ai-stack-notes", "kind": "dir"}],
    "backup_zfs_datasets": [],
    "backup_zfs_snapshot_prefix": "ai-stack-backup",
    "backup_on_calendar": "daily",
    "backup_randomized_delay_sec": 1800,
    "backup_check_on_calendar": "weekly",
    "backup_check_read_data_subset": "",
    "backup_keep": {"last": 2},
    "backup_max_age_hours": 36,
    "backup_install_dir": "/usr/local/libexec/ai-stack",
    "backup_config_dir": "/etc/ai-stack/backup",
    "backup_state_dir": "/var/lib/ai-stack/backup",
    "backup_restore_dir": "",
}


def test_settings_of_the_scenario():
    out = b.validate_settings(GOOD_SETTINGS)
    assert out["state"] == "present"
    assert out["keep"] == {"last": 2}
    assert out["openwebui"] is True and out["include_models"] is False
    assert "password" not in json.dumps(out)
    assert "tool_config" not in out  # only with the stack-wide settings


def test_tool_config_of_the_scenario():
    stack = {"inventory_hostname": "backup-deb12", "storage_root": "/srv/cold-storage", "compose_root": "/opt/ai-stack"}
    sftp = "ssh -i /root/.ssh/backup_ed25519 restic@100.100.3.12 -s sftp"
    out = b.validate_settings(
        dict(GOOD_SETTINGS, backup_sftp_command=sftp, backup_restic_options="--limit-upload=900", **stack)
    )
    assert out["tool_config"] == {
        "host": "backup-deb12",
        "tag": "ai-stack",
        "env_file": "/etc/ai-stack/backup/restic.env",
        "state_dir": "/var/lib/ai-stack/backup",
        "restore_dir": "/srv/cold-storage/.ai-stack-restore",
        "restic_options": ["-o", f"sftp.command={sftp}", "--limit-upload=900"],
        "keep": {"last": 2},
        "check_read_data_subset": "",
        "password_file": "/etc/ai-stack/backup/password",
        "repository_record": "/etc/ai-stack/backup/repository.sha256",
        "zfs_datasets": [],
        "zfs_snapshots_config": "/etc/ai-stack/zfs-snapshots.json",
        "zfs_snapshot_prefix": "ai-stack-backup",
        "storage_root": "/srv/cold-storage",
        "compose_root": "/opt/ai-stack",
        "services": {
            "openwebui": True,
            "pihole": True,
            "nginx": True,
            "comfyui": True,
            "ollama": True,
            "zabbix_psk": True,
        },
        "include_models": False,
        "extra_items": [{"name": "notes", "path": "/etc/ai-stack-notes", "kind": "dir"}],
    }
    given = dict(GOOD_SETTINGS, backup_restore_dir="/mnt/restore", backup_config_dir="/etc/bk", **stack)
    config = b.validate_settings(given)["tool_config"]
    assert (config["restore_dir"], config["restic_options"], config["password_file"]) == (
        "/mnt/restore",
        [],
        "/etc/bk/password",
    )
    assert "molecule-backup-password" not in json.dumps(config)


def test_settings_from_the_command_line_are_converted():
    given = dict(
        GOOD_SETTINGS,
        backup_run_now="true",
        backup_include_models="false",
        backup_max_age_hours="48",
        backup_randomized_delay_sec="0",
        backup_keep={"daily": "7", "weekly": "4"},
        backup_restic_options="--limit-upload,10000",
        backup_zfs_datasets="tank/storage",
    )
    out = b.validate_settings(given)
    assert out["run_now"] is True and out["include_models"] is False
    assert out["max_age_hours"] == 48 and out["randomized_delay_sec"] == 0
    assert out["keep"] == {"daily": 7, "weekly": 4}
    assert out["restic_options"] == ["--limit-upload", "10000"]
    assert out["zfs_datasets"] == ["tank/storage"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"backup_state": "gone"}, "backup_state must be present or absent"),
        ({"backup_repository": ""}, "backup_repository must name the restic repository"),
        ({"backup_repository": "/mnt/nas share"}, "backup_repository must name"),
        ({"backup_repository": "nas/restic"}, "backup_repository nas/restic is neither an absolute path nor"),
        ({"backup_repository": "ftp:host:/x"}, "neither an absolute path nor a restic URL"),
        ({"backup_password": "short"}, "backup_password must be a string of at least 8 characters"),
        ({"backup_repository_env": ["AWS_KEY=x"]}, "backup_repository_env must be a mapping"),
        ({"backup_on_calendar": ""}, "backup_on_calendar must be a systemd calendar expression"),
        ({"backup_randomized_delay_sec": -1}, "backup_randomized_delay_sec must be >= 0"),
        ({"backup_max_age_hours": "0"}, "backup_max_age_hours must be >= 1"),
        ({"backup_keep": {"daily": 0}}, "backup_keep keeps nothing"),
        ({"backup_keep": {"dayly": 7}}, "backup_keep: dayly is not one of"),
        ({"backup_keep": {"daily": -2}}, "backup_keep.daily must be >= 0"),
        ({"backup_check_read_data_subset": "5 percent"}, "backup_check_read_data_subset must be empty"),
        ({"backup_state_dir": "var/lib"}, "backup_state_dir must be an absolute path"),
        ({"backup_restore_dir": "restore"}, "backup_restore_dir must be an absolute path"),
        ({"backup_zfs_snapshot_prefix": "ai_stack"}, "backup_zfs_snapshot_prefix must be letters"),
        ({"backup_run_now": "perhaps"}, "backup_run_now must be a boolean"),
        ({"backup_extra_items": [{"name": "Notes", "path": "etc", "kind": "tree"}]}, "needs a name of lower-case"),
        ({"backup_extra_items": [{"name": "n", "path": "/x", "exclude": "*.tmp"}]}, "exclude as a list"),
    ],
)
def test_bad_settings_name_the_variable(change, message):
    with pytest.raises(b.ConfigError) as err:
        b.validate_settings(dict(GOOD_SETTINGS, **change))
    assert message in str(err.value)


def test_the_password_is_never_in_a_message():
    with pytest.raises(b.ConfigError) as err:
        b.validate_settings(dict(GOOD_SETTINGS, backup_password="hunter2", backup_repository=""))
    assert "hunter2" not in str(err.value)
    assert "backup_repository" in str(err.value)


def test_absent_needs_no_repository():
    out = b.validate_settings(dict(GOOD_SETTINGS, backup_state="absent", backup_repository="", backup_password=""))
    assert out["state"] == "absent"


@pytest.mark.parametrize(
    ("age", "state", "timer", "want"),
    [
        # state.json as the tool writes it after a backup and a check.
        (
            "3600",
            '{"last_success": 1, "last_attempt": 1, "last_check_ok": true}',
            {"UnitFileState": "enabled"},
            [
                ("pass", "last backup 1.0 h ago (limit 36 h)"),
                ("pass", "ai-stack-backup.timer enabled"),
                ("pass", "last restic check passed"),
            ],
        ),
        (
            "-1",
            "",
            {},
            [
                ("skip", "no successful backup yet"),
                ("fail", "ai-stack-backup.timer missing"),
                ("skip", "no restic check yet"),
            ],
        ),
        (
            "-1",
            '{"last_attempt": 5, "last_error": "repository locked", "last_check_ok": false}',
            {"UnitFileState": "disabled"},
            [
                ("fail", "no successful backup yet; last error: repository locked"),
                ("fail", "ai-stack-backup.timer disabled"),
                ("fail", "last restic check FAILED"),
            ],
        ),
        (
            "200000",
            "not json",
            {"UnitFileState": "enabled"},
            [
                ("fail", "last backup 55.6 h ago (limit 36 h)"),
                ("pass", "ai-stack-backup.timer enabled"),
                ("skip", "no restic check yet"),
            ],
        ),
    ],
)
def test_verify_checks(age, state, timer, want):
    rows = b.verify_checks(age, state, timer, 36)
    assert [r["check"] for r in rows] == ["backup age", "backup timer", "backup repository check"]
    assert [(r["result"], r["detail"]) for r in rows] == want


def test_bool_words_match_the_collection():
    # _backup.py keeps its own copy of the words (it runs on the target without
    # the collection); the copy must not drift from module_utils/_inputs.py.
    from ansible_collections.homelab.ai_stack.plugins.module_utils import _inputs

    assert set(b.TRUE_WORDS) == set(_inputs.TRUE_WORDS)
    assert set(b.FALSE_WORDS) == set(_inputs.FALSE_WORDS)


def test_runs_without_the_collection(tmp_path):
    # The backup role copies _backup.py next to the tool on the target, where
    # no ansible_collections package exists: it must import with the stdlib alone.
    import shutil
    import subprocess
    import sys

    shutil.copy(b.__file__, tmp_path / "_backup.py")
    proc = subprocess.run(
        [sys.executable, "-I", "-c", "import sys; sys.path.insert(0, '.'); import _backup; print(_backup.KINDS[0])"],
        cwd=str(tmp_path),
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "dir"


# What is deployed, read on the host (resolve_deployed) ----------------------------------------
FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "backup")


def fixture(name):
    with open(os.path.join(FIXTURES, name), encoding="utf-8") as handle:
        return handle.read()


def test_compose_binds_reads_the_bind_mounts_and_skips_named_volumes():
    binds = b.compose_binds(fixture("comfyui-compose.yml.txt"))
    assert ("/srv/cold-storage/ai/comfyui/models", "/root/ComfyUI/models") in binds
    assert ("/srv/cold-storage/ai/comfyui/output", "/root/ComfyUI/output") in binds
    # app:/root is a named volume.
    assert all(src.startswith("/") for src, _dest in binds)
    assert not any(dest == "/root" for _src, dest in binds)


@pytest.mark.parametrize(
    "line, bind",
    [
        ('      - "/a/b:/c/d"', ("/a/b", "/c/d")),
        ("      - /a/b:/c/d:ro", ("/a/b", "/c/d")),
        ("  - '/a:/b:ro,z'  # comment", ("/a", "/b")),
        ('      - "app:/root"', None),
        ('      - "./rel:/x"', None),
        ('      test: ["CMD", "ollama", "list"]', None),
    ],
)
def test_compose_binds_line_forms(line, bind):
    assert b.compose_binds(line) == ([bind] if bind else [])


def test_models_paths_come_from_the_deployed_compose_files():
    assert b.models_path_from_compose(fixture("ollama-compose.yml.txt"), target=b.OLLAMA_MODELS_TARGET) == ""
    assert (
        b.models_path_from_compose(fixture("ollama-compose-models-path.yml.txt"), target=b.OLLAMA_MODELS_TARGET)
        == "/fast/ollama-models"
    )
    assert b.models_path_from_compose(fixture("comfyui-compose.yml.txt")) == "/srv/cold-storage/ai/comfyui/models"
    assert b.models_path_from_compose("") == ""


def test_zfs_snapshots_datasets_reads_the_zfs_roles_configuration():
    from ansible_collections.homelab.ai_stack.plugins.module_utils import _zfs_plan

    # What the zfs_snapshots role writes to /etc/ai-stack/zfs-snapshots.json.
    plan = _zfs_plan.plan(
        datasets=[{"name": "tank/ai"}, {"name": "tank/services", "recursive": False}], retention={"daily": 7}
    )
    text = json.dumps(plan["tool_config"], indent=2)
    assert b.zfs_snapshots_datasets(text) == ["tank/ai", "tank/services"]
    assert b.zfs_snapshots_datasets("") == []
    assert b.zfs_snapshots_datasets("not json") == []
    assert b.zfs_snapshots_datasets('{"datasets": "tank"}') == []


def test_resolve_deployed_fills_what_the_host_has():
    files = {
        "/opt/ai-stack/ollama/compose.yml": fixture("ollama-compose-models-path.yml.txt"),
        "/opt/ai-stack/comfyui/compose.yml": fixture("comfyui-compose.yml.txt"),
        "/etc/ai-stack/zfs-snapshots.json": json.dumps({"datasets": [{"name": "tank/storage"}]}),
    }
    base = cfg(compose_root="/opt/ai-stack/", zfs_datasets=[], zfs_snapshots_config="/etc/ai-stack/zfs-snapshots.json")
    out = b.resolve_deployed(base, read=lambda path: files.get(path, ""))
    assert out["ollama_models_path"] == "/fast/ollama-models"
    assert out["comfyui_models_path"] == "/srv/cold-storage/ai/comfyui/models"
    assert out["zfs_datasets"] == ["tank/storage"]
    assert "ollama_models_path" not in base  # the input is not changed
    items = by_name(b.default_items(dict(out, include_models=True)))
    assert items["ollama-models"]["path"] == "/fast/ollama-models"
    assert items["ollama-blobs"]["path"] == "/fast/ollama-models"
    # The ComfyUI models below the storage root are in the comfyui item already.
    assert "comfyui-models" not in items


def test_resolve_deployed_keeps_explicit_datasets_and_defaults_without_files():
    out = b.resolve_deployed(
        cfg(compose_root="/opt/ai-stack", zfs_datasets=["tank/x"], zfs_snapshots_config="/etc/z.json"),
        read=lambda path: json.dumps({"datasets": [{"name": "tank/other"}]}) if path == "/etc/z.json" else "",
    )
    assert out["zfs_datasets"] == ["tank/x"]
    assert out["ollama_models_path"] == "" and out["comfyui_models_path"] == ""
    items = by_name(b.default_items(out))
    assert items["ollama-models"]["path"] == ROOT + "/ai/ollama/models"
    # No ZFS configuration on the host: no ZFS snapshot.
    bare = b.resolve_deployed(cfg(zfs_datasets=[], zfs_snapshots_config="/nope"), read=lambda p: "")
    assert bare["zfs_datasets"] == []


def test_resolve_deployed_reads_real_files(tmp_path):
    (tmp_path / "ollama").mkdir()
    (tmp_path / "ollama" / "compose.yml").write_text(fixture("ollama-compose-models-path.yml.txt"))
    out = b.resolve_deployed(cfg(compose_root=str(tmp_path), zfs_snapshots_config=str(tmp_path / "missing.json")))
    assert out["ollama_models_path"] == "/fast/ollama-models"
    assert out["comfyui_models_path"] == ""
    assert out["zfs_datasets"] == []


# backup_facts parsing ---------------------------------------------------------------------------
def test_parse_systemctl_show_of_missing_timers():
    units = b.parse_systemctl_show(fixture("systemctl-show-timers.txt"))
    assert sorted(units) == ["ai-stack-backup-check.timer", "ai-stack-backup.timer", "ai-stack-nothing.timer"]
    assert b.unit_summary(units["ai-stack-backup.timer"]) == {"exists": False, "enabled": False, "active": False}
    assert b.unit_summary(None) == {"exists": False, "enabled": False, "active": False}


def test_parse_systemctl_show_of_running_timers():
    units = b.parse_systemctl_show(fixture("systemctl-show-timers-enabled.txt"))
    assert b.unit_summary(units["ai-stack-backup.timer"]) == {"exists": True, "enabled": True, "active": True}
    assert b.unit_summary(units["ai-stack-backup-check.timer"])["enabled"] is True
    assert units["ai-stack-backup.timer"]["UnitFileState"] == "enabled"


def test_parse_dpkg_installed():
    assert b.parse_dpkg_installed(fixture("dpkg-query.txt")) == {"restic": True, "util-linux": True}
    assert b.parse_dpkg_installed("restic\tdeinstall ok config-files\nfoo:amd64\tinstall ok installed\n") == {
        "restic": False,
        "foo": True,
    }


def test_repository_key_changes_with_the_repository_or_the_password():
    key = b.repository_key("RESTIC_REPOSITORY=/a\n", "secret")
    assert key == b.repository_key("RESTIC_REPOSITORY=/a\n", "secret")
    assert key != b.repository_key("RESTIC_REPOSITORY=/b\n", "secret")
    assert key != b.repository_key("RESTIC_REPOSITORY=/a\n", "other")
    assert "secret" not in key and len(key) == 64
