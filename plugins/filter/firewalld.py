# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that plan firewalld state; the logic lives in module_utils/_zone_plan.py."""

from __future__ import annotations

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.homelab.ai_stack.plugins.module_utils._networking import preflight as _networking_preflight
from ansible_collections.homelab.ai_stack.plugins.module_utils._zone_plan import (
    TAILSCALE_RANGES,
    ZonePlanError,
    build_zone_plan,
    flatten_port_map,
)


def _flatten_port_map(ports):
    """A list of port specs, or a mapping owner -> list (the stack's port map)."""
    try:
        return flatten_port_map(dict(ports) if isinstance(ports, Mapping) else ports)
    except ZonePlanError as exc:
        raise AnsibleFilterError(str(exc)) from None


def firewalld_zone_plan(
    ports,
    sources=None,
    docker_subnet=None,
    interfaces=None,
    services=None,
    name="self-hosted",
    allow_public=False,
    tailscale_ranges=None,
    reserved=None,
    var_names=None,
):
    """Exact state of one firewalld zone (see firewalld_zone_plan.yml)."""
    try:
        return build_zone_plan(
            ports=_flatten_port_map(ports),
            sources=sources,
            docker_subnet=docker_subnet,
            interfaces=interfaces,
            services=services,
            name=name,
            allow_public=allow_public,
            tailscale_ranges=TAILSCALE_RANGES if tailscale_ranges is None else tailscale_ranges,
            reserved=reserved,
            var_names=var_names,
        )
    except ZonePlanError as exc:
        raise AnsibleFilterError(str(exc)) from None


def networking_preflight(data):
    """The networking role's read, zone plans and input errors at once (see networking_preflight.yml)."""
    if not isinstance(data, Mapping):
        raise AnsibleFilterError("networking_preflight: expects a mapping of the role's inputs")
    try:
        return _networking_preflight(dict(data))
    except ValueError as exc:
        raise AnsibleFilterError(str(exc)) from None
    except (KeyError, TypeError, AttributeError) as exc:
        raise AnsibleFilterError(f"networking_preflight: a key is missing or of the wrong type ({exc!r})") from None


class FilterModule:
    def filters(self):
        return {"firewalld_zone_plan": firewalld_zone_plan, "networking_preflight": networking_preflight}
