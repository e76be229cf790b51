# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The requirements of ComfyUI's custom nodes: which records a tree of nodes wants, the pip command, the records."""

from __future__ import annotations

import hashlib

from ansible_collections.homelab.ai_stack.plugins.module_utils import _comfyui_nodes as n

IMAGE = "yanwk/comfyui-boot:cu126-slim-20260914"
TAG = hashlib.sha256(IMAGE.encode()).hexdigest()[:12]


def _tree(tmp_path):
    nodes, records = tmp_path / "custom_nodes", tmp_path / "local" / ".homelab-ai-stack-nodes"
    (nodes / "with-reqs").mkdir(parents=True)
    (nodes / "with-reqs" / "requirements.txt").write_text("numpy\n")
    (nodes / "no-reqs").mkdir()
    return nodes, records


def test_plan_wants_a_record_per_present_node_with_requirements(tmp_path):
    nodes, records = _tree(tmp_path)
    wanted, found = n.plan(str(nodes), ["with-reqs", "no-reqs", "not-cloned"], IMAGE, str(records))
    digest = hashlib.sha256(b"numpy\n").hexdigest()
    assert wanted == [f"with-reqs-{digest}-{TAG}"]
    assert found == []


def test_records_make_a_rerun_find_nothing_to_do_until_the_file_or_image_changes(tmp_path):
    nodes, records = _tree(tmp_path)
    (records.parent).mkdir(parents=True)
    records.mkdir()
    (records / "gone-node-old").write_text("x")
    wanted, found = n.plan(str(nodes), ["with-reqs"], IMAGE, str(records))
    assert found == ["gone-node-old"]
    n.write_records(str(records), wanted, found, IMAGE)
    assert sorted(p.name for p in records.iterdir()) == wanted
    assert (records / wanted[0]).read_text() == f"installed by homelab.ai_stack with {IMAGE}\n"
    assert (records / wanted[0]).stat().st_mode & 0o777 == 0o644
    assert n.plan(str(nodes), ["with-reqs"], IMAGE, str(records)) == (wanted, wanted)
    (nodes / "with-reqs" / "requirements.txt").write_text("numpy\nscipy\n")
    assert n.plan(str(nodes), ["with-reqs"], IMAGE, str(records))[0] != wanted
    assert n.plan(str(nodes), ["with-reqs"], IMAGE + "-new", str(records))[0] != wanted


def test_pip_command_installs_the_record_node_requirements_in_the_container():
    record = f"my-node-{'a' * 64}-{TAG}"
    assert n.pip_command("comfyui", "/root/ComfyUI/", record) == [
        "docker",
        "exec",
        "--env",
        "PIP_USER=true",
        "--env",
        "PIP_ROOT_USER_ACTION=ignore",
        "comfyui",
        "pip",
        "install",
        "--requirement",
        "/root/ComfyUI/custom_nodes/my-node/requirements.txt",
    ]
