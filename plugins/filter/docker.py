# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The docker role's daemon.json and input checks; the logic lives in module_utils/_docker.py."""

from __future__ import annotations

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.homelab.ai_stack.plugins.module_utils import _docker
from ansible_collections.homelab.ai_stack.plugins.module_utils._inputs import plain as _plain


def docker_daemon_config(options, settings=None, **more):
    """See docker_daemon_config.yml."""
    if options is not None and not isinstance(options, Mapping):
        raise AnsibleFilterError(f"docker_daemon_config: docker_daemon_options must be a dict, got {options!r}")
    if settings is not None and not isinstance(settings, Mapping):
        raise AnsibleFilterError(f"docker_daemon_config: settings must be a dict, got {settings!r}")
    settings = _plain(dict(settings or {}, **more))
    return _docker.daemon_json(_docker.daemon_config(options=_plain(options or {}), **settings))


def docker_input_errors(pools, **settings):
    """See docker_input_errors.yml."""
    if pools is not None and not isinstance(pools, (list, tuple)):
        return [f"docker_default_address_pools: must be a list of {{base, size}}, got {pools!r}"]
    return _docker.input_errors(address_pools=_plain(pools or []), **_plain(settings))


def docker_preflight(lines, data):
    """See docker_preflight.yml."""
    if lines is not None and not isinstance(lines, (list, tuple)):
        raise AnsibleFilterError(f"docker_preflight: _input must be the read's stdout_lines, got {lines!r}")
    if not isinstance(data, Mapping):
        raise AnsibleFilterError(f"docker_preflight: data must be a dict, got {data!r}")
    return _docker.preflight(list(lines or []), _plain(dict(data)))


def docker_packages(facts, source, repository_url=""):
    """See docker_packages.yml."""
    if not isinstance(facts, Mapping):
        raise AnsibleFilterError(f"docker_packages: _input must be the host's facts, got {facts!r}")
    return _docker.package_plan({key: facts.get(key) for key in ("os_family", "distribution")}, source, repository_url)


class FilterModule:
    def filters(self):
        return {
            "docker_daemon_config": docker_daemon_config,
            "docker_input_errors": docker_input_errors,
            "docker_packages": docker_packages,
            "docker_preflight": docker_preflight,
        }
