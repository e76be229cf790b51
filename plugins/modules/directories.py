#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: directories
short_description: A tree of directories below one root, in one step
version_added: 0.1.0
description:
  - Makes sure every listed directory exists below O(root) with its owner, group and mode, in one module run.
  - The service roles use it for their data and compose directories. A loop of M(ansible.builtin.file) costs one
    module run per directory, and each run is a Python start on the host; one run for the whole tree keeps a
    no-op re-run of the stack fast.
  - Every path must be relative, made of plain names (no C(..)), and must stay below O(root) even through symlinks
    that already exist on the host. A bad path fails the task before any directory is made.
  - Directories that already exist keep their content; only their owner, group and mode are corrected.
options:
  root:
    description:
      - The directory every path is relative to; nothing outside it is created or changed.
      - Must be absolute, other than C(/), and without C(..) segments.
      - Missing parents of O(root) are created like C(mkdir -p).
    type: path
    required: true
  paths:
    description: The directories to ensure. V(.) is O(root) itself.
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: Path relative to O(root).
        type: str
        required: true
      owner:
        description: Owner, a name or a numeric uid.
        type: str
        default: root
      group:
        description: Group, a name or a numeric gid.
        type: str
        default: root
      mode:
        description: Octal mode as a string, for example V('0755').
        type: str
        default: "0755"
  checksums:
    description:
      - Names of files and directories to report in RV(files) as M(ansible.builtin.find) with C(recurse=true),
        C(depth=2), C(file_type=any) and C(get_checksum=true) would, found below O(root) (symlinks not followed).
      - Lets a role read the tree it keeps in the same module run that makes it (use C(no_log) when a checksum is of a
        secret).
    type: list
    elements: str
    default: []
    version_added: 0.2.0
  read:
    description:
      - Paths relative to O(root) of small text files whose content to report in RV(contents) (64 KiB at most each);
        a path that does not exist, is not a regular file or resolves outside O(root) is left out.
    type: list
    elements: str
    default: []
    version_added: 0.2.0
  wanted_files:
    description:
      - The arguments of the role's M(homelab.ai_stack.files) task (C(files) with their content rendered, C(optional)
        entries written only where their directory exists, C(owner), C(group), C(mode), C(directory_mode),
        C(pending)); RV(files_in_place) says whether that task would change nothing, judged as the files module
        judges, after the directories were made. C(no_log), the entries may hold secrets; only the boolean comes
        back.
      - A JSON document (C(to_json)), one string that C(no_log) hides whole; a dictionary would have each of its
        values (V(root), V(0644), a path) masked wherever it appears in the result.
    type: str
    version_added: 0.3.0
extends_documentation_fragment:
  - homelab.ai_stack.attributes
  - homelab.ai_stack.compose_read
attributes:
  check_mode:
    support: full
    details: Reports the directories it would create or correct in RV(created) and RV(updated).
  diff_mode:
    support: full
  platform:
    platforms: posix
seealso:
  - module: ansible.builtin.file
author:
  - homelab.ai_stack contributors (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Create the data directories of ComfyUI
  homelab.ai_stack.directories:
    root: /srv/ai-stack/ai/comfyui
    paths:
      - path: .
      - path: models/checkpoints
      - path: output
        owner: "1000"
        group: "1000"
        mode: "0775"
  register: comfyui_dirs

- name: Skip what needs a folder that check mode only pretends to create
  ansible.builtin.debug:
    msg: "models/checkpoints would be created"
  when: comfyui_dirs.root ~ '/models/checkpoints' in comfyui_dirs.created
"""

RETURN = r"""
compose:
  description:
    - The read of O(compose_project) for the C(homelab.ai_stack.compose_in_sync) filter (C(project_src), C(exists),
      C(directory), C(files), C(network_exists), C(containers), C(drift), C(owner), C(api_version), C(secrets_equal),
      C(secrets_sha1) with O(compose_project.secrets_digest), C(directories) and C(directories_judged) with
      O(compose_project.directories)).
    - Never a checksum or size of C(secrets.env) unless O(compose_project.secrets_digest) is set.
  returned: when O(compose_project) is given
  type: dict
  version_added: 0.2.0
created:
  description: Directories that did not exist and were created (in check mode, would be), parents first; includes
    unlisted parents made on the way.
  returned: always
  type: list
  elements: str
  sample: [/srv/ai-stack/ai/comfyui, /srv/ai-stack/ai/comfyui/models, /srv/ai-stack/ai/comfyui/models/checkpoints]
updated:
  description: Directories that existed and whose owner, group or mode was corrected (in check mode, would be).
  returned: always
  type: list
  elements: str
  sample: [/srv/ai-stack/ai/comfyui/output]
paths:
  description: Every listed directory as an absolute path, parents first.
  returned: always
  type: list
  elements: str
files:
  description:
    - The entries of O(checksums) as M(ansible.builtin.find) reports them (path, islnk, isreg, mode, uid, gid, size and,
      for a regular file, the SHA-1 checksum), after the directories were made. Empty in check mode for a root that
      does not exist yet.
  returned: when O(checksums) is given
  type: list
  elements: dict
  sample: [{path: /srv/ai-stack/services/nginx-proxy/certs/server.crt, islnk: false, isreg: true, mode: "0644",
            uid: 0, gid: 0, size: 1200, checksum: 8d1f0c0ab8c0b7a2d8b5f3c1e0d9a7b6c5d4e3f2}]
contents:
  description: Relative path -> text of each file of O(read) that exists.
  returned: when O(read) is given
  type: dict
  sample: {certs/server-certificate.json: '{"names": ["chat.home.arpa"]}'}
files_in_place:
  description: Every entry of O(wanted_files) is as wanted (the files task can be skipped).
  returned: when O(wanted_files) is given
  type: bool
  version_added: 0.3.0
root:
  description: O(root) normalized (no trailing or double slashes), the prefix of every path returned.
  returned: always
  type: str
  sample: /srv/ai-stack/ai/comfyui
"""

from ansible.module_utils.basic import AnsibleModule  # noqa: E402 (documentation first, as ansible-doc expects)

from ansible_collections.homelab.ai_stack.plugins.module_utils import _docker_api, _files_judge, _read_specs  # noqa: E402
from ansible_collections.homelab.ai_stack.plugins.module_utils._dirs import (  # noqa: E402
    ensure,
    out_of_place,
    read_texts,
    survey,
)


def run_module(module):
    result = ensure(module, module.params["root"], module.params["paths"])
    if module.params["checksums"]:
        result["files"] = survey(result["root"], module.params["checksums"])
    if module.params["read"]:
        result["contents"] = read_texts(result["root"], module.params["read"])
    if module.params["compose_project"]:
        result["compose"] = _docker_api.module_read(module, module.params["compose_project"], out_of_place)
    if module.params["wanted_files"] is not None:
        result["files_in_place"] = _files_judge.judge(module.params["wanted_files"])
    return result


def main():
    module = AnsibleModule(argument_spec=_read_specs.DIRECTORIES, supports_check_mode=True)
    module.exit_json(**run_module(module))


if __name__ == "__main__":
    main()
