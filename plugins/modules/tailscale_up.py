#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: tailscale_up
short_description: Join a Tailscale network and keep the node's settings as wanted
version_added: 0.2.0
description:
  - Reads C(tailscale status --json) and C(tailscale debug prefs) and runs C(tailscale up) only when the node
    is not running or a managed setting differs (hostname, advertised tags, accept-dns, accept-routes,
    advertised routes, control server).
  - The command states every managed setting with C(--reset), so a setting removed from the inputs is reset
    instead of kept (C(tailscale up) otherwise refuses with "requires mentioning all non-default flags").
  - A node that is logged out, or a change of tags or control server, needs a new login with O(auth_key);
    other changes are applied to the running node without one.
  - The auth key reaches C(tailscale) as C(--auth-key=file:PATH) (a 0600 file removed afterwards), never on
    the command line.
  - With O(state=logged_out) the node logs out (C(tailscale logout)) when it is logged in.
options:
  state:
    description: C(up) joins and applies the settings; C(logged_out) logs the node out.
    type: str
    choices: [up, logged_out]
    default: up
  auth_key:
    description: Auth key (C(tskey-auth-...)) used when a login is needed. Keep it in the vault.
    type: str
    default: ""
  hostname:
    description: Node name in the tailnet; empty uses the OS hostname.
    type: str
    default: ""
  advertise_tags:
    description: ACL tags to request (C(tag:) is added when missing).
    type: list
    elements: str
    default: []
  accept_dns:
    description: Use the tailnet's DNS settings (MagicDNS). Off keeps the host's resolver (Pi-hole answers).
    type: bool
    default: false
  accept_routes:
    description: Accept subnet routes other nodes advertise.
    type: bool
    default: false
  advertise_routes:
    description: Subnet routes this node offers (CIDR prefixes).
    type: list
    elements: str
    default: []
  login_server:
    description: Control server URL; empty is Tailscale's.
    type: str
    default: ""
  timeout:
    description: Seconds C(tailscale up) may wait for the node to run.
    type: int
    default: 60
  binary:
    description: The C(tailscale) CLI.
    type: path
    default: tailscale
extends_documentation_fragment:
  - homelab.ai_stack.attributes
attributes:
  check_mode:
    support: full
    details: Reads the node and reports what C(tailscale up) would change.
  diff_mode:
    support: full
  platform:
    platforms: posix
author:
  - homelab.ai_stack contributors (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Join the tailnet
  homelab.ai_stack.tailscale_up:
    auth_key: "{{ vault_tailscale_authkey }}"
    hostname: gpu-box
    advertise_tags: [tag:ai-stack]
  no_log: true
  register: node

- name: Show the node's address
  ansible.builtin.debug:
    msg: "{{ node.node.ipv4 }}"
"""

RETURN = r"""
node:
  description: The node after the run, from C(tailscale status --json).
  returned: always
  type: dict
  contains:
    backend_state:
      description: C(Running), C(NeedsLogin), C(Stopped), ...
      type: str
    ipv4:
      description: The node's tailnet IPv4 address, empty when it has none.
      type: str
    ipv6:
      description: The node's tailnet IPv6 address, empty when it has none.
      type: str
    hostname:
      description: Node name.
      type: str
    dns_name:
      description: MagicDNS name (C(host.tailnet.ts.net)), the name C(tailscale cert) issues for.
      type: str
    tags:
      description: Tags the node carries.
      type: list
      elements: str
    version:
      description: Version of tailscaled.
      type: str
action:
  description:
    - C(none), C(edit) (settings changed on the running node), C(login) (C(tailscale up) with the auth key) or
      C(logout).
  returned: always
  type: str
reasons:
  description: Why the module acted, one line per setting that differed.
  returned: always
  type: list
  elements: str
"""

import json  # noqa: E402 (documentation first, as ansible-doc expects)
import os  # noqa: E402
import tempfile  # noqa: E402

from ansible.module_utils.basic import AnsibleModule  # noqa: E402

from ansible_collections.homelab.ai_stack.plugins.module_utils._tailscale import (  # noqa: E402
    TailscaleError,
    node_summary,
    plan,
    up_command,
    wanted_settings,
)


def read_json(module, binary, *args):
    rc, out, err = module.run_command([binary, *args])
    if rc != 0:
        module.fail_json(msg=f"{binary} {' '.join(args)} failed (rc={rc}): {(err or out).strip()}")
    try:
        return json.loads(out)
    except ValueError:
        module.fail_json(msg=f"{binary} {' '.join(args)} did not print JSON: {out[:200]!r}")
    return None


def run_up(module, argv_without_key, auth_key):
    """Run tailscale up; the key goes through a 0600 file that is removed afterwards."""
    key_file = None
    try:
        if auth_key:
            fd, key_file = tempfile.mkstemp(prefix="tailscale-authkey-")
            with os.fdopen(fd, "w") as handle:
                handle.write(auth_key)
        argv = argv_without_key + ([f"--auth-key=file:{key_file}"] if key_file else [])
        return module.run_command(argv)
    finally:
        if key_file:
            os.unlink(key_file)


def main():
    module = AnsibleModule(
        argument_spec={
            "state": {"type": "str", "choices": ["up", "logged_out"], "default": "up"},
            "auth_key": {"type": "str", "default": "", "no_log": True},
            "hostname": {"type": "str", "default": ""},
            "advertise_tags": {"type": "list", "elements": "str", "default": []},
            "accept_dns": {"type": "bool", "default": False},
            "accept_routes": {"type": "bool", "default": False},
            "advertise_routes": {"type": "list", "elements": "str", "default": []},
            "login_server": {"type": "str", "default": ""},
            "timeout": {"type": "int", "default": 60},
            "binary": {"type": "path", "default": "tailscale"},
        },
        supports_check_mode=True,
    )
    p = module.params
    binary = module.get_bin_path(p["binary"], required=True) if "/" not in p["binary"] else p["binary"]
    try:
        wanted = wanted_settings(
            hostname=p["hostname"],
            advertise_tags=p["advertise_tags"],
            accept_dns=p["accept_dns"],
            accept_routes=p["accept_routes"],
            advertise_routes=p["advertise_routes"],
            login_server=p["login_server"],
        )
    except TailscaleError as exc:
        module.fail_json(msg=str(exc))
    status = read_json(module, binary, "status", "--json")

    if p["state"] == "logged_out":
        logged_in = status.get("BackendState") not in ("NeedsLogin", "NoState")
        if logged_in and not module.check_mode:
            rc, out, err = module.run_command([binary, "logout"])
            if rc != 0:
                module.fail_json(msg=f"tailscale logout failed (rc={rc}): {(err or out).strip()}")
            status = read_json(module, binary, "status", "--json")
        module.exit_json(
            changed=logged_in, action="logout" if logged_in else "none", reasons=[], node=node_summary(status)
        )

    prefs = read_json(module, binary, "debug", "prefs")
    decision = plan(status, prefs, wanted)
    result = {
        "changed": decision["action"] != "none",
        "action": decision["action"],
        "reasons": decision["reasons"],
        "node": node_summary(status),
    }
    if module._diff and result["changed"]:
        before = {k: v["have"] for k, v in decision["diff"].items()}
        after = {k: v["want"] for k, v in decision["diff"].items()}
        before["BackendState"], after["BackendState"] = decision["backend_state"], "Running"
        result["diff"] = {"before": json.dumps(before, indent=2) + "\n", "after": json.dumps(after, indent=2) + "\n"}
    if decision["action"] == "login" and not p["auth_key"]:
        module.fail_json(
            msg="tailscale_up needs auth_key (the role's tailscale_authkey, from the vault) to log in: "
            + "; ".join(decision["reasons"]),
            **{k: v for k, v in result.items() if k != "changed"},
        )
    if module.check_mode or decision["action"] == "none":
        module.exit_json(**result)

    argv = up_command(binary, wanted, timeout=p["timeout"])
    rc, out, err = run_up(module, argv, p["auth_key"] if decision["action"] == "login" else "")
    if rc != 0:
        module.fail_json(msg=f"tailscale up failed (rc={rc}): {(err or out).strip()}", cmd=argv, **result)
    status = read_json(module, binary, "status", "--json")
    result["node"] = node_summary(status)
    if result["node"]["backend_state"] != "Running":
        module.fail_json(msg=f"tailscale up returned but the node is {result['node']['backend_state']}", **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
