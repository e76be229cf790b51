# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the zfs_snapshots, backup and zabbix_agent roles: input plans and verify rows.

The logic lives in module_utils (_zfs_plan.py, _backup.py, _zabbix.py), unit-tested there.
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.homelab.ai_stack.plugins.module_utils import _backup, _backup_read, _zabbix, _zfs_plan
from ansible_collections.homelab.ai_stack.plugins.module_utils._inputs import plain as _plain


def _call(name, func, *args, **kwargs):
    try:
        return func(*[_plain(a) for a in args], **{k: _plain(v) for k, v in kwargs.items()})
    except (_zfs_plan.PlanError, _backup.ConfigError, _zabbix.ZabbixError) as exc:
        raise AnsibleFilterError(f"{name}: {exc}") from None


_ZFS_SETTINGS = {
    "zfs_snapshots_datasets": "datasets",
    "zfs_snapshots_retention": "retention",
    "zfs_snapshots_prefix": "prefix",
    "zfs_snapshots_pre_deploy_prefix": "pre_deploy_prefix",
    "zfs_snapshots_pre_deploy_datasets": "pre_deploy_datasets",
    "zfs_snapshots_pre_deploy_keep_days": "pre_deploy_keep_days",
    "zfs_snapshots_pre_deploy_keep_last": "pre_deploy_keep_last",
    "zfs_snapshots_scrub_pools": "scrub_pools",
    "zfs_snapshots_on_calendar": "on_calendar",
}


def zfs_snapshots_plan(settings):
    """The zfs_snapshots role's validated input (see zfs_snapshots_plan.yml)."""
    if not isinstance(settings, dict):
        raise AnsibleFilterError("zfs_snapshots_plan: _input must be a mapping of the role's variables")
    unknown = sorted(set(settings) - set(_ZFS_SETTINGS))
    if unknown:
        raise AnsibleFilterError(f"zfs_snapshots_plan: unknown settings {', '.join(unknown)}")
    kwargs = {_ZFS_SETTINGS[name]: value for name, value in settings.items()}
    kwargs.setdefault("datasets", [])
    return _call("zfs_snapshots_plan", _zfs_plan.plan, **kwargs)


def zfs_pre_deploy(existing, wanted, name, take=True):
    """The pre-deploy snapshot to take over the datasets that exist (see zfs_pre_deploy.yml)."""
    roots = _zfs_plan.snapshot_roots(_plain(wanted or []), _plain(existing or []))
    result = _zfs_plan.pre_deploy_snapshot(roots, str(name))
    result["taken"] = bool(roots) and bool(take)
    return result


def zfs_snapshots_checks(pool_status, timer_status, max_age_days):
    """Verify rows of the zfs_snapshots role (see zfs_snapshots_checks.yml)."""
    return _call("zfs_snapshots_checks", _zfs_plan.checks, pool_status, timer_status, max_age_days)


def backup_settings(settings):
    """The backup role's validated input (see backup_settings.yml)."""
    return _call("backup_settings", _backup.validate_settings, settings)


def backup_checks(age_text, state_text, timer_status, max_age_hours):
    """Verify rows of the backup role (see backup_checks.yml)."""
    return _call("backup_checks", _backup.verify_checks, age_text, state_text, timer_status, max_age_hours)


def zabbix_agent_checks(key_results, service_status):
    """Verify rows of the zabbix_agent role (see zabbix_agent_checks.yml)."""
    return _call("zabbix_agent_checks", _zabbix.agent_checks, key_results, service_status)


def zabbix_agent_settings(inputs):
    """The zabbix_agent role's input, checked and resolved (see zabbix_agent_settings.yml)."""
    if not isinstance(inputs, dict):
        raise AnsibleFilterError("zabbix_agent_settings: _input must be a mapping of the role's variables")
    inputs = {key.removeprefix("zabbix_agent_"): value for key, value in inputs.items()}
    return _call("zabbix_agent_settings", _zabbix.settings, inputs)


def zabbix_agent_read(lines, files, port, sources, protocol="tcp"):
    """What the zabbix_agent role's no-op read says is out of place (see zabbix_agent_read.yml)."""
    if not isinstance(lines, (list, tuple)) or not isinstance(files, (list, tuple)):
        raise AnsibleFilterError("zabbix_agent_read: _input must be the read's lines, files the files task's list")
    return _call("zabbix_agent_read", _zabbix.read_state, list(lines), list(files), port, list(sources or []), protocol)


def backup_read(result, packages, timers, dirs, files, optional=None):
    """The facts of the backup role's no-op read (see backup_read.yml)."""
    if not isinstance(result, dict) or not isinstance(files, (list, tuple)):
        raise AnsibleFilterError(
            "backup_read: _input must be the read's registered result, files the files task's list"
        )
    if result.get("rc") != 0:
        raise AnsibleFilterError(
            f"backup_read: the backup role's read (roles/backup/files/backup-read.sh) failed on the host "
            f"(rc {result.get('rc')}{', ' + str(result['msg']) if result.get('msg') else ''})"
        )
    lines = result.get("stdout_lines") or []
    return _call("backup_read", _backup_read.read_state, lines, packages, timers, dirs, files, optional or [])


class FilterModule:
    def filters(self):
        return {
            "zfs_snapshots_plan": zfs_snapshots_plan,
            "zfs_pre_deploy": zfs_pre_deploy,
            "zfs_snapshots_checks": zfs_snapshots_checks,
            "backup_settings": backup_settings,
            "backup_checks": backup_checks,
            "backup_read": backup_read,
            "zabbix_agent_checks": zabbix_agent_checks,
            "zabbix_agent_settings": zabbix_agent_settings,
            "zabbix_agent_read": zabbix_agent_read,
        }
