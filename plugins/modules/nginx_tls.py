#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: nginx_tls
short_description: The certificates of the nginx role, in one run
version_added: 0.3.0
description:
  - With O(source=internal_ca), below O(data_path), makes the internal CA once (C(ca/ca.key), EC P-384, 0600;
    C(ca/ca.crt), self-signed, pathlen 0, keyCertSign and cRLSign, with O(ca_name_constraints) names below O(domain)
    only and no IP address, all critical).
    An existing CA is never replaced (clients trust it); one that is not a PEM certificate fails the task.
  - Keeps the server key C(certs/server.key) while it is an EC P-256 key (made otherwise; owner root, group
    O(key_group), mode 0640).
  - Issues C(certs/server.crt) (common name the first of O(names), every name as a DNS subject alternative name,
    serverAuth, signed by the CA) only when it is missing, within O(renew_before_days) of its expiry, names other
    names, holds another key or was not signed by this CA.
  - Writes the record C(certs/server-certificate.json) (names, expiry, whether the CA is name-constrained, SHA-1 of
    the CA certificate, key and certificate; root, 0600) that lets the next run of the role see from one read that
    nothing is due. Nothing secret is returned.
  - With O(source=acme), keeps the ACME account key C(certs/acme-account.key) and the server key (EC P-256, root, 0600)
    and says in RV(reasons) why a certificate is due (O(force_renewal), none, the renewal window, other names, another
    key, or C(certs/acme-certificate.json) naming another O(acme_directory) or other names); the order itself is
    M(community.crypto.acme_certificate)'s.
  - Needs the Python C(cryptography) library on the host.
options:
  source:
    description: Where the certificate comes from.
    type: str
    choices: [internal_ca, acme]
    default: internal_ca
  data_path:
    description: The data directory of nginx (holding C(ca/) and C(certs/)).
    type: path
    required: true
  names:
    description:
      - The names of the certificate; the first is the common name. Empty makes only the CA and the key.
    type: list
    elements: str
    default: []
  domain:
    description:
      - Required with O(source=internal_ca). The stack's domain, the one name the CA may sign for with
        O(ca_name_constraints).
    type: str
  ca_common_name:
    description: Required with O(source=internal_ca). Common name of a new CA.
    type: str
  ca_valid_days:
    description: Validity of a new CA, in days.
    type: int
    default: 3650
  ca_name_constraints:
    description: Whether a new CA is limited to names below O(domain).
    type: bool
    default: true
  cert_valid_days:
    description: Validity of a new server certificate, in days.
    type: int
    default: 365
  renew_before_days:
    description: A certificate valid for fewer days than this is issued again.
    type: int
    required: true
  key_group:
    description: Numeric group of the server key made by the internal CA (the nginx workers').
    type: int
    default: 0
  acme_directory:
    description: Required with O(source=acme). The ACME directory URL the certificate is ordered from.
    type: str
  force_renewal:
    description: With O(source=acme), a certificate is due whatever it holds.
    type: bool
    default: false
requirements:
  - cryptography >= 3.4
extends_documentation_fragment:
  - homelab.ai_stack.attributes
attributes:
  check_mode:
    support: full
    details: Reports in RV(done) what it would make or issue; writes nothing.
  diff_mode:
    support: none
  platform:
    platforms: posix
seealso:
  - module: community.crypto.x509_certificate
author:
  - homelab.ai_stack contributors (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Make the internal CA and the server certificate current
  homelab.ai_stack.nginx_tls:
    data_path: /srv/ai-stack/services/nginx-proxy
    names: [chat.home.arpa, ollama.home.arpa]
    domain: home.arpa
    ca_common_name: homelab.ai_stack internal CA
    ca_valid_days: 3650
    cert_valid_days: 365
    renew_before_days: 30
    key_group: 65534

- name: Keep the ACME keys and say whether a certificate is due
  homelab.ai_stack.nginx_tls:
    source: acme
    data_path: /srv/ai-stack/services/nginx-proxy
    names: ["*.home.arpa", home.arpa]
    acme_directory: https://acme-v02.api.letsencrypt.org/directory
    renew_before_days: 30
  register: acme_keys
"""

RETURN = r"""
done:
  description: What was made, issued or corrected (in check mode, would be), in order.
  returned: always
  type: list
  elements: str
  sample: ["issued the server certificate: the names changed", "wrote the certificate record"]
reasons:
  description: Why the server certificate was (would be) issued; empty when it was current.
  returned: always
  type: list
  elements: str
  sample: [the renewal window is reached]
not_after:
  description: Expiry of the server certificate as C(YYYYMMDDHHMMSSZ); empty when there is none (yet).
  returned: always
  type: str
  sample: "20271206221500Z"
ca_name_constrained:
  description: Whether the CA carries name constraints.
  returned: with O(source=internal_ca) when the CA exists (not in check mode before it is made)
  type: bool
  sample: true
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib  # noqa: E402 (documentation first)

from ansible_collections.homelab.ai_stack.plugins.module_utils._nginx_tls import (  # noqa: E402
    CRYPTOGRAPHY_ERROR,
    HAS_CRYPTOGRAPHY,
    acme_due,
    ensure,
)


def main():
    module = AnsibleModule(
        argument_spec={
            "source": {"type": "str", "choices": ["internal_ca", "acme"], "default": "internal_ca"},
            "data_path": {"type": "path", "required": True},
            "names": {"type": "list", "elements": "str", "default": []},
            "domain": {"type": "str"},
            "ca_common_name": {"type": "str"},
            "ca_valid_days": {"type": "int", "default": 3650},
            "ca_name_constraints": {"type": "bool", "default": True},
            "cert_valid_days": {"type": "int", "default": 365},
            "renew_before_days": {"type": "int", "required": True},
            "key_group": {"type": "int", "default": 0, "no_log": False},
            "acme_directory": {"type": "str"},
            "force_renewal": {"type": "bool", "default": False},
        },
        required_if=[("source", "internal_ca", ("domain", "ca_common_name")), ("source", "acme", ("acme_directory",))],
        supports_check_mode=True,
    )
    if not HAS_CRYPTOGRAPHY:
        module.fail_json(msg=missing_required_lib("cryptography"), exception=str(CRYPTOGRAPHY_ERROR))
    try:
        run = acme_due if module.params["source"] == "acme" else ensure
        result = run(module.params, check_mode=module.check_mode)
    except (OSError, ValueError) as error:
        module.fail_json(msg=f"nginx_tls: {error}")
    module.exit_json(**result)


if __name__ == "__main__":
    main()
