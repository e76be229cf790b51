# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""tests/stack: the -e string generator and the module-run counter of molecule/stack's no-op gate."""

from __future__ import annotations

import importlib.util
import pathlib
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[3]
STACK_TOOLS = ROOT / "tests" / "stack"


def _load(name):
    spec = importlib.util.spec_from_file_location(name, STACK_TOOLS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


bool_args = _load("bool_args")
noop_run = _load("noop_run")


def test_every_public_bool_option_of_the_roles_is_given():
    values, left_out = bool_args.bool_args(ROOT / "molecule" / "stack")
    options = bool_args.bool_options()
    assert set(values) | set(left_out) == set(options)
    assert all(isinstance(v, bool) for v in values.values())
    assert not any(name.startswith("_") for name in options)
    assert len(values) > 50


def test_the_scenario_inventory_wins_over_the_default(tmp_path):
    (tmp_path / "molecule.yml").write_text(
        yaml.safe_dump(
            {
                "provisioner": {
                    "inventory": {
                        "group_vars": {"ai_stack": {"nginx_ollama_basic_auth": True}},
                        "host_vars": {"h1": {"ollama_publish": True, "ollama_read_only": "{{ x }}"}},
                    }
                }
            }
        )
    )
    values, left_out = bool_args.bool_args(tmp_path)
    assert values["nginx_ollama_basic_auth"] is True
    assert values["ollama_publish"] is True
    # A templated value is not a literal: its value is not known, it is left out.
    assert "ollama_read_only" in left_out
    assert values["ollama_purge_data"] is False


def test_cli_prints_strings(capsys):
    bool_args.main(["--names", "--scenario", str(ROOT / "molecule" / "stack")])
    lines = capsys.readouterr().out.split()
    assert "nginx_comfyui_basic_auth=true" in lines and "ollama_purge_data=false" in lines


def test_count_module_runs():
    data = {
        "plays": [
            {
                "tasks": [
                    {"task": {"name": "read"}, "hosts": {"h": {"action": "homelab.ai_stack.host_facts"}}},
                    {"task": {"name": "fact"}, "hosts": {"h": {"action": "ansible.builtin.set_fact"}}},
                    {"task": {"name": "skip"}, "hosts": {"h": {"action": "ansible.builtin.apt", "skipped": True}}},
                    {
                        "task": {"name": "loop"},
                        "hosts": {
                            "h": {
                                "action": "homelab.ai_stack.directories",
                                "changed": True,
                                "results": [{"changed": True}, {"skipped": True}, {}],
                            }
                        },
                    },
                ]
            }
        ],
        "stats": {"h": {"ok": 3, "changed": 1, "failures": 0, "unreachable": 0}},
    }
    summary = noop_run.count(data)
    assert summary["module_runs"] == 3
    assert summary["module_runs_by_action"] == {"homelab.ai_stack.directories": 2, "homelab.ai_stack.host_facts": 1}
    assert summary["changed"] == 1 and summary["changed_tasks"] == ["loop"]
