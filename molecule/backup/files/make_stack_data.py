"""Lay out the files the stack's services leave below the storage root (test data).

Owners and modes as the containers make them: Open WebUI and Pi-hole data
belong to their image's users, the CA key is root's 0600.
"""

import os
import sqlite3
import sys

root = sys.argv[1]


def write(rel, data, mode=0o644, uid=0, gid=0):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(data if isinstance(data, bytes) else data.encode())
    os.chmod(path, mode)
    os.chown(path, uid, gid)


write("ai/open-webui/data/uploads/report.pdf", os.urandom(200000))
write("ai/open-webui/data/vector_db/chroma.sqlite3", os.urandom(50000))
write("ai/open-webui/data/cache/embedding/model.bin", os.urandom(1000))
write("ai/open-webui/webui_secret_key", "s3cret-key\n", 0o600)
db = sqlite3.connect(os.path.join(root, "ai/open-webui/data/webui.db"))
db.execute("PRAGMA journal_mode=WAL")
db.execute("CREATE TABLE auth (email TEXT, role TEXT)")
db.execute("CREATE TABLE chat (id INTEGER, title TEXT)")
db.execute("INSERT INTO auth VALUES ('admin@example.org', 'admin')")
db.executemany("INSERT INTO chat VALUES (?, ?)", [(i, f"chat {i}") for i in range(500)])
db.commit()
db.close()
# Pi-hole v6: /etc/pihole owned by the image's pihole user (uid 1000 here).
write("services/pihole/etc-pihole/pihole.toml", '[dns]\nupstreams = ["192.0.2.53"]\n', 0o644, 1000, 1000)
write("services/pihole/etc-pihole/gravity.db", os.urandom(30000), 0o644, 1000, 1000)
write("services/pihole/managed-lists.json", "[]\n")
write("services/nginx-proxy/ca/ca.key", "-----BEGIN PRIVATE KEY-----\nfake\n", 0o600)
write("services/nginx-proxy/ca/ca.crt", "-----BEGIN CERTIFICATE-----\nfake\n")
write("services/nginx-proxy/certs/server.crt", "-----BEGIN CERTIFICATE-----\nserver\n")
write("services/nginx-proxy/auth/htpasswd", "admin:$apr1$x$y\n", 0o640)
write("services/nginx-proxy/basic-auth.password", "pw\n", 0o600)
write("ai/comfyui/data/workflows/portrait.json", '{"nodes": []}\n')
write("ai/comfyui/data/comfy.settings.json", "{}\n")
write("ai/comfyui/output/ComfyUI_00001_.png", os.urandom(20000))
write("ai/comfyui/models/checkpoints/sd15.safetensors", os.urandom(300000))
write(
    "ai/comfyui/custom_nodes/ComfyUI-Manager/.git/config",
    '[remote "origin"]\n\turl = https://github.com/ltdrdata/ComfyUI-Manager.git\n',
)
write("ai/comfyui/custom_nodes/ComfyUI-Manager/__init__.py", "# node code\n")
write("ai/ollama/id_ed25519", "ollama key\n", 0o600)
write("ai/ollama/models/manifests/registry.ollama.ai/library/llama3.2/3b", "{}\n")
write("ai/ollama/models/blobs/sha256-abc", os.urandom(300000))
os.makedirs("/etc/zabbix", exist_ok=True)
with open("/etc/zabbix/ai-stack.psk", "w") as handle:
    handle.write("0123456789abcdef0123456789abcdef\n")
os.chmod("/etc/zabbix/ai-stack.psk", 0o600)
print("created")
