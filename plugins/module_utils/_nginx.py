# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The nginx role's virtual hosts: the default list from the inventory, the
normalised list nginx.conf is rendered from, its validation, and the names of
an ACME certificate.

Plain functions (stdlib only), used by the filters in plugins/filter/nginx.py.
Booleans may arrive as strings (``-e nginx_comfyui_basic_auth=false``) and are
converted here, once.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import posixpath
import re
import secrets
import string

from ansible_collections.homelab.ai_stack.plugins.module_utils._host import ports_held
from ansible_collections.homelab.ai_stack.plugins.module_utils._inputs import bool_word, is_ip, is_network, list_input

_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")
_UPSTREAM = re.compile(r"^https?://(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):[0-9]{1,5}$")
_SIZE = re.compile(r"^[0-9]+[kKmMgG]?$")
_SOURCE = re.compile(r"^([0-9A-Fa-f:.]+(/[0-9]+)?|all)$")
FRAME_OPTIONS = ("DENY", "SAMEORIGIN", "")


class NginxError(ValueError):
    """An input that cannot be turned into virtual hosts."""


def to_bool(value, name="value"):
    """A boolean from a real boolean or the string a command line (-e) gives."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    word = bool_word(str(value if value is not None else ""))
    if word is not None:
        return word
    raise NginxError(f"{name}: {value!r} is not a boolean")


def catalog(options=None):
    """The services the default vhost list is made of (``inventory_vhosts``), with the role's switches.

    ``options``: ``allow`` (the Ollama vhost's sources, ai_stack_allowed_sources),
    ``ollama_basic_auth``, ``ollama_token_auth``, ``comfyui_basic_auth``
    (nginx_*: booleans or the strings of a command line, converted by
    ``inventory_vhosts``).
    """
    o = options or {}

    def entry(service, group, subdomain, container, port, websocket, body, frame, **more):
        base = {"service": service, "group": group, "subdomain": subdomain, "container": container, "port": port}
        base.update(websocket=websocket, client_max_body_size=body, frame_options=frame)
        base.update({"allow": [], "basic_auth": False, "token_auth": False}, **more)
        return base

    return [
        # Open WebUI shows files and artifacts in frames of its own origin.
        entry("openwebui", "ai_stack_edge", "chat", "open-webui", 8080, True, "512m", "SAMEORIGIN"),
        entry(
            "ollama",
            "ai_stack_gpu",
            "ollama",
            "ollama",
            11434,
            False,
            "1g",
            "DENY",
            allow=o.get("allow", ["100.64.0.0/10"]),
            basic_auth=o.get("ollama_basic_auth", False),
            token_auth=o.get("ollama_token_auth", True),
        ),
        entry(
            "comfyui",
            "ai_stack_gpu",
            "comfy",
            "comfyui",
            8188,
            True,
            "512m",
            "SAMEORIGIN",
            basic_auth=o.get("comfyui_basic_auth", True),
        ),
        # The admin pages are never framed (clickjacking of its settings).
        entry("pihole", "ai_stack_edge", "hole", "pihole", 80, False, "8m", "DENY"),
    ]


def inventory_vhosts(catalog, groups, hostvars, inventory_hostname, subdomains=None):
    """The default vhost list: one vhost per service of the catalog that a host deploys.

    A service is deployed by a host of its ``group`` whose ``<service>_state``
    (an inventory variable, default ``present``) is ``present``. On the nginx
    host itself the upstream is the container on the Docker network; on
    another host it is that host's ``ai_stack_bind_address`` (an inventory
    value or a fact of the settings; empty when unknown, which the validation
    reports), where the service publishes its port.
    """
    subdomains = subdomains or {}
    out = []
    for entry in catalog:
        service = entry["service"]
        hosts = [
            h
            for h in groups.get(entry["group"], [])
            if str(_var(hostvars, h, service + "_state", "present")) == "present"
        ]
        if not hosts:
            continue
        if inventory_hostname in hosts:
            host = entry["container"]
        else:
            host = str(_var(hostvars, hosts[0], "ai_stack_bind_address", "") or "")
            if ":" in host:
                host = "[" + host + "]"
        out.append(
            {
                "name": subdomains.get(entry["subdomain"], entry["subdomain"]),
                "upstream": f"http://{host}:{entry['port']}",
                "websocket": to_bool(entry.get("websocket", False), service + " websocket"),
                "client_max_body_size": entry["client_max_body_size"],
                "allow": list(entry.get("allow") or []),
                "basic_auth": to_bool(entry.get("basic_auth", False), service + " basic_auth"),
                "token_auth": to_bool(entry.get("token_auth", False), service + " token_auth"),
                "frame_options": entry.get("frame_options", "SAMEORIGIN"),
            }
        )
    return out


def _var(hostvars, host, name, default):
    try:
        value = hostvars[host][name]
    except (KeyError, TypeError):
        return default
    # An undefined variable of another host reads as missing.
    return default if value is None or type(value).__name__.startswith("AnsibleUndefined") else value


def to_list(value, name):
    """A list from a list or the text a command line (-e) gives (JSON for a list of dicts)."""
    try:
        return list_input(value)
    except ValueError as exc:
        raise NginxError(f"{name} must be a list (JSON when given with -e): {exc}") from None


def normalize_vhosts(vhosts, extra=None, domain="", default_body_size="100m"):
    """Every vhost of ``nginx_vhosts`` + ``nginx_vhosts_extra`` with each key set:
    fqdn added, booleans converted, defaults filled in."""
    vhosts = to_list(vhosts, "nginx_vhosts") + to_list(extra or [], "nginx_vhosts_extra")
    out = []
    for index, v in enumerate(vhosts):
        if not isinstance(v, dict):
            raise NginxError(f"nginx_vhosts entry {index}: must be a dict with name and upstream, got {v!r}")
        name = str(v.get("name", "") or "")
        label = f"nginx_vhosts entry '{name}'"
        allow = v.get("allow", [])
        if isinstance(allow, str) and allow.strip().startswith("["):
            allow = to_list(allow, label + " allow")
        out.append(
            {
                "name": name,
                "fqdn": name if "." in name else f"{name}.{domain}",
                "upstream": str(v.get("upstream", "") or ""),
                "websocket": to_bool(v.get("websocket", False), label + " websocket"),
                "client_max_body_size": str(v.get("client_max_body_size") or default_body_size),
                "allow": allow if allow is not None else [],
                "basic_auth": to_bool(v.get("basic_auth", False), label + " basic_auth"),
                "token_auth": to_bool(v.get("token_auth", False), label + " token_auth"),
                "frame_options": str(v.get("frame_options", "SAMEORIGIN")).upper(),
            }
        )
    return out


def vhost_problems(vhosts, domain, name_constrained=False):
    """What is wrong with the normalised vhosts, one message per problem (empty: all good).

    Names, upstreams, sizes and sources go into nginx.conf: anything that
    could break out of a directive is refused; nginx -t judges the rest. With
    a name-constrained internal CA every name must be below ``domain``.
    """
    problems = []
    seen = set()
    for v in vhosts:
        label = f"nginx_vhosts entry '{v['name']}'"
        if not _NAME.match(v["name"]):
            problems.append(f"{label}: name must be a DNS label or name (a-z, 0-9, '-', '.')")
        if v["fqdn"] in seen:
            problems.append(f"{label}: duplicate name {v['fqdn']}")
        seen.add(v["fqdn"])
        if not _UPSTREAM.match(v["upstream"]):
            hint = " (an empty host: the service host has no ai_stack_bind_address)" if "://:" in v["upstream"] else ""
            problems.append(f"{label}: upstream must be http(s)://host:port, got '{v['upstream']}'{hint}")
        if not _SIZE.match(v["client_max_body_size"]):
            problems.append(
                f"{label}: client_max_body_size must be a size like 100m, got '{v['client_max_body_size']}'"
            )
        allow = v["allow"]
        if isinstance(allow, (str, bytes)) or not isinstance(allow, (list, tuple)):
            problems.append(f"{label}: allow must be a list of addresses or CIDRs")
        else:
            bad = [str(a) for a in allow if not _SOURCE.match(str(a)) or not _is_source(str(a))]
            if bad:
                problems.append(f"{label}: allow holds what is not an address or CIDR: {', '.join(bad)}")
        if v["frame_options"] not in FRAME_OPTIONS:
            problems.append(f"{label}: frame_options must be DENY, SAMEORIGIN or '', got '{v['frame_options']}'")
        if name_constrained and not (v["fqdn"] == domain or v["fqdn"].endswith("." + domain)):
            problems.append(
                f"{label}: {v['fqdn']} is not below ai_stack_domain {domain}, which the internal CA's"
                " name constraints require (nginx_tls_ca_name_constraints)"
            )
    return problems


REFERRER_POLICIES = (
    "no-referrer",
    "no-referrer-when-downgrade",
    "origin",
    "origin-when-cross-origin",
    "same-origin",
    "strict-origin",
    "strict-origin-when-cross-origin",
)
_AUTH_USER = re.compile(r"^[^:\s]+$")
_TOKEN = re.compile(r"^[A-Za-z0-9._~-]{24,256}$")
_TOKEN_USER = re.compile(r"^[A-Za-z0-9._-]+$")
_DIGITS = re.compile(r"^[0-9]+$")
_TMPFS = re.compile(r"^[0-9]+[kmg]?$")


def _bind_address_ok(address):
    return is_ip(str(address)) and str(address) not in ("0.0.0.0", "::")


def _int_or_none(value):
    text = str(value).strip()
    return int(text) if _DIGITS.match(text) else None


def _int_or_zero(value):
    """Jinja's ``int``: the number, or 0 for what is not one."""
    try:
        return int(str(value).strip())
    except ValueError:
        return 0


def settings_problems(s):
    """The rules on the TLS, auth and container settings, one message each (empty: all good).

    ``s`` holds the role's inputs without their ``nginx_`` prefix
    (``tls_source``, ``tls_certificate``, ``basic_auth_user``, ...). The
    rules read the key, the password and the token; only the messages name
    them, never their values.
    """
    out = []
    if s.get("tls_source") == "provided" and not (s.get("tls_certificate") and s.get("tls_key")):
        out.append("nginx_tls_source=provided needs nginx_tls_certificate and nginx_tls_key (PEM)")
    renew, valid = _int_or_zero(s.get("tls_renew_before_days")), _int_or_zero(s.get("tls_cert_valid_days"))
    if renew >= valid:
        out.append("nginx_tls_renew_before_days must be below nginx_tls_cert_valid_days")
    if not _AUTH_USER.match(str(s.get("basic_auth_user", ""))):
        out.append("nginx_basic_auth_user may not contain ':' or spaces")
    password = str(s.get("basic_auth_password") or "")
    if password and len(password) < 8:
        out.append("nginx_basic_auth_password needs 8 or more characters")
    token = str(s.get("api_token") or "")
    if token and not _TOKEN.match(token):
        out.append("nginx_api_token needs 24 to 256 of A-Z a-z 0-9 . _ ~ -")
    if not _TOKEN_USER.match(str(s.get("api_token_user", ""))):
        out.append("nginx_api_token_user may hold A-Z a-z 0-9 . _ - only")
    if _int_or_none(s.get("hsts_max_age")) is None:
        out.append("nginx_hsts_max_age must be a number of seconds")
    if s.get("referrer_policy") not in REFERRER_POLICIES:
        out.append("nginx_referrer_policy must be one of " + ", ".join(REFERRER_POLICIES))
    pids = _int_or_none(s.get("pids_limit"))
    if pids is None or pids < 16:
        out.append("nginx_pids_limit must be a number of 16 or more")
    if not _TMPFS.match(str(s.get("tmpfs_size", ""))):
        out.append("nginx_tmpfs_size must be a size like 64m")
    if s.get("tls_source") == "acme":
        out.extend(acme_problems(s))
    return out


def acme_problems(s):
    """The rules of nginx_tls_source=acme: the terms, the directory, the DNS provider's credentials."""
    out = []
    if not to_bool(s.get("acme_terms_agreed", False), "nginx_acme_terms_agreed"):
        out.append("nginx_tls_source=acme needs nginx_acme_terms_agreed=true (the CA's terms of service)")
    if not re.match(r"^https?://", str(s.get("acme_directory", ""))):
        out.append("nginx_acme_directory must be an http(s) URL")
    provider = s.get("acme_dns_provider")
    rfc = s.get("acme_rfc2136") if isinstance(s.get("acme_rfc2136"), dict) else {}
    missing = [key for key in ("server", "key_name", "key_secret") if not str(rfc.get(key) or "")]
    if provider == "rfc2136" and missing:
        out.append("nginx_acme_dns_provider=rfc2136 needs nginx_acme_rfc2136." + ", .".join(missing) + " (vault)")
    if provider == "cloudflare" and not s.get("acme_cloudflare_api_token"):
        out.append("nginx_acme_dns_provider=cloudflare needs nginx_acme_cloudflare_api_token (vault)")
    return out


def preflight_problems(vhosts, settings, listeners):
    """Every pre-flight problem of the nginx role at once, each naming its variable.

    The bind address (``settings['bind_address']``: the host's own address,
    not a wildcard), the ports 80 and 443 held by another process on it
    (``listeners``: the host facts'), the vhosts (:func:`vhost_problems`) and
    the settings (:func:`settings_problems`).
    """
    out = []
    address = str(settings.get("bind_address") or "")
    if not _bind_address_ok(address):
        out.append(
            f"ai_stack_bind_address '{address}' must be the host's (Tailscale) IP address; set it, or"
            " ai_stack_tailscale_interface to an interface that has one."
        )
    held = ports_held(listeners, ["80/tcp", "443/tcp"], address)
    if held:
        out.append(f"Ports held by another process: {', '.join(held)}; stop it or change ai_stack_bind_address.")
    constrained = settings.get("tls_source") == "internal_ca" and to_bool(
        settings.get("tls_ca_name_constraints", False), "nginx_tls_ca_name_constraints"
    )
    out.extend(vhost_problems(vhosts, str(settings.get("domain", "")), constrained))
    out.extend(settings_problems(settings))
    return out


def _is_source(text):
    return text == "all" or is_network(text)


def acme_names(fqdns, domain, wildcard=False):
    """The names of the ACME certificate: every vhost name, or ``*.domain`` plus the names it does not cover."""
    names = sorted(set(fqdns))
    if not to_bool(wildcard, "nginx_acme_wildcard"):
        return names
    suffix = "." + domain
    covered = [n for n in names if n.endswith(suffix) and "." not in n[: -len(suffix)]]
    return ["*." + domain, *sorted(set(names) - set(covered))]


# The records a re-run compares instead of running the crypto modules or
# reading a generated secret: what a file was written for, and the SHA-1
# (what ansible.builtin.find reports) of the files it belongs with. Written as
# Ansible's to_nice_json(sort_keys=true) writes them, so a record made by an
# earlier version of the role still matches.
CERT_FILES = ("ca/ca.crt", "certs/server.key", "certs/server.crt")
AUTH_FILES = ("basic-auth.password", "auth/htpasswd")
TOKEN_FILES = ("api-token", "auth/api-token.map")
CERT_RECORD = "certs/server-certificate.json"
AUTH_RECORD = "basic-auth.json"
TOKEN_RECORD = "api-token.json"


def sha1(text):
    """The SHA-1 find reports for a file holding ``text`` (UTF-8)."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _nice_json(value):
    return json.dumps(value, indent=4, sort_keys=True, separators=(",", ": "))


def found_sums(found, data_path):
    """relative path -> SHA-1 of the regular files (not symlinks) a find below ``data_path`` reported."""
    entries = found.get("files", []) if isinstance(found, dict) else (found or [])
    prefix = data_path.rstrip("/") + "/"
    return {
        e["path"][len(prefix) :]: e["checksum"]
        for e in entries
        if e["path"].startswith(prefix) and not e.get("islnk") and "checksum" in e
    }


def cert_record(fqdns, not_after, ca_constrained, sums):
    """certs/server-certificate.json: the names, expiry and CA, key and certificate checksums."""
    fqdns = list(fqdns)
    return _nice_json(
        {
            "common_name": fqdns[0] if fqdns else "",
            "names": sorted(fqdns),
            "not_after": not_after,
            "ca_name_constrained": bool(ca_constrained),
            "sha1": {posixpath.basename(name): sums.get(name, "") for name in CERT_FILES},
        }
    )


def auth_record(user, salt, sums):
    """basic-auth.json: which generated password and user the htpasswd file holds."""
    return _nice_json(
        {"user": user, "salt": salt, "sha1": {posixpath.basename(n): sums.get(n, "") for n in AUTH_FILES}}
    )


def token_record(user, sums):
    """api-token.json: which generated token the map file holds."""
    return _nice_json({"user": user, "sha1": {posixpath.basename(n): sums.get(n, "") for n in TOKEN_FILES}})


def _private(entry, worker_gid):
    """Root's, 0640, group of the nginx workers: how the key, htpasswd and token map are kept."""
    return bool(entry) and entry.get("mode") == "0640" and entry.get("uid") == 0 and entry.get("gid") == int(worker_gid)


def current(found, data_path, fqdns, record_text, settings, now=None):
    """What a re-run need not touch, from one find below ``data_path`` and the certificate record's text.

    ``settings``: worker_gid, auth_user, auth_salt (else derived from ``host``, :func:`basic_auth_salt`),
    token_user, renew_before_days.
    Returns tls (the internal CA, server key and certificate are current: the
    record rendered again from the names wanted now and the checksums found is
    the text on the host, and the recorded expiry is outside the renewal
    window), ca_unconstrained (a CA made before the name constraints),
    htpasswd and token (the generated secret's file is what its record says).
    """
    entries = found.get("files", []) if isinstance(found, dict) else (found or [])
    prefix = data_path.rstrip("/") + "/"
    files = {e["path"][len(prefix) :]: e for e in entries if e["path"].startswith(prefix) and not e.get("islnk")}
    sums = found_sums(entries, data_path)
    fqdns = list(fqdns)
    record = {}
    # The record counts only with the CA and the certificate it describes.
    if record_text and "ca/ca.crt" in files and "certs/server.crt" in files:
        try:
            record = json.loads(record_text)
        except ValueError:
            record = {}
    not_after = str(record.get("not_after", ""))
    tls = "ca/ca.crt" in files and _private(files.get("certs/server.key"), settings["worker_gid"])
    if tls and fqdns:
        tls = bool(re.match(r"^[0-9]{14}Z$", not_after))
        if tls:
            renew_at = datetime.datetime.strptime(not_after, "%Y%m%d%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
            now = now or datetime.datetime.now(datetime.timezone.utc)
            tls = (
                sums.get(CERT_RECORD) == sha1(cert_record(fqdns, not_after, record.get("ca_name_constrained"), sums))
                and (renew_at - now).total_seconds() > int(settings["renew_before_days"]) * 86400
            )
    salt = settings.get("auth_salt") or basic_auth_salt(settings.get("host", ""), settings["auth_user"])
    auth = auth_record(settings["auth_user"], salt, sums)
    token = token_record(settings["token_user"], sums)
    return {
        "tls": bool(tls),
        "ca_unconstrained": bool(record) and record.get("ca_name_constrained") is not True,
        "htpasswd": AUTH_FILES[0] in sums
        and sums.get(AUTH_RECORD) == sha1(auth)
        and _private(files.get(AUTH_FILES[1]), settings["worker_gid"]),
        "token": TOKEN_FILES[0] in sums
        and sums.get(TOKEN_RECORD) == sha1(token)
        and _private(files.get(TOKEN_FILES[1]), settings["worker_gid"]),
    }


def written_cert_record(found, data_path, fqdns, not_after, ca_constrained):
    """The certificate record after an issue, from a find of the CA certificate, server key and certificate."""
    return cert_record(fqdns, not_after, ca_constrained, found_sums(found, data_path))


def secret_record(kind, secret, content, user, salt=""):
    """The record of a generated secret (``auth``: password and htpasswd; ``token``: token and map)."""
    if kind == "auth":
        return auth_record(user, salt, {AUTH_FILES[0]: sha1(secret), AUTH_FILES[1]: sha1(content)})
    if kind == "token":
        return token_record(user, {TOKEN_FILES[0]: sha1(secret), TOKEN_FILES[1]: sha1(content)})
    raise NginxError(f"secret_record: kind must be auth or token, got {kind!r}")


def certificate_due(info, key_fingerprint, names, common_name=None, record=None, directory=None):
    """Why the served certificate must be issued again; empty when it is current.

    ``info``: what community.crypto.x509_certificate_info returned with
    ``valid_at.renew`` (empty: no certificate). The certificate must hold the
    server key (``key_fingerprint``, SHA-256), exactly ``names`` (and
    ``common_name`` when given), and be valid beyond the renewal window. For
    an ACME certificate ``record`` (acme-certificate.json) must name the same
    ``directory`` and names.
    """
    if not info:
        return ["no certificate"]
    reasons = []
    if not (info.get("valid_at") or {}).get("renew"):
        reasons.append("the renewal window is reached")
    if sorted(info.get("subject_alt_name") or []) != sorted("DNS:" + n for n in names):
        reasons.append("the names changed")
    if common_name is not None and (info.get("subject") or {}).get("commonName", "") != common_name:
        reasons.append("the common name changed")
    if (info.get("public_key_fingerprints") or {}).get("sha256", "") != (key_fingerprint or ""):
        reasons.append("the server key changed")
    if directory is not None:
        record = record or {}
        if record.get("directory", "") != directory:
            reasons.append("the ACME directory changed")
        if record.get("names", []) != list(names):
            reasons.append("the recorded names differ")
    return reasons


def _draw(length, alphabet):
    return "".join(secrets.choice(alphabet) for _index in range(length))


def basic_auth_salt(host, user):
    """The htpasswd salt: from host and user, so the file only changes when the password does."""
    return hashlib.sha256(f"{host}{user}".encode()).hexdigest()[:16]


def secret_files(vhosts, read, current, settings, hash_password):
    """The files of the basic auth password and the API token a run must write (the files task's entries).

    ``vhosts``: the normalised vhosts; ``read``: relative path -> text the directories run read
    (the generated ``basic-auth.password`` and ``api-token``); ``current``: :func:`current`'s result;
    ``settings``: data_path, worker_gid, host, auth_user, auth_password, token, token_user;
    ``hash_password(password, salt)``: the SHA-512 crypt of the htpasswd line (Ansible's password_hash).

    Basic auth on a vhost, and its htpasswd file due: a password given (the files task compares),
    or the generated one's record not current. The password: the given one, else the one kept on
    the host, else a new one (24 letters and digits), written with ``force: false`` with its record
    (basic-auth.json: the hash is salted, so only the record tells the file is current). The same
    for the API token (40 lower-case letters and digits: nginx compares map keys ignoring case),
    its map (the Authorization headers that carry it) and api-token.json.
    """
    root = str(settings["data_path"]).rstrip("/") + "/"
    private = {"group": str(settings["worker_gid"]), "mode": "0640", "secret": True}
    own = {"mode": "0600", "secret": True}
    out = []
    user, given = str(settings["auth_user"]), str(settings.get("auth_password") or "")
    if any(v.get("basic_auth") for v in vhosts) and (given or not current.get("htpasswd")):
        password = given or read.get(AUTH_FILES[0]) or _draw(24, string.ascii_letters + string.digits)
        salt = basic_auth_salt(settings["host"], user)
        htpasswd = f"{user}:{hash_password(password, salt)}"
        out.append({"dest": root + AUTH_FILES[1], "content": htpasswd, **private})
        if not given:
            out.append({"dest": root + AUTH_FILES[0], "content": password, "force": False, **own})
            out.append(
                {"dest": root + AUTH_RECORD, "content": secret_record("auth", password, htpasswd, user, salt), **own}
            )
    token_user, given = str(settings["token_user"]), str(settings.get("token") or "")
    wanted = any(v.get("token_auth") and not v.get("basic_auth") for v in vhosts)
    if wanted and (given or not current.get("token")):
        token = given or read.get(TOKEN_FILES[0]) or _draw(40, string.ascii_lowercase + string.digits)
        basic = base64.b64encode(f"{token_user}:{token.strip()}".encode()).decode("ascii")
        text = (
            "# Managed by homelab.ai_stack: the Authorization headers that carry the API token.\n"
            f'"Bearer {token.strip()}" 1;\n"Basic {basic}" 1;\n'
        )
        out.append({"dest": root + TOKEN_FILES[1], "content": text, **private})
        if not given:
            out.append({"dest": root + TOKEN_FILES[0], "content": token, "force": False, **own})
            out.append({"dest": root + TOKEN_RECORD, "content": secret_record("token", token, text, token_user), **own})
    return out


def plan(read, vhosts, settings, hash_password, compose_reasons=(), now=None):
    """What a run of the nginx role must do, from its one read (the directories run of tasks/configure.yml).

    ``read``: the directories result (``files`` of ``checksums``, ``contents`` of ``read``, ``files_in_place``
    of ``wanted_files``, ``root``, ``created``); ``vhosts``: the normalised vhosts; ``settings``: those of
    :func:`current` and :func:`secret_files` plus ``tls_source``, ``ca_name_constraints`` and ``check_mode``;
    ``compose_reasons``: why compose_project would change something (``_compose.sync_reasons``).

    Returns :func:`current`'s keys, ``secret_files`` (the entries of the files task), ``check_first_run``,
    and what the run must do: ``warn_ca``, ``tls_due``, ``files_due`` (the read found a file of the files task
    out of place, or a generated password or token must be written: :func:`secret_files` wrote it only then;
    the entries of a password or token given are deterministic and were judged by the read), ``compose_due``
    and ``apply`` (any of them: tasks/apply.yml runs), with ``reasons``.
    """
    fqdns = [v["fqdn"] for v in vhosts]
    contents = read.get("contents") or {}
    cur = current(read.get("files") or [], settings["data_path"], fqdns, contents.get(CERT_RECORD, ""), settings, now)
    out = dict(cur, secret_files=secret_files(vhosts, contents, cur, settings, hash_password))
    source = settings.get("tls_source")
    basic = any(v.get("basic_auth") for v in vhosts)
    token = any(v.get("token_auth") and not v.get("basic_auth") for v in vhosts)
    generated = (basic and not settings.get("auth_password") and not cur["htpasswd"]) or (
        token and not settings.get("token") and not cur["token"]
    )
    out.update(
        check_first_run=to_bool(settings.get("check_mode", False)) and read.get("root") in (read.get("created") or []),
        warn_ca=source == "internal_ca"
        and to_bool(settings.get("ca_name_constraints", True))
        and cur["ca_unconstrained"],
        tls_due=(source == "internal_ca" and not cur["tls"]) or (source == "acme" and bool(fqdns)),
        files_due=read.get("files_in_place") is not True or bool(generated),
        compose_due=bool(compose_reasons),
    )
    names = ("warn_ca", "tls_due", "files_due", "compose_due")
    out["reasons"] = [name for name in names if out[name]] + [f"compose: {why}" for why in compose_reasons]
    out["apply"] = any(out[name] for name in names)
    return out
