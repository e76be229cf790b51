#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: firewalld_zone
short_description: Reconcile firewalld zones to an exact set of sources, ports, services and interfaces
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
  - O(zones) reconciles several zones in one run. Every zone is read with one C(--list-all-zones) call
    per configuration, so a run that changes nothing costs two C(firewall-cmd) runs however many zones
    are listed, and at most one reload serves them all.
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
      - Exactly one of O(name) and O(zones) is required.
    type: str
  zones:
    description:
      - Several zones, reconciled in one run, each with the options of a single zone.
      - A zone's O(zones[].state) and O(zones[].purge) default to the top-level O(state) and O(purge).
      - Removals of every zone are made before additions, so a source or interface may move from one
        listed zone to another.
      - Mutually exclusive with O(name), O(sources), O(ports), O(services), O(interfaces) and O(target).
    type: list
    elements: dict
    suboptions:
      name:
        description: Name of the zone.
        type: str
        required: true
      state:
        description: V(present) reconciles the zone, V(absent) deletes it. Defaults to O(state).
        type: str
        choices: [present, absent]
      sources:
        description: Exact list of source addresses or CIDRs, as O(sources).
        type: list
        elements: str
      ports:
        description: Exact list of ports, as O(ports).
        type: list
        elements: str
      services:
        description: Exact list of firewalld service names, as O(services).
        type: list
        elements: str
      interfaces:
        description: Exact list of interfaces, as O(interfaces).
        type: list
        elements: str
      target:
        description: Zone target, as O(target).
        type: str
        choices: [default, ACCEPT, DROP, '%%REJECT%%']
      purge:
        description: Remove items the zone holds that are not listed, as O(purge). Defaults to O(purge).
        type: bool
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

- name: The three zones above in one run (two firewall-cmd reads when nothing changes)
  homelab.ai_stack.firewalld_zone:
    zones:
      - name: self-hosted
        interfaces: [tailscale0]
        sources: [100.64.0.0/10, 172.30.0.0/24]
        ports: [53/tcp, 53/udp, 80/tcp, 443/tcp]
        services: []
        target: default
      - name: public
        services: [ssh]
        ports: []
      - name: docker
        target: ACCEPT
        interfaces: [docker0, br-self-hosted]
        purge: false
  register: __zones
  notify: Restart docker
"""

RETURN = r"""
name:
  description: The zone.
  returned: when O(name) is given
  type: str
  sample: self-hosted
created:
  description: Whether the zone was (or in check mode would be) created.
  returned: when O(name) is given
  type: bool
deleted:
  description: Whether the zone was (or would be) deleted.
  returned: when O(name) is given
  type: bool
reloaded:
  description: Whether firewalld was (or would be) reloaded (once, for every zone of O(zones)).
  returned: always
  type: bool
running:
  description: Whether firewalld is running (runtime configuration managed too).
  returned: always
  type: bool
added:
  description: Items added, per configuration (permanent, runtime) and attribute.
  returned: when O(name) is given
  type: dict
  sample: {permanent: {sources: [100.100.0.0/16]}, runtime: {sources: [100.100.0.0/16]}}
removed:
  description: Items removed, per configuration (permanent, runtime) and attribute.
  returned: when O(name) is given
  type: dict
  sample: {permanent: {ports: [8080/tcp]}, runtime: {ports: [8080/tcp]}}
zone:
  description: The permanent state of the zone after the run (or the predicted state in check mode).
  returned: when O(name) is given and O(state=present)
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
zones:
  description:
    - One entry per zone of O(zones), in their order, with the keys a single zone returns.
    - V(zone) is there for a zone with state V(present) only.
  returned: when O(zones) is given
  type: list
  elements: dict
  sample:
    - name: self-hosted
      created: false
      deleted: false
      added: {permanent: {}, runtime: {}}
      removed: {permanent: {ports: [8080/tcp]}, runtime: {ports: [8080/tcp]}}
      zone: {sources: [100.64.0.0/10], ports: [443/tcp], services: [], interfaces: [tailscale0], target: default}
"""

from ansible.module_utils.basic import AnsibleModule  # noqa: E402 (documentation first, as ansible-doc expects)

from ansible_collections.homelab.ai_stack.plugins.module_utils._zone_plan import (  # noqa: E402
    ATTRIBUTES,
    apply_changes,
    parse_zones_info,
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
# firewall-cmd's exit code when the daemon is not running (errors.NOT_RUNNING).
_NOT_RUNNING = 252
_TARGETS = ["default", "ACCEPT", "DROP", "%%REJECT%%"]
_ZONE_OPTIONS = ("sources", "ports", "services", "interfaces", "target")


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

    def _run(self, args, permanent=True):
        if self.running is None:
            cmd = [self.online_bin] + (["--permanent"] if permanent else []) + args
            rc, out, err = self.module.run_command(cmd)
            self.running = rc != _NOT_RUNNING
            if self.running:
                return self._result(cmd, rc, out, err)
        if self.running:
            cmd = [self.online_bin] + (["--permanent"] if permanent else []) + args
        else:
            if not self.offline_bin:
                self.module.fail_json(msg="firewalld is not running and firewall-offline-cmd is not installed")
            cmd = [self.offline_bin, *args]
        rc, out, err = self.module.run_command(cmd)
        return self._result(cmd, rc, out, err)

    def _result(self, cmd, rc, out, err):
        if rc != 0:
            self.module.fail_json(msg=f"{' '.join(cmd)} failed: {(err or out).strip()}", rc=rc, cmd=cmd)
        return out

    def read_all(self, permanent=True):
        """Every zone of one layer, {name: state}, in one --list-all-zones call."""
        return parse_zones_info(self._run(["--list-all-zones"], permanent))

    def create(self, zone):
        self._run([f"--new-zone={zone}"])

    def delete(self, zone):
        self._run([f"--delete-zone={zone}"])

    def set_target(self, zone, target):
        self._run([f"--zone={zone}", f"--set-target={target}"])

    def change(self, zone, flags, changes, items_of, permanent=True):
        """One firewall-cmd run per attribute with something to do."""
        for attr in ATTRIBUTES:
            items = changes[items_of].get(attr)
            if items:
                self._run([f"--zone={zone}"] + [f"{flags[attr]}={i}" for i in items], permanent)

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


def _zone_specs(module):
    """The zones to reconcile: O(zones), or the one zone of the top-level options."""
    params = module.params
    if params.get("zones") is None:
        return [{key: params[key] for key in ("name", "state", "purge", *_ZONE_OPTIONS)}]
    specs, seen = [], set()
    for spec in params["zones"]:
        spec = dict(spec)
        if spec["name"] in seen:
            module.fail_json(msg=f"zones: zone {spec['name']} is listed twice")
        seen.add(spec["name"])
        # A zone's own state and purge win over the top-level ones.
        for key in ("state", "purge"):
            if spec.get(key) is None:
                spec[key] = params[key]
        for key in _ZONE_OPTIONS:
            spec.setdefault(key, None)
        specs.append(spec)
    return specs


def _plan(spec, before, runtime, running):
    """What one zone needs: its result entry plus the changes per layer."""
    name = spec["name"]
    exists = before is not None
    entry = {"name": name, "created": False, "deleted": False, "added": {}, "removed": {}}
    if spec["state"] == "absent":
        entry["deleted"] = exists
        return {
            "spec": spec,
            "entry": entry,
            "changed": exists,
            "reload": exists and running,
            "diff": ({"before": _summary(before), "after": {}} if exists else None),
        }

    before = before or _empty_zone()
    desired = {attr: spec[attr] for attr in ATTRIBUTES}
    perm = zone_changes(before, desired, spec["purge"])
    target_change = spec["target"] is not None and spec["target"] != before["target"]
    after = apply_changes(before, perm)
    after["target"] = spec["target"] if target_change else before["target"]
    # The runtime only knows a zone after a reload; a target change also
    # needs one. Otherwise the runtime is edited in place: a reload costs
    # every connection's state and Docker's own rules on some hosts.
    reload = running and (runtime is None or target_change)
    entry.update(created=not exists, zone=_summary(after))
    return {
        "spec": spec,
        "entry": entry,
        "exists": exists,
        "desired": desired,
        "runtime": runtime,
        "perm": perm,
        "target_change": target_change,
        "after": after,
        "reload": reload,
        "changed": (not exists) or target_change or _changed(perm),
        "diff": {"before": _summary(before) if exists else {}, "after": _summary(after)},
    }


def _runtime_changes(plan, running, reload):
    """The runtime changes of a present zone: edited in place, or what the reload does."""
    if not running or plan["spec"]["state"] == "absent":
        return {"add": {}, "remove": {}}
    if not reload:
        return zone_changes(plan["runtime"], plan["desired"], plan["spec"]["purge"])
    # After the reload the runtime equals the new permanent state.
    rt_before = plan["runtime"] if plan["runtime"] is not None else _empty_zone()
    return zone_changes(rt_before, {attr: plan["after"][attr] for attr in ATTRIBUTES}, True)


def _verify(module, backend, plans):
    """firewalld may spell or merge things its own way: make sure every zone now really equals its plan."""
    layers = [True, False] if backend.running else [True]
    for permanent in layers:
        zones = backend.read_all(permanent)
        for plan in plans:
            spec = plan["spec"]
            if spec["state"] == "absent":
                continue
            # Without purge only the listed items must be there.
            wanted = plan["after"] if spec["purge"] else plan["desired"]
            now = zones.get(spec["name"]) or _empty_zone()
            left = zone_changes(
                now, {attr: wanted[attr] for attr in ATTRIBUTES if plan["desired"][attr] is not None}, spec["purge"]
            )
            if _changed(left):
                layer = "permanent" if permanent else "runtime"
                module.fail_json(
                    msg=f"zone {spec['name']} ({layer}) does not match the requested state after the change: {left}"
                )


def run_module(module, backend):
    specs = _zone_specs(module)
    result = {"changed": False, "reloaded": False, "running": bool(backend.running)}

    if not backend.installed:
        if not module.check_mode:
            module.fail_json(msg="firewall-cmd not found: install firewalld before managing zones", **result)
        module.warn("firewalld is not installed; reporting every listed item as to be added")
        permanent = {}
    else:
        # One read of every zone, then one of the runtime, whatever the
        # number of zones: a no-op costs two firewall-cmd runs.
        permanent = backend.read_all()
    running = bool(backend.running)
    present = [s for s in specs if s["state"] == "present" and s["name"] in permanent]
    runtime = backend.read_all(permanent=False) if running and present else {}

    plans = [_plan(spec, permanent.get(spec["name"]), runtime.get(spec["name"]), running) for spec in specs]
    # One reload serves every zone, and after it each runtime equals its
    # permanent state.
    reload = any(plan["reload"] for plan in plans)
    changed = False
    for plan in plans:
        rt = _runtime_changes(plan, running, reload)
        plan["rt"] = rt
        if plan["spec"]["state"] == "present":
            plan["entry"]["added"] = {"permanent": plan["perm"]["add"], "runtime": rt["add"]}
            plan["entry"]["removed"] = {"permanent": plan["perm"]["remove"], "runtime": rt["remove"]}
        changed = changed or plan["changed"] or _changed(rt)
    result.update(changed=changed, reloaded=reload, running=running)

    if module.params.get("zones") is None:
        result.update(plans[0]["entry"])
        if module._diff and plans[0]["diff"] is not None:
            result["diff"] = plans[0]["diff"]
    else:
        result["zones"] = [plan["entry"] for plan in plans]
        if module._diff:
            diffs = [(plan["spec"]["name"], plan["diff"]) for plan in plans if plan["diff"] is not None]
            result["diff"] = {
                "before": {name: diff["before"] for name, diff in diffs},
                "after": {name: diff["after"] for name, diff in diffs},
            }
    if module.check_mode or not changed:
        return result

    # Deletions and creations first, then every removal before any addition:
    # a source or interface that moves from one listed zone to another is
    # free by the time it is added.
    for plan in plans:
        if plan["spec"]["state"] == "absent" and plan["entry"]["deleted"]:
            backend.delete(plan["spec"]["name"])
    present_plans = [plan for plan in plans if plan["spec"]["state"] == "present"]
    for plan in present_plans:
        if not plan["exists"]:
            backend.create(plan["spec"]["name"])
        if plan["target_change"]:
            backend.set_target(plan["spec"]["name"], plan["spec"]["target"])
    for items_of, flags in (("remove", _REMOVE_FLAGS), ("add", _ADD_FLAGS)):
        for plan in present_plans:
            backend.change(plan["spec"]["name"], flags, plan["perm"], items_of)
    if reload:
        backend.reload()
    elif running:
        for items_of, flags in (("remove", _REMOVE_FLAGS), ("add", _ADD_FLAGS)):
            for plan in present_plans:
                backend.change(plan["spec"]["name"], flags, plan["rt"], items_of, permanent=False)

    _verify(module, backend, present_plans)
    return result


def main():
    zone_spec = {
        "name": {"type": "str", "required": True},
        "state": {"type": "str", "choices": ["present", "absent"]},
        "sources": {"type": "list", "elements": "str"},
        "ports": {"type": "list", "elements": "str"},
        "services": {"type": "list", "elements": "str"},
        "interfaces": {"type": "list", "elements": "str"},
        "target": {"type": "str", "choices": _TARGETS},
        "purge": {"type": "bool"},
    }
    module = AnsibleModule(
        argument_spec={
            "name": {"type": "str"},
            "zones": {"type": "list", "elements": "dict", "options": zone_spec},
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
            "sources": {"type": "list", "elements": "str"},
            "ports": {"type": "list", "elements": "str"},
            "services": {"type": "list", "elements": "str"},
            "interfaces": {"type": "list", "elements": "str"},
            "target": {"type": "str", "choices": _TARGETS},
            "purge": {"type": "bool", "default": True},
        },
        required_one_of=[("name", "zones")],
        mutually_exclusive=[("name", "zones")] + [("zones", option) for option in _ZONE_OPTIONS],
        supports_check_mode=True,
    )
    module.exit_json(**run_module(module, FirewallCmd(module)))


if __name__ == "__main__":
    main()
