# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the nginx role: its virtual hosts and the names of its ACME certificate."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError
from ansible.plugins.filter.core import get_encrypted_password

from ansible_collections.homelab.ai_stack.plugins.module_utils import _compose, _nginx
from ansible_collections.homelab.ai_stack.plugins.module_utils._inputs import plain as _plain


def _call(name, func, *args):
    try:
        return func(*args)
    except _nginx.NginxError as exc:
        raise AnsibleFilterError(f"{name}: {exc}") from exc


def nginx_catalog(options=None):
    """The services of the default vhost list, with the role's switches."""
    return _call("nginx_catalog", _nginx.catalog, _plain(dict(options or {})))


def nginx_inventory_vhosts(catalog, groups, hostvars, inventory_hostname, subdomains=None):
    """One vhost per service of the catalog that a host of the inventory deploys."""
    return _call(
        "nginx_inventory_vhosts",
        _nginx.inventory_vhosts,
        _plain(catalog),
        _plain(dict(groups)),
        hostvars,
        inventory_hostname,
        _plain(dict(subdomains or {})),
    )


def nginx_vhosts(vhosts, extra, domain, default_body_size="100m"):
    """nginx_vhosts + nginx_vhosts_extra with every key set (fqdn, booleans, defaults)."""
    return _call("nginx_vhosts", _nginx.normalize_vhosts, _plain(vhosts), _plain(extra), domain, str(default_body_size))


def nginx_vhost_problems(vhosts, domain, name_constrained=False):
    """One message per problem of the normalised vhosts; empty when they are good."""
    return _call(
        "nginx_vhost_problems", _nginx.vhost_problems, _plain(vhosts), domain, _nginx.to_bool(name_constrained)
    )


def nginx_problems(vhosts, settings, listeners=None):
    """Every pre-flight problem of the nginx role: bind address, ports 80/443, vhosts, settings."""
    settings = {
        key[len("nginx_") :] if key.startswith("nginx_") else key: value for key, value in _plain(settings).items()
    }
    return _call("nginx_problems", _nginx.preflight_problems, _plain(vhosts), settings, _plain(listeners or []))


def nginx_acme_names(fqdns, domain, wildcard=False):
    """The names of the ACME certificate."""
    return _call("nginx_acme_names", _nginx.acme_names, _plain(fqdns), domain, wildcard)


def nginx_current(found, data_path, fqdns, record_text, settings):
    """What a re-run need not touch: the internal CA's certificates, the generated password and token."""
    return _call(
        "nginx_current", _nginx.current, _plain(found), data_path, _plain(fqdns), record_text, _plain(settings)
    )


def _hash_password(password, salt):
    return get_encrypted_password(password, "sha512", salt=salt)


def nginx_secret_files(vhosts, read, current, settings):
    """The files of the basic auth password and the API token a run must write (secret entries)."""
    return _call(
        "nginx_secret_files",
        _nginx.secret_files,
        _plain(vhosts),
        _plain(dict(read or {})),
        _plain(dict(current or {})),
        _plain(dict(settings)),
        _hash_password,
    )


def nginx_plan(read, vhosts, compose, settings):
    """What a run must do, from the directories read; compose_project's in-sync rule on its compose read."""
    read = _plain(dict(read or {}))
    reasons = _compose.sync_reasons(read.get("compose"), str(compose))
    return _call("nginx_plan", _nginx.plan, read, _plain(vhosts), _plain(dict(settings)), _hash_password, reasons)


class FilterModule:
    def filters(self):
        return {
            "nginx_catalog": nginx_catalog,
            "nginx_inventory_vhosts": nginx_inventory_vhosts,
            "nginx_vhosts": nginx_vhosts,
            "nginx_vhost_problems": nginx_vhost_problems,
            "nginx_problems": nginx_problems,
            "nginx_acme_names": nginx_acme_names,
            "nginx_current": nginx_current,
            "nginx_secret_files": nginx_secret_files,
            "nginx_plan": nginx_plan,
        }
