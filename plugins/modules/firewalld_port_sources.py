#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: firewalld_port_sources
short_description: Admit exactly a set of sources to one port of firewalld zones (rich rules)
version_added: 0.1.0
description:
  - Makes the rich rules on O(port) of each zone of O(zones) that exists exactly one C(accept) rule per
    source of O(sources), in the permanent and the runtime configuration; rules of other sources on that
    port are removed, rules on other ports are left alone.
  - Host names in O(sources) are resolved on the host (as its services resolve them); loopback needs no rule.
  - Reads and writes over firewalld's D-Bus interface (the C(dbus) Python module firewalld depends on), so a
    run that changes nothing costs no C(firewall-cmd) start; without that module it falls back to
    C(firewall-cmd).
  - Where firewalld does not run, nothing is done (RV(running) is false).
author:
  - homelab.ai_stack contributors (!UNKNOWN)
requirements:
  - firewalld on the target (its C(dbus) Python binding, or C(firewall-cmd)).
extends_documentation_fragment:
  - homelab.ai_stack.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  platform:
    platforms: posix
options:
  port:
    description: The port.
    type: int
    required: true
  protocol:
    description: The port's protocol.
    type: str
    choices: [tcp, udp]
    default: tcp
  sources:
    description: Addresses, CIDRs or host names to admit. Empty removes every rule on the port.
    type: list
    elements: str
    required: true
  zones:
    description: The zones to hold the rules; those that do not exist are left out.
    type: list
    elements: str
    required: true
  label:
    description:
      - What the error about a host name that does not resolve calls O(sources) (the caller's variable).
    type: str
    default: sources
  wanted_files:
    description:
      - The arguments of the calling role's M(homelab.ai_stack.files) task (C(files) with their content rendered,
        C(optional) entries written only where their directory exists, C(owner), C(group), C(mode),
        C(directory_mode), C(pending)), so that the role's one read on a no-op also tells whether that task would
        change nothing (RV(files_in_place)), judged as the files module judges. C(no_log), the entries may hold
        secrets; only the boolean comes back. Judged also where firewalld does not run.
      - A JSON document (C(to_json)), one string that C(no_log) hides whole; a dictionary would have each of its
        values (V(root), V(0644), a path) masked wherever it appears in the result.
    type: str
"""

EXAMPLES = r"""
- name: Admit only the Zabbix servers to the agent's port
  homelab.ai_stack.firewalld_port_sources:
    port: 10050
    sources: [192.0.2.10, zabbix.example.org]
    zones: [self-hosted, public]
    label: zabbix_agent_server
    wanted_files: "{{ {'owner': 'root', 'mode': '0644', 'files': conf, 'pending': 'zabbix-agent2-restart'} | to_json }}"
  vars:
    conf:
      - dest: /etc/zabbix/zabbix_agent2.d/ai_stack.conf
        content: "{{ lookup('ansible.builtin.template', 'ai_stack.conf.j2') }}"
  register: fw

- name: Write the agent configuration unless it is in place
  homelab.ai_stack.files:
    owner: root
    mode: "0644"
    files: [{dest: /etc/zabbix/zabbix_agent2.d/ai_stack.conf, src: ai_stack.conf.j2}]
    pending: zabbix-agent2-restart
  when: not fw.files_in_place
"""

RETURN = r"""
running:
  description: Whether firewalld runs (nothing is read or changed otherwise).
  returned: always
  type: bool
sources:
  description: The addresses admitted (names resolved, loopback left out), sorted.
  returned: always
  type: list
  elements: str
  sample: [100.100.1.2, 192.0.2.10]
zones:
  description: The zones of O(zones) that exist (permanent configuration).
  returned: always
  type: list
  elements: str
  sample: [public]
changes:
  description: Rules added and removed, per configuration and zone (only zones with something to do).
  returned: always
  type: dict
  sample:
    runtime:
      public:
        add: []
        remove: ['rule family="ipv4" source address="100.100.1.3" port port="10050" protocol="tcp" accept']
files_in_place:
  description: Every entry of O(wanted_files) is as wanted (the files task can be skipped).
  returned: when O(wanted_files) is given
  type: bool
"""

import socket  # noqa: E402

from ansible.module_utils.basic import AnsibleModule  # noqa: E402

from ansible_collections.homelab.ai_stack.plugins.module_utils import _files_judge  # noqa: E402
from ansible_collections.homelab.ai_stack.plugins.module_utils._port_rules import (  # noqa: E402
    CONFIGS,
    plan,
    resolve,
    rich_rules,
)

_BUS_NAME = "org.fedoraproject.FirewallD1"
_PATH = "/org/fedoraproject/FirewallD1"


class DBusBackend:
    """firewalld over D-Bus: a read costs a few calls, no process start."""

    def __init__(self, dbus):
        self.dbus = dbus
        try:
            self.bus = dbus.SystemBus()
        except dbus.exceptions.DBusException:  # no system bus: no firewalld either
            self.running = False
            return
        self.running = bool(self.bus.name_has_owner(_BUS_NAME))
        if self.running:
            self.runtime = dbus.Interface(self.bus.get_object(_BUS_NAME, _PATH), _BUS_NAME + ".zone")
            self.config = dbus.Interface(self.bus.get_object(_BUS_NAME, _PATH + "/config"), _BUS_NAME + ".config")

    def _zone(self, zone):
        path = self.config.getZoneByName(zone)
        return self.dbus.Interface(self.bus.get_object(_BUS_NAME, path), _BUS_NAME + ".config.zone")

    def read(self, zones):
        perm = {str(z) for z in self.config.getZoneNames()}
        live = {str(z) for z in self.runtime.getZones()}
        present = [z for z in zones if z in perm]
        return {
            "permanent": {z: [str(r) for r in self._zone(z).getRichRules()] for z in present},
            "runtime": {z: [str(r) for r in self.runtime.getRichRules(z)] for z in present if z in live},
        }

    def change(self, config, zone, add, remove):
        if config == "permanent":
            target = self._zone(zone)
            for rule in remove:
                target.removeRichRule(rule)
            for rule in add:
                target.addRichRule(rule)
        else:
            for rule in remove:
                self.runtime.removeRichRule(zone, rule)
            for rule in add:
                self.runtime.addRichRule(zone, rule, 0)


class CliBackend:
    """firewall-cmd: two runs for the read, however many zones."""

    def __init__(self, module):
        self.module = module
        self.bin = module.get_bin_path("firewall-cmd")
        self.running = bool(self.bin) and module.run_command([self.bin, "--state"])[0] == 0

    def _run(self, args):
        rc, out, err = self.module.run_command([self.bin, *args])
        if rc != 0:
            self.module.fail_json(msg=f"firewall-cmd {' '.join(args)} failed: {(err or out).strip()}", rc=rc)
        return out

    def read(self, zones):
        perm = rich_rules(self._run(["--permanent", "--list-all-zones"]))
        live = rich_rules(self._run(["--list-all-zones"]))
        present = [z for z in zones if z in perm]
        return {
            "permanent": {z: perm[z] for z in present},
            "runtime": {z: live[z] for z in present if z in live},
        }

    def change(self, config, zone, add, remove):
        opt = ["--permanent"] if config == "permanent" else []
        if remove:
            self._run([*opt, f"--zone={zone}", *(f"--remove-rich-rule={r}" for r in remove)])
        if add:
            self._run([*opt, f"--zone={zone}", *(f"--add-rich-rule={r}" for r in add)])


def lookup(name):
    """The addresses NAME resolves to on this host (getaddrinfo, as `getent ahosts`)."""
    try:
        return sorted({info[4][0] for info in socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)})
    except (socket.gaierror, UnicodeError):
        return []


def backend(module):
    try:
        import dbus  # pylint: disable=import-outside-toplevel
    except ImportError:
        return CliBackend(module)
    return DBusBackend(dbus)


def main():
    module = AnsibleModule(
        argument_spec={
            "port": {"type": "int", "required": True},
            "protocol": {"type": "str", "choices": ["tcp", "udp"], "default": "tcp"},
            "sources": {"type": "list", "elements": "str", "required": True},
            "zones": {"type": "list", "elements": "str", "required": True},
            "label": {"type": "str", "default": "sources"},
            "wanted_files": {"type": "str", "no_log": True},
        },
        supports_check_mode=True,
    )
    params = module.params
    sources, unresolved = resolve([s.strip() for s in params["sources"] if s.strip()], lookup)
    if unresolved:
        module.fail_json(
            msg=f"{params['label']}: {', '.join(unresolved)} does not resolve on {socket.gethostname()}; "
            "the firewall needs addresses: fix the name or give the addresses."
        )
    result = {"changed": False, "running": False, "sources": sources, "zones": [], "changes": {}}
    if params["wanted_files"] is not None:
        result["files_in_place"] = _files_judge.judge(params["wanted_files"])
    fw = backend(module)
    if not fw.running:
        module.exit_json(**result)
    current = fw.read(params["zones"])
    wanted = plan(current, sources, params["port"], params["protocol"])
    result.update(running=True, zones=list(current["permanent"]), changes=wanted["changes"])
    result["changed"] = bool(wanted["changes"])
    if result["changed"]:
        if module._diff:
            on_port = f'port="{params["port"]}"'
            before = "".join(
                f"{c} {z}: {r}\n" for c in CONFIGS for z, rs in current.get(c, {}).items() for r in rs if on_port in r
            )
            after = "".join(f"{c} {z}: {r}\n" for c in CONFIGS for z in current.get(c, {}) for r in wanted["rules"])
            result["diff"] = {"before": before, "after": after}
        if not module.check_mode:
            for config in CONFIGS:
                for zone, todo in wanted["changes"].get(config, {}).items():
                    fw.change(config, zone, todo["add"], todo["remove"])
    module.exit_json(**result)


if __name__ == "__main__":
    main()
