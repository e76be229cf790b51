#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: openwebui_admin
short_description: The first admin, the sign-up policy and the ComfyUI settings of Open WebUI, in one run
version_added: 0.2.0
description:
  - Talks to Open WebUI's API (v0.6.33) from the host, in one module run (the openwebui role's exchange,
    C(plugins/module_utils/_webui_admin.py), tested against the real Open WebUI in C(tests/contract)).
  - Signs in with O(email) and O(password) (C(POST /api/v1/auths/signin)) and reads the public config
    (C(GET /api/config)). When the sign-in fails and nobody has signed up yet (C(onboarding)), signs up the first
    account (C(POST /api/v1/auths/signup)), which Open WebUI makes the admin. When the account cannot sign in as an
    admin and Open WebUI already has users, the module fails and creates nothing.
  - Open WebUI switches sign-up off by itself after the first account. When the public config shows another
    sign-up policy than O(enable_signup), or right after the first account, the admin settings are read and
    posted back with C(ENABLE_SIGNUP) set to O(enable_signup) (C(/api/v1/auths/admin/config)), only when they
    differ.
  - With O(images), the image generation settings (C(/api/v1/images/config)) are posted with ComfyUI as the
    engine, the workflow and its node map, only where they differ.
options:
  url:
    description: Base URL of Open WebUI as the host reaches it, for example V(http://172.30.0.5:8080).
    type: str
    required: true
  email:
    description: Email of the admin account.
    type: str
    required: true
  password:
    description: Password of the admin account. Never logged.
    type: str
    required: true
  name:
    description: Name of the account when it is signed up.
    type: str
    default: Admin
  enable_signup:
    description: The sign-up policy (C(ENABLE_SIGNUP)) wanted in force after the run.
    type: bool
    default: false
  images:
    description: The ComfyUI image generation settings; omit to leave them alone.
    type: dict
    suboptions:
      workflow:
        description: The API-format workflow, JSON text (a dict is written as JSON).
        type: raw
        required: true
      nodes:
        description: The node map, as C(/api/v1/images/config/update) takes it.
        type: list
        elements: dict
        required: true
  timeout:
    description: Seconds each request may take.
    type: int
    default: 60
extends_documentation_fragment:
  - homelab.ai_stack.attributes
attributes:
  check_mode:
    support: full
    details: Reads (signs in, reads the settings) and reports what it would post; posts nothing.
  diff_mode:
    support: none
  platform:
    platforms: posix
seealso:
  - module: ansible.builtin.uri
notes:
  - Requests go through Python's C(http.client), one connection each; C(http_proxy) and redirects are not followed
    (the role calls the container's address on the stack network).
author:
  - homelab.ai_stack contributors (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Create the first admin and put sign-up back to off
  homelab.ai_stack.openwebui_admin:
    url: http://172.30.0.5:8080
    email: admin@home.arpa
    password: "{{ vault_openwebui_admin_password }}"
    enable_signup: false
"""

RETURN = r"""
how:
  description: How the admin got in (C(signin), C(signup), in check mode C(would sign up)); null when check mode
    cannot tell.
  returned: always
  type: str
changes:
  description: What was done (in check mode, would be).
  returned: always
  type: list
  elements: str
  sample: ["signup", "ENABLE_SIGNUP: False"]
"""

from ansible.module_utils.basic import AnsibleModule  # noqa: E402 (documentation first, as ansible-doc expects)

from ansible_collections.homelab.ai_stack.plugins.module_utils import _read_specs  # noqa: E402
from ansible_collections.homelab.ai_stack.plugins.module_utils._webui_admin import (  # noqa: E402
    AdminError,
    ensure,
    http_caller,
)


def main():
    module = AnsibleModule(argument_spec=_read_specs.OPENWEBUI_ADMIN, supports_check_mode=True)
    p = module.params
    try:
        result = ensure(
            http_caller(p["url"], p["timeout"]),
            p["email"],
            p["password"],
            p["name"],
            p["enable_signup"],
            images=p["images"],
            check_mode=module.check_mode,
        )
    except AdminError as exc:
        module.fail_json(msg=str(exc), changed=False)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
