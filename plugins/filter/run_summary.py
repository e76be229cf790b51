# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The run_summary filter; the logic lives in module_utils/_run_summary.py."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.homelab.ai_stack.plugins.module_utils._run_summary import summary_rows, summary_table


def run_summary(hosts, expected=None):
    """The end-of-run table as a list of lines (see run_summary.yml)."""
    if not isinstance(hosts, list):
        raise AnsibleFilterError("run_summary: expects a list of per-host summaries")
    return summary_table(summary_rows(hosts, expected))


class FilterModule:
    def filters(self):
        return {"run_summary": run_summary}
