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
