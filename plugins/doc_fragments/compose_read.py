# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The compose_project option of the read modules (ai_host_probe, directories)."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  compose_project:
    description:
      - A compose project to read, for the C(homelab.ai_stack.compose_in_sync) filter (RV(compose)), so that a role
        runs M(homelab.ai_stack.compose_project) only when it would change something.
      - Reads what compose_project reads (the project directory, C(compose.yml) with its checksum, C(secrets.env)
        without one, the network, the containers and the record of the last deploy) and changes nothing.
    type: dict
    suboptions:
      project_src:
        description: The compose project directory, as compose_project's O(compose_project.project_src).
        type: path
        required: true
      network:
        description: The external network compose_project manages; unset reads none.
        type: str
      record_file:
        description: The record of the last deploy in O(compose_project.project_src).
        type: str
        default: .deployed.json
      env:
        description:
          - The secrets compose_project writes (its O(compose_project.env)), when the role knows them before this read.
            Never logged; only whether C(secrets.env) holds them is returned.
        type: dict
      secrets:
        description: The whole wanted text of C(secrets.env), instead of O(compose_project.env). Never logged.
        type: str
      secrets_digest:
        description:
          - Return the SHA-1 of C(secrets.env) (C(secrets_sha1)) for the filter to compare with the secrets the role
            settles after this read. Only in a task that is C(no_log) already (an unsalted digest of a short secret
            can be checked offline).
        type: bool
        default: false
      directories:
        description:
          - The data directories compose_project's O(compose_project.directories) makes; read, not made. The result
            says what is not in place (C(directories)) and which directories were read (C(directories_judged)).
        type: dict
        suboptions:
          root:
            description: The directory every path is relative to.
            type: path
            required: true
          paths:
            description: The directories, as compose_project's C(directories.paths).
            type: list
            elements: dict
            default: []
            suboptions:
              path:
                description: Path relative to O(compose_project.directories.root).
                type: str
                required: true
              owner:
                description: Owner (name or uid).
                type: str
                default: root
              group:
                description: Group (name or gid).
                type: str
                default: root
              mode:
                description: Octal mode as a string.
                type: str
                default: "0755"
"""
