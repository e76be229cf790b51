# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ansible.builtin.template's lookup without its deep copy of every variable of the task."""

from __future__ import annotations

DOCUMENTATION = r"""
name: template
short_description: ansible.builtin.template's lookup, without a deep copy of the task's variables
version_added: 0.2.0
author:
  - homelab.ai_stack contributors (!UNKNOWN)
description:
  - Renders each template as P(ansible.builtin.template#lookup) does (it is that lookup, with the same
    options, the same search path and the same C(template_*) and C(ansible_managed) variables), and returns the
    results as a list of strings.
  - The builtin lookup deep-copies every variable of the task before it renders (a C(FIXME) in its source asks
    why that is not a layered map). On a host with the stack's facts and role variables that copy took 50 ms per
    call, longer than most templates take to render. This lookup hands it the task's variables under an empty
    layer of its own (a C(ChainMap), which the templar accepts), so the lookup's own variables are added on top
    and the task's are neither copied nor changed.
options:
  _terms:
    description: The templates to render, looked up as P(ansible.builtin.template#lookup) looks them up.
    type: list
    elements: str
    required: true
notes:
  - Every option of P(ansible.builtin.template#lookup) (C(template_vars), C(variable_start_string) and the others)
    is passed to it unchanged.
"""

EXAMPLES = r"""
- name: Write the compose file of a role's service
  homelab.ai_stack.compose_project:
    project_src: /opt/ai-stack/ollama
    compose: "{{ lookup('homelab.ai_stack.template', 'compose.yml.j2') }}"
"""

RETURN = r"""
_raw:
  description: The rendered text of each template.
  type: list
  elements: str
"""

from collections import ChainMap  # noqa: E402

from ansible.plugins.loader import lookup_loader  # noqa: E402
from ansible.plugins.lookup import LookupBase  # noqa: E402


class _Layered(ChainMap):
    """The task's variables as the builtin lookup's ``deepcopy`` finds them: copying gives a new empty layer."""

    def __deepcopy__(self, memo):
        return ChainMap({}, *self.maps)


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        builtin = lookup_loader.get("ansible.builtin.template", loader=self._loader, templar=self._templar)
        return builtin.run(terms, _Layered(variables if variables is not None else {}), **kwargs)
