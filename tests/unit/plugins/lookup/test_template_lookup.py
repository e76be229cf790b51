# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""homelab.ai_stack.template renders what ansible.builtin.template's lookup renders, without copying the variables."""

from __future__ import annotations

import copy

import pytest
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import init_plugin_loader, lookup_loader
from ansible.template import Templar

from ansible_collections.homelab.ai_stack.plugins.lookup import template as ours

TEMPLATE = """services:
  app:
    image: {{ image }}
{% for port in ports %}
    # port {{ port }} from {{ template_path | basename }}
{% endfor %}
    extra: {{ extra | default('none') }}
"""


class NoDeepCopy(dict):
    """A variable the builtin lookup would deep-copy with all the others: copying it fails the test."""

    def __deepcopy__(self, memo):
        raise AssertionError("the task's variables were deep-copied")


@pytest.fixture
def setting(tmp_path):
    # What ansible-playbook does first, so that ansible.builtin.* resolves (once per test process).
    if lookup_loader.get("ansible.builtin.template") is None:
        init_plugin_loader()
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "compose.yml.j2").write_text(TEMPLATE)
    loader = DataLoader()
    variables = {"image": "ollama/ollama:0.12.10", "ports": [11434, 8080], "ansible_search_path": [str(tmp_path)]}
    return loader, variables


def run(name, loader, variables, **kwargs):
    templar = Templar(loader=loader, variables=variables)
    if name == "ours":
        plugin = ours.LookupModule(loader=loader, templar=templar)
    else:
        plugin = lookup_loader.get("ansible.builtin.template", loader=loader, templar=templar)
    return plugin.run(["compose.yml.j2"], variables, **kwargs)


def test_same_text_as_the_builtin_lookup(setting):
    loader, variables = setting
    assert run("ours", loader, variables) == run("builtin", loader, dict(variables))
    assert "image: ollama/ollama:0.12.10" in run("ours", loader, variables)[0]
    with_vars = {"template_vars": {"extra": "yes"}}
    assert run("ours", loader, variables, **with_vars) == run("builtin", loader, dict(variables), **with_vars)


def test_the_variables_are_neither_copied_nor_changed(setting):
    loader, variables = setting
    variables["big"] = NoDeepCopy(a=1)
    before = {key: value for key, value in variables.items() if key != "big"}
    text = run("ours", loader, variables)[0]
    assert "# port 8080 from compose.yml.j2" in text
    # The lookup's own variables (template_path, ansible_managed...) went to its layer, not the task's.
    assert {key: value for key, value in variables.items() if key != "big"} == before
    with pytest.raises(AssertionError, match="deep-copied"):
        copy.deepcopy(variables)
