# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import hashlib

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.homelab.ai_stack.plugins.filter import files as f
from ansible_collections.homelab.ai_stack.plugins.module_utils import _files

CONF = "Server=127.0.0.1\n"


def entry(path, content=CONF, mode="0644", owner="root", group="root", isdir=False):
    found = {"path": path, "mode": mode, "pw_name": owner, "gr_name": group, "isdir": isdir}
    if not isdir:
        found["checksum"] = hashlib.sha1(content.encode()).hexdigest()
    return found


FOUND = {
    "changed": False,
    "files": [
        entry("/etc/zabbix/zabbix_agent2.conf"),
        entry("/etc/zabbix/psk", content="abc\n", mode="0400", owner="zabbix", group="zabbix"),
        entry("/etc/zabbix/scripts", mode="0755", isdir=True),
    ],
}


def test_filter_is_registered():
    assert f.FilterModule().filters() == {"file_differs": f.file_differs}


def test_same_file_does_not_differ():
    assert (
        f.file_differs(FOUND, "/etc/zabbix/zabbix_agent2.conf", content=CONF, mode="0644", owner="root", group="root")
        is False
    )


@pytest.mark.parametrize(
    ("kwargs", "reasons"),
    [
        ({"content": CONF + "#\n"}, ["content"]),
        ({"content": CONF.rstrip("\n")}, ["content"]),  # a lost trailing newline is a change
        ({"mode": "0600"}, ["mode 0644"]),
        ({"owner": "zabbix"}, ["owner root"]),
        ({"group": "zabbix"}, ["group root"]),
        (
            {"content": "x", "mode": "0640", "owner": "a", "group": "b"},
            ["content", "mode 0644", "owner root", "group root"],
        ),
    ],
)
def test_each_attribute_is_compared(kwargs, reasons):
    assert _files.differences(FOUND, "/etc/zabbix/zabbix_agent2.conf", **kwargs) == reasons
    assert f.file_differs(FOUND, "/etc/zabbix/zabbix_agent2.conf", **kwargs) is True


def test_only_given_attributes_are_compared():
    assert f.file_differs(FOUND, "/etc/zabbix/psk") is False
    assert f.file_differs(FOUND, "/etc/zabbix/psk", mode="400") is False


@pytest.mark.parametrize("mode", ["0644", "644", 0o644])
def test_mode_spellings(mode):
    assert f.file_differs(FOUND, "/etc/zabbix/zabbix_agent2.conf", mode=mode) is False


def test_missing_file_differs():
    assert _files.differences(FOUND, "/etc/zabbix/other.conf", content=CONF) == ["missing"]


def test_absent_state():
    assert f.file_differs(FOUND, "/etc/zabbix/psk", state="absent") is True
    assert f.file_differs(FOUND, "/etc/zabbix/gone", state="absent") is False


def test_directories():
    assert f.file_differs(FOUND, "/etc/zabbix/scripts", state="directory", mode="0755", owner="root") is False
    assert f.file_differs(FOUND, "/etc/zabbix/scripts/", state="directory") is False
    assert _files.differences(FOUND, "/etc/zabbix/scripts", state="directory", mode="0700") == ["mode 0755"]
    assert _files.differences(FOUND, "/etc/zabbix/scripts", state="file") == ["is a directory"]
    assert _files.differences(FOUND, "/etc/zabbix/psk", state="directory") == ["is not a directory"]


def test_files_list_is_accepted():
    assert f.file_differs(FOUND["files"], "/etc/zabbix/zabbix_agent2.conf", content=CONF) is False


def test_utf8_content():
    text = "# Größe\n"
    found = [entry("/etc/x", content=text)]
    assert f.file_differs(found, "/etc/x", content=text) is False


@pytest.mark.parametrize(
    ("found", "args", "kwargs", "message"),
    [
        ({"skipped": True}, ("/etc/x",), {}, "was skipped"),
        ({"stat": {}}, ("/etc/x",), {}, "has no 'files'"),
        ("nope", ("/etc/x",), {}, "got str"),
        (FOUND, ("etc/x",), {}, "path must be absolute"),
        (FOUND, ("/etc/zabbix/psk",), {"state": "present"}, "state must be one of"),
        (FOUND, ("/etc/zabbix/psk",), {"mode": "rw-r--r--"}, "octal string"),
        (FOUND, ("/etc/zabbix/psk",), {"mode": True}, "octal string"),
        (FOUND, ("/etc/zabbix/psk",), {"mode": "17777"}, "out of range"),
        ([{"path": "/etc/x", "isdir": False}], ("/etc/x",), {"content": "a"}, "get_checksum: true"),
        (FOUND, ("/etc/zabbix/scripts",), {"state": "directory", "content": "a"}, "not directories"),
    ],
)
def test_bad_input_is_named(found, args, kwargs, message):
    with pytest.raises(AnsibleFilterError, match=message):
        f.file_differs(found, *args, **kwargs)
