# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters over the host facts and the stack-wide settings.

The logic lives in module_utils/_host.py and module_utils/_settings.py.
"""

from __future__ import annotations

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.homelab.ai_stack.plugins.module_utils import _host, _settings


def _listeners(listeners):
    if listeners is None:
        return []
    if isinstance(listeners, str):
        return _host.parse_ss(listeners)
    items = list(listeners)
    if items and all(isinstance(item, str) for item in items):
        return _host.parse_ss("\n".join(items))
    return items


def ports_held(listeners, wanted, address=None, ignore_processes=None):
    """The listeners in the way of ``wanted`` on ``address`` (see ports_held.yml)."""
    if isinstance(wanted, (str, int)):
        wanted = [wanted]
    ignore = _host.STACK_PROCESSES if ignore_processes is None else ignore_processes
    if isinstance(ignore, str):
        ignore = [ignore]
    try:
        return _host.ports_held(_listeners(listeners), wanted, address or None, ignore)
    except (KeyError, TypeError, ValueError) as exc:
        raise AnsibleFilterError(f"ports_held: {exc}") from exc


def stack_settings(raw, facts=None):
    """The resolved stack-wide settings (see stack_settings.yml)."""
    if not isinstance(raw, Mapping):
        raise AnsibleFilterError("stack_settings: the input must be a dictionary of ai_stack_* variables")
    try:
        return _settings.resolve(dict(raw), dict(facts or {}))
    except _settings.SettingsError as exc:
        raise AnsibleFilterError(str(exc)) from exc


def preflight_checks(raw, facts=None, disk_warn_gb=50, disk_min_gb=10, check_ports=True, extra_ports=None):
    """The pre-flight checks of the common role (see preflight_checks.yml)."""
    if not isinstance(raw, Mapping):
        raise AnsibleFilterError("preflight_checks: the input must be a dictionary of ai_stack_* variables")
    return _settings.preflight_checks(dict(raw), dict(facts or {}), disk_warn_gb, disk_min_gb, check_ports, extra_ports)


class FilterModule:
    def filters(self):
        return {"ports_held": ports_held, "stack_settings": stack_settings, "preflight_checks": preflight_checks}
