# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ollama_pull_summary filter; the logic lives in module_utils/_ollama.py."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.homelab.ai_stack.plugins.module_utils._ollama import pull_summary


def ollama_pull_summary(registered):
    """Counts and totals over registered ollama_model results (see ollama_pull_summary.yml)."""
    if isinstance(registered, dict):
        registered = registered.get("results", [registered])
    if not isinstance(registered, list):
        raise AnsibleFilterError("ollama_pull_summary: expects a registered ollama_model result or its results list")
    return pull_summary(registered)


class FilterModule:
    def filters(self):
        return {"ollama_pull_summary": ollama_pull_summary}
