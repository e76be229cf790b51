# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What ``tailscale up`` must change: the plan the ``tailscale_up`` module applies.

Plain functions (stdlib only), unit-tested without a host. They read the two
JSON documents the Tailscale CLI prints, ``tailscale status --json``
(ipn/ipnstate.Status) and ``tailscale debug prefs`` (ipn.Prefs), compare the
settings we manage with the wanted ones, tell whether the change needs a new
login (an auth key) and build the ``tailscale up --reset ...`` command that
states every setting, so no unmentioned flag keeps an old value (up.go's
"requires mentioning all non-default flags").
"""

from __future__ import annotations

import ipaddress
import re

DEFAULT_CONTROL_URL = "https://controlplane.tailscale.com"
# ipn.IsLoginServerSynonym: both names mean Tailscale's own control server.
_CONTROL_SYNONYMS = {"https://controlplane.tailscale.com", "https://login.tailscale.com", ""}
# tailcfg.CheckTag: "tag:" then a letter, then letters, digits or dashes.
_TAG = re.compile(r"^tag:[A-Za-z][A-Za-z0-9-]*$")
# dnsname.ValidHostname: one DNS label.
_HOSTNAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
_EXIT_ROUTES = ("0.0.0.0/0", "::/0")


class TailscaleError(ValueError):
    """An input the module refuses before it runs anything."""


def normalize_tags(tags):
    """Tags as Tailscale stores them: 'tag:' added when there is no colon, checked, sorted, unique."""
    out = []
    for tag in tags or []:
        tag = str(tag).strip()
        if ":" not in tag:
            tag = "tag:" + tag
        if not _TAG.match(tag):
            raise TailscaleError(
                f"advertise_tags: {tag!r} is not a tag (tag:NAME, a letter then letters, digits or dashes)"
            )
        if tag not in out:
            out.append(tag)
    return sorted(out)


def normalize_routes(routes):
    """Routes as canonical prefixes (sorted, unique); host bits set is an error, as in netutil.CalcAdvertiseRoutes."""
    out = []
    for route in routes or []:
        try:
            net = ipaddress.ip_network(str(route).strip(), strict=True)
        except ValueError as exc:
            raise TailscaleError(f"advertise_routes: {route!r} is not a network prefix ({exc})") from None
        if str(net) not in out:
            out.append(str(net))
    return sorted(out, key=lambda r: (":" in r, r))


def wanted_settings(
    hostname="", advertise_tags=None, accept_dns=False, accept_routes=False, advertise_routes=None, login_server=""
):
    """The managed settings, keyed by their ipn.Prefs names, after validation."""
    hostname = str(hostname or "")
    if hostname and not _HOSTNAME.match(hostname):
        raise TailscaleError(f"hostname: {hostname!r} is not a DNS label (letters, digits, inner dashes, at most 63)")
    login_server = str(login_server or DEFAULT_CONTROL_URL).rstrip("/")
    if not login_server.startswith(("https://", "http://")):
        raise TailscaleError(f"login_server: {login_server!r} must be an http(s) URL")
    return {
        "ControlURL": login_server,
        "Hostname": hostname,
        "AdvertiseTags": normalize_tags(advertise_tags),
        "CorpDNS": bool(accept_dns),
        "RouteAll": bool(accept_routes),
        "AdvertiseRoutes": normalize_routes(advertise_routes),
    }


def current_settings(prefs):
    """The managed settings as `tailscale debug prefs` reports them (null lists become [])."""
    prefs = prefs or {}
    return {
        "ControlURL": str(prefs.get("ControlURL") or "").rstrip("/"),
        "Hostname": str(prefs.get("Hostname") or ""),
        "AdvertiseTags": sorted(prefs.get("AdvertiseTags") or []),
        "CorpDNS": bool(prefs.get("CorpDNS", True)),
        "RouteAll": bool(prefs.get("RouteAll", False)),
        "AdvertiseRoutes": normalize_routes([r for r in prefs.get("AdvertiseRoutes") or [] if r not in _EXIT_ROUTES])
        + [r for r in _EXIT_ROUTES if r in (prefs.get("AdvertiseRoutes") or [])],
    }


def _same_control(have, want):
    return have == want or (have in _CONTROL_SYNONYMS and want in _CONTROL_SYNONYMS)


def settings_diff(prefs, wanted):
    """{setting: {'have': x, 'want': y}} for every managed setting that differs."""
    have = current_settings(prefs)
    diff = {}
    for key, want in wanted.items():
        if key == "ControlURL":
            if not _same_control(have[key], want):
                diff[key] = {"have": have[key], "want": want}
        elif have.get(key) != want:
            diff[key] = {"have": have.get(key), "want": want}
    return diff


def plan(status, prefs, wanted):
    """Decide what to do.

    Returns a dict: ``action`` (``none``, ``edit`` or ``login``), ``reasons``
    (why, in words a user reads), ``diff`` (settings_diff). ``login`` needs an
    auth key: the node is not logged in, or a change Tailscale applies only
    with a new login (tags, control server; up.go updatePrefs ``justEdit``).
    """
    status = status or {}
    state = status.get("BackendState") or "NoState"
    diff = settings_diff(prefs, wanted)
    reasons = []
    if state != "Running":
        reasons.append(f"tailscaled is {state}, not Running")
    reasons += [f"{key}: {value['have']!r} -> {value['want']!r}" for key, value in diff.items()]
    if (
        state in ("NeedsLogin", "NoState", "NeedsMachineAuth")
        or (prefs or {}).get("LoggedOut")
        or "AdvertiseTags" in diff
        or "ControlURL" in diff
    ):
        action = "login"
    elif state != "Running" or diff:
        action = "edit"
    else:
        action = "none"
    return {"action": action, "reasons": reasons, "diff": diff, "backend_state": state}


def up_command(binary, wanted, auth_key_file=None, timeout=60):
    """``tailscale up --reset`` with every managed setting stated (the auth key only as ``file:``)."""
    argv = [
        binary,
        "up",
        "--reset",
        f"--login-server={wanted['ControlURL']}",
        f"--hostname={wanted['Hostname']}",
        f"--advertise-tags={','.join(wanted['AdvertiseTags'])}",
        f"--accept-dns={'true' if wanted['CorpDNS'] else 'false'}",
        f"--accept-routes={'true' if wanted['RouteAll'] else 'false'}",
        f"--advertise-routes={','.join(wanted['AdvertiseRoutes'])}",
        f"--timeout={int(timeout)}s",
    ]
    if auth_key_file:
        argv.append(f"--auth-key=file:{auth_key_file}")
    return argv


def addresses(status):
    """(IPv4, IPv6) of this node from status --json, '' when it has none."""
    ips = [str(ip) for ip in (status or {}).get("TailscaleIPs") or []]
    ipv4 = next((ip for ip in ips if ":" not in ip), "")
    ipv6 = next((ip for ip in ips if ":" in ip), "")
    return ipv4, ipv6


def node_summary(status):
    """What a user wants to know about the node after a run."""
    status = status or {}
    me = status.get("Self") or {}
    ipv4, ipv6 = addresses(status)
    return {
        "backend_state": status.get("BackendState") or "NoState",
        "ipv4": ipv4,
        "ipv6": ipv6,
        "hostname": me.get("HostName") or "",
        "dns_name": (me.get("DNSName") or "").rstrip("."),
        "tags": list(me.get("Tags") or []),
        "version": status.get("Version") or "",
    }
