"""Pi-hole STAND-IN for the homelab.ai_stack tests. It is not Pi-hole.

It reads the same settings the Pi-hole v6 image reads and answers the
endpoints the pihole role and its tests use:

- DNS on port 53, UDP and TCP. A records from FTLCONF_dns_hosts
  ("IP NAME [NAME...]" entries separated by ';'), CNAMEs from
  FTLCONF_dns_cnameRecords ("alias,target[,ttl]" separated by ';'),
  `pi.hole` -> the container's own address; names on the deny list answer
  0.0.0.0 (Pi-hole's default NULL blocking) unless also allowed; every other
  name is forwarded to FTLCONF_dns_upstreams (';' separated), NXDOMAIN when
  there is none, SERVFAIL when none answers.
- HTTP on port 80: /admin/ (a tiny page); / -> 308 /admin/ only when the Host
  header is webserver.domain (FTLCONF_webserver_domain, default pi.hole), 404
  otherwise, as FTL does; POST /api/auth with {"password": ...} checked
  against FTLCONF_webserver_api_password, answering a session id; PUT and
  DELETE /api/config/dns/hosts|cnameRecords/<value> (what the web UI's local
  DNS pages send) refused with FTL's 400 when the key was set from the
  environment, else kept in /etc/pihole/pihole.toml.
- Allow/deny lists written by the `pihole allow|deny` stand-in CLI into
  /etc/pihole/standin-lists.json.
- The start the image does (CONTRACT.md): as root, chown -R /etc/pihole to
  pihole (1000:1000), directories 0755, files 0640; then the servers run as
  pihole and write pihole.toml and pihole-FTL.db there (failing, as FTL does,
  when they cannot).

It proves that routing, health waits, published ports and the DNS records the
role computes work; it proves nothing about Pi-hole itself (FTL, gravity,
blocking lists, the real web UI, the real CLI).
"""

import json
import os
import secrets
import socket
import socketserver
import sqlite3
import struct
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

LISTS_FILE = "/etc/pihole/standin-lists.json"
STATE_FILE = "/etc/pihole/standin-state.json"
CONFIG_DIR = "/etc/pihole"
TOML_FILE = os.path.join(CONFIG_DIR, "pihole.toml")
DB_FILE = os.path.join(CONFIG_DIR, "pihole-FTL.db")
PIHOLE_UID = PIHOLE_GID = 1000
# The keys the web UI's local DNS pages edit, as FTL names them.
UI_KEYS = {"dns/hosts": "dns_hosts", "dns/cnameRecords": "dns_cnameRecords"}
SESSIONS = set()
TYPE_A, TYPE_CNAME, TYPE_AAAA = 1, 5, 28


def env_list(name):
    return [x.strip() for x in os.environ.get(name, "").split(";") if x.strip()]


def env_set(key):
    """FTL reads FTLCONF_<key> and marks the key read-only (FLAG_ENV_VAR) when it is set at all."""
    return ("FTLCONF_" + key) in os.environ


def load_config():
    try:
        with open(TOML_FILE, encoding="utf-8") as handle:
            text = handle.read()
    except OSError:
        return {}
    # The stand-in's pihole.toml holds one JSON object after its comment line.
    return json.loads(text.split("\n", 1)[1] or "{}")


def save_config(config):
    tmp = TOML_FILE + ".tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write("# pihole.toml written by the Pi-hole STAND-IN (JSON body)\n" + json.dumps(config) + "\n")
    os.replace(tmp, TOML_FILE)


def config_list(key):
    """A list setting: the environment's when set there (read-only), else what the UI stored."""
    if env_set(key):
        return env_list("FTLCONF_" + key)
    return list(load_config().get(key, []))


def load_hosts():
    hosts = {}
    for entry in config_list("dns_hosts"):
        parts = entry.split()
        for name in parts[1:]:
            hosts.setdefault(name.lower().rstrip("."), parts[0])
    return hosts


def load_cnames():
    cnames = {}
    for entry in config_list("dns_cnameRecords"):
        parts = [p.strip() for p in entry.split(",")]
        if len(parts) >= 2:
            cnames[parts[0].lower().rstrip(".")] = parts[1].lower().rstrip(".")
    return cnames


def load_lists():
    try:
        with open(LISTS_FILE, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        data = {}
    return {k: set(data.get(k, [])) for k in ("allow", "deny")}


def own_address():
    try:
        return socket.gethostbyname(socket.gethostname())
    except OSError:
        return "127.0.0.1"


def parse_question(packet):
    labels, pos = [], 12
    while True:
        length = packet[pos]
        pos += 1
        if length == 0:
            break
        labels.append(packet[pos : pos + length].decode("ascii", "replace"))
        pos += length
    qtype, _qclass = struct.unpack("!HH", packet[pos : pos + 4])
    return ".".join(labels).lower(), qtype, pos + 4


def encode_name(name):
    out = b""
    for label in name.split("."):
        if label:
            out += bytes([len(label)]) + label.encode("ascii")
    return out + b"\x00"


def build_reply(query, question_end, rcode, answers):
    ident, flags = struct.unpack("!HH", query[:4])
    flags = 0x8000 | (flags & 0x7900) | 0x0080 | rcode  # QR, keep opcode+RD, RA
    header = struct.pack("!HHHHHH", ident, flags, 1, len(answers), 0, 0)
    return header + query[12:question_end] + b"".join(answers)


def rr(name_bytes, rtype, rdata, ttl=300):
    return name_bytes + struct.pack("!HHIH", rtype, 1, ttl, len(rdata)) + rdata


def forward(query):
    for upstream in env_list("FTLCONF_dns_upstreams"):
        host, _sep, port = upstream.partition("#")
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                sock.settimeout(2)
                sock.sendto(query, (host, int(port or 53)))
                return sock.recvfrom(4096)[0]
        except OSError:
            continue
    return None


def answer(query):
    try:
        name, qtype, qend = parse_question(query)
    except (IndexError, struct.error):
        return None
    hosts, cnames, lists = load_hosts(), load_cnames(), load_lists()
    hosts.setdefault("pi.hole", own_address())
    if name in lists["deny"] and name not in lists["allow"]:
        data = [rr(b"\xc0\x0c", TYPE_A, socket.inet_aton("0.0.0.0"))] if qtype == TYPE_A else []
        return build_reply(query, qend, 0, data)
    records, target = [], name
    if name in cnames:
        target = cnames[name]
        records.append(rr(b"\xc0\x0c", TYPE_CNAME, encode_name(target)))
    if target in hosts:
        if qtype == TYPE_A:
            owner = b"\xc0\x0c" if target == name else encode_name(target)
            records.append(rr(owner, TYPE_A, socket.inet_aton(hosts[target])))
        return build_reply(query, qend, 0, records)
    if records:
        return build_reply(query, qend, 0, records)
    if not env_list("FTLCONF_dns_upstreams"):
        return build_reply(query, qend, 3, [])
    reply = forward(query)
    return reply if reply is not None else build_reply(query, qend, 2, [])


class UDPHandler(socketserver.BaseRequestHandler):
    def handle(self):
        data, sock = self.request
        reply = answer(data)
        if reply:
            sock.sendto(reply, self.client_address)


class TCPHandler(socketserver.BaseRequestHandler):
    def handle(self):
        head = self.request.recv(2)
        if len(head) < 2:
            return
        (length,) = struct.unpack("!H", head)
        data = b""
        while len(data) < length:
            chunk = self.request.recv(length - len(data))
            if not chunk:
                return
            data += chunk
        reply = answer(data)
        if reply:
            self.request.sendall(struct.pack("!H", len(reply)) + reply)


class ThreadingUDP(socketserver.ThreadingMixIn, socketserver.UDPServer):
    allow_reuse_address = True
    daemon_threads = True


class ThreadingTCP(socketserver.ThreadingMixIn, socketserver.TCPServer):
    allow_reuse_address = True
    daemon_threads = True


class WebHandler(BaseHTTPRequestHandler):
    server_version = "pihole-standin"

    def _send(self, code, body, ctype="text/html", headers=None):
        payload = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(payload)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self):
        host = (self.headers.get("Host") or "").split(":")[0].lower()
        domain = os.environ.get("FTLCONF_webserver_domain", "pi.hole").lower()  # noqa: SIM112
        if self.path.startswith("/admin"):
            self._send(200, "<html><title>Pi-hole stand-in</title><body>Pi-hole stand-in admin</body></html>\n")
        elif self.path == "/" and host == domain:
            # FTL: 308 to /admin/ only for the configured domain (webserver.c).
            self._send(308, "", headers={"Location": "/admin/"})
        elif self.path.startswith("/api/config/"):
            self._config("GET")
        else:
            self._send(404, "not found\n", "text/plain")

    def do_PUT(self):
        self._config("PUT")

    def do_DELETE(self):
        self._config("DELETE")

    def _error(self, code, key, message, hint=None):
        body = {"error": {"key": key, "message": message, "hint": hint}, "took": 0.0}
        self._send(code, json.dumps(body), "application/json")

    def _config(self, method):
        if self.headers.get("X-FTL-SID") not in SESSIONS:
            return self._error(401, "unauthorized", "Unauthorized")
        path = self.path.split("?")[0][len("/api/config/") :]
        matches = [(p, k) for p, k in UI_KEYS.items() if path == p or path.startswith(p + "/")]
        if not matches:
            return self._error(404, "not_found", "Not found")
        prefix, key = matches[0]
        if method == "GET":
            flags = {"env_var": env_set(key)}
            return self._send(200, json.dumps({"config": {key: config_list(key)}, "flags": flags}), "application/json")
        value = urllib.parse.unquote(path[len(prefix) + 1 :])
        if not value:
            return self._error(400, "bad_request", "Missing item")
        if env_set(key):
            # FTL api/config.c api_config_put_delete(): FLAG_ENV_VAR.
            return self._error(
                400,
                "bad_request",
                "Config items set via environment variables cannot be changed via the API",
                key.replace("_", "."),
            )
        config = load_config()
        items = list(config.get(key, []))
        if method == "PUT":
            if value in items:
                return self._error(400, "bad_request", "Item already present", value)
            items.append(value)
        elif value in items:
            items.remove(value)
        else:
            return self._error(404, "not_found", "Item not found")
        config[key] = items
        save_config(config)
        return self._send(
            201 if method == "PUT" else 204, json.dumps({"took": 0.0}) if method == "PUT" else "", "application/json"
        )

    def do_POST(self):
        if self.path != "/api/auth":
            self._send(404, "not found\n", "text/plain")
            return
        length = int(self.headers.get("Content-Length", 0))
        try:
            password = json.loads(self.rfile.read(length) or b"{}").get("password")
        except ValueError:
            password = None
        # Pi-hole v6 spells its settings in mixed case; so must we.
        valid = password is not None and password == os.environ.get("FTLCONF_webserver_api_password")  # noqa: SIM112
        sid = secrets.token_urlsafe(16) if valid else None
        if sid:
            SESSIONS.add(sid)
        body = json.dumps({"session": {"valid": valid, "sid": sid}})
        self._send(200 if valid else 401, body, "application/json")

    def log_message(self, fmt, *args):
        sys.stderr.write("web: " + (fmt % args) + "\n")


def record_start():
    # Something in /etc/pihole that lives across restarts, like Pi-hole's own files.
    try:
        with open(STATE_FILE, encoding="utf-8") as handle:
            state = json.load(handle)
    except (OSError, ValueError):
        state = {"starts": 0}
    state["starts"] += 1
    os.makedirs(os.path.dirname(STATE_FILE), exist_ok=True)
    with open(STATE_FILE, "w", encoding="utf-8") as handle:
        json.dump(state, handle)


def prestart():
    """What pihole-FTL-prestart.sh (pi-hole v6.1.4) does as root at every start."""
    os.makedirs("/var/log/pihole", exist_ok=True)
    for top in (CONFIG_DIR, "/var/log/pihole"):
        for dirpath, _dirnames, filenames in os.walk(top):
            os.chown(dirpath, PIHOLE_UID, PIHOLE_GID)
            os.chmod(dirpath, 0o755)
            for name in filenames:
                path = os.path.join(dirpath, name)
                os.chown(path, PIHOLE_UID, PIHOLE_GID, follow_symlinks=False)
                if not os.path.islink(path):
                    os.chmod(path, 0o600 if name.endswith((".pem", ".crt")) else 0o640)


def drop_to_pihole():
    """start.sh runs FTL as DNSMASQ_USER=pihole (capsh --user)."""
    os.setgroups([PIHOLE_GID])
    os.setgid(PIHOLE_GID)
    os.setuid(PIHOLE_UID)


def ftl_files():
    """FTL writes its config and its database into /etc/pihole; it cannot run if it may not."""
    config = load_config()
    config["env"] = sorted(k[len("FTLCONF_") :] for k in os.environ if k.startswith("FTLCONF_") and "password" not in k)
    save_config(config)
    with sqlite3.connect(DB_FILE) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS ftl (id INTEGER PRIMARY KEY, value BLOB)")
        conn.execute("INSERT OR REPLACE INTO ftl VALUES (0, ?)", (str(os.getpid()),))


def main():
    prestart()
    servers = [
        ThreadingUDP(("0.0.0.0", 53), UDPHandler),
        ThreadingTCP(("0.0.0.0", 53), TCPHandler),
        HTTPServer(("0.0.0.0", 80), WebHandler),
    ]
    drop_to_pihole()
    try:
        ftl_files()
        record_start()
    except OSError as exc:
        print(f"pihole stand-in: FTL cannot write {CONFIG_DIR}: {exc}", file=sys.stderr, flush=True)
        return 1
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    print("pihole stand-in: DNS on 53/udp+tcp, web on 80 (NOT Pi-hole)", flush=True)
    threading.Event().wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
