# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""homelab.ai_stack.template renders what ansible.builtin.template's lookup renders, without copying the variables.

Both lookups need ansible's plugin loader set up (ansible-playbook does it first). That setup is
process-wide and changes how every later test imports the collection, so the lookups run in a
child Python, with this process's import path.
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import pytest

from ansible_collections.homelab.ai_stack.plugins.lookup import template as ours

# The directory that holds ansible_collections/homelab/ai_stack.
COLLECTIONS = pathlib.Path(ours.__file__).parents[5]

TEMPLATE = """services:
  app:
    image: {{ image }}
{% for port in ports %}
    # port {{ port }} from {{ template_path | basename }}
{% endfor %}
    extra: {{ extra | default('none') }}
"""

CHILD = """
import copy, json, sys
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import init_plugin_loader, lookup_loader
from ansible.template import Templar
init_plugin_loader([sys.argv[1]])

class NoDeepCopy(dict):
    def __deepcopy__(self, memo):
        raise AssertionError("the task's variables were deep-copied")

def variables():
    return {"image": "ollama/ollama:0.12.10", "ports": [11434, 8080], "ansible_search_path": [sys.argv[2]]}

def run(name, variables, **kwargs):
    loader = DataLoader()
    plugin = lookup_loader.get(name, loader=loader, templar=Templar(loader=loader, variables=variables))
    return plugin.run(["compose.yml.j2"], variables, **kwargs)

out = {}
for name in ("homelab.ai_stack.template", "ansible.builtin.template"):
    out[name] = [run(name, variables()), run(name, variables(), template_vars={"extra": "yes"})]
guarded = dict(variables(), big=NoDeepCopy(a=1))
before = {key: value for key, value in guarded.items() if key != "big"}
try:
    out["guarded"] = run("homelab.ai_stack.template", guarded)
except AssertionError as exc:
    out["guarded"] = str(exc)
out["unchanged"] = {key: value for key, value in guarded.items() if key != "big"} == before
try:
    copy.deepcopy(guarded)
    out["guard_works"] = False
except AssertionError:
    out["guard_works"] = True
print(json.dumps(out))
"""


@pytest.fixture
def rendered(tmp_path):
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "compose.yml.j2").write_text(TEMPLATE)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(COLLECTIONS), str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_same_text_as_the_builtin_lookup(rendered):
    assert rendered["homelab.ai_stack.template"] == rendered["ansible.builtin.template"]
    plain, with_vars = rendered["homelab.ai_stack.template"]
    assert "image: ollama/ollama:0.12.10" in plain[0] and "extra: none" in plain[0]
    assert "extra: yes" in with_vars[0]


def test_the_variables_are_neither_copied_nor_changed(rendered):
    # A variable that fails when deep-copied (the builtin lookup would copy it) renders fine with ours.
    assert rendered["guard_works"] is True
    assert isinstance(rendered["guarded"], list), rendered["guarded"]
    assert "# port 8080 from compose.yml.j2" in rendered["guarded"][0]
    # The lookup's own variables (template_path, ansible_managed...) went to its layer, not the task's.
    assert rendered["unchanged"] is True
