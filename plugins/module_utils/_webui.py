# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the openwebui and pihole roles decide before they change anything.

Plain functions (no Ansible imports) so that they are unit-tested on their own:
inputs given as ``-e name=value`` strings made lists, the Ollama backends and the
ComfyUI URL of Open WebUI from the inventory, every pre-flight error of Open
WebUI at once, and Pi-hole's local DNS records.
"""

from __future__ import annotations

import json
import re

from ansible_collections.homelab.ai_stack.plugins.module_utils._inputs import list_input

# What Open WebUI v0.6.33 refuses at sign-up (routers/auths.py signup,
# utils/misc.py validate_email_format): an email without a dot in its domain
# (name@localhost excepted) gets 400, a password over 72 UTF-8 bytes 500 (bcrypt).
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_EMAIL_DOT = re.compile(r"[^@]+@[^@]+\.[^@]+")
_URL = re.compile(r"^https?://[^/:]+(:[0-9]+)?")
PASSWORD_MAX_BYTES = 72


class InputError(ValueError):
    """An input that cannot be read as the type the role needs."""


def input_list(value, name="value"):
    """A list input as the role uses it, also when it came as a ``-e name=value`` string.

    A list stays as it is; None is None; a string holding a JSON list is that
    list; any other string is split on commas (blank items dropped), as
    argument_specs' ``type: list`` reads it.
    """
    if value is None or isinstance(value, list):
        return value
    try:
        return list_input(value)
    except ValueError as exc:
        raise InputError(f"{name}: {exc}") from None


def _get(hostvars, host, key, default=None):
    try:
        value = hostvars[host][key]
    except (KeyError, TypeError):
        return default
    return default if value is None else value


def _true(value):
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "yes", "on", "y", "t")


def ollama_backends(gpu_hosts, hostvars, me):
    """Every Ollama of the inventory as Open WebUI reaches it.

    This host's by container name on the shared network (or through
    host.docker.internal when it runs natively); other hosts' on the address
    they publish on, with what is missing to reach them.
    """
    out = []
    for host in gpu_hosts or []:
        if str(_get(hostvars, host, "ollama_state", "present")) != "present":
            continue
        port = _get(hostvars, host, "ollama_port", 11434)
        if host == me:
            native = str(_get(hostvars, host, "ollama_install_method", "compose")) == "native"
            url = f"http://host.docker.internal:{port}" if native else "http://ollama:11434"
            out.append({"host": host, "url": url, "remote": False})
            continue
        address = str(_get(hostvars, host, "ai_stack_bind_address", ""))
        out.append(
            {
                "host": host,
                "url": f"http://{address}:{port}",
                "remote": True,
                "address": address,
                "published": _true(_get(hostvars, host, "ollama_publish", False)),
            }
        )
    return out


def comfyui_url(given, gpu_hosts, hostvars, me):
    """COMFYUI_BASE_URL: the one given, else this host's ComfyUI, else the first GPU host's."""
    if given is not None:
        return str(given)
    hosts = [h for h in gpu_hosts or [] if str(_get(hostvars, h, "comfyui_state", "present")) != "absent"]
    if me in hosts:
        return "http://comfyui:8188"
    if not hosts:
        return ""
    address = _get(hostvars, hosts[0], "ai_stack_bind_address", "")
    return f"http://{address}:{_get(hostvars, hosts[0], 'comfyui_port', 8188)}"


def password_bytes(password):
    return len(str(password).encode("utf-8"))


def openwebui_preflight(settings, backends, comfy_url):
    """Every error of Open WebUI's inputs, each naming its variable (empty when all is well).

    ``settings`` holds admin_email, admin_password, ollama_base_urls (None:
    found in the inventory), comfyui_enabled, comfyui_checkpoint.
    """
    errors = []
    email = str(settings.get("admin_email") or "")
    password = str(settings.get("admin_password") or "")
    if bool(email) != bool(password):
        errors.append(
            "openwebui_admin_email and openwebui_admin_password must both be set (to create the first admin) "
            "or both be empty."
        )
    if email:
        lower = email.lower()
        if not _EMAIL.match(email) or not (_EMAIL_DOT.match(lower) or lower.endswith("@localhost")):
            errors.append(
                f"openwebui_admin_email {json.dumps(email)} is refused by Open WebUI: it must be name@domain "
                "with a dot in the domain (name@localhost is the one exception)."
            )
        if password_bytes(password) > PASSWORD_MAX_BYTES:
            errors.append(
                f"openwebui_admin_password is {password_bytes(password)} bytes long in UTF-8; Open WebUI (bcrypt) "
                f"refuses passwords over {PASSWORD_MAX_BYTES} bytes. Choose a shorter one."
            )
    if settings.get("ollama_base_urls") is None:
        remote = [b for b in backends if b.get("remote")]
        no_address = [b["host"] for b in remote if not b.get("address")]
        unpublished = [b["host"] for b in remote if not b.get("published")]
        if no_address or unpublished:
            errors.append(
                "Open WebUI needs the Ollama of " + ", ".join(b["host"] for b in remote) + " on its published "
                "port: set ollama_publish true for those hosts and resolve their ai_stack_bind_address in the "
                "same run (any role of the stack on them does). Missing address: "
                + (", ".join(no_address) or "none")
                + "; not published: "
                + (", ".join(unpublished) or "none")
                + ". Or set openwebui_ollama_base_urls by hand."
            )
    if settings.get("comfyui_enabled"):
        if not _URL.match(comfy_url or ""):
            errors.append(
                f"openwebui_comfyui_enabled is true but no ComfyUI was found (got {json.dumps(comfy_url)}): run "
                "the comfyui role on a host of ai_stack_gpu (with comfyui_publish true when it is another host) "
                "or set openwebui_comfyui_url."
            )
        if not settings.get("comfyui_checkpoint"):
            errors.append(
                "openwebui_comfyui_enabled needs openwebui_comfyui_checkpoint (the checkpoint file ComfyUI loads)."
            )
        if not email:
            errors.append(
                "openwebui_comfyui_enabled needs openwebui_admin_email and openwebui_admin_password: the "
                "workflow's node map has no environment variable in Open WebUI, the role sets it through the "
                "admin API."
            )
    return errors


def nginx_host(edge_hosts, hostvars, me):
    """The nginx host whose vhost names Pi-hole answers: this host when it runs nginx, else the first edge host."""
    hosts = [h for h in edge_hosts or [] if str(_get(hostvars, h, "nginx_state", "present")) == "present"]
    if me in hosts:
        return me
    return hosts[0] if hosts else ""


def pihole_records(vhost_names, address, dns_records, cname_records):
    """FTLCONF_dns_hosts and FTLCONF_dns_cnameRecords items (empty lists: the role leaves them to the web UI)."""
    hosts = [f"{address} {name}" for name in vhost_names or []]
    hosts += [f"{r['ip']} {str(r['name']).lower()}" for r in dns_records or []]
    cnames = [f"{str(r['name']).lower()},{str(r['target']).lower()}" for r in cname_records or []]
    return {"hosts": hosts, "cnames": cnames}
