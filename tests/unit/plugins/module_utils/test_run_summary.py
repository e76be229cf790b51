"""The end-of-run table of site.yml, from recorded `docker ps -a --no-trunc --format '{{json .}}'` lines."""

from __future__ import annotations

import json

from ansible_collections.homelab.ai_stack.plugins.module_utils._run_summary import summary_rows, summary_table

# Recorded on Debian's docker.io (20.10): one running container without a health check.
RECORDED = (
    '{"Command":"\\"/lib/systemd/systemd\\"","CreatedAt":"2026-12-06 05:40:12 +0000 UTC","ID":"a459de45a991",'
    '"Image":"localhost/ai-stack-test:debian13-docker","Labels":"owner=molecule","LocalVolumes":"1","Mounts":"",'
    '"Names":"ollama","Networks":"bridge","Platform":null,"Ports":"","RunningFor":"2 minutes ago",'
    '"Size":"194MB (virtual 831MB)","State":"running","Status":"Up 2 minutes"}'
)


def ps(name, state, status):
    return {"Names": name, "State": state, "Status": status}


def host(name="gpu1", groups=("ai_stack", "ai_stack_gpu", "ai_stack_edge"), containers=(), **kw):
    base = {
        "host": name,
        "groups": list(groups),
        "containers": list(containers),
        "docker_error": "",
        "bind_address": "100.100.1.1",
        "domain": "ai.home.arpa",
        "subdomains": {"chat": "chat", "ollama": "llm", "comfy": "comfy", "hole": "hole"},
        "storage_root": "/tank",
        "states": {},
        "basic_auth": {"ollama": "False", "comfyui": "True"},
    }
    base.update(kw)
    return base


def test_every_service_up_reads_as_up_with_urls_and_credential_names():
    containers = [
        json.loads(RECORDED),
        ps("nginx", "running", "Up 5 minutes (healthy)"),
        ps("open-webui", "running", "Up 5 minutes (healthy)"),
        ps("pihole", "running", "Up 5 minutes (healthy)"),
        ps("comfyui", "running", "Up 4 minutes (health: starting)"),
    ]
    rows = summary_rows([host(containers=containers)], ["gpu1"])
    by = {r["service"]: r for r in rows}
    assert set(by) == {"nginx", "Open WebUI", "Pi-hole", "Ollama", "ComfyUI"}
    assert all(r["ok"] for r in rows)
    assert by["Ollama"]["url"] == "https://llm.ai.home.arpa/api/version"
    assert by["Ollama"]["health"] == "running"
    assert by["nginx"]["url"] == "http://100.100.1.1/healthz"
    assert by["Pi-hole"]["credentials"] == "pihole_admin_password (vault_pihole_admin_password)"
    assert "nginx_basic_auth_password" in by["ComfyUI"]["credentials"]
    assert "/tank/services/nginx-proxy/basic-auth.password" in by["ComfyUI"]["credentials"]
    assert by["Ollama"]["credentials"].startswith("none")
    lines = summary_table(rows)
    assert [c.strip() for c in lines[0].split(" | ")] == ["service", "host", "URL", "health"]
    assert lines[-1] == "5 of 5 services up; 0 down"
    assert not any(line.startswith("Next steps") for line in lines)


def test_down_unhealthy_missing_and_failed_hosts_get_next_steps():
    gpu = host(
        "gpu1",
        groups=["ai_stack", "ai_stack_gpu"],
        containers=[
            ps("ollama", "exited", "Exited (137) 3 seconds ago"),
            ps("comfyui", "running", "Up 1 hour (unhealthy)"),
        ],
    )
    edge = host("edge1", groups=["ai_stack", "ai_stack_edge"], containers=[], states={"pihole": "absent"})
    rows = summary_rows([gpu, edge], ["gpu1", "edge1", "gpu2"])
    by = {(r["service"], r["host"]): r for r in rows}
    assert by[("Ollama", "gpu1")]["health"].startswith("DOWN (exited")
    assert by[("ComfyUI", "gpu1")]["health"].startswith("UNHEALTHY")
    assert by[("nginx", "edge1")]["health"].startswith("MISSING")
    assert ("Pi-hole", "edge1") not in by  # pihole_state: absent
    assert by[("(all)", "gpu2")]["health"].startswith("FAILED earlier")
    assert "--tags ollama --limit gpu1" in by[("Ollama", "gpu1")]["next"]
    assert "docker logs --tail 50 ollama" in by[("Ollama", "gpu1")]["next"]
    lines = summary_table(rows)
    assert "Next steps for what is down:" in lines
    assert lines[-1] == f"0 of {len(rows)} services up; {len(rows)} down"
    # Names of variables only: no value of a secret can be in the table.
    assert not any("password:" in line for line in lines)


def test_unreadable_docker_is_unknown_not_up():
    rows = summary_rows([host(docker_error="permission denied while trying to connect to the Docker daemon")])
    assert rows and all(not r["ok"] and r["health"].startswith("UNKNOWN") for r in rows)


def test_status_without_state_from_older_engines():
    rows = summary_rows([host(groups=["ai_stack_gpu"], containers=[{"Names": "ollama", "Status": "Up 3 hours"}])])
    assert next(r for r in rows if r["service"] == "Ollama")["ok"] is True
