# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The table that ends every site.yml run: each service's URL, health, where its
credentials are (variable names, never values) and what to do when it is down.

Plain functions over plain data (what the last play of site.yml gathers per host), so
the unit tests drive them with recorded ``docker ps --format '{{json .}}'`` lines.
"""

from __future__ import annotations

# service, group that runs it, its *_state variable, container, subdomain key, path, tag,
# where the credentials are (variable names; the example inventories set them from the vault).
SERVICES = (
    {
        "service": "nginx",
        "group": "ai_stack_edge",
        "state": "nginx",
        "container": "nginx",
        "subdomain": None,
        "path": "/healthz",
        "tag": "nginx",
        "credentials": "-",
    },
    {
        "service": "Open WebUI",
        "group": "ai_stack_edge",
        "state": "openwebui",
        "container": "open-webui",
        "subdomain": "chat",
        "path": "/",
        "tag": "openwebui",
        "credentials": "openwebui_admin_email + openwebui_admin_password (vault_openwebui_admin_password)",
    },
    {
        "service": "Pi-hole",
        "group": "ai_stack_edge",
        "state": "pihole",
        "container": "pihole",
        "subdomain": "hole",
        "path": "/admin/",
        "tag": "pihole",
        "credentials": "pihole_admin_password (vault_pihole_admin_password)",
    },
    {
        "service": "Ollama",
        "group": "ai_stack_gpu",
        "state": "ollama",
        "container": "ollama",
        "subdomain": "ollama",
        "path": "/api/version",
        "tag": "ollama",
        "credentials": None,  # basic auth only when nginx_ollama_basic_auth
    },
    {
        "service": "ComfyUI",
        "group": "ai_stack_gpu",
        "state": "comfyui",
        "container": "comfyui",
        "subdomain": "comfy",
        "path": "/",
        "tag": "comfyui",
        "credentials": None,  # basic auth unless nginx_comfyui_basic_auth is false
    },
)

_BASIC_AUTH = (
    "nginx basic auth: nginx_basic_auth_user + nginx_basic_auth_password (vault),"
    " or {storage}/services/nginx-proxy/basic-auth.password on the nginx host"
)


def container_health(containers, name):
    """``(ok, text)`` for one container from ``docker ps -a --format '{{json .}}'`` objects."""
    for c in containers or []:
        names = str(c.get("Names", "")).lstrip("/").split(",")
        if name not in names:
            continue
        status = str(c.get("Status", ""))
        # Older engines print no State: Status starts with "Up" while it runs.
        state = str(c.get("State") or ("running" if status.startswith("Up") else "")).lower()
        if state != "running":
            return False, f"DOWN ({state or 'unknown'}: {status})"
        if "(unhealthy)" in status:
            return False, "UNHEALTHY (running, health check failing)"
        if "health: starting" in status:
            return True, "starting (health check not passed yet)"
        return True, "healthy" if "(healthy)" in status else "running"
    return False, "MISSING (no such container)"


def _credentials(svc, host):
    storage = host.get("storage_root") or "/cold-storage"
    basic = host.get("basic_auth") or {}
    if svc["service"] == "Ollama":
        text = _BASIC_AUTH if _truthy(basic.get("ollama", False)) else "none (tailnet and allowed sources only)"
    elif svc["service"] == "ComfyUI":
        text = _BASIC_AUTH if _truthy(basic.get("comfyui", True)) else "none (tailnet and allowed sources only)"
    else:
        text = svc["credentials"]
    return text.format(storage=storage)


def _truthy(value):
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def _url(svc, host):
    if svc["subdomain"] is None:
        return f"http://{host.get('bind_address') or '<bind address>'}{svc['path']}"
    sub = (host.get("subdomains") or {}).get(svc["subdomain"]) or svc["subdomain"]
    return f"https://{sub}.{host.get('domain') or 'home.arpa'}{svc['path']}"


def _next_step(svc, name):
    return (
        f"ssh {name} docker logs --tail 50 {svc['container']}; "
        f"ansible-playbook site.yml --tags {svc['tag']} --limit {name}; then playbooks/verify.yml"
    )


def summary_rows(hosts, expected=None):
    """Rows ``{service, host, url, health, ok, credentials, next}`` for every service a host runs.

    ``hosts``: what the last play gathered per host (``host``, ``groups``, ``states``,
    ``containers``, ``docker_error``, ``bind_address``, ``domain``, ``subdomains``,
    ``storage_root``, ``basic_auth``). ``expected``: every host the run was asked to
    deploy; one missing from ``hosts`` failed or was unreachable earlier in the run.
    """
    rows = []
    seen = set()
    for host in hosts or []:
        if not isinstance(host, dict) or not host.get("host"):
            continue
        name = host["host"]
        seen.add(name)
        groups = set(host.get("groups") or [])
        states = host.get("states") or {}
        for svc in SERVICES:
            if svc["group"] not in groups or (states.get(svc["state"]) or "present") != "present":
                continue
            if host.get("docker_error"):
                ok, health = False, f"UNKNOWN (docker ps: {host['docker_error'].strip()[:80]})"
            else:
                ok, health = container_health(host.get("containers"), svc["container"])
            rows.append(
                {
                    "service": svc["service"],
                    "host": name,
                    "url": _url(svc, host),
                    "health": health,
                    "ok": ok,
                    "credentials": _credentials(svc, host),
                    "next": "-" if ok else _next_step(svc, name),
                }
            )
    for name in expected or []:
        if name not in seen:
            rows.append(
                {
                    "service": "(all)",
                    "host": name,
                    "url": "-",
                    "health": "FAILED earlier in this run or unreachable",
                    "ok": False,
                    "credentials": "-",
                    "next": f"read the failure above, fix it, then ansible-playbook site.yml --limit {name}",
                }
            )
    return rows


def summary_table(rows):
    """The rows as aligned text lines, a header first and a count last."""
    cols = (("service", "service"), ("host", "host"), ("url", "URL"), ("health", "health"))
    widths = [max([len(title)] + [len(str(r[key])) for r in rows]) for key, title in cols]

    def fmt(values):
        return " | ".join(str(values[i]).ljust(widths[i]) for i in range(len(widths))).rstrip()

    lines = [fmt([title for _key, title in cols]), "-+-".join("-" * w for w in widths)]
    for r in rows:
        lines.append(fmt([r[key] for key, _title in cols]))
    lines.append("")
    lines.append("Credentials (variable names; values are in the vault, never printed):")
    creds = []
    for r in rows:
        item = f"  {r['service']}: {r['credentials']}"
        if r["credentials"] != "-" and item not in creds:
            creds.append(item)
    lines.extend(creds or ["  -"])
    down = [r for r in rows if not r["ok"]]
    if down:
        lines.append("")
        lines.append("Next steps for what is down:")
        lines.extend(f"  {r['service']} on {r['host']}: {r['next']}" for r in down)
    lines.append("")
    lines.append(f"{len(rows) - len(down)} of {len(rows)} services up; {len(down)} down")
    return lines
