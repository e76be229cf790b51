# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.homelab.ai_stack.plugins.filter import ops_roles as f


def test_zfs_plan_from_the_roles_variables():
    plan = f.zfs_snapshots_plan(
        {
            "zfs_snapshots_datasets": [{"name": "tank/ai"}],
            "zfs_snapshots_retention": {"daily": 7},
            "zfs_snapshots_pre_deploy_keep_days": "3",
        }
    )
    assert plan["names"] == ["tank/ai"]
    assert plan["tool_config"]["datasets"][0]["policies"][1]["keep_within"] == 3 * 86400


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"zfs_snapshots_datasets": []}, "zfs_snapshots_plan: zfs_snapshots_datasets must list"),
        ({"zfs_snapshots_datasets": [{"name": "a"}], "zfs_snapshots_bogus": 1}, "unknown settings zfs_snapshots_bogus"),
        ([{"name": "tank/ai"}], "_input must be a mapping"),
    ],
)
def test_zfs_plan_errors(settings, message):
    with pytest.raises(AnsibleFilterError, match=message):
        f.zfs_snapshots_plan(settings)


def test_zfs_pre_deploy_taken_only_when_asked():
    snap = f.zfs_pre_deploy(["tank", "tank/ai", "tank/ai/models"], ["tank/ai", "tank/ai/models"], "p_1", take=False)
    assert snap["snapshots"] == ["tank/ai@p_1"] and snap["taken"] is False
    assert f.zfs_pre_deploy(["tank"], ["tank/ai"], "p_1")["taken"] is False


def test_backup_settings_error_is_a_filter_error():
    with pytest.raises(AnsibleFilterError, match="backup_settings: backup_state must be present or absent"):
        f.backup_settings({"backup_state": "maybe"})


def test_zabbix_filters():
    rows = f.zabbix_agent_checks(
        [{"item": "agent.ping", "rc": 0, "stdout": "agent.ping   [s|1]"}], {"ActiveState": "active"}
    )
    assert [r["result"] for r in rows] == ["pass", "pass"]


def test_zabbix_settings_filter():
    check = f.FilterModule().filters()["zabbix_agent_settings"]
    got = check({"server": "", "server_active": "", "version": "7.0", "source": "zabbix", "user_parameters": []})
    assert len(got["errors"]) == 1 and "zabbix_agent_server" in got["errors"][0]
    with pytest.raises(AnsibleFilterError, match="mapping"):
        check(["not", "a", "mapping"])


def test_zabbix_settings_filter_takes_the_role_s_variable_names():
    check = f.FilterModule().filters()["zabbix_agent_settings"]
    got = check({"zabbix_agent_server": "192.0.2.10", "zabbix_agent_version": 7.0, "source": "zabbix"})
    assert (got["errors"], got["servers"], got["source"]) == ([], ["192.0.2.10"], "zabbix")


def test_zabbix_read_filter():
    read = f.FilterModule().filters()["zabbix_agent_read"]
    lines = ["fw=b false", "have=/etc/zabbix/a.conf f 644 root root", "sha=/etc/zabbix/a.conf " + "0" * 40]
    got = read(lines, [{"dest": "/etc/zabbix/a.conf", "content": "x"}], "10050", ["192.0.2.10"])
    assert got == {"firewall_in_place": True, "files_in_place": False, "in_place": False}
    with pytest.raises(AnsibleFilterError, match="zabbix_agent_read"):
        read("fw=b false", [], 10050, [])
