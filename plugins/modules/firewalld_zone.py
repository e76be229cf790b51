#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: firewalld_zone
short_description: Reconcile a firewalld zone to an exact set of sources, ports, services and interfaces
version_added: 0.1.0
description:
  - Makes one firewalld zone hold exactly the listed sources, ports, services and interfaces, in the
    permanent configuration and, when firewalld is running, in the runtime configuration too, without
    a reload unless the zone is new or its target changes.
  - Items present in the zone but not listed are removed (O(purge=true)), so a second run with fewer
    items leaves only those. An option that is not given is not managed.
  - C(ansible.posix.firewalld) adds or removes one item at a time and cannot use a zone created in the
    same run without a reload; this module does both in one task.
  - When firewalld is not running the permanent configuration is changed with C(firewall-offline-cmd).
  - Typical input is the output of the P(homelab.ai_stack.firewalld_zone_plan#filter) filter.
author:
  - homelab.ai_stack contributors (!UNKNOWN)
requirements:
  - firewalld (the C(firewall-cmd) and C(firewall-offline-cmd) commands) on the target.
extends_documentation_fragment:
  - homelab.ai_stack.attributes
attributes:
  check_mode:
    support: full
    details: Without firewalld installed, check mode reports every listed item as to be added.
  diff_mode:
    support: full
  platform:
    platforms: posix
options:
  name:
    description:
      - Name of the zone. A zone that does not exist is created (O(state=present)).
    type: str
    required: true
  state:
    description:
      - V(present) reconciles the zone, V(absent) deletes it (built-in zones cannot be deleted).
    type: str
    choices: [present, absent]
    default: present
  sources:
    description:
      - Exact list of source addresses or CIDRs bound to the zone. Omit to leave sources alone.
    type: list
    elements: str
  ports:
    description:
      - Exact list of ports as C(PORT/PROTO) or C(START-END/PROTO). Overlapping ranges are compared the
        way firewalld merges them. Omit to leave ports alone.
    type: list
    elements: str
  services:
    description:
      - Exact list of firewalld service names. Omit to leave services alone.
    type: list
    elements: str
  interfaces:
    description:
      - Exact list of interfaces bound to the zone. An interface bound to another zone is moved here.
        Omit to leave interfaces alone.
    type: list
    elements: str
  target:
    description:
      - Zone target. Changing it needs a firewalld reload, which the module does. Omit to leave it alone.
    type: str
    choices: [default, ACCEPT, DROP, '%%REJECT%%']
  purge:
    description:
      - Remove items the zone holds that are not listed. V(false) only adds (for zones shared with other
        tools, such as Docker's C(docker) zone).
    type: bool
    default: true
notes:
  - A reload drops iptables rules that were added outside firewalld (Docker's chains on some hosts).
    RV(reloaded) says when the module reloaded, so a play can restart Docker afterwards.
"""

EXAMPLES = r"""
- name: Admit only the tailnet and the Docker subnet to the stack's ports
  homelab.ai_stack.firewalld_zone:
    name: self-hosted
    interfaces: [tailscale0]
    sources: [100.64.0.0/10, 172.30.0.0/24]
    ports: [53/tcp, 53/udp, 80/tcp, 443/tcp]
    services: []
  register: __zone
  notify: Restart docker

- name: Keep only SSH open in the public zone (leave its interfaces and sources alone)
  homelab.ai_stack.firewalld_zone:
    name: public
    services: [ssh]
    ports: []

- name: Put a Docker bridge into Docker's zone without touching what Docker added
  homelab.ai_stack.firewalld_zone:
    name: docker
    target: ACCEPT
    interfaces: [docker0, br-self-hosted]
    purge: false
"""

RETURN = r"""
name:
  description: The zone.
  returned: always
  type: str
  sample: self-hosted
created:
  description: Whether the zone was (or in check mode would be) created.
  returned: always
  type: bool
deleted:
  description: Whether the zone was (or would be) deleted.
  returned: always
  type: bool
reloaded:
  description: Whether firewalld was (or would be) reloaded.
  returned: always
  type: bool
running:
  description: Whether firewalld is running (runtime configuration managed too).
  returned: always
  type: bool
added:
  description: Items added, per configuration (permanent, runtime) and attribute.
  returned: always
  type: dict
  sample: {permanent: {sources: [100.100.0.0/16]}, runtime: {sources: [100.100.0.0/16]}}
removed:
  description: Items removed, per configuration (permanent, runtime) and attribute.
  returned: always
  type: dict
  sample: {permanent: {ports: [8080/tcp]}, runtime: {ports: [8080/tcp]}}
zone:
  description: The permanent state of the zone after the run (or the predicted state in check mode).
  returned: when O(state=present)
  type: dict
  contains:
    sources:
      description: Sources of the zone.
      type: list
      elements: str
      returned: always
    ports:
      description: Ports of the zone.
      type: list
      elements: str
      returned: always
    services:
      description: Services of the zone.
      type: list
      elements: str
      returned: always
    interfaces:
      description: Interfaces of the zone.
      type: list
      elements: str
      returned: always
    target:
      description: Target of the zone.
      type: str
      returned: always
"""

from ansible.module_utils.basic import AnsibleModule  # noqa: E402 (documentation first, as ansible-doc expects)

from ansible_collections.homelab.ai_stack.plugins.module_utils._zone_plan import (  # noqa: E402
    ATTRIBUTES,
    apply_changes,
    parse_zone_info,
    zone_changes,
)

# Adds go through --change-* where firewalld has it, so a source or
# interface bound to another zone moves instead of failing ZONE_CONFLICT.
_ADD_FLAGS = {
    "sources": "--change-source",
    "ports": "--add-port",
    "services": "--add-service",
    "interfaces": "--change-interface",
}
_REMOVE_FLAGS = {
    "sources": "--remove-source",
    "ports": "--remove-port",
    "services": "--remove-service",
    "interfaces": "--remove-interface",
}
# firewall-cmd's exit codes when the daemon is not running (errors.NOT_RUNNING)
# and for a zone it does not know (errors.INVALID_ZONE).
_NOT_RUNNING = 252
_INVALID_ZONE = 112


class FirewallCmd:
    """The firewall-cmd / firewall-offline-cmd backend."""

    def __init__(self, module):
        self.module = module
        self.online_bin = module.get_bin_path("firewall-cmd")
        self.offline_bin = module.get_bin_path("firewall-offline-cmd")
        self.installed = bool(self.online_bin)
        # Learnt from the first call (no separate --state run: every
        # firewall-cmd run is a Python start on the host).
        self.running = None if self.installed else False

    def _run(self, args, permanent=True, missing_ok=False):
        if self.running is None:
            cmd = [self.online_bin] + (["--permanent"] if permanent else []) + args
            rc, out, err = self.module.run_command(cmd)
            self.running = rc != _NOT_RUNNING
            if self.running:
                return self._result(cmd, rc, out, err, missing_ok)
        if self.running:
            cmd = [self.online_bin] + (["--permanent"] if permanent else []) + args
        else:
            if not self.offline_bin:
                self.module.fail_json(msg="firewalld is not running and firewall-offline-cmd is not installed")
            cmd = [self.offline_bin, *args]
        rc, out, err = self.module.run_command(cmd)
        return self._result(cmd, rc, out, err, missing_ok)

    def _result(self, cmd, rc, out, err, missing_ok):
        if rc == _INVALID_ZONE and missing_ok:
            return None
        if rc != 0:
            self.module.fail_json(msg=f"{' '.join(cmd)} failed: {(err or out).strip()}", rc=rc, cmd=cmd)
        return out

    def zones(self):
        """The zones of the permanent configuration (the runtime's are read per zone)."""
        return self._run(["--get-zones"]).split()

    def read(self, zone, permanent=True):
        """The zone's lists and target in one --info-zone call; None when the layer does not know the zone."""
        out = self._run([f"--info-zone={zone}"], permanent, missing_ok=True)
        return None if out is None else parse_zone_info(out)

    def create(self, zone):
        self._run([f"--new-zone={zone}"])

    def delete(self, zone):
        self._run([f"--delete-zone={zone}"])

    def set_target(self, zone, target):
        self._run([f"--zone={zone}", f"--set-target={target}"])

    def apply(self, zone, changes, permanent=True):
        for attr in ATTRIBUTES:
            items = changes["remove"].get(attr)
            if items:
                self._run([f"--zone={zone}"] + [f"{_REMOVE_FLAGS[attr]}={i}" for i in items], permanent)
        for attr in ATTRIBUTES:
            items = changes["add"].get(attr)
            if items:
                self._run([f"--zone={zone}"] + [f"{_ADD_FLAGS[attr]}={i}" for i in items], permanent)

    def reload(self):
        self._run(["--reload"], permanent=False)


def _empty_zone():
    zone = {attr: [] for attr in ATTRIBUTES}
    zone["target"] = "default"
    return zone


def _changed(changes):
    return bool(changes["add"] or changes["remove"])


def _summary(state):
    summary = {attr: sorted(state.get(attr) or []) for attr in ATTRIBUTES}
    summary["target"] = state.get("target", "default")
    return summary


def run_module(module, backend):
    params = module.params
    name = params["name"]
    desired = {attr: params[attr] for attr in ATTRIBUTES}
    result = {
        "changed": False,
        "name": name,
        "created": False,
        "deleted": False,
        "reloaded": False,
        "running": bool(backend.running),
        "added": {},
        "removed": {},
    }

    if not backend.installed:
        if not module.check_mode:
            module.fail_json(msg="firewall-cmd not found: install firewalld before managing zones", **result)
        module.warn("firewalld is not installed; reporting every listed item as to be added")
        zones = []
    else:
        zones = backend.zones()
    result["running"] = backend.running
    exists = name in zones

    if params["state"] == "absent":
        if exists:
            result.update(changed=True, deleted=True, reloaded=backend.running)
            result["diff"] = {"before": f"zone {name}\n", "after": ""}
            if not module.check_mode:
                backend.delete(name)
                if backend.running:
                    backend.reload()
        return result

    before = (backend.read(name) or _empty_zone()) if exists else _empty_zone()
    perm_changes = zone_changes(before, desired, params["purge"])
    target_change = params["target"] is not None and params["target"] != before["target"]
    after = apply_changes(before, perm_changes)
    after["target"] = params["target"] if target_change else before["target"]

    # The runtime only knows a zone after a reload; a target change also
    # needs one. Otherwise the runtime is edited in place: a reload costs
    # every connection's state and Docker's own rules on some hosts.
    runtime = backend.read(name, permanent=False) if backend.running and exists else None
    runtime_known = runtime is not None
    needs_reload = backend.running and (not runtime_known or target_change)
    rt_changes = {"add": {}, "remove": {}}
    if backend.running and not needs_reload:
        rt_changes = zone_changes(runtime, desired, params["purge"])
    elif needs_reload:
        # After the reload the runtime equals the new permanent state.
        rt_before = runtime if runtime_known else _empty_zone()
        rt_changes = zone_changes(rt_before, {attr: after[attr] for attr in ATTRIBUTES}, True)

    result.update(
        created=not exists,
        reloaded=needs_reload,
        added={"permanent": perm_changes["add"], "runtime": rt_changes["add"]},
        removed={"permanent": perm_changes["remove"], "runtime": rt_changes["remove"]},
        zone=_summary(after),
    )
    result["changed"] = (not exists) or target_change or _changed(perm_changes) or _changed(rt_changes)
    if module._diff:
        result["diff"] = {"before": _summary(before) if exists else {}, "after": _summary(after)}
    if module.check_mode or not result["changed"]:
        return result

    if not exists:
        backend.create(name)
    if target_change:
        backend.set_target(name, params["target"])
    backend.apply(name, perm_changes)
    if needs_reload:
        backend.reload()
    elif backend.running:
        backend.apply(name, rt_changes, permanent=False)

    # firewalld may spell or merge things its own way; make sure the zone
    # now really equals the plan, in both configurations.
    layers = [True, False] if backend.running else [True]
    for permanent in layers:
        now = backend.read(name, permanent) or _empty_zone()
        left = zone_changes(now, {attr: after[attr] for attr in ATTRIBUTES if desired[attr] is not None}, True)
        if _changed(left):
            layer = "permanent" if permanent else "runtime"
            module.fail_json(msg=f"zone {name} ({layer}) does not match the requested state after the change: {left}")
    return result


def main():
    module = AnsibleModule(
        argument_spec={
            "name": {"type": "str", "required": True},
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
            "sources": {"type": "list", "elements": "str"},
            "ports": {"type": "list", "elements": "str"},
            "services": {"type": "list", "elements": "str"},
            "interfaces": {"type": "list", "elements": "str"},
            "target": {"type": "str", "choices": ["default", "ACCEPT", "DROP", "%%REJECT%%"]},
            "purge": {"type": "bool", "default": True},
        },
        supports_check_mode=True,
    )
    module.exit_json(**run_module(module, FirewallCmd(module)))


if __name__ == "__main__":
    main()
