# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the openwebui and pihole roles; the logic lives in module_utils/_webui.py."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.homelab.ai_stack.plugins.module_utils._webui import (
    InputError,
    comfyui_url,
    input_list,
    nginx_host,
    ollama_backends,
    openwebui_preflight,
    pihole_records,
)


def _input_list(value, name="value"):
    """A list input, also when it came as a -e string (see input_list.yml)."""
    try:
        return input_list(value, name)
    except InputError as exc:
        raise AnsibleFilterError(str(exc)) from exc


def _openwebui_plan(settings, gpu_hosts, hostvars, me):
    """Ollama URLs, ComfyUI URL and every pre-flight error of Open WebUI (see openwebui_plan.yml)."""
    if not isinstance(settings, dict):
        raise AnsibleFilterError("openwebui_plan: _input must be a dict of the role's settings")
    backends = ollama_backends(gpu_hosts, hostvars, me)
    given = settings.get("ollama_base_urls")
    urls = [b["url"] for b in backends] if given is None else list(given)
    comfy = comfyui_url(settings.get("comfyui_url"), gpu_hosts, hostvars, me) if settings.get("comfyui_enabled") else ""
    return {
        "ollama_urls": urls,
        "comfyui_url": comfy,
        "errors": openwebui_preflight(settings, backends, comfy),
    }


def _pihole_nginx_host(edge_hosts, hostvars, me):
    """The nginx host whose vhost names Pi-hole answers (see pihole_nginx_host.yml)."""
    return nginx_host(edge_hosts, hostvars, me)


def _pihole_records(vhosts, address, dns_records, cname_records):
    """FTLCONF_dns_hosts and FTLCONF_dns_cnameRecords items (see pihole_records.yml)."""
    try:
        return pihole_records([v["fqdn"] for v in vhosts or []], address, dns_records, cname_records)
    except (KeyError, TypeError) as exc:
        raise AnsibleFilterError(f"pihole_records: a record lacks {exc}") from exc


class FilterModule:
    def filters(self):
        return {
            "input_list": _input_list,
            "openwebui_plan": _openwebui_plan,
            "pihole_nginx_host": _pihole_nginx_host,
            "pihole_records": _pihole_records,
        }
