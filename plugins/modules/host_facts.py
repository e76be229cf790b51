#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: host_facts
short_description: Read what the roles of the stack need to know about a host, as facts
version_added: 0.2.0
description:
  - Sets C(ansible_facts.ai_stack_host) in one module run from C(ip -j -4 addr show), C(ip -j -4 route show),
    C(ss -H -l -n -t -u -p), C(systemctl show), C(getent group docker) and the file system.
  - Never changes the host. A tool that is missing or fails leaves its part empty and adds a warning.
  - The facts describe the host when the module ran. A role that changes what they describe (installs Docker,
    adds a member to the docker group) reads them again with the C(_common) entry point and
    C(_common_host_facts_refresh=true), or does not rely on them after the change.
author:
  - homelab.ai_stack contributors (!UNKNOWN)
options:
  services:
    description:
      - Names of the systemd services to report (without C(.service)).
    type: list
    elements: str
    default: [docker, firewalld, zabbix-agent2]
  storage:
    description:
      - A path whose free space and writability to report in RV(ansible_facts.ai_stack_host.storage).
      - When it does not exist yet, its nearest existing parent is measured (where it would be created).
    type: path
  paths:
    description:
      - Paths to report with their type, mode and ownership in RV(ansible_facts.ai_stack_host.paths).
    type: list
    elements: path
    default: []
  pending_dir:
    description:
      - Directory of the durable restart markers; the names of the files in it are reported.
    type: path
    default: /var/lib/ai-stack/pending
  gpus:
    description:
      - Also detect the GPUs in the same run and set the facts M(homelab.ai_stack.gpu_facts) sets
        (RV(ansible_facts.ai_stack_gpus), RV(ansible_facts.ai_stack_gpu_count),
        RV(ansible_facts.ai_stack_nvidia_container_runtime)), with its defaults.
      - The common role reads the host and its GPUs in one module run with it.
    type: bool
    default: false
  platform:
    description:
      - Also set the platform facts of the C(min) subset of M(ansible.builtin.setup) that the roles read, under
        the names setup gives them (RV(ansible_facts.os_family), RV(ansible_facts.distribution),
        RV(ansible_facts.distribution_version), RV(ansible_facts.distribution_major_version),
        RV(ansible_facts.distribution_release), RV(ansible_facts.architecture), RV(ansible_facts.python)), read
        from C(/etc/os-release) and C(/etc/debian_version) with the values setup reports for the systems the
        collection supports.
      - So a play need not run setup before the roles. The C(_common) entry point C(host_facts) sets it only
        when C(ansible_facts.os_family) is not defined, so facts that setup gathered are never replaced.
    type: bool
    default: false
extends_documentation_fragment:
  - homelab.ai_stack.attributes.facts
notes:
  - Parsing lives in C(plugins/module_utils/_host.py) and is tested against recorded outputs of real hosts.
  - Use P(homelab.ai_stack.ports_held#filter) on RV(ansible_facts.ai_stack_host.listeners) to find what holds a port.
"""

EXAMPLES = r"""
- name: Read the host facts
  homelab.ai_stack.host_facts:
    storage: /cold-storage
    paths: [/cold-storage, /opt/ai-stack]

- name: Fail when port 53 is taken on the bind address
  vars:
    _listeners: "{{ ansible_facts['ai_stack_host']['listeners'] }}"
    _held: "{{ _listeners | homelab.ai_stack.ports_held(['53/tcp', '53/udp'], ai_stack_bind_address) }}"
  ansible.builtin.fail:
    msg: "Port 53 is taken: {{ _held | join(', ') }}"
  when: _held | length > 0
"""

RETURN = r"""
ansible_facts:
  description: Facts added to the host.
  returned: always
  type: complex
  contains:
    os_family:
      description: With O(platform=true), the family of the distribution, as setup reports it.
      returned: when O(platform=true)
      type: str
      sample: Debian
    distribution:
      description: With O(platform=true), the distribution, as setup reports it.
      returned: when O(platform=true)
      type: str
      sample: Debian
    distribution_version:
      description: With O(platform=true), its version (Debian's point release from C(/etc/debian_version)).
      returned: when O(platform=true)
      type: str
      sample: "13.8"
    distribution_major_version:
      description: With O(platform=true), the major version.
      returned: when O(platform=true)
      type: str
      sample: "13"
    distribution_release:
      description: With O(platform=true), the code name (empty on Fedora).
      returned: when O(platform=true)
      type: str
      sample: trixie
    architecture:
      description: With O(platform=true), the machine architecture.
      returned: when O(platform=true)
      type: str
      sample: x86_64
    python:
      description:
        - With O(platform=true), the interpreter that ran the module (C(executable), C(type), C(version),
          C(version_info)).
      returned: when O(platform=true)
      type: dict
    ai_stack_gpus:
      description: With O(gpus=true), the GPUs of the host, as M(homelab.ai_stack.gpu_facts) returns them.
      returned: when O(gpus=true)
      type: list
      elements: dict
    ai_stack_gpu_count:
      description: With O(gpus=true), the number of GPUs.
      returned: when O(gpus=true)
      type: int
    ai_stack_nvidia_container_runtime:
      description: With O(gpus=true), whether the NVIDIA container runtime is installed and registered with Docker.
      returned: when O(gpus=true)
      type: bool
    ai_stack_host:
      description: What the host looks like when the module ran.
      returned: always
      type: dict
      contains:
        addresses:
          description: Every IPv4 address of the host.
          type: list
          elements: str
          returned: always
          sample: [127.0.0.1, 172.17.0.3, 100.100.7.9]
        interfaces:
          description: The IPv4 addresses of each interface that has one.
          type: dict
          returned: always
          sample: {lo: [127.0.0.1], tailscale0: [100.100.7.9]}
        listeners:
          description: The listening TCP and UDP sockets.
          type: list
          elements: dict
          returned: always
          sample:
            - {proto: udp, address: 127.0.0.53, port: 53, process: systemd-resolve}
            - {proto: tcp, address: "*", port: 10050, process: null}
          contains:
            proto:
              description: V(tcp) or V(udp).
              type: str
              returned: always
            address:
              description: Local address without the interface scope or IPv6 brackets; V(*) for all addresses.
              type: str
              returned: always
            port:
              description: Local port.
              type: int
              returned: always
            process:
              description: Name of the first process holding the socket, V(null) when ss cannot see it.
              type: str
              returned: always
        services:
          description:
            - ActiveState of each of O(services) (V(active), V(inactive), V(failed)...), V(absent) when not installed,
              V(unknown) without a working systemd.
          type: dict
          returned: always
          sample: {docker: active, firewalld: absent}
        units:
          description:
            - Each of O(services) with its C(active) state and C(enabled) (its UnitFileState, V(absent) when not
              installed).
          type: dict
          returned: always
          sample: {docker: {active: active, enabled: enabled}}
        docker_group:
          description: Members of the group C(docker), V(null) when there is no such group.
          type: list
          elements: str
          returned: always
          sample: [alice, bob]
        routes:
          description: The IPv4 routes, as C(ip -j -4 route show) prints them.
          type: list
          elements: dict
          returned: always
        pending_restarts:
          description: Names of the restart markers in O(pending_dir).
          type: list
          elements: str
          returned: always
          sample: [docker-restart]
        storage:
          description: Free space and writability of O(storage); V(null) without it.
          type: dict
          returned: always
          sample:
            path: /cold-storage
            exists: false
            kind: absent
            probed: /
            free_kb: 55951888
            free_gb: 53.4
            writable: true
        paths:
          description: Each of O(paths) with C(exists), C(type) (V(directory), V(file), V(link), V(other), V(absent)),
            C(mode) (octal string), C(owner), C(group), C(uid), C(gid).
          type: dict
          returned: always
          sample:
            /opt/ai-stack: {exists: true, type: directory, mode: "0755", owner: root, group: root, uid: 0, gid: 0}
"""

from ansible.module_utils.basic import AnsibleModule  # noqa: E402

from ansible_collections.homelab.ai_stack.plugins.module_utils import _gpu_detect, _host, _read_specs  # noqa: E402


class HostReader:
    def __init__(self, module):
        self.module = module

    def run(self, tool, args, parser, empty):
        path = self.module.get_bin_path(tool)
        if path is None:
            self.module.warn(f"{tool} is not installed: its facts are left empty")
            return empty
        rc, out, err = self.module.run_command([path, *args], environ_update={"LC_ALL": "C"})
        if rc != 0 and not out:
            self.module.warn("{} {} failed (rc={}): {}".format(tool, " ".join(args), rc, err.strip()))
            return empty
        try:
            return parser(out)
        except (ValueError, KeyError, TypeError) as exc:
            self.module.warn("could not read the output of {} {}: {}".format(tool, " ".join(args), exc))
            return empty

    def services(self, names):
        units = [f"{n}.service" for n in names]
        props = ["--property=Id,LoadState,ActiveState,UnitFileState"]
        # Without a working systemd (a container without it) the state is not known.
        unknown = {n: {"active": "unknown", "enabled": "unknown"} for n in names}
        if not names:
            return {}
        return self.run(
            "systemctl", ["show", *props, *units], lambda out: _host.parse_systemctl_show(out, names), unknown
        )

    def docker_group(self):
        path = self.module.get_bin_path("getent")
        if path is None:
            return None
        # getent exits 2 when the group does not exist.
        rc, out, _dummy = self.module.run_command([path, "group", "docker"], environ_update={"LC_ALL": "C"})
        return _host.parse_getent_group(out) if rc == 0 else None


def main():
    module = AnsibleModule(argument_spec=_read_specs.HOST_FACTS, supports_check_mode=True)
    params = module.params
    reader = HostReader(module)
    interfaces, addresses = reader.run("ip", ["-j", "-4", "addr", "show"], _host.parse_ip_addr, ({}, []))
    units = reader.services(params["services"])
    facts = {
        "addresses": addresses,
        "interfaces": interfaces,
        "listeners": reader.run("ss", ["-H", "-l", "-n", "-t", "-u", "-p"], _host.parse_ss, []),
        "services": {name: unit["active"] for name, unit in units.items()},
        "units": units,
        "docker_group": reader.docker_group(),
        "routes": reader.run("ip", ["-j", "-4", "route", "show"], _host.parse_ip_route, []),
        "pending_restarts": _host.pending_markers(params["pending_dir"]),
        "storage": _host.storage_info(params["storage"]) if params["storage"] else None,
        "paths": {p: _host.path_info(p) for p in params["paths"]},
    }
    ansible_facts = {"ai_stack_host": facts}
    if params["gpus"]:
        ansible_facts.update(_gpu_detect.gpu_facts(module))
    if params["platform"]:
        ansible_facts.update(_host.read_platform())
    module.exit_json(changed=False, ansible_facts=ansible_facts)


if __name__ == "__main__":
    main()
